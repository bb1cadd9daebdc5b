/**
 * Rollback steps: put the old cluster back under the live names while it is whole, drop the
 * refreshed copy, and stop sharing the snapshot. Before the point of no return only (the half
 * refuses once delete-old has started: see observation.ts refreshPhase).
 */
import { REFRESH_TAGS } from "../../../environments/naming";
import { convergeStepSpec, deleteClusterActions, snapshotPlan, unsharedState } from "./forward";
import { ObservedDatabase, findCluster, findInstance, instancesOf, isOurs, targetWorking } from "./observation";
import { renameActions, renameSet } from "./rename";
import { DatabaseContext, MINUTE, StepSpec, isCrossAccount } from "./steps";

export function rollbackSteps(ctx: DatabaseContext, o: ObservedDatabase): StepSpec[] {
  const n = ctx.names;
  const rid = ctx.refreshId;
  const ours = (tags: Record<string, string>) => isOurs(tags, rid);
  const { restoreFrom } = snapshotPlan(ctx, o);
  const unpromote: StepSpec = {
    name: "unpromote",
    description: `rename the refreshed cluster back to ${n.newCluster} (staging is unavailable from here)`,
    identifiers: { from: n.live, to: n.newCluster },
    applies: true,
    fast: true,
    reissue: true,
    timeoutMs: 20 * MINUTE,
    check: (obs) => {
      const live = findCluster(obs.target, n.live);
      const held = n.liveInstances.filter((id) => isOurs(findInstance(obs.target, id)?.tags, rid));
      if ((live && ours(live.tags)) || held.length > 0) return { state: "todo", detail: "the refreshed cluster holds live names" };
      return { state: "done" };
    },
    actions: (obs) => renameActions(obs.target, renameSet({ from: n.live, to: n.newCluster }, n.liveInstances, n.newInstances), ours),
  };
  const unretire: StepSpec = {
    name: "unretire",
    description: `rename ${n.oldCluster} and its instances back to ${n.live} (staging is back when this is done)`,
    identifiers: { from: n.oldCluster, to: n.live },
    applies: true,
    fast: true,
    reissue: true,
    timeoutMs: 20 * MINUTE,
    check: (obs) => {
      const live = findCluster(obs.target, n.live);
      if (findCluster(obs.target, n.oldCluster)) return { state: "todo", detail: `${n.oldCluster} still under its old name` };
      const pending = n.oldInstances.filter((id) => findInstance(obs.target, id));
      if (pending.length > 0) return { state: "todo", detail: `instances still under old names: ${pending.join(", ")}` };
      if (!live) return { state: "pending", detail: `${n.live} not found`, missing: true };
      return targetWorking(n, obs.target) ? { state: "done" } : { state: "pending", detail: `${n.live} is ${live.status}` };
    },
    actions: (obs) => renameActions(obs.target, renameSet({ from: n.oldCluster, to: n.live }, n.oldInstances, n.liveInstances), (tags) => !ours(tags)),
  };
  const discard: StepSpec = {
    name: "discard-new",
    description: `delete the refreshed cluster ${n.newCluster} and its instances (tagged by this refresh)`,
    identifiers: { cluster: n.newCluster },
    reissue: true,
    applies: true,
    timeoutMs: 60 * MINUTE,
    check: (obs) => {
      const fresh = findCluster(obs.target, n.newCluster);
      const instances = instancesOf(obs.target, n.newCluster, n.newInstances);
      if (!fresh && instances.length === 0) return { state: "done" };
      const all = [fresh, ...instances].filter((r) => r !== undefined);
      return all.every((r) => r!.status === "deleting") ? { state: "pending", detail: "deleting" } : { state: "todo", detail: `${n.newCluster} exists` };
    },
    actions: (obs) => deleteClusterActions(obs.target, n.newCluster, rid, REFRESH_TAGS.refreshId),
  };
  const unshare: StepSpec = {
    name: "unshare",
    description: "stop sharing the snapshot with the target account",
    identifiers: { snapshot: restoreFrom, account: ctx.target.accountId },
    applies: isCrossAccount(ctx),
    skipReason: "source and target are one account: nothing was shared",
    check: (obs) => unsharedState(obs, restoreFrom, ctx.target.accountId),
    actions: () => [{ kind: "unshareSnapshot", snapshotId: restoreFrom, accountId: ctx.target.accountId }],
  };
  const converge = convergeStepSpec(ctx, {
    description: `apply ${n.live}'s stack with Terraform so what names the cluster follows the one put back`,
    stale: "the refreshed cluster",
    tagValue: rolledBack(rid),
    // A cluster this refresh never retired was never swapped away: nothing names another one.
    needed: (live) => live.tags[REFRESH_TAGS.retiredBy] === rid,
  });
  return [unpromote, unretire, discard, unshare, converge];
}

/** The `converged` tag of a cluster put back by rolling `refreshId` back. */
export const rolledBack = (refreshId: string): string => `rollback-${refreshId}`;
