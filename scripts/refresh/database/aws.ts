/**
 * Thin AWS adapter of the database half: observe (describe calls → ObservedDatabase) and
 * execute (one Action → one API call). No decisions here; the planner makes them.
 */
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DBCluster,
  DBClusterSnapshot,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DisableHttpEndpointCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
} from "@aws-sdk/client-rds";
import type { AccountClients } from "../accounts";
import { REFRESH_TAGS } from "../../../environments/naming";
import type { Clock } from "../core";
import { withRetries } from "../retry";
import type { AccountObservation, ClusterView, InstanceView, ObservedDatabase, SnapshotView } from "./observation";
import type { AwsAction, DatabaseContext } from "./steps";
import { tagList, tagRecord } from "../../lib/tags";

/** RDS names automated cluster snapshots `rds:<cluster>-<date>`; a manual identifier cannot hold a colon. */
const isAutomatedSnapshot = (idOrArn: string) => /^(arn:[^:]+:rds:[^:]*:\d{12}:cluster-snapshot:)?rds:/.test(idOrArn);

function clusterView(c: DBCluster): ClusterView {
  return {
    id: c.DBClusterIdentifier ?? "",
    arn: c.DBClusterArn ?? "",
    status: c.Status ?? "unknown",
    tags: tagRecord(c.TagList),
    engine: c.Engine ?? "",
    engineVersion: c.EngineVersion ?? "",
    storageEncrypted: c.StorageEncrypted ?? false,
    kmsKeyId: c.KmsKeyId,
    masterUsername: c.MasterUsername,
    databaseName: c.DatabaseName,
    subnetGroup: c.DBSubnetGroup,
    securityGroupIds: (c.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? "").filter(Boolean),
    parameterGroup: c.DBClusterParameterGroup,
    members: (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier ?? "").filter(Boolean),
    secretArn: c.MasterUserSecret?.SecretArn,
    secretKmsKeyId: c.MasterUserSecret?.KmsKeyId,
    httpEndpointEnabled: c.HttpEndpointEnabled ?? false,
    deletionProtection: c.DeletionProtection ?? false,
  };
}

function snapshotView(s: DBClusterSnapshot, sharedWith: string[]): SnapshotView {
  return {
    id: s.DBClusterSnapshotIdentifier ?? "",
    arn: s.DBClusterSnapshotArn ?? "",
    status: s.Status ?? "unknown",
    type: s.SnapshotType ?? "manual",
    clusterId: s.DBClusterIdentifier,
    encrypted: s.StorageEncrypted ?? false,
    kmsKeyId: s.KmsKeyId,
    engineVersion: s.EngineVersion,
    createdAt: s.SnapshotCreateTime ? new Date(s.SnapshotCreateTime).getTime() : undefined,
    tags: tagRecord(s.TagList),
    sharedWith,
  };
}

const notFound = (error: unknown): boolean => /NotFound/.test((error as Error)?.name ?? "");

export class RdsAdapter {
  constructor(
    readonly source: AccountClients,
    readonly target: AccountClients,
    private readonly clock: Clock,
  ) {}

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, { what, clock: this.clock });
  }

  private async paginate<T>(what: string, page: (marker?: string) => Promise<{ items: T[]; marker?: string }>): Promise<T[]> {
    const all: T[] = [];
    let marker: string | undefined;
    do {
      const result = await this.call(what, () => page(marker));
      all.push(...result.items);
      marker = result.marker;
    } while (marker);
    return all;
  }

  async clusters(rds: RDSClient): Promise<ClusterView[]> {
    const list = await this.paginate("rds:DescribeDBClusters", async (Marker) => {
      const out = await rds.send(new DescribeDBClustersCommand({ Marker }));
      return { items: out.DBClusters ?? [], marker: out.Marker };
    });
    return list.map(clusterView);
  }

  async instances(rds: RDSClient): Promise<InstanceView[]> {
    const list = await this.paginate("rds:DescribeDBInstances", async (Marker) => {
      const out = await rds.send(new DescribeDBInstancesCommand({ Marker }));
      return { items: out.DBInstances ?? [], marker: out.Marker };
    });
    return list.map((i) => ({ id: i.DBInstanceIdentifier ?? "", arn: i.DBInstanceArn, clusterId: i.DBClusterIdentifier, status: i.DBInstanceStatus ?? "unknown", tags: tagRecord(i.TagList) }));
  }

  /** Manual snapshots this tool tagged, plus one asked for by name (possibly automated). */
  async snapshots(rds: RDSClient, extra?: string): Promise<SnapshotView[]> {
    const manual = await this.paginate("rds:DescribeDBClusterSnapshots", async (Marker) => {
      const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: "manual", Marker }));
      return { items: out.DBClusterSnapshots ?? [], marker: out.Marker };
    });
    const tagged = manual.filter((s) => tagRecord(s.TagList)[REFRESH_TAGS.refreshId]);
    if (extra && !tagged.some((s) => s.DBClusterSnapshotIdentifier === extra || s.DBClusterSnapshotArn === extra)) {
      try {
        // DescribeDBClusterSnapshots: "If this identifier is for an automated snapshot, the SnapshotType parameter must also be specified."
        const SnapshotType = isAutomatedSnapshot(extra) ? "automated" : undefined;
        const out = await this.call("rds:DescribeDBClusterSnapshots", () => rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: extra, SnapshotType })));
        tagged.push(...(out.DBClusterSnapshots ?? []));
      } catch (error) {
        if (!notFound(error)) throw error;
      }
    }
    // One attributes call per available manual snapshot, concurrently (the SDK client bounds its sockets).
    return Promise.all(
      tagged.map(async (s) => {
        let shared: string[] = [];
        if (s.SnapshotType === "manual" && s.Status === "available") {
          const attrs = await this.call("rds:DescribeDBClusterSnapshotAttributes", () =>
            rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: s.DBClusterSnapshotIdentifier })),
          );
          shared = attrs.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((a) => a.AttributeName === "restore")?.AttributeValues ?? [];
        }
        return snapshotView(s, shared);
      }),
    );
  }

  async keyArn(clients: AccountClients, keyId: string): Promise<{ arn: string; manager?: string } | undefined> {
    try {
      const out = await this.call("kms:DescribeKey", () => clients.kms.send(new DescribeKeyCommand({ KeyId: keyId })));
      return out.KeyMetadata?.Arn ? { arn: out.KeyMetadata.Arn, manager: out.KeyMetadata.KeyManager } : undefined;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async quota(rds: RDSClient): Promise<{ used: number; max: number } | undefined> {
    try {
      const out = await this.call("rds:DescribeAccountAttributes", () => rds.send(new DescribeAccountAttributesCommand({})));
      const q = out.AccountQuotas?.find((a) => a.AccountQuotaName === "ManualClusterSnapshots" || a.AccountQuotaName === "ManualSnapshots");
      return q && q.Used !== undefined && q.Max !== undefined ? { used: q.Used, max: q.Max } : undefined;
    } catch {
      return undefined; // not every endpoint (the emulator) answers; the check is then skipped
    }
  }

  /**
   * What AWS shows, every read concurrent. `quota`: also the source's manual snapshot quota, which
   * only the preflight decides on — read there, not between steps (an endpoint that does not
   * answer it, like the emulator, costs the retry policy's backoff on every read).
   */
  async observe(ctx: DatabaseContext, options: { quota?: boolean } = {}): Promise<ObservedDatabase> {
    const sameAccount = ctx.source.accountId === ctx.target.accountId;
    const [sourceAccount, targetAccount] = await Promise.all([
      this.observeAccount(this.source, ctx.sourceSnapshot),
      sameAccount ? undefined : this.observeAccount(this.target),
    ]);
    const target = targetAccount ?? sourceAccount;
    const sourceCluster = sourceAccount.clusters.find((c) => c.id === ctx.names.sourceCluster);
    const chosen = ctx.sourceSnapshot ? sourceAccount.snapshots.find((s) => s.id === ctx.sourceSnapshot || s.arn === ctx.sourceSnapshot) : undefined;
    const encrypted = chosen ? chosen.encrypted : sourceCluster?.storageEncrypted;
    const sourceKeyId = chosen ? chosen.kmsKeyId : sourceCluster?.kmsKeyId;
    const [sourceKey, sourceCmk, targetKey, quota] = await Promise.all([
      encrypted && sourceKeyId ? this.keyArn(this.source, sourceKeyId) : undefined,
      this.keyArn(this.source, ctx.names.sourceKeyAlias),
      this.keyArn(this.target, ctx.names.targetKeyAlias),
      options.quota ? this.quota(this.source.rds) : undefined,
    ]);
    return {
      source: {
        ...sourceAccount,
        manualSnapshotQuota: quota,
        keyManager: encrypted ? ((sourceKey?.manager as "AWS" | "CUSTOMER" | undefined) ?? "CUSTOMER") : undefined,
        cmkArn: sourceCmk?.manager === "CUSTOMER" ? sourceCmk.arn : undefined,
      },
      target: { ...target, keyArn: targetKey?.arn },
    };
  }

  private async observeAccount(clients: AccountClients, extraSnapshot?: string): Promise<AccountObservation> {
    const [clusters, instances, snapshots] = await Promise.all([this.clusters(clients.rds), this.instances(clients.rds), this.snapshots(clients.rds, extraSnapshot)]);
    return { clusters, instances, snapshots };
  }

  /** Executes one action (the scrub and the convergence are the half's: they need its hooks). */
  async execute(action: AwsAction): Promise<void> {
    const src = this.source.rds;
    const tgt = this.target.rds;
    const run = (name: string, fn: () => Promise<unknown>) => this.call(name, fn).then(() => undefined);
    switch (action.kind) {
      case "createSnapshot":
        return run("rds:CreateDBClusterSnapshot", () =>
          src.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: action.clusterId, DBClusterSnapshotIdentifier: action.snapshotId, Tags: tagList(action.tags) })),
        );
      case "copySnapshot":
        return run("rds:CopyDBClusterSnapshot", () =>
          src.send(
            new CopyDBClusterSnapshotCommand({
              SourceDBClusterSnapshotIdentifier: action.from,
              TargetDBClusterSnapshotIdentifier: action.to,
              KmsKeyId: action.kmsKeyId,
              CopyTags: false,
              Tags: tagList(action.tags),
            }),
          ),
        );
      case "shareSnapshot":
        return run("rds:ModifyDBClusterSnapshotAttribute", () =>
          src.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: action.snapshotId, AttributeName: "restore", ValuesToAdd: [action.accountId] })),
        );
      case "unshareSnapshot":
        return run("rds:ModifyDBClusterSnapshotAttribute", () =>
          src.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: action.snapshotId, AttributeName: "restore", ValuesToRemove: [action.accountId] })),
        );
      case "restoreCluster":
        return run("rds:RestoreDBClusterFromSnapshot", () =>
          tgt.send(
            new RestoreDBClusterFromSnapshotCommand({
              DBClusterIdentifier: action.clusterId,
              SnapshotIdentifier: action.snapshotArn,
              Engine: "aurora-postgresql",
              EngineVersion: action.engineVersion,
              KmsKeyId: action.kmsKeyId,
              DBSubnetGroupName: action.subnetGroup,
              VpcSecurityGroupIds: action.securityGroupIds.length > 0 ? action.securityGroupIds : undefined,
              DBClusterParameterGroupName: action.parameterGroup,
              ServerlessV2ScalingConfiguration: {
                MinCapacity: action.minCapacity,
                MaxCapacity: action.maxCapacity,
                SecondsUntilAutoPause: action.secondsUntilAutoPause,
              },
              EnableIAMDatabaseAuthentication: true,
              EnableCloudwatchLogsExports: ["postgresql"],
              CopyTagsToSnapshot: true,
              DeletionProtection: action.deletionProtection,
              BackupRetentionPeriod: action.backupRetentionDays,
              Tags: tagList(action.tags),
            }),
          ),
        );
      case "createInstance":
        return run("rds:CreateDBInstance", () =>
          tgt.send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: action.instanceId,
              DBClusterIdentifier: action.clusterId,
              DBInstanceClass: "db.serverless",
              Engine: "aurora-postgresql",
              PubliclyAccessible: false,
              AutoMinorVersionUpgrade: true,
              PromotionTier: action.promotionTier,
              Tags: tagList(action.tags),
            }),
          ),
        );
      case "manageMasterPassword":
        return run("rds:ModifyDBCluster", () =>
          tgt.send(new ModifyDBClusterCommand({ DBClusterIdentifier: action.clusterId, ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: action.kmsKeyId, ApplyImmediately: true })),
        );
      case "setHttpEndpoint":
        // API reference: ModifyDBCluster's EnableHttpEndpoint "applies only to Aurora Serverless v1"; a Serverless v2
        // cluster's Data API is switched with the EnableHttpEndpoint / DisableHttpEndpoint operations.
        return action.enabled
          ? run("rds:EnableHttpEndpoint", () => tgt.send(new EnableHttpEndpointCommand({ ResourceArn: action.clusterArn })))
          : run("rds:DisableHttpEndpoint", () => tgt.send(new DisableHttpEndpointCommand({ ResourceArn: action.clusterArn })));
      case "tagCluster":
        return run("rds:AddTagsToResource", () =>
          (action.account === "source" ? src : tgt).send(new AddTagsToResourceCommand({ ResourceName: action.arn, Tags: tagList(action.tags) })),
        );
      case "renameCluster":
        return run("rds:ModifyDBCluster", () =>
          tgt.send(new ModifyDBClusterCommand({ DBClusterIdentifier: action.from, NewDBClusterIdentifier: action.to, ApplyImmediately: true })),
        );
      case "renameInstance":
        return run("rds:ModifyDBInstance", () =>
          tgt.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: action.from, NewDBInstanceIdentifier: action.to, ApplyImmediately: true })),
        );
      case "deleteInstance":
        return run("rds:DeleteDBInstance", () => tgt.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: action.instanceId })));
      case "disableDeletionProtection":
        return run("rds:ModifyDBCluster", () => tgt.send(new ModifyDBClusterCommand({ DBClusterIdentifier: action.clusterId, DeletionProtection: false, ApplyImmediately: true })));
      case "deleteCluster":
        return run("rds:DeleteDBCluster", () => tgt.send(new DeleteDBClusterCommand({ DBClusterIdentifier: action.clusterId, SkipFinalSnapshot: true })));
      case "deleteSnapshot":
        return run("rds:DeleteDBClusterSnapshot", () =>
          (action.account === "source" ? src : tgt).send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: action.snapshotId })),
        );
    }
  }
}

/**
 * Clusters this tool retired (tag `twinstack:retired-by`) for a target, for `cleanup` and `status`.
 * A cluster back under the live identifier (after `rollback`) still carries those tags but is
 * live again: never a candidate.
 */
export function retiredClusters(clusters: ClusterView[], targetEnv: string, live?: string): ClusterView[] {
  return clusters.filter((c) => c.tags[REFRESH_TAGS.retiredBy] && c.tags[REFRESH_TAGS.targetEnv] === targetEnv && c.id !== live);
}
