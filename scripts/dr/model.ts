/**
 * The restore drill, as data: what was observed (read-only calls), what to restore, into
 * what, and what the figures must be. Pure: no AWS, no clock of its own.
 */
import type { EnvironmentConfig } from "../../environments/config";
import { ENVIRONMENT_TAG, REFRESH_TAG_PREFIX, drillResourcesName, stackId } from "../../environments/naming";
import { RefusedError } from "../refresh/core";
import { assertScratchIdentifier, scratchPrefix } from "./guard";

/** Tags on everything the drill creates (and how leftovers of a crashed drill are found). */
export const DRILL_TAGS = {
  drillId: `${REFRESH_TAG_PREFIX}drill-id`,
  drillOf: `${REFRESH_TAG_PREFIX}drill-of`,
} as const;

export interface ObservedCluster {
  readonly id: string;
  readonly arn: string;
  readonly status: string;
  readonly engine: string;
  readonly engineVersion: string;
  readonly kmsKeyId?: string;
  readonly members: string[];
  readonly tags: Record<string, string>;
  readonly latestRestorableTime?: number;
  readonly earliestRestorableTime?: number;
  readonly endpoint?: string;
  readonly secretArn?: string;
  readonly httpEndpointEnabled?: boolean;
  readonly deletionProtection?: boolean;
}

/** A recovery point: an Aurora cluster snapshot (automated, manual, or AWS Backup's `awsbackup:job-…`). */
export interface ObservedRecoveryPoint {
  readonly id: string;
  readonly arn: string;
  readonly status: string;
  readonly type: string;
  readonly clusterId?: string;
  /** Epoch ms. */
  readonly createdAt?: number;
  readonly kmsKeyId?: string;
}

export interface DrillObservation {
  readonly live?: ObservedCluster;
  readonly recoveryPoints: ObservedRecoveryPoint[];
  /** The drill's subnet group, when Terraform created it (backup.enabled). */
  readonly subnetGroup?: string;
  /** The drill's closed security group. */
  readonly securityGroupId?: string;
  /** Clusters a previous drill left behind (by name prefix or drill tag). */
  readonly leftovers: ObservedCluster[];
}

/** What to restore: the newest (or a named) recovery point, or a point in time of the live cluster. */
export type DrillSource = { kind: "recovery-point"; id?: string } | { kind: "point-in-time"; at: "latest" | number };

export type RestoreFrom =
  | { kind: "recovery-point"; id: string; arn: string; type: string; createdAt: number }
  | { kind: "point-in-time"; sourceClusterId: string; useLatest: boolean; restoreTo?: number };

export interface DrillPlan {
  readonly environment: string;
  readonly liveClusterId: string;
  readonly scratchClusterId: string;
  readonly scratchInstanceId: string;
  readonly restoreFrom: RestoreFrom;
  readonly subnetGroup: string;
  readonly securityGroupId: string;
  readonly kmsKeyId?: string;
  readonly engineVersion: string;
  /** Small and cheap: the drill measures restore and a few queries, not load. */
  readonly scaling: { minCapacity: number; maxCapacity: number };
  readonly tags: Record<string, string>;
  /** Scratch clusters of an earlier drill, deleted before this one starts. */
  readonly leftovers: string[];
  /** Age of the data restored at the start of the drill (RPO), seconds. */
  readonly rpoSeconds: number;
  /** What the figures must not exceed. */
  readonly objectives: { rpoSeconds: number; rtoSeconds: number };
}

/** Minutes an AWS Backup job may take to complete after its scheduled start (the plan's completion window). */
export const BACKUP_COMPLETION_MINUTES = 180;

/** `twinstack-production-drill-20260101t120000`: unique per second, ≤ 63 characters. */
export function scratchClusterId(config: Pick<EnvironmentConfig, "project" | "name">, startedAt: number): string {
  const stamp = new Date(startedAt).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").toLowerCase();
  return `${scratchPrefix(config)}${stamp}`;
}

/**
 * The oldest a recovery point may be when the schedule runs as configured: the snapshot interval
 * plus the job's completion window (AWS Backup), or a day and an hour (Aurora's automated daily
 * snapshot, when there is no plan); for point-in-time restores, the promised RPO.
 */
export function rpoObjectiveSeconds(config: Pick<EnvironmentConfig, "backup" | "dr">, source: DrillSource): number {
  if (source.kind === "point-in-time") return config.dr.rpoMinutes * 60;
  const minutes = config.backup.enabled ? config.backup.snapshotEveryHours * 60 + BACKUP_COMPLETION_MINUTES : 25 * 60;
  return minutes * 60;
}

/** Decides the drill from what was observed; refuses (exit 2) when it cannot run safely. */
export function planDrill(config: EnvironmentConfig, observed: DrillObservation, source: DrillSource, now: number): DrillPlan {
  const liveId = stackId(config);
  const live = observed.live;
  if (!live) throw new RefusedError(`dr: ${config.name}'s cluster ${liveId} was not found: nothing to drill (is the environment deployed?)`);
  if (!observed.subnetGroup || !observed.securityGroupId) {
    throw new RefusedError(
      `dr: ${config.name} has no drill network (${drillResourcesName(config)} subnet group and security group): set backup.enabled and apply the environment first`,
    );
  }

  let restoreFrom: RestoreFrom;
  let rpoSeconds: number;
  if (source.kind === "recovery-point") {
    const usable = observed.recoveryPoints.filter((point) => point.status === "available" && point.createdAt !== undefined && point.clusterId === liveId);
    const chosen = source.id
      ? observed.recoveryPoints.find((point) => point.id === source.id || point.arn === source.id)
      : usable.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];
    if (!chosen) {
      throw new DrillFailedError(
        source.id
          ? `recovery point ${JSON.stringify(source.id)} of ${liveId} was not found`
          : `no available recovery point of ${liveId}: backups are not running (check the AWS Backup plan and the cluster's automated backups)`,
      );
    }
    if (chosen.status !== "available") throw new DrillFailedError(`recovery point ${chosen.id} is ${chosen.status}, not available`);
    restoreFrom = { kind: "recovery-point", id: chosen.id, arn: chosen.arn, type: chosen.type, createdAt: chosen.createdAt ?? now };
    rpoSeconds = seconds(now - restoreFrom.createdAt);
  } else {
    const latest = live.latestRestorableTime;
    if (source.at === "latest") {
      if (latest === undefined) throw new DrillFailedError(`${liveId} reports no LatestRestorableTime: point-in-time restore is not available`);
      restoreFrom = { kind: "point-in-time", sourceClusterId: liveId, useLatest: true };
      rpoSeconds = seconds(now - latest);
    } else {
      if (latest !== undefined && source.at > latest) throw new RefusedError(`dr: --point-in-time ${new Date(source.at).toISOString()} is after ${liveId}'s latest restorable time (${new Date(latest).toISOString()})`);
      if (live.earliestRestorableTime !== undefined && source.at < live.earliestRestorableTime) {
        throw new RefusedError(`dr: --point-in-time ${new Date(source.at).toISOString()} is before ${liveId}'s earliest restorable time (${new Date(live.earliestRestorableTime).toISOString()})`);
      }
      restoreFrom = { kind: "point-in-time", sourceClusterId: liveId, useLatest: false, restoreTo: source.at };
      rpoSeconds = seconds(now - source.at);
    }
  }

  const scratch = scratchClusterId(config, now);
  const instance = `${scratch}-1`;
  assertScratchIdentifier(config, scratch, "restore into");
  assertScratchIdentifier(config, instance, "create");
  const leftovers = observed.leftovers.map((cluster) => cluster.id);
  for (const id of leftovers) assertScratchIdentifier(config, id, "delete leftover");

  return {
    environment: config.name,
    liveClusterId: liveId,
    scratchClusterId: scratch,
    scratchInstanceId: instance,
    restoreFrom,
    subnetGroup: observed.subnetGroup,
    securityGroupId: observed.securityGroupId,
    kmsKeyId: live.kmsKeyId,
    engineVersion: live.engineVersion,
    scaling: { minCapacity: 0.5, maxCapacity: Math.max(1, Math.min(4, config.database.maxCapacity)) },
    tags: { [DRILL_TAGS.drillId]: scratch, [DRILL_TAGS.drillOf]: liveId, [ENVIRONMENT_TAG]: config.name, Project: config.project },
    leftovers,
    rpoSeconds,
    objectives: { rpoSeconds: rpoObjectiveSeconds(config, source), rtoSeconds: config.dr.rtoMinutes * 60 },
  };
}

/** Milliseconds as seconds with one decimal, never negative (clocks differ a little). */
const seconds = (ms: number): number => Math.max(0, Math.round(ms / 100) / 10);

/** A drill that ran and failed (backups missing, restore failed, verification failed): exit 1. */
export class DrillFailedError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = "DrillFailedError";
  }
}

/** Is this cluster a drill's scratch cluster of this environment (by name or by tag)? */
export function isScratchCluster(config: Pick<EnvironmentConfig, "project" | "name">, cluster: Pick<ObservedCluster, "id" | "tags">): boolean {
  return cluster.id.startsWith(scratchPrefix(config)) || cluster.tags[DRILL_TAGS.drillOf] === stackId(config);
}
