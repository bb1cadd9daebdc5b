/**
 * Kind: aws-sdk-client-mock contract tests. Why: the emulator cannot restore a snapshot shared
 * from another account, has no throttling and cannot be crashed between steps; here a small
 * in-memory model of RDS/KMS/STS/DynamoDB state (__tests__/support/refresh/fake-aws.ts, behaving as
 * AWS documents) answers the real SDK commands our adapter sends, on a simulated clock.
 */
import { ExecuteStatementCommand } from "@aws-sdk/client-rds-data";
import { resolveEnvironment } from "../../environments/registry";
import { main, CliDeps } from "../../scripts/refresh/cli";
import { connectAccount } from "../../scripts/refresh/accounts";
import { AwsError } from "../support/refresh/fake-aws";
import { installFakeAws } from "../support/refresh/wire-mocks";
import { World, connectHalf, createWorld, RecordingExecutor } from "../support/refresh/world";
import { cliDeps, mockDataApi } from "../support/refresh/harness";
import { ScrubError } from "../../scripts/refresh/scrub";

const RID = "r202501311200-a1b2";
let restore: (() => void) | undefined;
afterEach(() => restore?.());

function setup(options: Parameters<typeof createWorld>[0] = {}): World {
  const world = createWorld(options);
  restore = installFakeAws(world.fake, world.target.accountId).restore;
  return world;
}

/** The final state every successful refresh must reach. */
function expectRefreshed(world: World, rid = RID): void {
  const tgt = world.fake.account(world.target.accountId);
  const live = tgt.clusters.get(world.targetId)!;
  expect(live.status).toBe("available");
  expect(live.data).toMatch(/^production/);
  expect(live.tags["twinstack:refresh-id"]).toBe(rid);
  expect(live.kmsKeyArn).toBe(tgt.keys.get(`alias/${world.targetId}-database`)!.arn);
  expect(live.secret?.kmsKeyArn).toBe(live.kmsKeyArn);
  expect(live.subnetGroup).toBe(`${world.targetId}-database`);
  expect(live.parameterGroup).toBe(`${world.targetId}-aurora-postgresql16`);
  expect(live.scaling).toEqual({ MinCapacity: 0, MaxCapacity: 1, SecondsUntilAutoPause: 300 });
  expect(live.tags["twinstack:scrubbed"]).toBe("true");
  // Exactly Terraform's names, in the right cluster, nothing left over.
  expect([...tgt.instances.values()].map((i) => [i.id, i.clusterId, i.status])).toEqual([[`${world.targetId}-1`, world.targetId, "available"]]);
  expect([...tgt.clusters.keys()]).toEqual([world.targetId]);
  expect(tgt.locks.size).toBe(0);
  // Staging was down only during the swap.
  expect(world.fake.downtimeMs()).toBeLessThanOrEqual(2 * 60_000);
}

async function runRefresh(world: World, overrides = {}, executor?: RecordingExecutor) {
  const h = await connectHalf(world, overrides, executor);
  const held = await h.lock.acquire(RID, "test", "run");
  await h.half.run(RID);
  await held.release();
  return h;
}

test("cross-account: snapshot in production, share with staging's account, restore by ARN, swap", async () => {
  // GIVEN production (CMK) and staging in two accounts
  const world = setup();
  // WHEN a refresh runs
  const h = await runRefresh(world);
  // THEN the snapshot was shared with staging's account and restored by its ARN
  const share = world.fake.calls.find((c) => c.command === "ModifyDBClusterSnapshotAttribute")!;
  expect(share.account).toBe(world.source.accountId);
  expect(share.input).toMatchObject({ AttributeName: "restore", ValuesToAdd: [world.target.accountId] });
  const restoreCall = world.fake.calls.find((c) => c.command === "RestoreDBClusterFromSnapshot")!;
  expect(restoreCall.account).toBe(world.target.accountId);
  expect((restoreCall.input as { SnapshotIdentifier: string }).SnapshotIdentifier).toBe(
    `arn:aws:rds:us-east-1:${world.source.accountId}:cluster-snapshot:twinstack-production-refresh-${RID}`,
  );
  expectRefreshed(world);
  // The scrub got the staging pool's users first.
  expect(h.executor.runs[0][1].params).toEqual(["qa@example.com", "staging-sub-qa"]);
  // Account ids never appear unmasked in events.
  expect(JSON.stringify(h.events.events)).not.toMatch(/111111111111|222222222222/);
}, 60_000);

test("between steps the refresh reads only what its steps decide on: the snapshot quota once, in the preflight", async () => {
  // GIVEN production and staging
  const world = setup();
  // WHEN a refresh runs (it observes RDS before and after every step)
  await runRefresh(world);
  // THEN the quota, which only the preflight checks, was read once; the clusters at every step
  const count = (command: string) => world.fake.calls.filter((c) => c.command === command).length;
  expect(count("DescribeAccountAttributes")).toBe(1);
  expect(count("DescribeDBClusters")).toBeGreaterThan(20);
  expectRefreshed(world);
}, 60_000);

test("AWS-managed key (aws/rds) source: a copy under the source CMK is shared instead", async () => {
  const world = setup({ sourceKey: "AWS" });
  const h = await connectHalf(world);
  const plan = await h.half.plan(RID);
  expect(plan.steps.find((s) => s.step === "reencrypt")!.status).toBe("todo");
  await h.half.run(RID);
  const copy = world.fake.calls.find((c) => c.command === "CopyDBClusterSnapshot")!;
  expect(copy.input).toMatchObject({ TargetDBClusterSnapshotIdentifier: `twinstack-production-refresh-${RID}-cmk`, KmsKeyId: expect.stringContaining(world.source.accountId) });
  expect(world.fake.calls.find((c) => c.command === "ModifyDBClusterSnapshotAttribute")!.input).toMatchObject({ DBClusterSnapshotIdentifier: `twinstack-production-refresh-${RID}-cmk` });
  expectRefreshed(world);
}, 60_000);

test("AWS-managed key and no source CMK: plan refuses with the fix", async () => {
  const world = setup({ sourceKey: "AWS" });
  world.fake.account(world.source.accountId).keys.delete("alias/twinstack-production-database");
  const h = await connectHalf(world);
  const plan = await h.half.plan(RID);
  expect(plan.problems.join("\n")).toMatch(/aws\/rds.*cannot be shared.*alias\/twinstack-production-database/);
}, 30_000);

test("automated snapshot source: copied to a manual tagged snapshot, then shared and restored", async () => {
  const world = setup();
  world.fake.addAutomatedSnapshot(world.source.accountId, "twinstack-production", "rds:twinstack-production-2025-01-31-03-00");
  await runRefresh(world, { sourceSnapshot: "rds:twinstack-production-2025-01-31-03-00" });
  expect(world.fake.calls.some((c) => c.command === "CreateDBClusterSnapshot")).toBe(false);
  expect(world.fake.calls.find((c) => c.command === "CopyDBClusterSnapshot")!.input).toMatchObject({ SourceDBClusterSnapshotIdentifier: "rds:twinstack-production-2025-01-31-03-00" });
  expectRefreshed(world);
  expect(world.fake.account(world.target.accountId).clusters.get("twinstack-staging")!.data).toBe("production@automated");
}, 60_000);

test("automated snapshot source given by ARN: described as automated (as DescribeDBClusterSnapshots requires), copied and restored", async () => {
  // GIVEN an automated snapshot of production, named by its ARN
  const world = setup();
  world.fake.addAutomatedSnapshot(world.source.accountId, "twinstack-production", "rds:twinstack-production-2025-01-31-03-00");
  const arn = `arn:aws:rds:us-east-1:${world.source.accountId}:cluster-snapshot:rds:twinstack-production-2025-01-31-03-00`;
  // WHEN the refresh restores from it
  await runRefresh(world, { sourceSnapshot: arn });
  // THEN it was described with SnapshotType automated, and staging holds its data
  expect(world.fake.calls.find((c) => c.command === "DescribeDBClusterSnapshots" && (c.input as { DBClusterSnapshotIdentifier?: string }).DBClusterSnapshotIdentifier === arn)!.input).toMatchObject({ SnapshotType: "automated" });
  expectRefreshed(world);
  expect(world.fake.account(world.target.accountId).clusters.get("twinstack-staging")!.data).toBe("production@automated");
}, 60_000);

test("throttling: throttled calls are retried and the refresh succeeds", async () => {
  const world = setup();
  const throttle = () => new AwsError("ThrottlingException", "Rate exceeded", 400);
  world.fake.failNext("DescribeDBClusters", throttle(), throttle(), throttle());
  world.fake.failNext("RestoreDBClusterFromSnapshot", throttle(), throttle());
  world.fake.failNext("ModifyDBCluster", throttle());
  await runRefresh(world);
  expectRefreshed(world);
}, 60_000);

test("a wait that never finishes times out, fails the step, and staging keeps working", async () => {
  const world = setup({ latency: { snapshotMs: 600_000, copyMs: 600_000, restoreMs: 1000 * 3600_000, instanceMs: 600_000, renameMs: 60_000, modifyMs: 60_000, deleteMs: 300_000 } });
  const h = await connectHalf(world);
  const error = await h.half.run(RID).catch((e: Error) => e) as Error;
  expect(error.message).toMatch(/restore: timed out after/);
  expect(world.fake.working(world.target.accountId, world.targetId)).toBe(true);
  expect(world.fake.downtimeMs()).toBe(0);
}, 60_000);

test("a restore under a wrong identifier fails fast instead of spinning to the timeout", async () => {
  const world = setup();
  const h = await connectHalf(world);
  // The restore call "succeeds" but nothing appears (e.g. it landed elsewhere).
  world.fake.failNext("RestoreDBClusterFromSnapshot");
  const real = world.fake.handle.bind(world.fake);
  jest.spyOn(world.fake, "handle").mockImplementation(async (command, input, account, key) => (command === "RestoreDBClusterFromSnapshot" ? {} : real(command, input, account, key)));
  const start = world.clock.now();
  const error = await h.half.run(RID).catch((e: Error) => e) as Error;
  expect(error.message).toMatch(/not found on 3 consecutive polls/);
  expect(world.clock.now() - start).toBeLessThan(30 * 60_000);
}, 60_000);

test("a failing scrub stops the refresh before the swap: staging untouched", async () => {
  const world = setup();
  const executor = new RecordingExecutor(() => new ScrubError(3, "UPDATE app_users SET no_such_column = 1", new Error('column "no_such_column" does not exist')));
  const h = await connectHalf(world, {}, executor);
  const error = await h.half.run(RID).catch((e: Error) => e) as Error;
  expect(error.message).toMatch(/^scrub: .*rolled back/);
  expect(world.fake.calls.some((c) => c.command === "ModifyDBCluster" && (c.input as { NewDBClusterIdentifier?: string }).NewDBClusterIdentifier)).toBe(false);
  expect(world.fake.account(world.target.accountId).clusters.get("twinstack-staging")!.data).toBe("staging-original");
  expect(world.fake.downtimeMs()).toBe(0);
  // rollback drops the temporary cluster
  await h.half.rollback(RID);
  expect([...world.fake.account(world.target.accountId).clusters.keys()]).toEqual(["twinstack-staging"]);
}, 60_000);

test("rollback after a swap with --keep-old puts the old cluster back under the live names", async () => {
  const world = setup();
  const h = await runRefresh(world, { keepOldMs: 24 * 3600_000 });
  const tgt = world.fake.account(world.target.accountId);
  expect(tgt.clusters.get(`twinstack-staging-old-${RID}`)!.tags["twinstack:retired-by"]).toBe(RID);
  await h.half.rollback(RID);
  expect(tgt.clusters.get("twinstack-staging")!.data).toBe("staging-original");
  expect([...tgt.instances.values()].map((i) => [i.id, i.clusterId])).toEqual([["twinstack-staging-1", "twinstack-staging"]]);
  expect([...tgt.clusters.keys()]).toEqual(["twinstack-staging"]);
}, 60_000);

test("a crash at every step boundary, then resume: staging works throughout (but the swap) and ends refreshed", async () => {
  // Count the boundaries of one clean run first.
  const labels: string[] = [];
  {
    const world = setup();
    await runRefresh(world, { onBoundary: (label: string) => void labels.push(label) });
    restore!();
  }
  expect(labels.length).toBeGreaterThan(15);
  for (const crashAt of labels) {
    const world = setup();
    const h = await connectHalf(world, {
      onBoundary: (label: string) => {
        if (label === crashAt) throw new Error(`injected crash at ${label}`);
      },
    });
    await expect(h.half.run(RID)).rejects.toThrow(/injected crash/);
    // A new process resumes from what AWS shows.
    const resumed = await connectHalf(world);
    await resumed.half.run(RID);
    try {
      expectRefreshed(world);
      expect(world.fake.outages().length).toBeLessThanOrEqual(1);
    } catch (error) {
      throw new Error(`crash at ${crashAt}: ${(error as Error).message}`);
    }
    restore!();
  }
}, 300_000);

describe("CLI", () => {
  /** The CLI's dependencies on the fake world, printing into `lines`. */
  function deps(world: World, lines: string[]): CliDeps {
    const captured = cliDeps(world);
    return { ...captured, out: (l) => lines.push(l), err: (l) => lines.push(l) };
  }

  test("a protected target is refused with exit 2 before any call", async () => {
    const world = setup();
    const lines: string[] = [];
    expect(await main(["run", "--from", "staging", "--to", "production", "--yes"], deps(world, lines))).toBe(2);
    expect(lines.join("\n")).toMatch(/protected/);
    expect(world.fake.calls).toEqual([]);
  });

  test("credentials for the wrong account are refused (exit 2) before any write", async () => {
    const world = setup();
    const lines: string[] = [];
    const d = deps(world, lines);
    // The deploy role "lands" in another account.
    d.connect = (config, options) => connectAccount(config.name === "staging" ? { ...config, deployRoleArn: "arn:aws:iam::333333333333:role/twinstack-deploy" } : config, options);
    expect(await main(["run", "--yes"], d)).toBe(2);
    expect(lines.join("\n")).toMatch(/credentials are for account \*{8}3333, but accountId is \*{8}1111/);
    const writes = world.fake.calls.filter((c) => !/^(Describe|Get|AssumeRole|List)/.test(c.command));
    expect(writes).toEqual([]);
  });

  test("run without a terminal and without --yes is refused (exit 2)", async () => {
    const world = setup();
    const lines: string[] = [];
    expect(await main(["run"], deps(world, lines))).toBe(2);
    expect(lines.join("\n")).toMatch(/--yes/);
  });

  test("--only with an unknown half is bad usage (exit 2)", async () => {
    const world = setup();
    const lines: string[] = [];
    expect(await main(["run", "--yes", "--only", "everything"], deps(world, lines))).toBe(2);
    expect(lines.join("\n")).toMatch(/--only "everything": expected database or objects/);
  });

  test("plan --json prints one JSON event per step; run --json refreshes through the Data API; status shows the result", async () => {
    const world = setup();
    const data = mockDataApi();
    try {
      const lines: string[] = [];
      expect(await main(["plan", "--json", "--only", "database"], deps(world, lines))).toBe(0);
      const planned = lines.map((l) => JSON.parse(l));
      expect(planned.filter((e) => e.state === "planned").map((e) => e.step)).toEqual([
        "snapshot", "share", "restore", "unshare", "create-instances", "rotate-credentials", "enable-http-endpoint", "scrub", "http-endpoint", "swap-retire", "swap-promote", "converge", "delete-old", "prune-snapshots",
      ]);
      lines.length = 0;
      expect(await main(["run", "--yes", "--json", "--only", "database"], deps(world, lines))).toBe(0);
      const events = lines.map((l) => JSON.parse(l));
      expect(events.every((e) => typeof e.elapsedMs === "number" && e.step && e.state)).toBe(true);
      expect(events.at(-1)).toMatchObject({ step: "run", state: "done" });
      expect(data.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.sql)).toContainEqual(expect.stringMatching(/CREATE TEMPORARY TABLE refresh_cognito_users/));
      const live = world.fake.account(world.target.accountId).clusters.get("twinstack-staging")!;
      // The Data API was on for the scrub only: staging's config (database.dataApi) leaves it off.
      expect(live.httpEndpoint).toBe(false);
      expect(live.data).toMatch(/^production/);
      lines.length = 0;
      expect(await main(["status"], deps(world, lines))).toBe(0);
      expect(lines.join("\n")).toMatch(/lock .* free/);
    } finally {
      data.restore();
    }
  }, 60_000);

  test("resume of a malformed refresh id is bad usage (exit 2)", async () => {
    const world = setup();
    expect(await main(["resume", "../etc"], deps(world, []))).toBe(2);
    void resolveEnvironment;
  });
});
