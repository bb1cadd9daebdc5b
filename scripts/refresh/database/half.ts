/**
 * The database half: runs the planner's steps against AWS through the adapter. Every step
 * re-observes AWS first, so `resume` after a crash and `rollback` decide from real state.
 */
import type { EnvironmentConfig } from "../../../environments/config";
import { REFRESH_TAGS } from "../../../environments/naming";
import type { AccountClients } from "../accounts";
import {
  Clock,
  ANY_REFRESH,
  EventSink,
  EventState,
  InterruptedError,
  NEVER_STOP,
  PlanReport,
  PreflightReport,
  RefreshHalf,
  RefusedError,
  RunControl,
  StepFailedError,
  maskAccounts,
  waitFor,
} from "../core";
import type { SqlExecutor } from "../scrub";
import { RdsAdapter, retiredClusters } from "./aws";
import { databaseSteps, snapshotsToPrune } from "./forward";
import { databaseNames, refreshIdOf } from "./names";
import { ObservedDatabase, pastPointOfNoReturn, refreshPhase, targetWorking } from "./observation";
import { preflightProblems, unfinishedRefusals } from "./preflight";
import { rollbackSteps } from "./rollback";
import { Action, DatabaseContext, StepName, StepSpec } from "./steps";

/** Where the scrub runs: the temporary cluster of one refresh. */
export interface ScrubContext {
  refreshId: string;
  target: EnvironmentConfig;
  clusterId: string;
  database: string;
}

export interface DatabaseHalfOptions {
  source: AccountClients;
  target: AccountClients;
  clock: Clock;
  events: EventSink;
  /** Opens an executor on the new cluster for the scrub. */
  executorFactory: (cluster: { clusterId: string; clusterArn: string; secretArn?: string; database: string }) => SqlExecutor;
  executor: "data-api" | "postgres";
  /** Scrubs the new cluster through `executor` (and verifies it); throws to stop the refresh before the swap. */
  scrub: (executor: SqlExecutor, ctx: ScrubContext) => Promise<{ message: string }>;
  /** Checks the scrub's inputs without a database (problems, each naming what to fix); called by plan and before any write. */
  validateScrubOffline: () => Promise<string[]>;
  /** Converges the target stack after the swap (Terraform apply); absent: the converge step is skipped (`--no-converge`). */
  converge?: (ctx: { refreshId: string; target: EnvironmentConfig }) => Promise<{ message: string }>;
  /** Inputs of the run checked before any write (e.g. executor settings): problems, each naming the flag. */
  inputProblems?: () => string[];
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
      converge: this.options.converge !== undefined,
    };
  }

  private emit(refreshId: string | undefined, step: string, state: EventState, extra: { identifiers?: Record<string, string>; message?: string } = {}): void {
    this.options.events.emit({
      refreshId,
      half: "database",
      step,
      state,
      identifiers: extra.identifiers ? Object.fromEntries(Object.entries(extra.identifiers).map(([k, v]) => [k, maskAccounts(v)])) : undefined,
      message: extra.message ? maskAccounts(extra.message) : undefined,
    });
  }

  refusals(): string[] {
    const refusals: string[] = [];
    if (this.targetConfig.protected) refusals.push(`environments/${this.targetConfig.name} is protected: it is never a refresh target`);
    if (this.targetConfig.name === this.sourceConfig.name) refusals.push("source and target are the same environment");
    return refusals;
  }

  async plan(refreshId: string): Promise<PlanReport> {
    const ctx = this.context(refreshId);
    const o = await this.adapter.observe(ctx, { quota: true });
    const { problems, refusals } = await this.checks(ctx, o);
    const steps = databaseSteps(ctx, o).map((spec) => {
      const status: "todo" | "done" | "skipped" = !spec.applies ? "skipped" : spec.check(o).state === "done" ? "done" : "todo";
      const description = spec.applies ? spec.description : `${spec.description} — skipped: ${spec.skipReason}`;
      return { step: spec.name, status, description, identifiers: spec.identifiers, pointOfNoReturn: spec.pointOfNoReturn && spec.applies };
    });
    return { half: "database", problems, refusals, steps };
  }

  async preflight(refreshId: string): Promise<PreflightReport> {
    const ctx = this.context(refreshId);
    return this.checks(ctx, await this.adapter.observe(ctx, { quota: true }));
  }

  /** Everything checked before the first write: config, inputs, the scrub's inputs, AWS state, other refreshes. */
  private async checks(ctx: DatabaseContext, o: ObservedDatabase): Promise<PreflightReport> {
    const problems = [...(this.options.inputProblems?.() ?? []), ...(await this.options.validateScrubOffline()), ...preflightProblems(ctx, o)];
    return { problems, refusals: [...this.refusals(), ...unfinishedRefusals(ctx, o)] };
  }

  async run(refreshId: string, control: RunControl = NEVER_STOP): Promise<void> {
    const ctx = this.context(refreshId);
    const observed = await this.adapter.observe(ctx, { quota: true });
    const report = await this.checks(ctx, observed);
    if (report.refusals.length > 0) {
      this.emit(refreshId, "preflight", "refused", { message: report.refusals.join("\n") });
      throw new RefusedError(report.refusals.join("\n"));
    }
    if (report.problems.length > 0) {
      this.emit(refreshId, "preflight", "failed", { message: report.problems.join("\n") });
      throw new StepFailedError("preflight", report.problems.join("\n"));
    }
    this.emit(refreshId, "preflight", "done");
    // Only the step names are taken from this list; each step observes afresh in runStep.
    for (const { name } of databaseSteps(ctx, observed)) {
      // The swap's second half always follows its first: stopping between them would leave staging down.
      if (name !== "swap-promote") this.stopIfAsked(ctx, name, control);
      try {
        await this.runStep(ctx, name, databaseSteps);
      } catch (error) {
        // A failed swap step renames back (a killed process cannot: `resume` or `rollback` then decide).
        if ((name === "swap-retire" || name === "swap-promote") && error instanceof StepFailedError) {
          this.emit(refreshId, name, "failed", { message: `${error.message}; renaming back` });
          await this.rollbackSwap(ctx);
        }
        throw error instanceof StepFailedError || error instanceof RefusedError ? error : new StepFailedError(name, (error as Error).message);
      }
    }
  }

  private stopIfAsked(ctx: DatabaseContext, next: string, control: RunControl): void {
    if (!control.shouldStop()) return;
    const message = `stopped before ${next} (${this.targetConfig.name} is never left half-swapped): \`npm run refresh -- resume ${ctx.refreshId}\` continues, \`npm run refresh -- rollback ${ctx.refreshId}\` undoes`;
    this.emit(ctx.refreshId, next, "skipped", { message });
    throw new InterruptedError(message);
  }

  /** Renames back after a failed swap; the new cluster stays for `resume` or `rollback`. */
  private async rollbackSwap(ctx: DatabaseContext): Promise<void> {
    for (const name of ["unpromote", "unretire"] as const) await this.runStep(ctx, name, rollbackSteps);
  }

  /**
   * Puts the old cluster back under the live names and drops the refreshed copy, while the old
   * cluster is whole. Once delete-old has started (the point of no return) it refuses (exit 2)
   * without touching anything and says what staging runs.
   */
  async rollback(refreshId: string, control: RunControl = NEVER_STOP): Promise<void> {
    const ctx = this.context(refreshId);
    const o = await this.adapter.observe(ctx);
    const { phase, detail } = refreshPhase(ctx.names, refreshId, o.target);
    if (pastPointOfNoReturn(phase)) {
      const working = targetWorking(ctx.names, o.target) ? "and works" : "but is not available yet";
      const message =
        `refresh ${refreshId} is past its point of no return (delete-old has started: ${detail}): rollback would leave ${this.targetConfig.name} without a database. ` +
        `${ctx.names.live} runs the refreshed copy from ${refreshId} ${working}; nothing was changed. ` +
        `\`npm run refresh -- resume ${refreshId}\` finishes it; a newer refresh replaces it.`;
      this.emit(refreshId, "rollback", "refused", { message });
      throw new RefusedError(message);
    }
    for (const { name } of rollbackSteps(ctx, o)) {
      // Between unpromote and unretire staging is down: never stop there.
      if (name !== "unretire") this.stopIfAsked(ctx, name, control);
      try {
        await this.runStep(ctx, name, rollbackSteps);
      } catch (error) {
        throw error instanceof StepFailedError ? error : new StepFailedError(name, (error as Error).message);
      }
    }
  }

  /** One step: observe → check → action(s) → wait for the check to say done (the verification). */
  async runStep(ctx: DatabaseContext, name: StepName, stepsOf: (ctx: DatabaseContext, o: ObservedDatabase) => StepSpec[]): Promise<void> {
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
            const result = await this.options.scrub(executor, { refreshId: ctx.refreshId, target: ctx.target, clusterId: action.clusterId, database: action.database });
            this.emit(ctx.refreshId, name, "info", { message: result.message });
          } finally {
            await executor.close();
          }
        } else if (action.kind === "converge") {
          const result = await this.options.converge!({ refreshId: ctx.refreshId, target: ctx.target });
          this.emit(ctx.refreshId, name, "info", { message: result.message });
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

  /**
   * Deletes what this tool tagged and no longer needs, under the caller's lock: old clusters
   * past their delete-after, the temporary (unscrubbed) cluster of a refresh that never swapped
   * (and its snapshot's sharing), and tagged snapshots beyond retention.
   */
  async cleanup(options: { olderThanMs: number }): Promise<void> {
    const target = this.targetConfig;
    const now = this.options.clock.now();
    const any = this.context(ANY_REFRESH);
    const o = await this.adapter.observe(any);
    for (const cluster of retiredClusters(o.target.clusters, target.name, any.names.live)) {
      const due = Date.parse(cluster.tags[REFRESH_TAGS.deleteAfter] ?? "") + options.olderThanMs;
      const rid = cluster.tags[REFRESH_TAGS.retiredBy];
      if (!(due <= now)) {
        this.emit(rid, "delete-old", "skipped", { identifiers: { cluster: cluster.id }, message: `kept until ${new Date(due).toISOString()}` });
        continue;
      }
      await this.runStep({ ...this.context(rid), keepOldMs: 0 }, "delete-old", databaseSteps);
    }
    for (const cluster of o.target.clusters) {
      const parsed = refreshIdOf(any.names.live, cluster.id);
      if (parsed?.kind !== "new" || cluster.tags[REFRESH_TAGS.refreshId] !== parsed.refreshId) continue;
      const ctx = this.context(parsed.refreshId);
      const { phase, detail } = refreshPhase(ctx.names, parsed.refreshId, o.target);
      if (phase !== "restoring") {
        this.emit(parsed.refreshId, "discard-new", "skipped", { identifiers: { cluster: cluster.id }, message: `refresh ${parsed.refreshId} is ${phase} (${detail}): \`resume\` or \`rollback ${parsed.refreshId}\` decides` });
        continue;
      }
      for (const name of ["discard-new", "unshare"] as const) await this.runStep(ctx, name, rollbackSteps);
    }
    // Snapshots of the newest refreshes are kept; the newest id stands in as "current".
    const ids = [...new Set([...o.source.snapshots, ...o.target.snapshots].map((s) => s.tags[REFRESH_TAGS.refreshId]).filter((id) => id))].sort().reverse();
    if (ids.length > 0) {
      const newest = this.context(ids[0]);
      if (snapshotsToPrune(newest, o).length > 0) await this.runStep(newest, "prune-snapshots", databaseSteps);
    }
  }

  /**
   * What this tool's tags show: clusters (live, old, temporary — an unscrubbed temporary cluster
   * said so), snapshots (shared or not), and where each refresh stands relative to its point of
   * no return.
   */
  async status(refreshId?: string): Promise<Array<Record<string, string>>> {
    const any = this.context(refreshId ?? ANY_REFRESH);
    const o = await this.adapter.observe(any);
    const T = REFRESH_TAGS;
    const rows: Array<Record<string, string>> = [];
    const relevant = (tags: Record<string, string>) => (tags[T.refreshId] || tags[T.retiredBy]) && (!refreshId || tags[T.refreshId] === refreshId || tags[T.retiredBy] === refreshId);
    const ids = new Set<string>();
    for (const c of o.target.clusters.filter((c) => relevant(c.tags) && (c.tags[T.targetEnv] ?? this.targetConfig.name) === this.targetConfig.name)) {
      const temporary = refreshIdOf(any.names.live, c.id)?.kind === "new";
      const role =
        c.id === any.names.live
          ? "live"
          : temporary
            ? c.tags[T.scrubbed] === "true"
              ? "temporary (scrubbed, not swapped)"
              : "temporary — UNSCRUBBED copy of the source (rollback or cleanup deletes it)"
            : c.tags[T.retiredBy]
              ? `old (delete after ${c.tags[T.deleteAfter] ?? "?"})`
              : "new (not swapped)";
      const rid = temporary ? c.tags[T.refreshId] : (c.tags[T.retiredBy] ?? c.tags[T.refreshId]);
      ids.add(rid);
      rows.push({ kind: "cluster", id: c.id, status: c.status, role, refreshId: rid });
    }
    for (const [account, list] of [["source", o.source.snapshots], ["target", o.target.snapshots]] as const) {
      if (account === "target" && this.sourceConfig.accountId === this.targetConfig.accountId) continue;
      for (const s of list.filter((s) => relevant(s.tags) && s.tags[T.targetEnv] === this.targetConfig.name)) {
        rows.push({ kind: `snapshot (${account})`, id: s.id, status: s.status, role: s.sharedWith.length > 0 ? "shared with the target account (unscrubbed)" : "", refreshId: s.tags[T.refreshId] });
      }
    }
    for (const rid of [...ids].filter((id) => id && (!refreshId || id === refreshId)).sort()) {
      const names = this.context(rid).names;
      const { phase, detail } = refreshPhase(names, rid, o.target);
      if (phase === "not-started") continue;
      const where = pastPointOfNoReturn(phase)
        ? "past the point of no return (delete-old started): resume finishes it, rollback refuses"
        : `before the point of no return (delete-old of ${names.oldCluster}): rollback ${rid} puts ${names.live} back as it was`;
      rows.push({ kind: "refresh", id: rid, status: phase, role: `${where}; ${detail}`, refreshId: rid });
    }
    return rows;
  }
}
