/**
 * The database half as data: identifiers, what we observe, and a pure planner that turns
 * observed AWS state into steps (check → action → verification). No AWS calls here.
 */
import type { EnvironmentConfig } from "../../../environments/config";
import { stackId } from "../../../environments/naming";

export const TAG_REFRESH_ID = "twinstack:refresh-id";
export const TAG_SOURCE_ENV = "twinstack:source-env";
export const TAG_TARGET_ENV = "twinstack:target-env";
export const TAG_SCRUBBED = "twinstack:scrubbed";
export const TAG_RETIRED_BY = "twinstack:retired-by";
export const TAG_DELETE_AFTER = "twinstack:delete-after";

/** Every identifier one refresh uses; exactly how Terraform names the live ones (modules/aurora). */
export interface DatabaseNames {
  live: string;
  liveInstances: string[];
  newCluster: string;
  newInstances: string[];
  oldCluster: string;
  oldInstances: string[];
  /** Manual snapshot in the source account. */
  snapshot: string;
  /** Copy of it under the source's customer-managed key, when the source uses `aws/rds`. */
  reencryptedSnapshot: string;
  targetKeyAlias: string;
  sourceKeyAlias: string;
  sourceCluster: string;
}

export function databaseNames(source: EnvironmentConfig, target: EnvironmentConfig, refreshId: string): DatabaseNames {
  const live = stackId(target);
  const count = target.database.instanceCount;
  const range = Array.from({ length: count }, (_, i) => i + 1);
  const sourceCluster = stackId(source);
  return {
    live,
    liveInstances: range.map((i) => `${live}-${i}`),
    newCluster: `${live}-new-${refreshId}`,
    newInstances: range.map((i) => `${live}-new-${refreshId}-${i}`),
    oldCluster: `${live}-old-${refreshId}`,
    oldInstances: range.map((i) => `${live}-old-${refreshId}-${i}`),
    snapshot: `${sourceCluster}-refresh-${refreshId}`,
    reencryptedSnapshot: `${sourceCluster}-refresh-${refreshId}-cmk`,
    targetKeyAlias: `alias/${live}-database`,
    sourceKeyAlias: `alias/${sourceCluster}-database`,
    sourceCluster,
  };
}

/** RDS identifiers: 1-63 characters, a letter first, letters/digits/single hyphens, no trailing hyphen. */
export function identifierProblem(id: string): string | undefined {
  if (id.length > 63) return `identifier ${id} is ${id.length} characters; RDS allows 63 (shorten the project or environment name)`;
  if (!/^[a-z](?:-?[a-z0-9])*$/.test(id)) return `identifier ${id} is not a valid RDS identifier`;
  return undefined;
}

export interface ClusterView {
  id: string;
  arn: string;
  status: string;
  tags: Record<string, string>;
  engine: string;
  engineVersion: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  masterUsername?: string;
  databaseName?: string;
  subnetGroup?: string;
  securityGroupIds: string[];
  parameterGroup?: string;
  /** Member instance identifiers, as the cluster reports them. */
  members: string[];
  secretArn?: string;
  secretKmsKeyId?: string;
  httpEndpointEnabled: boolean;
  deletionProtection: boolean;
}

export interface InstanceView {
  id: string;
  clusterId?: string;
  status: string;
  tags: Record<string, string>;
}

export interface SnapshotView {
  id: string;
  arn: string;
  status: string;
  /** `manual` or `automated` (RDS's SnapshotType). */
  type: string;
  clusterId?: string;
  encrypted: boolean;
  kmsKeyId?: string;
  engineVersion?: string;
  createdAt?: number;
  tags: Record<string, string>;
  /** Accounts in the `restore` attribute. */
  sharedWith: string[];
}

export interface AccountObservation {
  clusters: ClusterView[];
  instances: InstanceView[];
  /** Manual snapshots this tool tagged (any refresh id) plus any snapshot asked for by name. */
  snapshots: SnapshotView[];
  /** Manual cluster snapshots in use / allowed, when the account reports it. */
  manualSnapshotQuota?: { used: number; max: number };
}

/** Everything the planner decides from. Rebuilt from AWS before every step. */
export interface ObservedDatabase {
  source: AccountObservation & {
    /** Customer- or AWS-managed, for the source cluster's (or chosen snapshot's) key. */
    keyManager?: "AWS" | "CUSTOMER";
    /** The source environment's own CMK (`alias/<source>-database`), when it exists. */
    cmkArn?: string;
  };
  target: AccountObservation & {
    /** Key ARN behind `alias/<target>-database`, when it exists. */
    keyArn?: string;
  };
}

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
}

export const isCrossAccount = (ctx: Pick<DatabaseContext, "source" | "target">): boolean => ctx.source.accountId !== ctx.target.accountId;

export type Account = "source" | "target";

/** What to do, as data; the adapter executes it. */
export type Action =
  | { kind: "createSnapshot"; clusterId: string; snapshotId: string; tags: Record<string, string> }
  | { kind: "copySnapshot"; from: string; to: string; kmsKeyId?: string; tags: Record<string, string> }
  | { kind: "shareSnapshot"; snapshotId: string; accountId: string }
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
  | { kind: "enableHttpEndpoint"; clusterId: string }
  | { kind: "scrub"; clusterId: string; clusterArn: string; secretArn?: string; database: string }
  | { kind: "tagCluster"; account: Account; arn: string; tags: Record<string, string> }
  | { kind: "tagInstance"; arn: string; tags: Record<string, string> }
  | { kind: "renameCluster"; from: string; to: string }
  | { kind: "renameInstance"; from: string; to: string }
  | { kind: "deleteInstance"; instanceId: string }
  | { kind: "disableDeletionProtection"; clusterId: string }
  | { kind: "deleteCluster"; clusterId: string }
  | { kind: "deleteSnapshot"; account: Account; snapshotId: string };

export type StepState = { state: "done" } | { state: "pending"; detail: string; missing?: boolean } | { state: "todo"; detail: string };

export type StepName =
  | "snapshot"
  | "reencrypt"
  | "share"
  | "restore"
  | "create-instances"
  | "rotate-credentials"
  | "enable-http-endpoint"
  | "scrub"
  | "swap-retire"
  | "swap-promote"
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
  /** Swap steps: staging is unavailable while they run, so poll fast. */
  fast?: boolean;
  /**
   * Multi-phase steps (renames that wait for a settled resource, deletes of instances then
   * cluster): still `todo` after acting is normal, so the next actions are issued on the next
   * poll. Other steps that stay `todo` after acting fail fast (wrong identifier, lost call).
   */
  reissue?: boolean;
  /** A separate limit, e.g. restores take longer than renames. */
  timeoutMs?: number;
}

const MIN = 60_000;

export const findCluster = (account: AccountObservation, id: string): ClusterView | undefined => account.clusters.find((c) => c.id === id);
export const findInstance = (account: AccountObservation, id: string): InstanceView | undefined => account.instances.find((i) => i.id === id);
const findSnapshot = (account: AccountObservation, id: string): SnapshotView | undefined =>
  account.snapshots.find((s) => s.id === id || s.arn === id);

/** Tagged by this refresh? */
export const isOurs = (tags: Record<string, string> | undefined, refreshId: string): boolean => tags?.[TAG_REFRESH_ID] === refreshId;

function refreshTags(ctx: DatabaseContext): Record<string, string> {
  return { [TAG_REFRESH_ID]: ctx.refreshId, [TAG_SOURCE_ENV]: ctx.source.name, [TAG_TARGET_ENV]: ctx.target.name };
}

/** Tags of the restored cluster: what Terraform applies (default tags) plus the refresh's. */
export function restoredClusterTags(ctx: DatabaseContext): Record<string, string> {
  return { Project: ctx.target.project, Environment: ctx.target.name, ManagedBy: "cdktf", ...ctx.target.tags, ...refreshTags(ctx) };
}

const available = (status: string | undefined): boolean => status === "available";

/** Waiting on something that must exist: absent → `missing` (fails fast), else its status. */
function statusOf(kind: string, id: string, status: string | undefined): StepState {
  if (status === undefined) return { state: "pending", detail: `${kind} ${id} not found`, missing: true };
  if (available(status)) return { state: "done" };
  return { state: "pending", detail: `${kind} ${id} is ${status}` };
}

/** The snapshot that the target restores from, and whether the source needs a re-encrypted copy. */
export function snapshotPlan(ctx: DatabaseContext, o: ObservedDatabase): { needsReencrypt: boolean; restoreFrom: string } {
  const needsReencrypt = o.source.keyManager === "AWS";
  return { needsReencrypt, restoreFrom: needsReencrypt ? ctx.names.reencryptedSnapshot : ctx.names.snapshot };
}

/** A working target: its Terraform-named cluster is available with an available member instance. */
export function targetWorking(names: Pick<DatabaseNames, "live">, target: AccountObservation): boolean {
  const cluster = findCluster(target, names.live);
  if (!cluster || !available(cluster.status)) return false;
  return target.instances.some((i) => i.clusterId === names.live && available(i.status));
}

/** The forward steps of the database half, in order. */
export function databaseSteps(ctx: DatabaseContext, o: ObservedDatabase): StepSpec[] {
  const n = ctx.names;
  const rid = ctx.refreshId;
  const tags = refreshTags(ctx);
  const { needsReencrypt, restoreFrom } = snapshotPlan(ctx, o);
  const cross = isCrossAccount(ctx);
  const promoted = (obs: ObservedDatabase) => {
    const live = findCluster(obs.target, n.live);
    return live !== undefined && isOurs(live.tags, rid);
  };
  // Once the new cluster holds the live name, the pre-swap steps are judged on it.
  const newClusterNow = (obs: ObservedDatabase) => findCluster(obs.target, promoted(obs) ? n.live : n.newCluster);
  const snapshotGone = (obs: ObservedDatabase) => promoted(obs) || findCluster(obs.target, n.newCluster) !== undefined;

  const snapshotStep: StepSpec = {
    name: "snapshot",
    description: ctx.sourceSnapshot
      ? `copy snapshot ${ctx.sourceSnapshot} to a manual, tagged snapshot in the source account`
      : `take a manual snapshot of ${n.sourceCluster} in the source account, tagged with the refresh id`,
    identifiers: { snapshot: n.snapshot, sourceCluster: n.sourceCluster, ...(ctx.sourceSnapshot ? { from: ctx.sourceSnapshot } : {}) },
    applies: true,
    timeoutMs: 120 * MIN,
    check: (obs) => {
      if (snapshotGone(obs)) return { state: "done" };
      const snap = findSnapshot(obs.source, n.snapshot);
      if (!snap) return { state: "todo", detail: "no snapshot yet" };
      return statusOf("snapshot", n.snapshot, snap.status);
    },
    actions: () =>
      ctx.sourceSnapshot
        ? [{ kind: "copySnapshot", from: ctx.sourceSnapshot, to: n.snapshot, tags }]
        : [{ kind: "createSnapshot", clusterId: n.sourceCluster, snapshotId: n.snapshot, tags }],
  };

  const reencryptStep: StepSpec = {
    name: "reencrypt",
    description: `copy the snapshot under the source's customer-managed key ${n.sourceKeyAlias} (aws/rds cannot be shared)`,
    identifiers: { snapshot: n.reencryptedSnapshot, key: n.sourceKeyAlias },
    applies: needsReencrypt,
    skipReason: "the source is encrypted with a customer-managed key (or unencrypted): share as is",
    timeoutMs: 120 * MIN,
    check: (obs) => {
      if (snapshotGone(obs)) return { state: "done" };
      const snap = findSnapshot(obs.source, n.reencryptedSnapshot);
      if (!snap) return { state: "todo", detail: "no re-encrypted copy yet" };
      return statusOf("snapshot", n.reencryptedSnapshot, snap.status);
    },
    actions: (obs) => [{ kind: "copySnapshot", from: n.snapshot, to: n.reencryptedSnapshot, kmsKeyId: obs.source.cmkArn ?? n.sourceKeyAlias, tags }],
  };

  const shareStep: StepSpec = {
    name: "share",
    description: "share the snapshot with the target account (attribute restore)",
    identifiers: { snapshot: restoreFrom, account: ctx.target.accountId },
    applies: cross,
    skipReason: "source and target are one account",
    check: (obs) => {
      if (snapshotGone(obs)) return { state: "done" };
      const snap = findSnapshot(obs.source, restoreFrom);
      if (!snap) return { state: "pending", detail: `snapshot ${restoreFrom} not found`, missing: true };
      return snap.sharedWith.includes(ctx.target.accountId) ? { state: "done" } : { state: "todo", detail: "not shared yet" };
    },
    actions: () => [{ kind: "shareSnapshot", snapshotId: restoreFrom, accountId: ctx.target.accountId }],
  };

  const restoreStep: StepSpec = {
    name: "restore",
    description: `restore the snapshot by ARN into ${n.newCluster} with the target's key, network, parameter group and Serverless v2 scaling`,
    identifiers: { cluster: n.newCluster, key: n.targetKeyAlias },
    applies: true,
    timeoutMs: 180 * MIN,
    check: (obs) => {
      // After the swap started, everything before it was verified: do not wait on a renaming cluster again.
      if (promoted(obs)) return { state: "done" };
      const cluster = newClusterNow(obs);
      if (!cluster) return { state: "todo", detail: "not restored yet" };
      return statusOf("cluster", cluster.id, cluster.status);
    },
    actions: (obs) => {
      const live = findCluster(obs.target, n.live);
      const snap = findSnapshot(obs.source, restoreFrom);
      const db = ctx.target.database;
      return [
        {
          kind: "restoreCluster",
          clusterId: n.newCluster,
          snapshotArn: snap?.arn ?? restoreFrom,
          engineVersion: db.engineVersion,
          kmsKeyId: obs.target.keyArn ?? n.targetKeyAlias,
          subnetGroup: live?.subnetGroup,
          securityGroupIds: live?.securityGroupIds ?? [],
          parameterGroup: live?.parameterGroup,
          minCapacity: db.minCapacity,
          maxCapacity: db.maxCapacity,
          secondsUntilAutoPause: db.minCapacity === 0 ? db.secondsUntilAutoPause : undefined,
          // As Terraform configures it, so a plan after the swap does not flip it.
          deletionProtection: db.deletionProtection,
          backupRetentionDays: db.backupRetentionDays,
          tags: restoredClusterTags(ctx),
        },
      ];
    },
  };

  const instancesStep: StepSpec = {
    name: "create-instances",
    description: `create ${n.newInstances.length} db.serverless instance(s) in the new cluster (a restored cluster has none)`,
    identifiers: Object.fromEntries(n.newInstances.map((id, i) => [`instance${i + 1}`, id])),
    applies: true,
    timeoutMs: 90 * MIN,
    check: (obs) => {
      // After the swap started, everything before it was verified: do not wait on a renaming cluster again.
      if (promoted(obs)) return { state: "done" };
      // An instance counts under its temporary or (after the swap) its live name.
      const found = n.newInstances.map((id, i) => {
        const promotedInstance = findInstance(obs.target, n.liveInstances[i]);
        return promotedInstance && isOurs(promotedInstance.tags, rid) ? promotedInstance : findInstance(obs.target, id);
      });
      const missing = n.newInstances.filter((_, i) => !found[i]);
      if (missing.length > 0) return { state: "todo", detail: `missing ${missing.join(", ")}` };
      const waiting = found.map((i) => i!).filter((i) => !available(i.status));
      return waiting.length === 0 ? { state: "done" } : { state: "pending", detail: waiting.map((i) => `${i.id} is ${i.status}`).join(", ") };
    },
    actions: (obs) =>
      n.newInstances
        .map((id, i) => ({ id, i }))
        .filter(({ id, i }) => !findInstance(obs.target, id) && !isOurs(findInstance(obs.target, n.liveInstances[i])?.tags, rid))
        .map(({ id, i }) => ({ kind: "createInstance", instanceId: id, clusterId: n.newCluster, promotionTier: i, tags }) as Action),
  };

  const rotateStep: StepSpec = {
    name: "rotate-credentials",
    description: "replace production's master password with a secret managed by RDS under the target's key",
    identifiers: { cluster: n.newCluster, key: n.targetKeyAlias },
    applies: true,
    timeoutMs: 30 * MIN,
    check: (obs) => {
      // After the swap started, everything before it was verified: do not wait on a renaming cluster again.
      if (promoted(obs)) return { state: "done" };
      const cluster = newClusterNow(obs);
      if (!cluster) return { state: "pending", detail: `cluster ${n.newCluster} not found`, missing: true };
      const keyOk = cluster.secretKmsKeyId !== undefined && (obs.target.keyArn === undefined || cluster.secretKmsKeyId === obs.target.keyArn);
      if (!cluster.secretArn || !keyOk) return { state: "todo", detail: "master password not managed under the target key" };
      return statusOf("cluster", cluster.id, cluster.status);
    },
    actions: (obs) => [{ kind: "manageMasterPassword", clusterId: n.newCluster, kmsKeyId: obs.target.keyArn ?? n.targetKeyAlias }],
  };

  const httpStep: StepSpec = {
    name: "enable-http-endpoint",
    description: "turn on the Data API (HTTP endpoint) of the new cluster for the scrub",
    identifiers: { cluster: n.newCluster },
    applies: ctx.executor === "data-api",
    skipReason: "the scrub connects with PostgreSQL directly",
    timeoutMs: 30 * MIN,
    check: (obs) => {
      // After the swap started, everything before it was verified: do not wait on a renaming cluster again.
      if (promoted(obs)) return { state: "done" };
      const cluster = newClusterNow(obs);
      if (!cluster) return { state: "pending", detail: `cluster ${n.newCluster} not found`, missing: true };
      if (!cluster.httpEndpointEnabled) return { state: "todo", detail: "HTTP endpoint off" };
      return statusOf("cluster", cluster.id, cluster.status);
    },
    actions: () => [{ kind: "enableHttpEndpoint", clusterId: n.newCluster }],
  };

  const scrubStep: StepSpec = {
    name: "scrub",
    description: `check that environments/<target>/scrub.ts classifies every column of the copy, run the scrub generated from it in one transaction, verify`,
    identifiers: { cluster: n.newCluster, database: ctx.target.database.databaseName },
    applies: true,
    timeoutMs: 60 * MIN,
    check: (obs) => {
      const cluster = newClusterNow(obs);
      if (!cluster) return { state: "pending", detail: `cluster ${n.newCluster} not found`, missing: true };
      return cluster.tags[TAG_SCRUBBED] === "true" ? { state: "done" } : { state: "todo", detail: "not scrubbed" };
    },
    actions: (obs) => {
      const cluster = newClusterNow(obs)!;
      return [
        { kind: "scrub", clusterId: cluster.id, clusterArn: cluster.arn, secretArn: cluster.secretArn, database: ctx.target.database.databaseName },
        { kind: "tagCluster", account: "target", arn: cluster.arn, tags: { [TAG_SCRUBBED]: "true" } },
      ];
    },
  };

  const retireStep: StepSpec = {
    name: "swap-retire",
    description: `rename the live cluster and its instances to ${n.oldCluster}… (staging is unavailable from here)`,
    identifiers: { from: n.live, to: n.oldCluster },
    applies: true,
    fast: true,
    reissue: true,
    timeoutMs: 20 * MIN,
    check: (obs) => retireState(ctx, obs),
    actions: (obs) => retireActions(ctx, obs),
  };

  const promoteStep: StepSpec = {
    name: "swap-promote",
    description: `rename ${n.newCluster} and its instances to ${n.live}, ${n.liveInstances.join(", ")} (staging is back when this is done)`,
    identifiers: { from: n.newCluster, to: n.live },
    applies: true,
    fast: true,
    reissue: true,
    timeoutMs: 20 * MIN,
    check: (obs) => promoteState(ctx, obs),
    actions: (obs) => promoteActions(ctx, obs),
  };

  const deleteOldStep: StepSpec = {
    name: "delete-old",
    description: ctx.keepOldMs > 0 ? `keep ${n.oldCluster} until ${ctx.deleteAfter} (\`cleanup\` deletes it)` : `delete ${n.oldCluster} and its instances after a final check`,
    identifiers: { cluster: n.oldCluster },
    reissue: true,
    applies: ctx.keepOldMs === 0,
    skipReason: `kept until ${ctx.deleteAfter}; \`refresh cleanup\` deletes it`,
    timeoutMs: 60 * MIN,
    check: (obs) => deleteOldState(ctx, obs),
    actions: (obs) => deleteClusterActions(obs.target, n.oldCluster, ctx.refreshId, TAG_RETIRED_BY),
  };

  const pruneStep: StepSpec = {
    name: "prune-snapshots",
    description: `delete this tool's snapshots for ${ctx.target.name} beyond the newest ${ctx.snapshotRetention} refresh(es), in both accounts`,
    identifiers: {},
    reissue: true,
    applies: true,
    timeoutMs: 30 * MIN,
    check: (obs) => {
      const extra = snapshotsToPrune(ctx, obs);
      if (extra.length === 0) return { state: "done" };
      const deleting = extra.filter((s) => s.snapshot.status === "deleting");
      return deleting.length === extra.length ? { state: "pending", detail: `${extra.length} deleting` } : { state: "todo", detail: `${extra.length} to delete` };
    },
    actions: (obs) =>
      snapshotsToPrune(ctx, obs)
        .filter((s) => s.snapshot.status !== "deleting")
        .map((s) => ({ kind: "deleteSnapshot", account: s.account, snapshotId: s.snapshot.id }) as Action),
  };

  return [snapshotStep, reencryptStep, shareStep, restoreStep, instancesStep, rotateStep, httpStep, scrubStep, retireStep, promoteStep, deleteOldStep, pruneStep];
}

/** Phase 1 of the swap is done when the live names are free of the old cluster and it sits under its old name. */
function retireState(ctx: DatabaseContext, o: ObservedDatabase): StepState {
  const n = ctx.names;
  const live = findCluster(o.target, n.live);
  const old = findCluster(o.target, n.oldCluster);
  const liveIsOld = live !== undefined && !isOurs(live.tags, ctx.refreshId);
  const oldInstancesOnLiveNames = n.liveInstances.filter((id) => {
    const instance = findInstance(o.target, id);
    return instance !== undefined && !isOurs(instance.tags, ctx.refreshId);
  });
  if (!liveIsOld && oldInstancesOnLiveNames.length === 0) {
    if (old || (live && isOurs(live.tags, ctx.refreshId))) return { state: "done" };
    return { state: "pending", detail: `neither ${n.live} nor ${n.oldCluster} found`, missing: true };
  }
  if (!liveIsOld && !old) return { state: "pending", detail: `${n.live} renaming` };
  return { state: "todo", detail: `${n.live} still holds the live names` };
}

function retireActions(ctx: DatabaseContext, o: ObservedDatabase): Action[] {
  const n = ctx.names;
  const actions: Action[] = [];
  const retired = { [TAG_RETIRED_BY]: ctx.refreshId, [TAG_DELETE_AFTER]: ctx.deleteAfter, [TAG_TARGET_ENV]: ctx.target.name };
  const live = findCluster(o.target, n.live);
  if (live && !isOurs(live.tags, ctx.refreshId)) {
    actions.push({ kind: "tagCluster", account: "target", arn: live.arn, tags: retired });
    actions.push({ kind: "renameCluster", from: n.live, to: n.oldCluster });
  }
  n.liveInstances.forEach((id, i) => {
    const instance = findInstance(o.target, id);
    if (instance && !isOurs(instance.tags, ctx.refreshId)) {
      actions.push({ kind: "renameInstance", from: id, to: n.oldInstances[i] });
    }
  });
  // Extra readers of the old cluster beyond the configured count keep their names (they are not Terraform's).
  return actions;
}

function promoteState(ctx: DatabaseContext, o: ObservedDatabase): StepState {
  const n = ctx.names;
  const live = findCluster(o.target, n.live);
  const fresh = findCluster(o.target, n.newCluster);
  if (!live && !fresh) return { state: "pending", detail: `neither ${n.newCluster} nor ${n.live} found`, missing: true };
  if (!live || !isOurs(live.tags, ctx.refreshId)) return { state: "todo", detail: `${n.newCluster} not yet renamed` };
  const pendingNames = n.liveInstances.filter((id) => !isOurs(findInstance(o.target, id)?.tags, ctx.refreshId));
  if (pendingNames.length > 0) return { state: "todo", detail: `instances not yet renamed: ${pendingNames.join(", ")}` };
  if (!available(live.status)) return { state: "pending", detail: `${n.live} is ${live.status}` };
  const notReady = n.liveInstances.map((id) => findInstance(o.target, id)!).filter((i) => !available(i.status) || i.clusterId !== n.live);
  if (notReady.length > 0) return { state: "pending", detail: notReady.map((i) => `${i.id} is ${i.status} in ${i.clusterId}`).join(", ") };
  return { state: "done" };
}

function promoteActions(ctx: DatabaseContext, o: ObservedDatabase): Action[] {
  const n = ctx.names;
  const actions: Action[] = [];
  if (findCluster(o.target, n.newCluster) && !findCluster(o.target, n.live)) actions.push({ kind: "renameCluster", from: n.newCluster, to: n.live });
  n.newInstances.forEach((id, i) => {
    if (findInstance(o.target, id) && !findInstance(o.target, n.liveInstances[i])) actions.push({ kind: "renameInstance", from: id, to: n.liveInstances[i] });
  });
  return actions;
}

function deleteOldState(ctx: DatabaseContext, o: ObservedDatabase): StepState {
  const old = findCluster(o.target, ctx.names.oldCluster);
  const instances = o.target.instances.filter((i) => ctx.names.oldInstances.includes(i.id) || i.clusterId === ctx.names.oldCluster);
  if (!old && instances.length === 0) return { state: "done" };
  if (!targetWorking(ctx.names, o.target)) return { state: "pending", detail: "the live cluster is not working: the old one stays" };
  const busy = [old, ...instances].filter((r) => r?.status === "deleting");
  if (busy.length === [old, ...instances].filter(Boolean).length) return { state: "pending", detail: "deleting" };
  return { state: "todo", detail: `${ctx.names.oldCluster} exists` };
}

/**
 * Deletes a cluster's instances, then the cluster, but only resources carrying `tagKey` =
 * refresh id (never anything this tool did not tag).
 */
export function deleteClusterActions(account: AccountObservation, clusterId: string, refreshId: string, tagKey: string): Action[] {
  const cluster = findCluster(account, clusterId);
  if (cluster && cluster.tags[tagKey] !== refreshId) return [];
  const instances = account.instances.filter((i) => (i.clusterId === clusterId || cluster?.members.includes(i.id)) && i.status !== "deleting");
  const actions: Action[] = instances.map((i) => ({ kind: "deleteInstance", instanceId: i.id }) as Action);
  if (cluster && cluster.status !== "deleting" && instances.length === 0 && !account.instances.some((i) => i.clusterId === clusterId)) {
    // A cluster this tool tagged for deletion may be protected (a target configured with
    // deletionProtection, or a restore that inherited it): lift it first; the next poll deletes.
    actions.push(cluster.deletionProtection ? { kind: "disableDeletionProtection", clusterId } : { kind: "deleteCluster", clusterId });
  }
  return actions;
}

/** Tagged manual snapshots for this target beyond the newest `snapshotRetention` refresh ids. */
export function snapshotsToPrune(
  ctx: Pick<DatabaseContext, "target" | "snapshotRetention" | "refreshId">,
  o: ObservedDatabase,
): Array<{ account: Account; snapshot: SnapshotView }> {
  const all = (["source", "target"] as const).flatMap((account) =>
    o[account].snapshots
      .filter((s) => s.type === "manual" && s.tags[TAG_REFRESH_ID] && s.tags[TAG_TARGET_ENV] === ctx.target.name)
      .map((snapshot) => ({ account, snapshot })),
  );
  // One account may be both: dedupe by ARN.
  const unique = [...new Map(all.map((entry) => [entry.snapshot.arn, entry])).values()];
  const ids = [...new Set(unique.map((e) => e.snapshot.tags[TAG_REFRESH_ID]))].sort().reverse();
  const keep = new Set([ctx.refreshId, ...ids.filter((id) => id !== ctx.refreshId).slice(0, Math.max(0, ctx.snapshotRetention - 1))]);
  return unique.filter((e) => !keep.has(e.snapshot.tags[TAG_REFRESH_ID]));
}

/** Rollback: put the old cluster back under the live names while it exists, then drop the new one. */
export function rollbackSteps(ctx: DatabaseContext, o: ObservedDatabase): StepSpec[] {
  const n = ctx.names;
  const rid = ctx.refreshId;
  const unpromote: StepSpec = {
    name: "unpromote",
    description: `rename the refreshed cluster back to ${n.newCluster}`,
    identifiers: { from: n.live, to: n.newCluster },
    applies: true,
    fast: true,
    reissue: true,
    timeoutMs: 20 * MIN,
    check: (obs) => {
      const live = findCluster(obs.target, n.live);
      const held = n.liveInstances.filter((id) => isOurs(findInstance(obs.target, id)?.tags, rid));
      if ((live && isOurs(live.tags, rid)) || held.length > 0) return { state: "todo", detail: "the refreshed cluster holds live names" };
      return { state: "done" };
    },
    actions: (obs) => {
      const actions: Action[] = [];
      const live = findCluster(obs.target, n.live);
      if (live && isOurs(live.tags, rid) && !findCluster(obs.target, n.newCluster)) actions.push({ kind: "renameCluster", from: n.live, to: n.newCluster });
      n.liveInstances.forEach((id, i) => {
        if (isOurs(findInstance(obs.target, id)?.tags, rid) && !findInstance(obs.target, n.newInstances[i])) {
          actions.push({ kind: "renameInstance", from: id, to: n.newInstances[i] });
        }
      });
      return actions;
    },
  };
  const unretire: StepSpec = {
    name: "unretire",
    description: `rename ${n.oldCluster} and its instances back to ${n.live}`,
    identifiers: { from: n.oldCluster, to: n.live },
    applies: true,
    fast: true,
    reissue: true,
    timeoutMs: 20 * MIN,
    check: (obs) => {
      const live = findCluster(obs.target, n.live);
      const old = findCluster(obs.target, n.oldCluster);
      if (old) return { state: "todo", detail: `${n.oldCluster} still under its old name` };
      const pendingInstances = n.oldInstances.filter((id) => findInstance(obs.target, id));
      if (pendingInstances.length > 0) return { state: "todo", detail: `instances still under old names: ${pendingInstances.join(", ")}` };
      if (!live) return { state: "pending", detail: `${n.live} not found`, missing: true };
      return targetWorking(n, obs.target) ? { state: "done" } : { state: "pending", detail: `${n.live} is ${live.status}` };
    },
    actions: (obs) => {
      const actions: Action[] = [];
      if (findCluster(obs.target, n.oldCluster) && !findCluster(obs.target, n.live)) actions.push({ kind: "renameCluster", from: n.oldCluster, to: n.live });
      n.oldInstances.forEach((id, i) => {
        if (findInstance(obs.target, id) && !findInstance(obs.target, n.liveInstances[i])) actions.push({ kind: "renameInstance", from: id, to: n.liveInstances[i] });
      });
      return actions;
    },
  };
  const discard: StepSpec = {
    name: "discard-new",
    description: `delete the refreshed cluster ${n.newCluster} and its instances (tagged by this refresh)`,
    identifiers: { cluster: n.newCluster },
    reissue: true,
    applies: true,
    timeoutMs: 60 * MIN,
    check: (obs) => {
      const fresh = findCluster(obs.target, n.newCluster);
      const instances = obs.target.instances.filter((i) => n.newInstances.includes(i.id) || i.clusterId === n.newCluster);
      if (!fresh && instances.length === 0) return { state: "done" };
      const all = [fresh, ...instances].filter(Boolean);
      return all.every((r) => r!.status === "deleting") ? { state: "pending", detail: "deleting" } : { state: "todo", detail: `${n.newCluster} exists` };
    },
    actions: (obs) => deleteClusterActions(obs.target, n.newCluster, rid, TAG_REFRESH_ID),
  };
  void o;
  return [unpromote, unretire, discard];
}

/** Compares `16.4` ≤ `16.6`. */
export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a.split(".").map(Number), b.split(".").map(Number)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Read-only checks before any write. `problems` say what to fix; the caller exits 1 on any. */
export function preflightProblems(ctx: DatabaseContext, o: ObservedDatabase): string[] {
  const n = ctx.names;
  const problems: string[] = [];
  const where = `environments/${ctx.source.name}`;
  for (const id of [n.newCluster, n.oldCluster, ...n.newInstances, ...n.oldInstances, n.reencryptedSnapshot]) {
    const problem = identifierProblem(id);
    if (problem) problems.push(problem);
  }
  const cluster = findCluster(o.source, n.sourceCluster);
  const chosen = ctx.sourceSnapshot ? findSnapshot(o.source, ctx.sourceSnapshot) : undefined;
  const alreadyRestored = findCluster(o.target, n.newCluster) || isOurs(findCluster(o.target, n.live)?.tags, ctx.refreshId);
  if (ctx.sourceSnapshot && !chosen && !alreadyRestored) {
    problems.push(`snapshot ${ctx.sourceSnapshot} not found in the source account: list them with \`aws rds describe-db-cluster-snapshots --db-cluster-identifier ${n.sourceCluster}\``);
  } else if (!ctx.sourceSnapshot && !alreadyRestored) {
    if (!cluster) problems.push(`source cluster ${n.sourceCluster} not found in account ${ctx.source.accountId}: deploy ${ctx.source.name} first (cdktf apply ${ctx.source.name})`);
    else if (cluster.status !== "available") problems.push(`source cluster ${n.sourceCluster} is ${cluster.status}: wait until it is available`);
  }
  const sourceVersion = chosen?.engineVersion ?? cluster?.engineVersion;
  const targetVersion = ctx.target.database.engineVersion;
  if (sourceVersion) {
    if (sourceVersion.split(".")[0] !== targetVersion.split(".")[0]) {
      problems.push(`source engine ${sourceVersion} and environments/${ctx.target.name}: database.engineVersion (${targetVersion}) differ in major version: upgrade one of them first`);
    } else if (compareVersions(sourceVersion, targetVersion) > 0) {
      problems.push(`source engine ${sourceVersion} is newer than environments/${ctx.target.name}: database.engineVersion (${targetVersion}): raise the target's version and apply it first`);
    }
  }
  if (cluster && cluster.masterUsername && cluster.masterUsername !== ctx.target.database.masterUsername) {
    problems.push(`source master user ${cluster.masterUsername} differs from environments/${ctx.target.name}: database.masterUsername (${ctx.target.database.masterUsername}): Terraform would replace the cluster after the swap; make them equal`);
  }
  if (cluster && cluster.databaseName && cluster.databaseName !== ctx.target.database.databaseName) {
    problems.push(`source database name ${cluster.databaseName} differs from environments/${ctx.target.name}: database.databaseName (${ctx.target.database.databaseName}): Terraform would replace the cluster after the swap; make them equal`);
  }
  if (o.source.keyManager === "AWS" && !o.source.cmkArn && !alreadyRestored) {
    problems.push(
      `the source is encrypted with the AWS-managed key aws/rds, which cannot be shared, and ${n.sourceKeyAlias} does not exist in the source account to re-encrypt a copy: deploy ${where}'s aurora module (it creates the key) or create that alias on a customer-managed key the target account may use`,
    );
  }
  if (!o.target.keyArn) {
    problems.push(`${n.targetKeyAlias} not found in the target account: deploy ${ctx.target.name} first (cdktf apply ${ctx.target.name})`);
  }
  if (isCrossAccount(ctx) && !ctx.source.snapshotShareAccountIds.includes(ctx.target.accountId)) {
    problems.push(
      `${where}: snapshotShareAccountIds does not include the target account (${ctx.target.accountId.slice(-4).padStart(12, "*")}): add it and apply ${ctx.source.name}, so the source key's policy lets the target use it`,
    );
  }
  const live = findCluster(o.target, n.live);
  const midSwap = findCluster(o.target, n.oldCluster) !== undefined;
  if (!live && !midSwap) problems.push(`target cluster ${n.live} not found: deploy ${ctx.target.name} first (cdktf apply ${ctx.target.name})`);
  const quota = o.source.manualSnapshotQuota;
  if (quota && !ctx.sourceSnapshot && quota.max - quota.used < 2 && !alreadyRestored) {
    problems.push(`manual cluster snapshots in the source account: ${quota.used} of ${quota.max}: delete old ones (\`refresh cleanup\`) or raise the quota`);
  }
  return problems;
}
