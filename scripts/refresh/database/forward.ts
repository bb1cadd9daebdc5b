/**
 * The forward steps of the database half, in order: snapshot → share → restore aside → unshare →
 * instances → credentials → scrub → swap → converge → delete-old → prune. Each step is judged
 * from observed state, so a resumed run continues where AWS shows it stopped.
 */
import { REFRESH_TAGS } from "../../../environments/naming";
import {
  AccountObservation,
  ClusterView,
  ObservedDatabase,
  SnapshotView,
  available,
  findCluster,
  findInstance,
  findSnapshot,
  instancesOf,
  isOurs,
  targetWorking,
} from "./observation";
import { renameActions, renameSet } from "./rename";
import { Account, Action, DatabaseContext, MINUTE, StepSpec, StepState, isCrossAccount, statusOf } from "./steps";

function refreshTags(ctx: DatabaseContext): Record<string, string> {
  return { [REFRESH_TAGS.refreshId]: ctx.refreshId, [REFRESH_TAGS.sourceEnv]: ctx.source.name, [REFRESH_TAGS.targetEnv]: ctx.target.name };
}

/** Tags of the restored cluster: what Terraform applies (default tags) plus the refresh's. */
export function restoredClusterTags(ctx: DatabaseContext): Record<string, string> {
  return { Project: ctx.target.project, Environment: ctx.target.name, ManagedBy: "cdktf", ...ctx.target.tags, ...refreshTags(ctx) };
}

/** The snapshot that the target restores from, and whether the source needs a re-encrypted copy. */
export function snapshotPlan(ctx: DatabaseContext, o: ObservedDatabase): { needsReencrypt: boolean; restoreFrom: string } {
  const needsReencrypt = o.source.keyManager === "AWS";
  return { needsReencrypt, restoreFrom: needsReencrypt ? ctx.names.reencryptedSnapshot : ctx.names.snapshot };
}

/** The forward steps of the database half, in order. */
export function databaseSteps(ctx: DatabaseContext, o: ObservedDatabase): StepSpec[] {
  const n = ctx.names;
  const rid = ctx.refreshId;
  const tags = refreshTags(ctx);
  const { needsReencrypt, restoreFrom } = snapshotPlan(ctx, o);
  const cross = isCrossAccount(ctx);
  const dataApi = ctx.target.database.dataApi;
  const promoted = (obs: ObservedDatabase) => isOurs(findCluster(obs.target, n.live)?.tags, rid);
  // Once the new cluster holds the live name, the pre-swap steps are judged on it.
  const newClusterNow = (obs: ObservedDatabase) => findCluster(obs.target, promoted(obs) ? n.live : n.newCluster);
  const restored = (obs: ObservedDatabase) => promoted(obs) || findCluster(obs.target, n.newCluster) !== undefined;
  /** Steps before the swap are verified once the swap has started: never wait on a renaming cluster again. */
  const beforeSwap = (check: (obs: ObservedDatabase) => StepState) => (obs: ObservedDatabase): StepState => (promoted(obs) ? { state: "done" } : check(obs));

  const snapshotStep: StepSpec = {
    name: "snapshot",
    description: ctx.sourceSnapshot
      ? `copy snapshot ${ctx.sourceSnapshot} to a manual, tagged snapshot in the source account`
      : `take a manual snapshot of ${n.sourceCluster} in the source account, tagged with the refresh id`,
    identifiers: { snapshot: n.snapshot, sourceCluster: n.sourceCluster, ...(ctx.sourceSnapshot ? { from: ctx.sourceSnapshot } : {}) },
    applies: true,
    timeoutMs: 120 * MINUTE,
    check: (obs) => {
      if (restored(obs)) return { state: "done" };
      const snap = findSnapshot(obs.source, n.snapshot);
      return snap ? statusOf("snapshot", n.snapshot, snap.status) : { state: "todo", detail: "no snapshot yet" };
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
    timeoutMs: 120 * MINUTE,
    check: (obs) => {
      if (restored(obs)) return { state: "done" };
      const snap = findSnapshot(obs.source, n.reencryptedSnapshot);
      return snap ? statusOf("snapshot", n.reencryptedSnapshot, snap.status) : { state: "todo", detail: "no re-encrypted copy yet" };
    },
    actions: (obs) => [{ kind: "copySnapshot", from: n.snapshot, to: n.reencryptedSnapshot, kmsKeyId: obs.source.cmkArn ?? n.sourceKeyAlias, tags }],
  };

  const shareStep: StepSpec = {
    name: "share",
    description: "share the snapshot with the target account (attribute restore), until the restore has it",
    identifiers: { snapshot: restoreFrom, account: ctx.target.accountId },
    applies: cross,
    skipReason: "source and target are one account",
    check: (obs) => {
      if (restored(obs)) return { state: "done" };
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
    timeoutMs: 180 * MINUTE,
    check: beforeSwap((obs) => {
      const cluster = newClusterNow(obs);
      return cluster ? statusOf("cluster", cluster.id, cluster.status) : { state: "todo", detail: "not restored yet" };
    }),
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

  const unshareStep: StepSpec = {
    name: "unshare",
    description: "stop sharing the snapshot with the target account: the restore has it (no unscrubbed copy stays reachable)",
    identifiers: { snapshot: restoreFrom, account: ctx.target.accountId },
    applies: cross,
    skipReason: "source and target are one account: nothing was shared",
    check: (obs) => unsharedState(obs, restoreFrom, ctx.target.accountId),
    actions: () => [{ kind: "unshareSnapshot", snapshotId: restoreFrom, accountId: ctx.target.accountId }],
  };

  const instancesStep: StepSpec = {
    name: "create-instances",
    description: `create ${n.newInstances.length} db.serverless instance(s) in the new cluster (a restored cluster has none)`,
    identifiers: Object.fromEntries(n.newInstances.map((id, i) => [`instance${i + 1}`, id])),
    applies: true,
    timeoutMs: 90 * MINUTE,
    check: beforeSwap((obs) => {
      const found = n.newInstances.map((id) => findInstance(obs.target, id));
      const missing = n.newInstances.filter((_, i) => !found[i]);
      if (missing.length > 0) return { state: "todo", detail: `missing ${missing.join(", ")}` };
      const waiting = found.map((i) => i!).filter((i) => !available(i.status));
      return waiting.length === 0 ? { state: "done" } : { state: "pending", detail: waiting.map((i) => `${i.id} is ${i.status}`).join(", ") };
    }),
    actions: (obs) =>
      n.newInstances.flatMap((id, i) => (findInstance(obs.target, id) ? [] : [{ kind: "createInstance", instanceId: id, clusterId: n.newCluster, promotionTier: i, tags } as Action])),
  };

  const rotateStep: StepSpec = {
    name: "rotate-credentials",
    description: "replace production's master password with a secret managed by RDS under the target's key",
    identifiers: { cluster: n.newCluster, key: n.targetKeyAlias },
    applies: true,
    timeoutMs: 30 * MINUTE,
    check: beforeSwap((obs) => {
      const cluster = newClusterNow(obs);
      if (!cluster) return { state: "pending", detail: `cluster ${n.newCluster} not found`, missing: true };
      const keyOk = cluster.secretKmsKeyId !== undefined && (obs.target.keyArn === undefined || cluster.secretKmsKeyId === obs.target.keyArn);
      if (!cluster.secretArn || !keyOk) return { state: "todo", detail: "master password not managed under the target key" };
      return statusOf("cluster", cluster.id, cluster.status);
    }),
    actions: (obs) => [{ kind: "manageMasterPassword", clusterId: n.newCluster, kmsKeyId: obs.target.keyArn ?? n.targetKeyAlias }],
  };

  const scrubbed = (obs: ObservedDatabase) => newClusterNow(obs)?.tags[REFRESH_TAGS.scrubbed] === "true";
  const enableHttpStep: StepSpec = {
    name: "enable-http-endpoint",
    description: "turn on the Data API (HTTP endpoint) of the new cluster for the scrub",
    identifiers: { cluster: n.newCluster },
    applies: ctx.executor === "data-api",
    skipReason: "the scrub connects with PostgreSQL directly",
    timeoutMs: 30 * MINUTE,
    check: beforeSwap((obs) => {
      if (scrubbed(obs)) return { state: "done" };
      const cluster = newClusterNow(obs);
      if (!cluster) return { state: "pending", detail: `cluster ${n.newCluster} not found`, missing: true };
      if (!cluster.httpEndpointEnabled) return { state: "todo", detail: "HTTP endpoint off" };
      return statusOf("cluster", cluster.id, cluster.status);
    }),
    // Serverless v2: the EnableHttpEndpoint operation, by ARN (ModifyDBCluster's parameter is for Serverless v1 only).
    actions: (obs) => [{ kind: "setHttpEndpoint", clusterArn: newClusterNow(obs)!.arn, enabled: true }],
  };

  const scrubStep: StepSpec = {
    name: "scrub",
    description: `check that environments/${ctx.target.name}/scrub.ts classifies every column of the copy, run the scrub generated from it in one transaction, verify`,
    identifiers: { cluster: n.newCluster, database: ctx.target.database.databaseName },
    applies: true,
    timeoutMs: 60 * MINUTE,
    check: (obs) => {
      const cluster = newClusterNow(obs);
      if (!cluster) return { state: "pending", detail: `cluster ${n.newCluster} not found`, missing: true };
      return scrubbed(obs) ? { state: "done" } : { state: "todo", detail: "not scrubbed" };
    },
    actions: (obs) => {
      const cluster = newClusterNow(obs)!;
      return [
        { kind: "scrub", clusterId: cluster.id, clusterArn: cluster.arn, secretArn: cluster.secretArn, database: ctx.target.database.databaseName },
        { kind: "tagCluster", account: "target", arn: cluster.arn, tags: { [REFRESH_TAGS.scrubbed]: "true" } },
      ];
    },
  };

  const httpStep: StepSpec = {
    name: "http-endpoint",
    description: `set the Data API (HTTP endpoint) as environments/${ctx.target.name} configures it: ${dataApi ? "on" : "off"} (database.dataApi)`,
    identifiers: { cluster: n.newCluster },
    applies: true,
    timeoutMs: 30 * MINUTE,
    check: beforeSwap((obs) => {
      const cluster = newClusterNow(obs);
      if (!cluster) return { state: "pending", detail: `cluster ${n.newCluster} not found`, missing: true };
      if (cluster.httpEndpointEnabled !== dataApi) return { state: "todo", detail: `HTTP endpoint ${cluster.httpEndpointEnabled ? "on" : "off"}` };
      return statusOf("cluster", cluster.id, cluster.status);
    }),
    actions: (obs) => [{ kind: "setHttpEndpoint", clusterArn: newClusterNow(obs)!.arn, enabled: dataApi }],
  };

  const retireStep: StepSpec = {
    name: "swap-retire",
    description: `rename the live cluster and its instances to ${n.oldCluster}… (staging is unavailable from here)`,
    identifiers: { from: n.live, to: n.oldCluster },
    applies: true,
    fast: true,
    reissue: true,
    timeoutMs: 20 * MINUTE,
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
    timeoutMs: 20 * MINUTE,
    check: (obs) => promoteState(ctx, obs),
    actions: (obs) => renameActions(obs.target, renameSet({ from: n.newCluster, to: n.live }, n.newInstances, n.liveInstances), (t) => isOurs(t, rid)),
  };

  const convergeStep = convergeStepSpec(ctx, {
    description: `apply ${n.live}'s stack with Terraform so everything that names the cluster (the API's database grant, SSM settings, the secret) follows the new one`,
    stale: "the old cluster",
    tagValue: rid,
    // The refreshed copy must be live (promoted): otherwise there is nothing to converge to yet.
    needed: (live) => (isOurs(live.tags, rid) ? true : undefined),
  });

  const deleteOldStep: StepSpec = {
    name: "delete-old",
    description:
      ctx.keepOldMs > 0
        ? `keep ${n.oldCluster} until ${ctx.deleteAfter} (\`cleanup\` deletes it; until then \`rollback\` can put it back)`
        : `delete ${n.oldCluster} and its instances after a final check — the point of no return: rollback is possible only before this step`,
    identifiers: { cluster: n.oldCluster },
    reissue: true,
    applies: ctx.keepOldMs === 0,
    skipReason: `kept until ${ctx.deleteAfter}; \`refresh cleanup\` deletes it`,
    timeoutMs: 60 * MINUTE,
    pointOfNoReturn: true,
    check: (obs) => deleteOldState(ctx, obs),
    actions: (obs) => deleteClusterActions(obs.target, n.oldCluster, rid, REFRESH_TAGS.retiredBy),
  };

  const pruneStep: StepSpec = {
    name: "prune-snapshots",
    description: `delete this tool's snapshots for ${ctx.target.name} beyond the newest ${ctx.snapshotRetention} refresh(es), in both accounts`,
    identifiers: {},
    reissue: true,
    applies: true,
    timeoutMs: 30 * MINUTE,
    check: (obs) => {
      const extra = snapshotsToPrune(ctx, obs);
      if (extra.length === 0) return { state: "done" };
      const deleting = extra.filter((s) => s.snapshot.status === "deleting");
      return deleting.length === extra.length ? { state: "pending", detail: `${extra.length} deleting` } : { state: "todo", detail: `${extra.length} to delete` };
    },
    actions: (obs) =>
      snapshotsToPrune(ctx, obs)
        .filter((s) => available(s.snapshot.status))
        .map((s) => ({ kind: "deleteSnapshot", account: s.account, snapshotId: s.snapshot.id }) as Action),
  };

  return [
    snapshotStep,
    reencryptStep,
    shareStep,
    restoreStep,
    unshareStep,
    instancesStep,
    rotateStep,
    enableHttpStep,
    scrubStep,
    httpStep,
    retireStep,
    promoteStep,
    convergeStep,
    deleteOldStep,
    pruneStep,
  ];
}

/**
 * The converge step (forward and after a rollback): Terraform-apply the target stack once the
 * cluster under the live name changed, then tag it with `tagValue` so a resumed run sees it done.
 * `needed(live)`: true when this live cluster must be converged, false when nothing names
 * another cluster, undefined when it is not (yet) the cluster to converge to.
 */
export function convergeStepSpec(
  ctx: DatabaseContext,
  options: { description: string; stale: string; tagValue: string; needed: (live: ClusterView) => boolean | undefined },
): StepSpec {
  const n = ctx.names;
  return {
    name: "converge",
    description: options.description,
    identifiers: { cluster: n.live },
    applies: ctx.converge,
    skipReason: `--no-converge: run \`npm run apply -- ${ctx.target.name}\` now, or the API's database grant and settings still name ${options.stale}`,
    timeoutMs: 60 * MINUTE,
    check: (obs) => {
      const live = findCluster(obs.target, n.live);
      const needed = live ? options.needed(live) : undefined;
      if (!live || needed === undefined) return { state: "pending", detail: `${n.live} is not the cluster to converge to`, missing: true };
      if (!needed || live.tags[REFRESH_TAGS.converged] === options.tagValue) return { state: "done" };
      return { state: "todo", detail: "not converged" };
    },
    actions: (obs) => [
      { kind: "converge", clusterId: n.live },
      { kind: "tagCluster", account: "target", arn: findCluster(obs.target, n.live)!.arn, tags: { [REFRESH_TAGS.converged]: options.tagValue } },
    ],
  };
}

/** Done when the source snapshot no longer lists the target account in `restore` (or is gone). */
export function unsharedState(o: ObservedDatabase, snapshotId: string, accountId: string): StepState {
  const snap = findSnapshot(o.source, snapshotId);
  if (!snap || !snap.sharedWith.includes(accountId)) return { state: "done" };
  return { state: "todo", detail: `${snapshotId} is still shared with the target account` };
}

/** Phase 1 of the swap is done when the live names are free of the old cluster and it sits under its old name. */
function retireState(ctx: DatabaseContext, o: ObservedDatabase): StepState {
  const n = ctx.names;
  const live = findCluster(o.target, n.live);
  const old = findCluster(o.target, n.oldCluster);
  const liveIsOld = live !== undefined && !isOurs(live.tags, ctx.refreshId);
  const oldOnLiveNames = n.liveInstances.filter((id) => {
    const instance = findInstance(o.target, id);
    return instance !== undefined && !isOurs(instance.tags, ctx.refreshId);
  });
  if (!liveIsOld && oldOnLiveNames.length === 0) {
    if (old || (live && isOurs(live.tags, ctx.refreshId))) return { state: "done" };
    return { state: "pending", detail: `neither ${n.live} nor ${n.oldCluster} found`, missing: true };
  }
  return { state: "todo", detail: `${n.live} still holds the live names` };
}

function retireActions(ctx: DatabaseContext, o: ObservedDatabase): Action[] {
  const n = ctx.names;
  const live = findCluster(o.target, n.live);
  const notOurs = (tags: Record<string, string>) => !isOurs(tags, ctx.refreshId);
  const retired = { [REFRESH_TAGS.retiredBy]: ctx.refreshId, [REFRESH_TAGS.deleteAfter]: ctx.deleteAfter, [REFRESH_TAGS.targetEnv]: ctx.target.name };
  const tag: Action[] = live && notOurs(live.tags) && live.tags[REFRESH_TAGS.retiredBy] !== ctx.refreshId ? [{ kind: "tagCluster", account: "target", arn: live.arn, tags: retired }] : [];
  // Extra readers of the old cluster beyond the configured count keep their names (they are not Terraform's).
  return [...tag, ...renameActions(o.target, renameSet({ from: n.live, to: n.oldCluster }, n.liveInstances, n.oldInstances), notOurs)];
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

function deleteOldState(ctx: DatabaseContext, o: ObservedDatabase): StepState {
  const old = findCluster(o.target, ctx.names.oldCluster);
  const instances = instancesOf(o.target, ctx.names.oldCluster, ctx.names.oldInstances);
  if (!old && instances.length === 0) return { state: "done" };
  // Only while another cluster serves under the live names: otherwise the old one is what staging has.
  if (!targetWorking(ctx.names, o.target)) return { state: "pending", detail: "the live cluster is not working: the old one stays" };
  const present = [old, ...instances].filter((r) => r !== undefined);
  if (present.every((r) => r!.status === "deleting")) return { state: "pending", detail: "deleting" };
  return { state: "todo", detail: `${ctx.names.oldCluster} exists` };
}

/**
 * Deletes a cluster's instances, then the cluster, but only resources carrying `tagKey` =
 * refresh id (never anything this tool did not tag). Each call only what AWS accepts now: an
 * instance that is deleting is left to finish; the cluster goes once it has no instance.
 */
export function deleteClusterActions(account: AccountObservation, clusterId: string, refreshId: string, tagKey: string): Action[] {
  const cluster = findCluster(account, clusterId);
  if (cluster && cluster.tags[tagKey] !== refreshId) return [];
  const members = instancesOf(account, clusterId, cluster?.members ?? []);
  const actions: Action[] = members.filter((i) => available(i.status)).map((i) => ({ kind: "deleteInstance", instanceId: i.id }) as Action);
  if (cluster && available(cluster.status) && members.length === 0) {
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
      .filter((s) => s.type === "manual" && s.tags[REFRESH_TAGS.refreshId] && s.tags[REFRESH_TAGS.targetEnv] === ctx.target.name)
      .map((snapshot) => ({ account, snapshot })),
  );
  // One account may be both: dedupe by ARN.
  const unique = [...new Map(all.map((entry) => [entry.snapshot.arn, entry])).values()];
  const ids = [...new Set(unique.map((e) => e.snapshot.tags[REFRESH_TAGS.refreshId]))].sort().reverse();
  const keep = new Set([ctx.refreshId, ...ids.filter((id) => id !== ctx.refreshId).slice(0, Math.max(0, ctx.snapshotRetention - 1))]);
  return unique.filter((e) => !keep.has(e.snapshot.tags[REFRESH_TAGS.refreshId]));
}
