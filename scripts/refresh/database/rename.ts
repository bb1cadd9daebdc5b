/**
 * The one rename helper: the swap (retire, promote) and its undo (unpromote, unretire) each move
 * a cluster and its instances from one set of names to another.
 */
import type { Action } from "./steps";
import { AccountObservation, findCluster, findInstance } from "./observation";

export interface RenameSet {
  cluster: { from: string; to: string };
  instances: Array<{ from: string; to: string }>;
}

/**
 * The renames still to issue: whatever of `set` sits under its `from` name, is `eligible` (by
 * its tags: ours or not ours), and whose `to` name is free. RDS refuses a rename onto a taken
 * identifier (DBClusterAlreadyExistsFault), so a taken name waits for the next poll.
 */
export function renameActions(target: AccountObservation, set: RenameSet, eligible: (tags: Record<string, string>) => boolean): Action[] {
  const actions: Action[] = [];
  const cluster = findCluster(target, set.cluster.from);
  if (cluster && eligible(cluster.tags) && !findCluster(target, set.cluster.to)) actions.push({ kind: "renameCluster", ...set.cluster });
  for (const move of set.instances) {
    const instance = findInstance(target, move.from);
    if (instance && eligible(instance.tags) && !findInstance(target, move.to)) actions.push({ kind: "renameInstance", ...move });
  }
  return actions;
}

/** Pairs `from[i]` → `to[i]`. */
export function renameSet(cluster: { from: string; to: string }, from: string[], to: string[]): RenameSet {
  return { cluster, instances: from.map((id, i) => ({ from: id, to: to[i] })) };
}
