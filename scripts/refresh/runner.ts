/**
 * Runs the selected halves of a refresh under one lock, one confirmation and one event stream.
 * The database and objects halves run in parallel; a failure in one does not stop the other.
 */
import { Clock, EventSink, HalfName, PlanReport, RefreshHalf, RefusedError, StepFailedError } from "./core";
import type { RefreshLock } from "./lock";

export interface RunnerOptions {
  halves: RefreshHalf[];
  lock: RefreshLock;
  events: EventSink;
  clock: Clock;
  holder: string;
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

/** Lock, run every half in parallel, release the lock when all succeeded. Returns the exit code. */
export async function runAll(options: RunnerOptions, refreshId: string, verb: "run" | "resume"): Promise<void> {
  const { events } = options;
  await options.lock.acquire(refreshId, options.holder);
  events.emit({ refreshId, half: "refresh", step: "lock", state: "done", identifiers: { lock: options.lock.id, holder: options.holder } });
  const results = await Promise.allSettled(options.halves.map((half) => half.run(refreshId)));
  const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ half: options.halves[i].name, error: r.reason as Error }] : []));
  if (failures.length === 0) {
    await options.lock.release(refreshId);
    events.emit({ refreshId, half: "refresh", step: "lock", state: "done", message: "released" });
    events.emit({ refreshId, half: "refresh", step: verb, state: "done" });
    return;
  }
  // The lock stays: `resume` continues, `rollback` undoes.
  const refused = failures.find((f) => f.error instanceof RefusedError);
  if (refused) throw refused.error;
  throw new StepFailedError(failures.map((f) => f.half).join("+"), failures.map((f) => f.error.message).join("\n"));
}

export async function rollbackAll(options: RunnerOptions, refreshId: string): Promise<void> {
  await options.lock.acquire(refreshId, options.holder);
  for (const half of options.halves) await half.rollback(refreshId);
  await options.lock.release(refreshId);
  options.events.emit({ refreshId, half: "refresh", step: "rollback", state: "done" });
}
