/**
 * Read-only checks of the database half before any write: identifiers, the source and its key,
 * versions and names Terraform would otherwise replace over, sharing, quotas, and no other
 * refresh left unfinished. `problems` say what to fix (exit 1); `refusals` stop the run (exit 2).
 */
import { maskTail } from "../core";
import { identifierProblem, refreshIdOf } from "./names";
import { ObservedDatabase, findCluster, findSnapshot, isOurs } from "./observation";
import { DatabaseContext, isCrossAccount } from "./steps";

/** Compares `16.4` ≤ `16.6`. */
export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a.split(".").map(Number), b.split(".").map(Number)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

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
    if (!cluster) problems.push(`source cluster ${n.sourceCluster} not found in account ${maskTail(ctx.source.accountId)}: deploy ${ctx.source.name} first (cdktf apply ${ctx.source.name})`);
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
  if (!o.target.keyArn) problems.push(`${n.targetKeyAlias} not found in the target account: deploy ${ctx.target.name} first (cdktf apply ${ctx.target.name})`);
  if (isCrossAccount(ctx) && !ctx.source.snapshotShareAccountIds.includes(ctx.target.accountId)) {
    problems.push(
      `${where}: snapshotShareAccountIds does not include the target account (${maskTail(ctx.target.accountId)}): add it and apply ${ctx.source.name}, so the source key's policy lets the target use it`,
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

/**
 * Another refresh whose resources are still in the target account and must be finished first:
 * its temporary cluster (`…-new-<id>`, unscrubbed until its scrub), or an old cluster
 * (`…-old-<id>`) while nothing holds the live name (a swap that stopped half-way). An old cluster
 * kept with `--keep-old` is not unfinished (`cleanup` deletes it when due).
 */
export function unfinishedRefreshes(ctx: DatabaseContext, o: ObservedDatabase): Array<{ refreshId: string; cluster: string; status: string }> {
  const live = findCluster(o.target, ctx.names.live);
  return o.target.clusters.flatMap((c) => {
    const parsed = refreshIdOf(ctx.names.live, c.id);
    if (!parsed || parsed.refreshId === ctx.refreshId) return [];
    if (parsed.kind === "old" && live) return [];
    return [{ refreshId: parsed.refreshId, cluster: c.id, status: c.status }];
  });
}

/** Refusal text for `plan` and `run`: which refresh to resume or roll back. */
export function unfinishedRefusals(ctx: DatabaseContext, o: ObservedDatabase): string[] {
  return unfinishedRefreshes(ctx, o).map(
    (u) =>
      `refresh ${u.refreshId} of ${ctx.target.name} is unfinished (${u.cluster} is ${u.status}): finish it with \`npm run refresh -- resume ${u.refreshId}\` or undo it with \`npm run refresh -- rollback ${u.refreshId}\` first`,
  );
}
