/**
 * Kind: in-memory fake AWS behind aws-sdk-client-mock (__tests__/support/refresh/fake-aws.ts):
 * its STS mints sessions that expire on the simulated clock, and every other call made with an
 * expired session is refused with ExpiredTokenException, as AWS does. Why: a refresh outlives a
 * one-hour session; only a simulated clock makes that testable in seconds. The SDK's own
 * credential refresh reads `Date`, which here follows the simulated clock.
 *
 * Also the lock's heartbeat on the same clock: renewed while held, never taken over while fresh,
 * and a holder that lost its lock stops at the next step boundary.
 */
import { refreshLockKey } from "../../environments/naming";
import { EventLog, InterruptedError, RefusedError } from "../../scripts/refresh/core";
import { HEARTBEAT_INTERVAL_MS, RefreshLock } from "../../scripts/refresh/lock";
import { runAll } from "../../scripts/refresh/runner";
import { connectAccount } from "../../scripts/refresh/accounts";
import { defaultLatency } from "../support/refresh/fake-aws";
import { fakeWorlds } from "../support/refresh/harness";
import { World, connectHalf } from "../support/refresh/world";

const RID = "r202501311200-a1b2";
const fakeWorld = fakeWorlds();
afterEach(() => jest.useRealTimers());

/** Only `Date` is faked, and it follows the simulated clock (timers stay real). */
function followSimulatedTime(world: World): void {
  jest.useFakeTimers({
    doNotFake: ["hrtime", "nextTick", "performance", "queueMicrotask", "requestAnimationFrame", "cancelAnimationFrame", "requestIdleCallback", "cancelIdleCallback", "setImmediate", "clearImmediate", "setInterval", "clearInterval", "setTimeout", "clearTimeout"],
    now: world.clock.now(),
  });
  world.clock.onTick((now) => jest.setSystemTime(now));
}

function setup(latency = defaultLatency): World {
  const world = fakeWorld({ latency });
  followSimulatedTime(world);
  return world;
}

test("the fake refuses a call made with an expired session (ExpiredTokenException), as AWS does", async () => {
  const world = setup();
  const minted = (await world.fake.handle("AssumeRole", { RoleArn: `arn:aws:iam::${world.target.accountId}:role/twinstack-deploy`, DurationSeconds: 900 }, world.target.accountId)) as {
    Credentials: { AccessKeyId: string };
  };
  await world.clock.sleep(901_000);
  await expect(world.fake.handle("DescribeDBClusters", {}, world.target.accountId, minted.Credentials.AccessKeyId)).rejects.toMatchObject({ name: "ExpiredTokenException" });
});

test("a refused AssumeRole (DurationSeconds above the role's MaxSessionDuration) fails the connection with STS's error: no call is made without a session", async () => {
  // GIVEN a role whose MaxSessionDuration is 15 minutes, and a connection asking for one hour
  const world = setup();
  world.fake.maxSessionSeconds = 900;
  // WHEN staging's account is connected
  const connecting = connectAccount(world.target, { clock: world.clock, sessionSeconds: 3600 });
  // THEN it is refused with STS's answer, and no call went on without a session
  await expect(connecting).rejects.toThrow(/cannot identify the caller .*MaxSessionDuration/);
  expect(world.fake.calls.some((c) => c.command === "AssumeRole")).toBe(true);
  expect(world.fake.calls.some((c) => c.command === "GetCallerIdentity")).toBe(false);
});

test("a refresh longer than its sessions (15-minute sessions, a 70-minute restore) renews them before they expire and completes", async () => {
  // GIVEN sessions of 15 minutes and a restore that takes 70
  const world = setup({ ...defaultLatency, restoreMs: 70 * 60_000 });
  const h = await connectHalf(world, {}, undefined, { sessionSeconds: 900 });
  // WHEN the refresh runs
  const start = world.clock.now();
  await h.half.run(RID);
  // THEN it finished (no call was refused for an expired token) and took longer than several sessions
  expect(world.clock.now() - start).toBeGreaterThan(4 * 900_000);
  expect(world.fake.account(world.target.accountId).clusters.get(world.targetId)!.data).toMatch(/^production/);
  const assumed = world.fake.calls.filter((c) => c.command === "AssumeRole");
  expect(assumed.length).toBeGreaterThan(4);
  expect(assumed.every((c) => (c.input as { DurationSeconds: number }).DurationSeconds === 900)).toBe(true);
}, 60_000);

test("the lock's heartbeat is renewed while held; a second holder is refused while it is fresh, and gets it once released", async () => {
  const world = setup();
  const h = await connectHalf(world);
  const held = await h.lock.acquire(RID, "first@refresh", "run");
  const started = world.clock.now();
  await world.clock.sleep(30 * 60_000);
  // Let the heartbeat's pending renewal land.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const record = await h.lock.read();
  expect(Date.parse(record!.heartbeatAt)).toBeGreaterThanOrEqual(started + 30 * 60_000 - 2 * HEARTBEAT_INTERVAL_MS);
  // Another process, even with --lock-stale-hours 0, even for the same refresh id
  const other = new RefreshLock(h.target.dynamodb, world.target, world.clock, 0);
  await expect(other.acquire(RID, "second@refresh", "resume")).rejects.toBeInstanceOf(RefusedError);
  await held.release();
  const second = await other.acquire(RID, "second@refresh", "resume");
  await second.release();
  expect(world.fake.account(world.target.accountId).locks.size).toBe(0);
});

test("the lock's key comes from the project name (refreshLockKey), as IAM's dynamodb:LeadingKeys condition expects", () => {
  const world = setup();
  const acme = { ...world.target, project: "acme" };
  expect(new RefreshLock({} as never, acme, world.clock).id).toBe("acme-refresh/staging");
  expect(refreshLockKey(acme)).toBe("acme-refresh/staging");
});

test("a holder whose lock was taken stops at its next step boundary and says how to resume", async () => {
  const world = setup();
  const h = await connectHalf(world, {
    onBoundary: (label) => {
      // Someone else takes the lock over mid-run (e.g. after a long network partition).
      if (label === "restore:before") {
        const record = world.fake.account(world.target.accountId).locks.get("twinstack-refresh/staging")!;
        record.LockOwner = { S: "another-process" };
      }
    },
  });
  const error = await runAll({ halves: [h.half], lock: h.lock, events: new EventLog(world.clock), clock: world.clock, holder: "test" }, RID, "run").catch((e: Error) => e);
  expect((error as Error).message).toMatch(/stopped before .*resume r202501311200-a1b2/);
  expect(h.events.events.some((e) => e.state === "done" && e.step === "swap-retire")).toBe(false);
  expect(world.fake.working(world.target.accountId, world.targetId)).toBe(true);
  void InterruptedError;
}, 60_000);
