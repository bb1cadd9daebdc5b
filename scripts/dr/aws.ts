/**
 * Thin AWS adapter of the drill: observe (describe calls → DrillObservation) and one method per
 * write, each behind the drill's protection check. No decisions here; model.ts makes them.
 */
import {
  CreateDBInstanceCommand,
  DBCluster,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { EnvironmentConfig } from "../../environments/config";
import { DRILL_SETTINGS, settingParameterName, stackId } from "../../environments/naming";
import { Clock, waitFor } from "../refresh/core";
import { withRetries } from "../refresh/retry";
import { assertScratchIdentifier } from "./guard";
import { DrillObservation, DrillPlan, ObservedCluster, ObservedRecoveryPoint, isScratchCluster } from "./model";
import { tagList, tagRecord } from "../lib/tags";

const time = (value: Date | string | undefined): number | undefined => (value ? new Date(value).getTime() : undefined);
const notFound = (error: unknown): boolean => /NotFound/.test((error as Error)?.name ?? "");

function clusterView(c: DBCluster): ObservedCluster {
  return {
    id: c.DBClusterIdentifier ?? "",
    arn: c.DBClusterArn ?? "",
    status: c.Status ?? "unknown",
    engine: c.Engine ?? "",
    engineVersion: c.EngineVersion ?? "",
    kmsKeyId: c.KmsKeyId,
    members: (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier ?? "").filter(Boolean),
    tags: tagRecord(c.TagList),
    latestRestorableTime: time(c.LatestRestorableTime),
    earliestRestorableTime: time(c.EarliestRestorableTime),
    endpoint: c.Endpoint,
    secretArn: c.MasterUserSecret?.SecretArn,
    httpEndpointEnabled: c.HttpEndpointEnabled,
    deletionProtection: c.DeletionProtection,
  };
}

export interface DrillAwsOptions {
  clock: Clock;
  /** First delay between polls, ms (grows to 6×). Default 15,000. */
  pollMs?: number;
  /** Limit of each wait (restore, instance, deletion), ms. Default 2 h. */
  waitTimeoutMs?: number;
}

/** What the drill needs from AWS: the real adapter below, or a test's. */
export interface DrillAws {
  observe(config: EnvironmentConfig): Promise<DrillObservation>;
  restore(config: EnvironmentConfig, plan: DrillPlan): Promise<void>;
  createInstance(config: EnvironmentConfig, plan: DrillPlan): Promise<void>;
  /** The RDS Data API on the scratch cluster, with RDS's managed master secret; returns the cluster once both are on. */
  openDataApi(config: EnvironmentConfig, plan: DrillPlan): Promise<ObservedCluster>;
  describeScratch(config: EnvironmentConfig, id: string): Promise<ObservedCluster | undefined>;
  /** Deletes a scratch cluster and its instances and waits until they are gone. */
  deleteScratch(config: EnvironmentConfig, id: string): Promise<void>;
}

export class RdsDrillAdapter implements DrillAws {
  constructor(
    private readonly rds: RDSClient,
    private readonly ssm: SSMClient,
    private readonly options: DrillAwsOptions,
  ) {}

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, { what, clock: this.options.clock });
  }

  private wait(what: string, poll: () => Promise<{ done: true } | { done: false; detail: string; missing?: boolean }>): Promise<void> {
    const min = this.options.pollMs ?? 15_000;
    return waitFor(what, poll, { clock: this.options.clock, timeoutMs: this.options.waitTimeoutMs ?? 2 * 3600_000, minDelayMs: min, maxDelayMs: 6 * min });
  }

  private async cluster(id: string): Promise<ObservedCluster | undefined> {
    try {
      const out = await this.call("rds:DescribeDBClusters", () => this.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })));
      const found = out.DBClusters?.[0];
      return found ? clusterView(found) : undefined;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  private async allClusters(): Promise<ObservedCluster[]> {
    const all: ObservedCluster[] = [];
    let marker: string | undefined;
    do {
      const out = await this.call("rds:DescribeDBClusters", () => this.rds.send(new DescribeDBClustersCommand({ Marker: marker })));
      all.push(...(out.DBClusters ?? []).map(clusterView));
      marker = out.Marker;
    } while (marker);
    return all;
  }

  private async setting(config: EnvironmentConfig, name: string): Promise<string | undefined> {
    try {
      const out = await this.call("ssm:GetParameter", () => this.ssm.send(new GetParameterCommand({ Name: settingParameterName(config, name) })));
      return out.Parameter?.Value || undefined;
    } catch (error) {
      if (/ParameterNotFound/.test((error as Error).name)) return undefined;
      throw error;
    }
  }

  /** Automated and manual snapshots of the live cluster, and AWS Backup's (`awsbackup:job-…`), newest first. */
  private async recoveryPoints(clusterId: string): Promise<ObservedRecoveryPoint[]> {
    const seen = new Map<string, ObservedRecoveryPoint>();
    // No SnapshotType returns automated and manual ones; AWS Backup's are listed as `awsbackup` as well.
    for (const SnapshotType of [undefined, "awsbackup"]) {
      let marker: string | undefined;
      do {
        const out = await this.call("rds:DescribeDBClusterSnapshots", () => this.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterId, SnapshotType, Marker: marker })));
        for (const s of out.DBClusterSnapshots ?? []) {
          const arn = s.DBClusterSnapshotArn ?? s.DBClusterSnapshotIdentifier ?? "";
          seen.set(arn, {
            id: s.DBClusterSnapshotIdentifier ?? "",
            arn,
            status: s.Status ?? "unknown",
            type: s.SnapshotType ?? SnapshotType ?? "manual",
            clusterId: s.DBClusterIdentifier,
            createdAt: time(s.SnapshotCreateTime),
            kmsKeyId: s.KmsKeyId,
          });
        }
        marker = out.Marker;
      } while (marker);
    }
    return [...seen.values()].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }

  async observe(config: EnvironmentConfig): Promise<DrillObservation> {
    const live = await this.cluster(stackId(config));
    const [recoveryPoints, subnetGroup, securityGroupId, clusters] = await Promise.all([
      live ? this.recoveryPoints(live.id) : Promise.resolve([]),
      this.setting(config, DRILL_SETTINGS.subnetGroup),
      this.setting(config, DRILL_SETTINGS.securityGroupId),
      this.allClusters(),
    ]);
    return { live, recoveryPoints, subnetGroup, securityGroupId, leftovers: clusters.filter((cluster) => isScratchCluster(config, cluster)) };
  }

  async restore(config: EnvironmentConfig, plan: DrillPlan): Promise<void> {
    assertScratchIdentifier(config, plan.scratchClusterId, "restore into");
    const common = {
      DBClusterIdentifier: plan.scratchClusterId,
      DBSubnetGroupName: plan.subnetGroup,
      VpcSecurityGroupIds: [plan.securityGroupId],
      KmsKeyId: plan.kmsKeyId,
      ServerlessV2ScalingConfiguration: { MinCapacity: plan.scaling.minCapacity, MaxCapacity: plan.scaling.maxCapacity },
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      Tags: tagList(plan.tags),
    };
    const from = plan.restoreFrom;
    if (from.kind === "recovery-point") {
      await this.call("rds:RestoreDBClusterFromSnapshot", () =>
        // By name: the snapshot is in this account and region (an ARN is needed only for a shared one).
        this.rds.send(new RestoreDBClusterFromSnapshotCommand({ ...common, SnapshotIdentifier: from.id, Engine: "aurora-postgresql", EngineVersion: plan.engineVersion })),
      );
    } else {
      await this.call("rds:RestoreDBClusterToPointInTime", () =>
        this.rds.send(
          new RestoreDBClusterToPointInTimeCommand({
            ...common,
            SourceDBClusterIdentifier: from.sourceClusterId,
            UseLatestRestorableTime: from.useLatest || undefined,
            RestoreToTime: from.restoreTo !== undefined ? new Date(from.restoreTo) : undefined,
            // A full copy, as a real recovery would be (copy-on-write clones share the source's storage).
            RestoreType: "full-copy",
          }),
        ),
      );
    }
    await this.waitClusterAvailable(plan.scratchClusterId);
  }

  private waitClusterAvailable(id: string): Promise<void> {
    return this.wait(`scratch cluster ${id} available`, async () => {
      const cluster = await this.cluster(id);
      if (!cluster) return { done: false, detail: "not found", missing: true };
      return cluster.status === "available" ? { done: true } : { done: false, detail: cluster.status };
    });
  }

  async createInstance(config: EnvironmentConfig, plan: DrillPlan): Promise<void> {
    assertScratchIdentifier(config, plan.scratchInstanceId, "create");
    await this.call("rds:CreateDBInstance", () =>
      this.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: plan.scratchInstanceId,
          DBClusterIdentifier: plan.scratchClusterId,
          DBInstanceClass: "db.serverless",
          Engine: "aurora-postgresql",
          PubliclyAccessible: false,
          Tags: tagList(plan.tags),
        }),
      ),
    );
    await this.wait(`scratch instance ${plan.scratchInstanceId} available`, async () => {
      const status = await this.instanceStatus(plan.scratchInstanceId);
      if (!status) return { done: false, detail: "not found", missing: true };
      return status === "available" ? { done: true } : { done: false, detail: status };
    });
  }

  private async instanceStatus(id: string): Promise<string | undefined> {
    try {
      const out = await this.call("rds:DescribeDBInstances", () => this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })));
      return out.DBInstances?.[0]?.DBInstanceStatus;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async openDataApi(config: EnvironmentConfig, plan: DrillPlan): Promise<ObservedCluster> {
    assertScratchIdentifier(config, plan.scratchClusterId, "modify");
    const scratch = await this.cluster(plan.scratchClusterId);
    if (!scratch) throw new Error(`${plan.scratchClusterId} not found`);
    // API reference: ModifyDBCluster's EnableHttpEndpoint "applies only to Aurora Serverless v1"; a Serverless v2
    // cluster's Data API is turned on by the EnableHttpEndpoint operation, by ARN.
    await this.call("rds:EnableHttpEndpoint", () => this.rds.send(new EnableHttpEndpointCommand({ ResourceArn: scratch.arn })));
    await this.call("rds:ModifyDBCluster", () =>
      this.rds.send(
        new ModifyDBClusterCommand({
          DBClusterIdentifier: plan.scratchClusterId,
          // RDS keeps the password in a secret of its own, deleted with the cluster.
          ManageMasterUserPassword: true,
          MasterUserSecretKmsKeyId: plan.kmsKeyId,
          ApplyImmediately: true,
        }),
      ),
    );
    let ready: ObservedCluster | undefined;
    await this.wait(`Data API of ${plan.scratchClusterId}`, async () => {
      ready = await this.cluster(plan.scratchClusterId);
      if (!ready) return { done: false, detail: "not found", missing: true };
      return ready.status === "available" && ready.httpEndpointEnabled && ready.secretArn ? { done: true } : { done: false, detail: `${ready.status}, http endpoint ${ready.httpEndpointEnabled ? "on" : "off"}` };
    });
    return ready as ObservedCluster;
  }

  describeScratch(config: EnvironmentConfig, id: string): Promise<ObservedCluster | undefined> {
    assertScratchIdentifier(config, id, "describe");
    return this.cluster(id);
  }

  async deleteScratch(config: EnvironmentConfig, id: string): Promise<void> {
    assertScratchIdentifier(config, id, "delete");
    const cluster = await this.cluster(id);
    if (!cluster) return;
    if (cluster.deletionProtection) {
      // The restore asks for none; a scratch cluster restored otherwise (by hand, or an emulator
      // that keeps the snapshot's setting) must still go.
      await this.call("rds:ModifyDBCluster", () => this.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: id, DeletionProtection: false, ApplyImmediately: true })));
    }
    for (const instance of cluster.members) {
      assertScratchIdentifier(config, instance, "delete");
      await this.call("rds:DeleteDBInstance", () => this.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instance, SkipFinalSnapshot: true }))).catch((error) => {
        if (!notFound(error)) throw error;
      });
    }
    for (const instance of cluster.members) {
      await this.wait(`scratch instance ${instance} deleted`, async () => {
        const status = await this.instanceStatus(instance);
        return status === undefined ? { done: true } : { done: false, detail: status };
      });
    }
    await this.call("rds:DeleteDBCluster", () => this.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }))).catch((error) => {
      if (!notFound(error)) throw error;
    });
    await this.wait(`scratch cluster ${id} deleted`, async () => {
      const gone = await this.cluster(id);
      return gone === undefined ? { done: true } : { done: false, detail: gone.status };
    });
  }
}
