/**
 * Unit tests of the refresh runner (no AWS: fake halves and a fake lock): every half's inputs are
 * checked before any half writes; both halves run in parallel under one lock; the lock is
 * released on every exit path; a run whose halves end differently reports each half's outcome
 * and exits with the worse (failed > refused > done).
 */
import { EventLog, HalfName, InterruptedError, PlanReport, PreflightReport, RefreshHalf, RefusedError, RunControl, StepFailedError, realClock } from "../../scripts/refresh/core";
import type { RefreshLock } from "../../scripts/refresh/lock";
import { outcomeError, runAll, selectHalves } from "../../scripts/refresh/runner";

type Outcome = "ok" | "fail" | "refuse" | "wait-for-stop";

class FakeHalf implements RefreshHalf {
  finished = false;
  wrote = false;
  constructor(
    readonly name: HalfName,
    private readonly outcome: Outcome,
    private readonly log: string[],
    private readonly checks: PreflightReport = { problems: [], refusals: [] },
  ) {}
  async plan(): Promise<PlanReport> {
    return { half: this.name, steps: [], ...this.checks };
  }
  async preflight(): Promise<PreflightReport> {
    this.log.push(`${this.name}:preflight`);
    return this.checks;
  }
  async run(_id: string, control?: RunControl): Promise<void> {
    this.log.push(`${this.name}:start`);
    this.wrote = true;
    if (this.outcome === "wait-for-stop") {
      while (!control?.shouldStop()) await new Promise((resolve) => setTimeout(resolve, 5));
      this.log.push(`${this.name}:stopped`);
      throw new InterruptedError(`${this.name} stopped at a step boundary`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.log.push(`${this.name}:end`);
    if (this.outcome === "fail") throw new StepFailedError("restore", `${this.name} step failed`);
    if (this.outcome === "refuse") throw new RefusedError(`${this.name} refused`);
    this.finished = true;
  }
  async rollback(): Promise<void> {}
  async cleanup(): Promise<void> {}
  async status(): Promise<Array<Record<string, string>>> {
    return [];
  }
}

function fakeLock(log: string[]) {
  const state = { held: false };
  const lock = {
    id: "twinstack-refresh/staging",
    acquire: async (refreshId: string) => {
      if (state.held) throw new RefusedError("lock held");
      state.held = true;
      log.push(`lock:${refreshId}`);
      return {
        lost: false,
        release: async () => {
          state.held = false;
          log.push("unlock");
        },
      };
    },
  } as unknown as RefreshLock;
  return { lock, state };
}

const run = (halves: RefreshHalf[], lock: RefreshLock, signal?: AbortSignal) =>
  runAll({ halves, lock, events: new EventLog(), clock: realClock, holder: "test", signal }, "r1", "run");

describe("refresh runner", () => {
  test("GIVEN both halves WHEN run THEN every preflight comes first, then they start together under one lock, released at the end", async () => {
    const log: string[] = [];
    const { lock, state } = fakeLock(log);
    const database = new FakeHalf("database", "ok", log);
    const objects = new FakeHalf("objects", "ok", log);
    await run([database, objects], lock);
    expect(log.slice(0, 5)).toEqual(["lock:r1", "database:preflight", "objects:preflight", "database:start", "objects:start"]);
    expect(log.at(-1)).toBe("unlock");
    expect(state.held).toBe(false);
    expect(database.finished && objects.finished).toBe(true);
  });

  test("GIVEN one half's input is bad (e.g. a bucket of the wrong owner) WHEN run THEN no half writes, the lock is released, exit 1", async () => {
    const log: string[] = [];
    const { lock, state } = fakeLock(log);
    const database = new FakeHalf("database", "ok", log);
    const objects = new FakeHalf("objects", "ok", log, { problems: ["source bucket: access denied"], refusals: [] });
    const error = await run([database, objects], lock).catch((e: Error) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as Error).message).toMatch(/nothing was changed:\nobjects: source bucket: access denied/);
    expect(database.wrote || objects.wrote).toBe(false);
    expect(state.held).toBe(false);
  });

  test("GIVEN the objects half fails WHEN run THEN the database half still completes, both outcomes are reported, the lock is released, exit 1", async () => {
    const log: string[] = [];
    const { lock, state } = fakeLock(log);
    const database = new FakeHalf("database", "ok", log);
    const objects = new FakeHalf("objects", "fail", log);
    const error = await run([database, objects], lock).catch((e: Error) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as Error).message).toMatch(/database: done\nobjects: failed — restore: objects step failed/);
    expect(database.finished).toBe(true);
    expect(state.held).toBe(false);
    expect(log.at(-1)).toBe("unlock");
  });

  test("GIVEN the database half completes and the objects half refuses WHEN run THEN exit 2 (refused) with the database's outcome kept; a failure outranks a refusal", async () => {
    const log: string[] = [];
    const { lock } = fakeLock(log);
    const error = await run([new FakeHalf("database", "ok", log), new FakeHalf("objects", "refuse", log)], lock).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RefusedError);
    expect((error as Error).message).toBe("database: done\nobjects: refused — objects refused");
    // failed (partial state) is worse than refused (nothing written)
    expect(outcomeError([{ half: "database", state: "failed", message: "scrub: boom" }, { half: "objects", state: "refused", message: "no" }])).toBeInstanceOf(StepFailedError);
    expect(outcomeError([{ half: "database", state: "done" }, { half: "objects", state: "done" }])).toBeUndefined();
  });

  test("GIVEN a running half WHEN the signal is aborted (SIGINT) THEN it stops at its boundary, the lock is released, exit 1 with resume", async () => {
    const log: string[] = [];
    const { lock, state } = fakeLock(log);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 30);
    const error = await run([new FakeHalf("database", "wait-for-stop", log)], lock, stop.signal).catch((e: Error) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(log).toContain("database:stopped");
    expect(state.held).toBe(false);
  });

  test("--only selects one half; both by default; anything else is bad usage", () => {
    expect(selectHalves(undefined)).toEqual(["database", "objects"]);
    expect(selectHalves("objects")).toEqual(["objects"]);
    expect(() => selectHalves("db")).toThrow(`--only "db": expected database or objects`);
  });
});
