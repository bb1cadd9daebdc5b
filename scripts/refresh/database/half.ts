/**
 * The database half: runs the planner's steps against AWS through the adapter. Every step
 * re-observes AWS first, so `resume` after a crash and `rollback` decide from real state.
 */
import type { EnvironmentConfig } from "../../../environments/config";
import type { AccountClients } from "../accounts";
import { Clock, EventSink, PlanReport, RefreshHalf, RefusedError, StepFailedError, maskAccounts, waitFor } from "../core";
import type { ScrubHooks, SqlExecutor } from "../scrub";
import { RdsAdapter, retiredClusters } from "./aws";
import {
  Action,
  DatabaseContext,
  ObservedDatabase,
  StepSpec,
  TAG_DELETE_AFTER,
  TAG_REFRESH_ID,
  TAG_RETIRED_BY,
  TAG_TARGET_ENV,
  databaseNames,
  databaseSteps,
  deleteClusterActions,
  findCluster,
  isOurs,
  preflightProblems,
  rollbackSteps,
  snapshotsToPrune,
} from "./model";

export interface DatabaseHalfOptions {
  source: AccountClients;
  target: AccountClients;
  clock: Clock;
  events: EventSink;
  /** Opens an executor on the new cluster for the scrub. */
  executorFactory: (cluster: { clusterId: string; clusterArn: string; secretArn?: string; database: string }) => SqlExecutor;
  executor: "data-api" | "postgres";
  /** On the restored copy: classification check → generated scrub (one transaction) → verification (scripts/refresh/scrub). */
  scrub: ScrubHooks["scrub"];
  /** Manifest and SQL problems, found before any AWS write (plan, run's preflight). */
  validateScrubOffline: ScrubHooks["validateScrubOffline"];
  keepOldMs: number;
  snapshotRetention?: number;
  sourceSnapshot?: string;
  random?: () => number;
  /** Polling of normal steps (defaults 15 s → 60 s) and of the swap (2 s → 10 s). */
  pollMs?: { min: number; max: number; fastMin: number; fastMax: number };
  /** Test hook at every step boundary (crash injection). */
  onBoundary?: (label: string) => void | Promise<void>;
}

export class DatabaseHalf implements RefreshHalf {
  readonly name = "database" as const;
  readonly adapter: RdsAdapter;

  constructor(private readonly options: DatabaseHalfOptions) {
    this.adapter = new RdsAdapter(options.source, options.target, options.clock);
  }

  get sourceConfig(): EnvironmentConfig {
    return this.options.source.config;
  }
  get targetConfig(): EnvironmentConfig {
    return this.options.target.config;
  }

  context(refreshId: string): DatabaseContext {
    const source = this.sourceConfig;
    const target = this.targetConfig;
    return {
      refreshId,
      source,
      target,
      names: databaseNames(source, target, refreshId),
      sourceSnapshot: this.options.sourceSnapshot,
      executor: this.options.executor,
      keepOldMs: this.options.keepOldMs,
      deleteAfter: new Date(this.options.clock.now() + this.options.keepOldMs).toISOString(),
      snapshotRetention: this.options.snapshotRetention ?? 2,
    };
  }

  private emit(refreshId: string, step: string, state: Parameters<EventSink["emit"]>[0]["state"], extra: { identifiers?: Record<string, string>; message?: string } = {}): void {
    this.options.events.emit({
      refreshId,
      half: "database",
      step,
      state,
      identifiers: extra.identifiers ? Object.fromEntries(Object.entries(extra.identifiers).map(([k, v]) => [k, maskAccounts(v)])) : undefined,
      message: extra.message ? maskAccounts(extra.message) : undefined,
    });
  }

  async plan(refreshId: string): Promise<PlanReport> {
    const ctx = this.context(refreshId);
    const refusals = this.refusals();
    const o = await this.adapter.observe(ctx);
    const problems = [...preflightProblems(ctx, o), ...(await this.options.validateScrubOffline())];
    const steps = databaseSteps(ctx, o).map((spec) => {
      const status: "todo" | "done" | "skipped" = !spec.applies ? "skipped" : spec.check(o).state === "done" ? "done" : "todo";
      return { step: spec.name, status, description: spec.applies ? spec.description : `${spec.description} — skipped: ${spec.skipReason}`, identifiers: spec.identifiers };
    });
    return { half: "database", problems, refusals, steps };
  }

  refusals(): string[] {
    const refusals: string[] = [];
    if (this.targetConfig.protected) refusals.push(`environments/${this.targetConfig.name} is protected: it is never a refresh target`);
    if (this.targetConfig.name === this.sourceConfig.name) refusals.push("source and target are the same environment");
    return refusals;
  }

  async run(refreshId: string): Promise<void> {
    const refusals = this.refusals();
    if (refusals.length > 0) throw new RefusedError(refusals.join("\n"));
    const ctx = this.context(refreshId);
    const first = await this.adapter.observe(ctx);
    const problems = [...preflightProblems(ctx, first), ...(await this.options.validateScrubOffline())];
    if (problems.length > 0) {
      this.emit(refreshId, "preflight", "failed", { message: problems.join("\n") });
      throw new StepFailedError("preflight", problems.join("\n"));
    }
    this.emit(refreshId, "preflight", "done");
    for (const { name } of databaseSteps(ctx, first)) {
      try {
        await this.runStep(ctx, name, databaseSteps);
      } catch (error) {
        // A failed swap step renames back (a killed process cannot: `resume` or `rollback` then decide).
        if ((name === "swap-retire" || name === "swap-promote") && error instanceof StepFailedError) {
          this.emit(refreshId, name, "failed", { message: `${(error as Error).message}; renaming back` });
          await this.rollbackSwap(ctx);
        }
        throw error instanceof StepFailedError || error instanceof RefusedError ? error : new StepFailedError(name, (error as Error).message);
      }
    }
  }

  /** Renames back after a failed swap; the new cluster stays for `resume` or `rollback`. */
  private async rollbackSwap(ctx: DatabaseContext): Promise<void> {
    for (const name of ["unpromote", "unretire"] as const) await this.runStep(ctx, name, rollbackSteps);
  }

  async rollback(refreshId: string): Promise<void> {
    const ctx = this.context(refreshId);
    const o = await this.adapter.observe(ctx);
    const live = findCluster(o.target, ctx.names.live);
    const old = findCluster(o.target, ctx.names.oldCluster);
    if (!old && live && isOurs(live.tags, refreshId)) {
      throw new StepFailedError("rollback", `${ctx.names.oldCluster} no longer exists: the refresh can no longer be rolled back (staging keeps the refreshed data)`);
    }
    for (const { name } of rollbackSteps(ctx, o)) {
      try {
        await this.runStep(ctx, name, rollbackSteps);
      } catch (error) {
        throw new StepFailedError(name, (error as Error).message);
      }
    }
  }

  /** One step: observe → check → action(s) → wait for the check to say done (the verification). */
  async runStep(ctx: DatabaseContext, name: string, stepsOf: (ctx: DatabaseContext, o: ObservedDatabase) => StepSpec[]): Promise<void> {
    const rid = ctx.refreshId;
    const specOf = (o: ObservedDatabase) => stepsOf(ctx, o).find((s) => s.name === name)!;
    let o = await this.adapter.observe(ctx);
    let spec = specOf(o);
    if (!spec.applies) {
      this.emit(rid, name, "skipped", { identifiers: spec.identifiers, message: spec.skipReason });
      return;
    }
    let state = spec.check(o);
    if (state.state === "done") {
      this.emit(rid, name, "done", { identifiers: spec.identifiers, message: "already done (observed)" });
      return;
    }
    await this.options.onBoundary?.(`${name}:before`);
    this.emit(rid, name, "started", { identifiers: spec.identifiers, message: spec.description });
    if (state.state === "todo") await this.act(ctx, name, spec.actions(o), Boolean(spec.reissue));
    const poll = this.options.pollMs ?? { min: 15_000, max: 60_000, fastMin: 2_000, fastMax: 10_000 };
    await waitFor(
      `${name}`,
      async () => {
        o = await this.adapter.observe(ctx);
        spec = specOf(o);
        state = spec.check(o);
        if (state.state === "done") return { done: true };
        if (state.state === "todo") {
          // Renames wait for their resources to settle: issue what is still to do again every few polls
          // (each action is computed from observed state). Elsewhere an action that left no trace
          // means a wrong identifier or a lost call: fail fast.
          if (!spec.reissue) return { done: false, detail: `${state.detail} after the action was issued`, missing: true };
          await this.act(ctx, name, spec.actions(o), true);
          return { done: false, detail: state.detail };
        }
        return { done: false, detail: state.detail, missing: state.missing };
      },
      {
        clock: this.options.clock,
        timeoutMs: spec.timeoutMs ?? 60 * 60_000,
        minDelayMs: spec.fast ? poll.fastMin : poll.min,
        maxDelayMs: spec.fast ? poll.fastMax : poll.max,
        random: this.options.random,
        onPoll: (detail) => this.emit(rid, name, "waiting", { message: detail }),
      },
    ).catch((error: Error) => {
      this.emit(rid, name, "failed", { message: error.message });
      throw new StepFailedError(name, error.message);
    });
    this.emit(rid, name, "done", { identifiers: spec.identifiers });
    await this.options.onBoundary?.(`${name}:done`);
  }

  private async act(ctx: DatabaseContext, name: string, actions: Action[], tolerateStateErrors = false): Promise<void> {
    for (const [index, action] of actions.entries()) {
      try {
        if (action.kind === "scrub") {
          const executor = this.options.executorFactory({ clusterId: action.clusterId, clusterArn: action.clusterArn, secretArn: action.secretArn, database: action.database });
          try {
            const result = await this.options.scrub(executor, ctx);
            this.emit(ctx.refreshId, name, "info", { message: result.message });
          } finally {
            await executor.close();
          }
        } else {
          await this.adapter.execute(action);
        }
      } catch (error) {
        // A re-issued action that lost a race with the first one is fine: the wait decides.
        if (tolerateStateErrors && /InvalidDB(Cluster|Instance)State|AlreadyExists/.test((error as Error).name ?? "")) {
          this.emit(ctx.refreshId, name, "waiting", { message: `${action.kind}: ${(error as Error).message}; retrying` });
          continue;
        }
        this.emit(ctx.refreshId, name, "failed", { message: `${action.kind}: ${(error as Error).message}` });
        throw new StepFailedError(name, `${action.kind}: ${(error as Error).message}`);
      }
      await this.options.onBoundary?.(`${name}:action-${index}`);
    }
  }

  async cleanup(options: { olderThanMs: number }): Promise<void> {
    const target = this.targetConfig;
    const now = this.options.clock.now();
    const ctx = this.context("r000000000000-0000");
    const o = await this.adapter.observe(ctx);
    for (const cluster of retiredClusters(o.target.clusters, target.name, ctx.names.live)) {
      const due = Date.parse(cluster.tags[TAG_DELETE_AFTER] ?? "") + options.olderThanMs;
      if (!(due <= now)) {
        this.emit(cluster.tags[TAG_RETIRED_BY], "delete-old", "skipped", { identifiers: { cluster: cluster.id }, message: `kept until ${new Date(due).toISOString()}` });
        continue;
      }
      const rid = cluster.tags[TAG_RETIRED_BY];
      const step = this.context(rid);
      await this.runStep({ ...step, keepOldMs: 0 }, "delete-old", databaseSteps);
    }
    // Snapshots of the newest refreshes are kept; the newest id stands in as "current".
    const ids = [...new Set([...o.source.snapshots, ...o.target.snapshots].map((s) => s.tags[TAG_REFRESH_ID]).filter((id) => id))].sort().reverse();
    if (ids.length > 0) {
      const newest = this.context(ids[0]);
      if (snapshotsToPrune(newest, o).length > 0) await this.runStep(newest, "prune-snapshots", databaseSteps);
    }
    // Temporary clusters of refreshes that never swapped and were rolled back elsewhere are left for `rollback <id>`.
    void deleteClusterActions;
  }

  async status(refreshId?: string): Promise<Array<Record<string, string>>> {
    const ctx = this.context(refreshId ?? "r000000000000-0000");
    const o = await this.adapter.observe(ctx);
    const rows: Array<Record<string, string>> = [];
    const relevant = (tags: Record<string, string>) =>
      (tags[TAG_REFRESH_ID] || tags[TAG_RETIRED_BY]) && (!refreshId || tags[TAG_REFRESH_ID] === refreshId || tags[TAG_RETIRED_BY] === refreshId);
    for (const c of o.target.clusters.filter((c) => relevant(c.tags) && (c.tags[TAG_TARGET_ENV] ?? this.targetConfig.name) === this.targetConfig.name)) {
      rows.push({
        kind: "cluster",
        id: c.id,
        status: c.status,
        role: c.id === ctx.names.live ? "live" : c.tags[TAG_RETIRED_BY] ? `old (delete after ${c.tags[TAG_DELETE_AFTER] ?? "?"})` : "new (not swapped)",
        refreshId: c.tags[TAG_RETIRED_BY] ?? c.tags[TAG_REFRESH_ID],
      });
    }
    for (const [account, list] of [["source", o.source.snapshots], ["target", o.target.snapshots]] as const) {
      if (account === "target" && this.sourceConfig.accountId === this.targetConfig.accountId) continue;
      for (const s of list.filter((s) => relevant(s.tags) && s.tags[TAG_TARGET_ENV] === this.targetConfig.name)) {
        rows.push({ kind: `snapshot (${account})`, id: s.id, status: s.status, role: s.sharedWith.length > 0 ? "shared" : "", refreshId: s.tags[TAG_REFRESH_ID] });
      }
    }
    return rows;
  }
}
