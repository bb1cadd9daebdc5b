/**
 * Unit tests of the refresh runner (no AWS: fake halves and a fake lock): both halves run in
 * parallel under one lock; a failure in one neither stops the other nor releases the lock, so
 * `resume` can finish and `rollback` can undo.
 */
import { EventLog, HalfName, PlanReport, RefreshHalf, RefusedError, StepFailedError, realClock } from "../../scripts/refresh/core";
import type { RefreshLock } from "../../scripts/refresh/lock";
import { runAll, selectHalves } from "../../scripts/refresh/runner";

class FakeHalf implements RefreshHalf {
  started = 0;
  finished = false;
  constructor(
    readonly name: HalfName,
    private readonly outcome: "ok" | "fail" | "refuse",
    private readonly log: string[],
  ) {}
  async plan(): Promise<PlanReport> {
    return { half: this.name, problems: [], refusals: [], steps: [] };
  }
  async run(): Promise<void> {
    this.started = Date.now();
    this.log.push(`${this.name}:start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.log.push(`${this.name}:end`);
    if (this.outcome === "fail") throw new Error(`${this.name} step failed`);
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
    },
    release: async () => {
      state.held = false;
      log.push("unlock");
    },
  } as unknown as RefreshLock;
  return { lock, state };
}

describe("refresh runner", () => {
  test("GIVEN both halves WHEN run THEN they start together under one lock, which is released at the end", async () => {
    const log: string[] = [];
    const { lock, state } = fakeLock(log);
    const database = new FakeHalf("database", "ok", log);
    const objects = new FakeHalf("objects", "ok", log);
    await runAll({ halves: [database, objects], lock, events: new EventLog(), clock: realClock, holder: "test" }, "r1", "run");
    // Both started before either ended: parallel.
    expect(log.slice(0, 3)).toEqual(["lock:r1", "database:start", "objects:start"]);
    expect(log.at(-1)).toBe("unlock");
    expect(state.held).toBe(false);
    expect(database.finished && objects.finished).toBe(true);
  });

  test("GIVEN the objects half fails WHEN run THEN the database half still completes, the lock stays for resume, exit 1", async () => {
    const log: string[] = [];
    const { lock, state } = fakeLock(log);
    const database = new FakeHalf("database", "ok", log);
    const objects = new FakeHalf("objects", "fail", log);
    await expect(runAll({ halves: [database, objects], lock, events: new EventLog(), clock: realClock, holder: "test" }, "r2", "run")).rejects.toBeInstanceOf(StepFailedError);
    expect(database.finished).toBe(true);
    expect(state.held).toBe(true);
    expect(log).not.toContain("unlock");
  });

  test("GIVEN a half refuses WHEN run THEN the refusal (exit 2) is what is reported", async () => {
    const log: string[] = [];
    const { lock } = fakeLock(log);
    await expect(
      runAll({ halves: [new FakeHalf("database", "refuse", log), new FakeHalf("objects", "ok", log)], lock, events: new EventLog(), clock: realClock, holder: "t" }, "r3", "run"),
    ).rejects.toBeInstanceOf(RefusedError);
  });

  test("--only selects one half; both by default; anything else is bad usage", () => {
    expect(selectHalves(undefined)).toEqual(["database", "objects"]);
    expect(selectHalves("objects")).toEqual(["objects"]);
    expect(() => selectHalves("db")).toThrow(`--only "db": expected database or objects`);
  });
});
