/**
 * What the database half observes in both accounts (rebuilt from AWS before every step), and
 * what that state means: whether staging works, and where a refresh stands relative to its
 * point of no return. No AWS calls here.
 */
import { REFRESH_TAGS } from "../../../environments/naming";
import type { DatabaseNames } from "./names";

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
  arn?: string;
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
  /** Manual cluster snapshots in use / allowed, when the account reports it (read for the preflight only). */
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

export const findCluster = (account: AccountObservation, id: string): ClusterView | undefined => account.clusters.find((c) => c.id === id);
export const findInstance = (account: AccountObservation, id: string): InstanceView | undefined => account.instances.find((i) => i.id === id);
export const findSnapshot = (account: AccountObservation, id: string): SnapshotView | undefined => account.snapshots.find((s) => s.id === id || s.arn === id);

/** Tagged by this refresh? */
export const isOurs = (tags: Record<string, string> | undefined, refreshId: string): boolean => tags?.[REFRESH_TAGS.refreshId] === refreshId;

export const available = (status: string | undefined): boolean => status === "available";

/** A cluster's instances: members by name or by the cluster they report. */
export const instancesOf = (account: AccountObservation, clusterId: string, names: string[] = []): InstanceView[] =>
  account.instances.filter((i) => i.clusterId === clusterId || names.includes(i.id));

/** A working target: its Terraform-named cluster is available with an available member instance. */
export function targetWorking(names: Pick<DatabaseNames, "live">, target: AccountObservation): boolean {
  const cluster = findCluster(target, names.live);
  if (!cluster || !available(cluster.status)) return false;
  return target.instances.some((i) => i.clusterId === names.live && available(i.status));
}

/**
 * Where a refresh stands in the target account, from observed state alone:
 * - `not-started`: nothing of it in the target (snapshots may exist in the source);
 * - `restoring`: its temporary cluster exists, staging untouched;
 * - `swapping`: the live names are moving (staging unavailable);
 * - `swapped`: its copy is live and the old cluster is whole (rollback still possible);
 * - `deleting-old`: its copy is live and the old cluster is being deleted: past the point of no return;
 * - `done`: its copy is live and the old cluster is gone.
 */
export type RefreshPhase = "not-started" | "restoring" | "swapping" | "swapped" | "deleting-old" | "done";

export function refreshPhase(names: DatabaseNames, refreshId: string, target: AccountObservation): { phase: RefreshPhase; detail: string } {
  const live = findCluster(target, names.live);
  const old = findCluster(target, names.oldCluster);
  const oldInstances = instancesOf(target, names.oldCluster, names.oldInstances);
  const liveIsOurs = live !== undefined && isOurs(live.tags, refreshId);
  const promoted = liveIsOurs && names.liveInstances.every((id) => isOurs(findInstance(target, id)?.tags, refreshId));
  if (promoted) {
    if (!old && oldInstances.length === 0) return { phase: "done", detail: `${names.oldCluster} no longer exists` };
    const deleting = [old, ...oldInstances].filter((r) => r?.status === "deleting").map((r) => r!.id);
    if (!old || deleting.length > 0 || oldInstances.length === 0) {
      const detail = !old ? `${names.oldCluster} is gone` : deleting.length > 0 ? `${deleting.join(", ")} deleting` : `${names.oldCluster} has no instance left`;
      return { phase: "deleting-old", detail };
    }
    return { phase: "swapped", detail: `${names.oldCluster} is kept whole` };
  }
  if (liveIsOurs || old) {
    const where = !live ? "is not found" : liveIsOurs ? "is the refreshed copy, its instances not yet all renamed" : `is ${live.status}`;
    return { phase: "swapping", detail: `${names.live} ${where}` };
  }
  if (findCluster(target, names.newCluster)) return { phase: "restoring", detail: `${names.newCluster} exists` };
  return { phase: "not-started", detail: "nothing of this refresh in the target account" };
}

/** Rollback puts the old cluster back; once delete-old has started that cluster cannot serve again. */
export const pastPointOfNoReturn = (phase: RefreshPhase): boolean => phase === "deleting-old" || phase === "done";
