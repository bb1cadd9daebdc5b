/**
 * Kind: in-memory fake AWS behind aws-sdk-client-mock (__tests__/support/refresh/fake-aws.ts,
 * refusing what AWS documents it refuses), driving the refresh CLI's `main` exactly as an
 * operator's command line does. Why: these are the CLI's contracts — exit codes, confirmations,
 * the lock's lifetime, inputs checked before the first write, what `plan`, `status` and
 * `cleanup` say and do — on a simulated clock, with crashes and lock holders set up at will.
 */
import { ExecuteStatementCommand } from "@aws-sdk/client-rds-data";
import { main } from "../../scripts/refresh/cli";
import { cliDeps, fakeWorlds, mockDataApi } from "../support/refresh/harness";
import { World, connectHalf } from "../support/refresh/world";

const RID = "r202501311200-a1b2";
const setup = fakeWorlds();
const deps = cliDeps;

/** Calls that change something in AWS (reads, STS and the lock table aside). */
const writes = (world: World) => world.fake.calls.filter((c) => !/^(Describe|Get|AssumeRole|List)|^(PutItem|UpdateItem|DeleteItem)$/.test(c.command));

const DATABASE = ["--only", "database", "--json", "--executor", "postgres", "--pg-host", "127.0.0.1"];

describe("exit codes: bad input is exit 2, before any AWS call", () => {
  test.each([
    ["an unknown environment", ["run", "--to", "stagin", "--yes"], {}, /unknown environment "stagin"/],
    ["preview-pr-0", ["run", "--to", "preview-pr-0", "--yes"], {}, /pull-request number/],
    ["a bad TWINSTACK_SINGLE_ACCOUNT", ["plan"], { TWINSTACK_SINGLE_ACCOUNT: "12345" }, /TWINSTACK_SINGLE_ACCOUNT \("12345"\) must be a 12-digit AWS account id/],
    ["--executor postgres without --pg-host", ["run", "--yes", "--only", "database", "--executor", "postgres"], {}, /--executor postgres needs --pg-host/],
  ])("%s", async (_label, argv, env, message) => {
    const world = setup();
    const d = deps(world, env);
    expect(await main(argv, d)).toBe(2);
    expect(d.text()).toMatch(message);
    expect(world.fake.calls).toEqual([]);
  });
});

describe("confirmation", () => {
  test.each([["resume", RID], ["rollback", RID]])("%s without a terminal and without --yes is refused (exit 2) and changes nothing", async (command, id) => {
    const world = setup();
    const d = deps(world);
    expect(await main([command, id, ...DATABASE], d)).toBe(2);
    expect(d.text()).toMatch(/pass --yes/);
    expect(writes(world)).toEqual([]);
  });

  test("resume on a terminal asks to type the target's name; a wrong answer changes nothing", async () => {
    const world = setup();
    const questions: string[] = [];
    const d = deps(world, {}, { isTTY: true, ask: async (q) => (questions.push(q), "production") });
    expect(await main(["resume", RID, ...DATABASE], d)).toBe(2);
    expect(questions[0]).toMatch(/Type the target's name \(staging\)/);
    expect(writes(world)).toEqual([]);
  });
});

describe("the lock", () => {
  function holdLock(world: World, heartbeatAgoMs: number): void {
    const at = new Date(world.clock.now() - heartbeatAgoMs).toISOString();
    world.fake.account(world.target.accountId).locks.set("twinstack-refresh/staging", {
      LockID: { S: "twinstack-refresh/staging" },
      Holder: { S: "someone@refresh" },
      LockOwner: { S: "another-process" },
      RefreshId: { S: "r202501311100-0000" },
      Command: { S: "run" },
      StartedAt: { S: new Date(world.clock.now() - 7 * 3600_000).toISOString() },
      Heartbeat: { S: at },
    });
  }

  test("a lock with a fresh heartbeat is never taken over, whatever --lock-stale-hours says (exit 2, nothing written)", async () => {
    const world = setup();
    holdLock(world, 30_000);
    const d = deps(world);
    expect(await main(["run", "--yes", "--lock-stale-hours", "0", ...DATABASE], d)).toBe(2);
    expect(d.text()).toMatch(/holds the lock twinstack-refresh\/staging/);
    expect(writes(world)).toEqual([]);
    expect(world.fake.account(world.target.accountId).locks.get("twinstack-refresh/staging")?.Holder?.S).toBe("someone@refresh");
  });

  test("a lock whose heartbeat went stale is taken over", async () => {
    const world = setup();
    holdLock(world, 20 * 60_000);
    const d = deps(world);
    // (No PostgreSQL listens at --pg-host here: the run stops at the scrub, after taking the lock.)
    await main(["run", "--yes", ...DATABASE], d);
    expect(d.events().find((e) => e.step === "lock")).toMatchObject({ state: "done", identifiers: { lock: "twinstack-refresh/staging" } });
    expect(d.events().some((e) => e.step === "restore" && e.state === "done")).toBe(true);
    expect(world.fake.account(world.target.accountId).locks.size).toBe(0);
  }, 60_000);

  test("a failed run releases the lock; a new run (and plan) then refuses while its temporary cluster exists, naming resume and rollback", async () => {
    // GIVEN a run whose scrub fails (after the restore: the temporary cluster exists) — no PostgreSQL listens at --pg-host
    const world = setup();
    const failing = deps(world);
    expect(await main(["run", "--yes", ...DATABASE], failing)).toBe(1);
    const failedId = failing.events().find((e) => e.refreshId)!.refreshId!;
    expect(failing.events()).toContainEqual(expect.objectContaining({ step: "scrub", state: "failed", message: expect.stringMatching(/ECONNREFUSED/) }));
    expect(failing.text()).toMatch(new RegExp(`resume ${failedId}`));
    // THEN the lock is free
    expect(world.fake.account(world.target.accountId).locks.size).toBe(0);
    // WHEN a new plan and a new run start
    const plan = deps(world);
    expect(await main(["plan", ...DATABASE], plan)).toBe(2);
    expect(plan.text()).toMatch(new RegExp(`refresh ${failedId} of staging is unfinished.*resume ${failedId}.*rollback ${failedId}`));
    const before = writes(world).length;
    const again = deps(world);
    expect(await main(["run", "--yes", ...DATABASE], again)).toBe(2);
    expect(again.text()).toMatch(new RegExp(`refresh ${failedId} of staging is unfinished`));
    expect(writes(world).length).toBe(before);
    expect(world.fake.account(world.target.accountId).locks.size).toBe(0);
  }, 60_000);

  test("cleanup takes the lock: refused (exit 2) while a run holds it", async () => {
    const world = setup();
    holdLock(world, 10_000);
    const d = deps(world);
    expect(await main(["cleanup", ...DATABASE], d)).toBe(2);
    expect(d.text()).toMatch(/holds the lock/);
    expect(writes(world)).toEqual([]);
  });
});

describe("SIGINT/SIGTERM", () => {
  test("a signal mid-run stops at the next step boundary (never mid-swap), releases the lock and prints the resume command (exit 1)", async () => {
    const world = setup();
    const stop = new AbortController();
    const d = deps(world, {}, { signal: stop.signal });
    // The operator presses Ctrl-C while the restore runs.
    const out = d.out;
    d.out = (line) => {
      out(line);
      if (/"step":"restore","state":"started"/.test(line)) stop.abort();
    };
    expect(await main(["run", "--yes", ...DATABASE], d)).toBe(1);
    const id = d.events().find((e) => e.refreshId)!.refreshId!;
    expect(d.text()).toMatch(/refresh: interrupted: database: failed — stopped before unshare/);
    expect(d.text()).toMatch(new RegExp(`resume ${id}`));
    expect(d.events().some((e) => e.step === "swap-retire")).toBe(false);
    expect(world.fake.account(world.target.accountId).locks.size).toBe(0);
    expect(world.fake.working(world.target.accountId, world.targetId)).toBe(true);
  }, 60_000);
});

describe("no unscrubbed copy outlives its use", () => {
  test("a failed run's temporary cluster: status lists it as an unscrubbed copy; cleanup deletes it (only what this tool tagged) and un-shares its snapshot", async () => {
    // GIVEN a run that crashed after the restore, before the scrub, with the snapshot still shared
    const world = setup();
    const crashed = await connectHalf(world, {
      onBoundary: (label) => {
        if (label === "rotate-credentials:before") throw new Error("injected crash");
      },
    });
    await expect(crashed.half.run(RID)).rejects.toThrow(/injected crash/);
    // An untagged cluster with a temporary-looking name is not this tool's: it stays.
    world.fake.addCluster(world.target.accountId, "twinstack-staging-new-r202401010000-beef", { instances: 0 });
    const tgt = world.fake.account(world.target.accountId);
    expect(tgt.clusters.has(`twinstack-staging-new-${RID}`)).toBe(true);
    // WHEN status runs
    const status = deps(world);
    expect(await main(["status", ...DATABASE], status)).toBe(0);
    // THEN it names the unscrubbed copy and where the refresh stands
    expect(status.events().find((e) => e.identifiers?.id === `twinstack-staging-new-${RID}`)?.message).toMatch(/UNSCRUBBED/);
    expect(status.events().find((e) => e.step === "refresh" && e.identifiers?.id === RID)?.message).toMatch(/before the point of no return/);
    // WHEN cleanup runs
    const cleanup = deps(world);
    expect(await main(["cleanup", ...DATABASE], cleanup)).toBe(0);
    // THEN the temporary cluster and its instance are gone, the snapshot is no longer shared, the untagged one stays
    expect([...tgt.clusters.keys()].sort()).toEqual(["twinstack-staging", "twinstack-staging-new-r202401010000-beef"]);
    expect([...tgt.instances.keys()]).toEqual(["twinstack-staging-1"]);
    const snapshots = [...world.fake.account(world.source.accountId).snapshots.values()];
    expect(snapshots.filter((s) => s.sharedWith.length > 0)).toEqual([]);
    expect(tgt.locks.size).toBe(0);
  }, 60_000);

  test("a run through the Data API stops sharing the snapshot once the restore has it, and switches the Data API off again (staging's database.dataApi is false)", async () => {
    const world = setup();
    const data = mockDataApi();
    try {
      const d = deps(world);
      expect(await main(["run", "--yes", "--only", "database", "--json"], d)).toBe(0);
      // The restore had the snapshot while it was shared; it is not shared any more.
      const share = world.fake.calls.findIndex((c) => c.command === "ModifyDBClusterSnapshotAttribute" && (c.input as { ValuesToAdd?: string[] }).ValuesToAdd);
      const restoreAt = world.fake.calls.findIndex((c) => c.command === "RestoreDBClusterFromSnapshot");
      const unshare = world.fake.calls.findIndex((c) => c.command === "ModifyDBClusterSnapshotAttribute" && (c.input as { ValuesToRemove?: string[] }).ValuesToRemove);
      expect(share).toBeLessThan(restoreAt);
      expect(unshare).toBeGreaterThan(restoreAt);
      expect([...world.fake.account(world.source.accountId).snapshots.values()].filter((s) => s.sharedWith.length > 0)).toEqual([]);
      // The Data API was on for the scrub only.
      const live = world.fake.account(world.target.accountId).clusters.get(world.targetId)!;
      expect(live.httpEndpoint).toBe(false);
      expect(data.commandCalls(ExecuteStatementCommand).length).toBeGreaterThan(0);
    } finally {
      data.restore();
    }
  }, 60_000);
});

describe("plan and status show the point of no return", () => {
  test("plan marks delete-old as the point of no return", async () => {
    const world = setup();
    const d = deps(world);
    expect(await main(["plan", ...DATABASE], d)).toBe(0);
    const planned = d.events().filter((e) => e.state === "planned");
    expect(planned.filter((e) => /point of no return/.test(e.message ?? "")).map((e) => e.step)).toEqual(["delete-old"]);
  });

  test("after delete-old started: status says past the point of no return, rollback refuses (exit 2) and says what staging runs", async () => {
    const world = setup();
    const h = await connectHalf(world, {
      onBoundary: (label) => {
        if (label === "delete-old:action-0") throw new Error("injected crash");
      },
    });
    await expect(h.half.run(RID)).rejects.toThrow(/injected crash/);
    const status = deps(world);
    expect(await main(["status", RID, ...DATABASE], status)).toBe(0);
    expect(status.events().find((e) => e.step === "refresh")).toMatchObject({ identifiers: { status: "deleting-old" }, message: expect.stringMatching(/past the point of no return/) });
    const rollback = deps(world);
    expect(await main(["rollback", RID, "--yes", ...DATABASE], rollback)).toBe(2);
    expect(rollback.text()).toMatch(/twinstack-staging runs the refreshed copy from r202501311200-a1b2 and works; nothing was changed/);
    expect(world.fake.working(world.target.accountId, world.targetId)).toBe(true);
    expect(world.fake.account(world.target.accountId).locks.size).toBe(0);
  }, 60_000);
});
