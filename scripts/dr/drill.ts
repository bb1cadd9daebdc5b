/**
 * The restore drill: observe → plan → remove an earlier drill's leftovers → restore the recovery
 * point (or point in time) into a scratch cluster in the drill's isolated subnet group → add an
 * instance → the first answered query ends the RTO → verify (row counts, migrations) → delete
 * the scratch cluster, always. Nothing here writes to the live cluster: every write goes
 * through the adapter, behind the drill's protection check.
 */
import type { EnvironmentConfig } from "../../environments/config";
import { Clock } from "../refresh/core";
import type { DrillAws } from "./aws";
import { DrillFailedError, DrillPlan, DrillSource, ObservedCluster, RestoreFrom, planDrill } from "./model";
import { QueryRunner, Verification, verifyRestoredDatabase } from "./verify";

export interface DrillEvent {
  readonly step: string;
  readonly state: "started" | "done" | "failed" | "info";
  readonly elapsedSeconds: number;
  readonly message?: string;
}

export interface DrillDeps {
  readonly aws: DrillAws;
  readonly clock: Clock;
  /** How to query the scratch cluster (the Data API on AWS; a stand-in PostgreSQL in the sandbox). */
  readonly connect: (scratch: ObservedCluster, plan: DrillPlan) => Promise<QueryRunner>;
  /** Whether `connect` needs the scratch cluster's Data API (and its managed secret). */
  readonly usesDataApi: boolean;
  /** The newest migration (functions/api/migrations). */
  readonly expectedMigration: string;
  readonly emit?: (event: DrillEvent) => void;
  /** Delay between attempts of the first query while the cluster wakes, ms. Default 5000. */
  readonly firstQueryRetryMs?: number;
  /** Give up on the first query after this long, ms. Default 15 minutes. */
  readonly firstQueryTimeoutMs?: number;
}

export interface DrillReport {
  readonly environment: string;
  readonly outcome: "passed" | "failed";
  readonly liveClusterId: string;
  readonly scratchClusterId: string;
  readonly restoredFrom: RestoreFrom;
  /** Age of the restored data when the drill started. */
  readonly rpo_seconds: number;
  /** Restore started → the scratch cluster answered a query (absent when it never did). */
  readonly rto_seconds?: number;
  readonly objectives: { rpoSeconds: number; rtoSeconds: number };
  readonly objectivesMet: { rpo: boolean; rto: boolean };
  readonly verification?: Verification;
  readonly leftoversRemoved: string[];
  /** Scratch clusters still there after cleanup (must be empty). */
  readonly scratchRemaining: string[];
  readonly problems: string[];
  readonly startedAt: string;
  readonly seconds: number;
}

export async function runDrill(config: EnvironmentConfig, source: DrillSource, deps: DrillDeps): Promise<DrillReport> {
  const { aws, clock } = deps;
  const started = clock.now();
  const emit = (step: string, state: DrillEvent["state"], message?: string) =>
    deps.emit?.({ step, state, elapsedSeconds: Math.round((clock.now() - started) / 100) / 10, message });

  emit("observe", "started");
  const observed = await aws.observe(config);
  const plan = planDrill(config, observed, source, started);
  const from = plan.restoreFrom;
  emit(
    "plan",
    "done",
    `${from.kind === "recovery-point" ? `recovery point ${from.id} (${from.type}, ${new Date(from.createdAt).toISOString()})` : `point in time ${from.useLatest ? "latest" : new Date(from.restoreTo ?? 0).toISOString()} of ${from.sourceClusterId}`} → ${plan.scratchClusterId}`,
  );

  for (const leftover of plan.leftovers) {
    emit("remove-leftover", "started", leftover);
    await aws.deleteScratch(config, leftover);
    emit("remove-leftover", "done", leftover);
  }

  const problems: string[] = [];
  let rtoSeconds: number | undefined;
  let verification: Verification | undefined;
  let created = false;
  try {
    const restoreStarted = clock.now();
    emit("restore", "started", `into ${plan.scratchClusterId} (subnet group ${plan.subnetGroup})`);
    created = true;
    await aws.restore(config, plan);
    emit("restore", "done");
    emit("instance", "started", plan.scratchInstanceId);
    await aws.createInstance(config, plan);
    emit("instance", "done");
    const scratch = deps.usesDataApi ? await aws.openDataApi(config, plan) : await aws.describeScratch(config, plan.scratchClusterId);
    if (!scratch) throw new DrillFailedError(`scratch cluster ${plan.scratchClusterId} disappeared after its restore`);
    const runner = await deps.connect(scratch, plan);
    try {
      await firstAnswer(runner, clock, deps.firstQueryRetryMs ?? 5_000, deps.firstQueryTimeoutMs ?? 15 * 60_000);
      rtoSeconds = Math.round((clock.now() - restoreStarted) / 100) / 10;
      emit("answering", "done", `rto_seconds=${rtoSeconds}`);
      verification = await verifyRestoredDatabase(runner, deps.expectedMigration);
    } finally {
      await runner.close();
    }
    problems.push(...verification.problems);
    emit("verify", verification.problems.length === 0 ? "done" : "failed", describeVerification(verification));
  } catch (error) {
    problems.push((error as Error).message);
    emit("drill", "failed", (error as Error).message);
  } finally {
    if (created) {
      emit("delete-scratch", "started", plan.scratchClusterId);
      try {
        await aws.deleteScratch(config, plan.scratchClusterId);
        emit("delete-scratch", "done");
      } catch (error) {
        problems.push(`cleanup: ${(error as Error).message} (delete ${plan.scratchClusterId} by hand)`);
        emit("delete-scratch", "failed", (error as Error).message);
      }
    }
  }

  const remaining = (await aws.observe(config)).leftovers.map((cluster) => cluster.id);
  if (remaining.length > 0) problems.push(`scratch clusters remain: ${remaining.join(", ")}`);
  const objectivesMet = { rpo: plan.rpoSeconds <= plan.objectives.rpoSeconds, rto: rtoSeconds !== undefined && rtoSeconds <= plan.objectives.rtoSeconds };
  if (!objectivesMet.rpo) problems.push(`rpo_seconds ${plan.rpoSeconds} exceeds the objective (${plan.objectives.rpoSeconds}): the newest recovery point is older than the schedule allows`);
  if (rtoSeconds !== undefined && !objectivesMet.rto) problems.push(`rto_seconds ${rtoSeconds} exceeds dr.rtoMinutes (${plan.objectives.rtoSeconds / 60} min)`);

  return {
    environment: config.name,
    outcome: problems.length === 0 ? "passed" : "failed",
    liveClusterId: plan.liveClusterId,
    scratchClusterId: plan.scratchClusterId,
    restoredFrom: plan.restoreFrom,
    rpo_seconds: plan.rpoSeconds,
    rto_seconds: rtoSeconds,
    objectives: plan.objectives,
    objectivesMet,
    verification,
    leftoversRemoved: plan.leftovers,
    scratchRemaining: remaining,
    problems,
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((clock.now() - started) / 1000),
  };
}

/** A restored cluster may refuse connections for a while after `available` (a resuming instance): retry `SELECT 1`. */
async function firstAnswer(runner: QueryRunner, clock: Clock, retryMs: number, timeoutMs: number): Promise<void> {
  const start = clock.now();
  for (;;) {
    try {
      await runner.query("SELECT 1 AS answer");
      return;
    } catch (error) {
      if (clock.now() - start >= timeoutMs) throw new DrillFailedError(`the scratch cluster never answered a query: ${(error as Error).message}`);
      await clock.sleep(retryMs);
    }
  }
}

export function describeVerification(verification: Verification): string {
  const counts = Object.entries(verification.rowCounts)
    .map(([table, rows]) => `${table}=${rows}`)
    .join(" ");
  const migrations = `migrations ${verification.migrations.latest ?? "(none)"} (${verification.migrations.applied} applied, expected ${verification.migrations.expected})`;
  return [counts, migrations, ...verification.problems].filter(Boolean).join("; ");
}
