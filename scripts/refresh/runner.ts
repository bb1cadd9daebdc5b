/**
 * Runs the selected halves of a refresh under one lock, one confirmation and one event stream.
 * Every half's inputs are checked before the first write; then the database and objects halves
 * run in parallel and a failure in one does not stop the other. The lock is released on every
 * exit path (success, failure, refusal, interruption).
 *
 * Outcome and exit code: each half ends done, refused (it wrote nothing) or failed (it may have
 * left partial state: `resume` continues, `rollback` undoes). The run reports every half's outcome
 * and exits with the worst, in this order: failed (1) is worse than refused (2), which is worse
 * than done (0) — a failure that left partial state needs the operator more than a refusal that
 * changed nothing.
 */
import { ANY_REFRESH, Clock, EventSink, HalfName, InterruptedError, PlanReport, RefreshHalf, RefusedError, RunControl, StepFailedError } from "./core";
import type { HeldLock, RefreshLock } from "./lock";

export interface RunnerOptions {
  halves: RefreshHalf[];
  lock: RefreshLock;
  events: EventSink;
  clock: Clock;
  holder: string;
  /** Aborted on SIGINT/SIGTERM: every half stops at its next step boundary. */
  signal?: AbortSignal;
}

/** Both halves by default; `--only database|objects` runs one. */
export const AVAILABLE_HALVES: HalfName[] = ["database", "objects"];

export function selectHalves(only: string | undefined): HalfName[] {
  if (only === undefined) return AVAILABLE_HALVES;
  if (only === "database" || only === "objects") return [only];
  throw new RefusedError(`--only ${JSON.stringify(only)}: expected database or objects`);
}

export async function planAll(halves: RefreshHalf[], refreshId: string): Promise<PlanReport[]> {
  return Promise.all(halves.map((half) => half.plan(refreshId)));
}

export type HalfState = "done" | "refused" | "failed";

export interface HalfOutcome {
  half: HalfName;
  state: HalfState;
  message?: string;
}

/** failed (1) > refused (2) > done (0). */
const SEVERITY: Record<HalfState, number> = { done: 0, refused: 1, failed: 2 };

/** One line per half: `database: done`, `objects: refused — <why>`. */
export function summaryOf(outcomes: HalfOutcome[]): string {
  return outcomes.map((o) => `${o.half}: ${o.state}${o.message ? ` — ${o.message}` : ""}`).join("\n");
}

/** The run's error for a set of outcomes (undefined when all are done): every half's message kept. */
export function outcomeError(outcomes: HalfOutcome[]): Error | undefined {
  const worst = outcomes.reduce<HalfState>((acc, o) => (SEVERITY[o.state] > SEVERITY[acc] ? o.state : acc), "done");
  if (worst === "done") return undefined;
  const summary = summaryOf(outcomes);
  return worst === "refused" ? new RefusedError(summary) : new StepFailedError(outcomes.filter((o) => o.state === "failed").map((o) => o.half).join("+"), `one or more halves failed\n${summary}`);
}

function outcomeOf(half: HalfName, result: PromiseSettledResult<void>): HalfOutcome & { interrupted: boolean } {
  if (result.status === "fulfilled") return { half, state: "done", interrupted: false };
  const error = result.reason as Error;
  return { half, state: error instanceof RefusedError ? "refused" : "failed", message: error.message, interrupted: error instanceof InterruptedError };
}

/** Holds the lock around `work`, releasing it however `work` ends; the control stops work on a signal or a lost lock. */
async function underLock<T>(options: RunnerOptions, refreshId: string, command: string, work: (control: RunControl) => Promise<T>): Promise<T> {
  const { events } = options;
  const held: HeldLock = await options.lock.acquire(refreshId, options.holder, command);
  events.emit({ refreshId, half: "refresh", step: "lock", state: "done", identifiers: { lock: options.lock.id, holder: options.holder } });
  const control: RunControl = { shouldStop: () => Boolean(options.signal?.aborted) || held.lost };
  try {
    return await work(control);
  } finally {
    await held.release();
    events.emit({ refreshId, half: "refresh", step: "lock", state: "done", message: held.lost ? "lost to another holder" : "released" });
  }
}

/** Checks every half's inputs (read-only), then runs them in parallel. Throws the worst outcome. */
export async function runAll(options: RunnerOptions, refreshId: string, verb: "run" | "resume"): Promise<void> {
  const { events } = options;
  await underLock(options, refreshId, verb, async (control) => {
    const reports = await Promise.all(options.halves.map((half) => half.preflight(refreshId).then((report) => ({ half: half.name, ...report }))));
    const refusals = reports.flatMap((r) => r.refusals.map((text) => `${r.half}: ${text}`));
    const problems = reports.flatMap((r) => r.problems.map((text) => `${r.half}: ${text}`));
    for (const r of reports) {
      for (const message of r.refusals) events.emit({ refreshId, half: r.half, step: "preflight", state: "refused", message });
      for (const message of r.problems) events.emit({ refreshId, half: r.half, step: "preflight", state: "failed", message });
    }
    // Nothing has been written yet: a refusal and a problem both stop here.
    if (refusals.length > 0) throw new RefusedError(`nothing was changed:\n${[...refusals, ...problems].join("\n")}`);
    if (problems.length > 0) throw new StepFailedError("preflight", `nothing was changed:\n${problems.join("\n")}`);
    events.emit({ refreshId, half: "refresh", step: "preflight", state: "done", message: "every input checked; first write next" });
    const results = await Promise.allSettled(options.halves.map((half) => half.run(refreshId, control)));
    const outcomes = options.halves.map((half, i) => outcomeOf(half.name, results[i]));
    for (const o of outcomes) events.emit({ refreshId, half: o.half, step: verb, state: o.state, message: o.message });
    const error = outcomeError(outcomes);
    if (error) {
      const failed = outcomes.filter((o) => o.state === "failed");
      // Stopped on a signal (or a lost lock), not broken: say so, and how to go on.
      if (failed.length > 0 && failed.every((o) => o.interrupted)) {
        events.emit({ refreshId, half: "refresh", step: verb, state: "failed", message: `interrupted: \`npm run refresh -- resume ${refreshId}\` continues` });
        throw new InterruptedError(summaryOf(outcomes));
      }
      throw error;
    }
  });
  events.emit({ refreshId, half: "refresh", step: verb, state: "done" });
}

export async function rollbackAll(options: RunnerOptions, refreshId: string): Promise<void> {
  await underLock(options, refreshId, "rollback", async (control) => {
    for (const half of options.halves) await half.rollback(refreshId, control);
  });
  options.events.emit({ refreshId, half: "refresh", step: "rollback", state: "done" });
}

export async function cleanupAll(options: RunnerOptions, olderThanMs: number): Promise<void> {
  await underLock(options, ANY_REFRESH, "cleanup", async () => {
    for (const half of options.halves) await half.cleanup({ olderThanMs });
  });
  options.events.emit({ half: "refresh", step: "cleanup", state: "done" });
}
