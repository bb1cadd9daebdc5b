/**
 * The database half's vocabulary: the context a plan is made in, the actions (what to do, as
 * data; aws.ts executes them) and the step shape (a check, actions, and the same check again as
 * the verification). forward.ts and rollback.ts build the steps; no AWS calls here.
 */
import type { EnvironmentConfig } from "../../../environments/config";
import type { DatabaseNames } from "./names";
import type { ObservedDatabase } from "./observation";

export interface DatabaseContext {
  refreshId: string;
  source: EnvironmentConfig;
  target: EnvironmentConfig;
  names: DatabaseNames;
  /** Restore from this existing snapshot (id or ARN; automated or manual) instead of taking one. */
  sourceSnapshot?: string;
  /** How the scrub reaches the new cluster: the Data API needs its HTTP endpoint on. */
  executor: "data-api" | "postgres";
  /** Keep the old cluster this long after the swap; 0 deletes it at the end of the run. */
  keepOldMs: number;
  /** When the old cluster may go (ISO), written on it as a tag at the swap. */
  deleteAfter: string;
  /** Tagged snapshots kept per target (newest refreshes), in each account. */
  snapshotRetention: number;
  /** Whether the target stack is converged through Terraform after the swap (see converge.ts). */
  converge: boolean;
}

export const isCrossAccount = (ctx: Pick<DatabaseContext, "source" | "target">): boolean => ctx.source.accountId !== ctx.target.accountId;

export type Account = "source" | "target";

/** What to do, as data; the adapter executes it (scrub and converge: the half, through its hooks). */
export type Action =
  | { kind: "createSnapshot"; clusterId: string; snapshotId: string; tags: Record<string, string> }
  | { kind: "copySnapshot"; from: string; to: string; kmsKeyId?: string; tags: Record<string, string> }
  | { kind: "shareSnapshot"; snapshotId: string; accountId: string }
  | { kind: "unshareSnapshot"; snapshotId: string; accountId: string }
  | {
      kind: "restoreCluster";
      clusterId: string;
      snapshotArn: string;
      engineVersion: string;
      kmsKeyId: string;
      subnetGroup?: string;
      securityGroupIds: string[];
      parameterGroup?: string;
      minCapacity: number;
      maxCapacity: number;
      secondsUntilAutoPause?: number;
      deletionProtection: boolean;
      /** As Terraform configures it (RestoreDBClusterFromSnapshot takes BackupRetentionPeriod); unset keeps the snapshot's. */
      backupRetentionDays?: number;
      tags: Record<string, string>;
    }
  | { kind: "createInstance"; instanceId: string; clusterId: string; promotionTier: number; tags: Record<string, string> }
  | { kind: "manageMasterPassword"; clusterId: string; kmsKeyId: string }
  | { kind: "setHttpEndpoint"; clusterArn: string; enabled: boolean }
  | { kind: "scrub"; clusterId: string; clusterArn: string; secretArn?: string; database: string }
  | { kind: "converge"; clusterId: string }
  | { kind: "tagCluster"; account: Account; arn: string; tags: Record<string, string> }
  | { kind: "renameCluster"; from: string; to: string }
  | { kind: "renameInstance"; from: string; to: string }
  | { kind: "deleteInstance"; instanceId: string }
  | { kind: "disableDeletionProtection"; clusterId: string }
  | { kind: "deleteCluster"; clusterId: string }
  | { kind: "deleteSnapshot"; account: Account; snapshotId: string };

/** Actions the AWS adapter executes (the others need the half's hooks). */
export type AwsAction = Exclude<Action, { kind: "scrub" } | { kind: "converge" }>;

export type StepState = { state: "done" } | { state: "pending"; detail: string; missing?: boolean } | { state: "todo"; detail: string };

export type StepName =
  | "snapshot"
  | "reencrypt"
  | "share"
  | "restore"
  | "unshare"
  | "create-instances"
  | "rotate-credentials"
  | "enable-http-endpoint"
  | "scrub"
  | "http-endpoint"
  | "swap-retire"
  | "swap-promote"
  | "converge"
  | "delete-old"
  | "prune-snapshots"
  | "unpromote"
  | "unretire"
  | "discard-new";

/** A step as data: does it apply, what does observed state say, what to do about it. */
export interface StepSpec {
  name: StepName;
  description: string;
  identifiers: Record<string, string>;
  /** Steps that never apply in this refresh are reported as skipped. */
  applies: boolean;
  skipReason?: string;
  /** The check (before) and the verification (after the action). */
  check(o: ObservedDatabase): StepState;
  /** What to do when the check says `todo`. */
  actions(o: ObservedDatabase): Action[];
  /** Swap steps: staging is unavailable while they run, so poll fast (and never stop between them). */
  fast?: boolean;
  /**
   * Multi-phase steps (renames that wait for a settled resource, deletes of instances then
   * cluster): still `todo` after acting is normal, so the next actions are issued on the next
   * poll. Other steps that stay `todo` after acting fail fast (wrong identifier, lost call).
   */
  reissue?: boolean;
  /** A separate limit, e.g. restores take longer than renames. */
  timeoutMs?: number;
  /** The first step whose action cannot be undone by `rollback` (plan and status show it). */
  pointOfNoReturn?: boolean;
}

export const MINUTE = 60_000;

/** Waiting on something that must exist: absent → `missing` (fails fast), else its status. */
export function statusOf(kind: string, id: string, status: string | undefined): StepState {
  if (status === undefined) return { state: "pending", detail: `${kind} ${id} not found`, missing: true };
  if (status === "available") return { state: "done" };
  return { state: "pending", detail: `${kind} ${id} is ${status}` };
}
