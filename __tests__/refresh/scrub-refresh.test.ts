/**
 * Kind: aws-sdk-client-mock contract tests on the in-memory fake AWS (scripts/refresh/sim), with a
 * recording executor that answers reads as a database shaped like staging's manifest. Why: these
 * check WHEN the refresh stops for privacy (before any AWS write, or before the swap) and that
 * staging is then untouched; what the generated SQL does is proven on a real PostgreSQL in
 * scrub.test.ts.
 */
import { StepFailedError } from "../../scripts/refresh/core";
import { createScrubHooks } from "../../scripts/refresh/scrub";
import { ScrubManifestInput, parseScrubManifest } from "../../scripts/refresh/scrub/manifest";
import { fakeWorlds } from "../support/refresh/harness";
import { World, connectHalf } from "../support/refresh/world";
import { scrubManifest as staging } from "../../environments/staging/scrub";

const RID = "r202501311200-a1b2";
const FILE = "environments/staging/scrub.ts";
const setup = fakeWorlds();

/** The half with staging's manifest changed by `change` (the file itself is never edited). */
function halfWith(world: World, change: (m: ScrubManifestInput) => void) {
  const copy = structuredClone(staging);
  change(copy);
  const loaded = { file: FILE, manifest: parseScrubManifest(copy, FILE) };
  const users = { list: async () => world.fake.account(world.target.accountId).cognitoUsers };
  return connectHalf(world, createScrubHooks({ environment: "staging", cognitoUsers: users, load: () => loaded }));
}

const writes = (world: World) => world.fake.calls.filter((c) => !/^(Describe|Get|AssumeRole|List)/.test(c.command));

test("an empty manifest stops the run at the scrub, naming the columns: staging untouched, nothing tagged scrubbed", async () => {
  // GIVEN a manifest that classifies nothing
  const world = setup();
  const h = await halfWith(world, (m) => (m.tables = {}));
  await h.lock.acquire(RID, "test", "run");
  // WHEN the refresh runs
  const error = await h.half.run(RID).catch((e: Error) => e);
  // THEN it fails (exit 1) at the scrub step, before the swap
  expect(error).toBeInstanceOf(StepFailedError);
  expect((error as Error).message).toMatch(/^scrub: .*does not classify the restored copy/);
  expect((error as Error).message).toContain(`app_users.phone: not classified (table app_users is missing from ${FILE}: add tables.app_users)`);
  expect(h.executor.runs).toEqual([]);
  const tgt = world.fake.account(world.target.accountId);
  expect(tgt.clusters.get(world.targetId)!.data).toBe("staging-original");
  const copy = [...tgt.clusters.values()].find((c) => c.id !== world.targetId)!;
  expect(copy.tags["twinstack:scrubbed"]).toBeUndefined();
  expect(writes(world).some((c) => c.command === "ModifyDBCluster" && JSON.stringify(c.input).includes("NewDBClusterIdentifier"))).toBe(false);
}, 60_000);

test("plan reports a syntax error in the manifest's SQL, naming the entry; run refuses it before any AWS write", async () => {
  // GIVEN a raw SQL classification that does not parse
  const world = setup();
  const h = await halfWith(world, (m) => {
    (m.tables.notes as { columns: Record<string, unknown> }).columns.body = { sql: "left(body, 0", reason: "bodies are free text (test)" };
  });
  // WHEN plan runs
  const plan = await h.half.plan(RID);
  // THEN the problem names the manifest file and field, with PostgreSQL's own message
  expect(plan.problems).toContain(`${FILE}: tables.notes.columns.body.sql: syntax error at end of input (at character 14)`);
  // AND run stops in its preflight, before any write
  const error = await h.half.run(RID).catch((e: Error) => e);
  expect(error).toBeInstanceOf(StepFailedError);
  expect((error as Error).message).toMatch(/^preflight: .*tables\.notes\.columns\.body\.sql: syntax error/);
  expect(writes(world)).toEqual([]);
}, 60_000);

test("a raw statement must be exactly one statement", async () => {
  const world = setup();
  const h = await halfWith(world, (m) => (m.statements = [{ sql: "DELETE FROM notes; DROP TABLE projects", reason: "two statements in one entry (test)" }]));
  const plan = await h.half.plan(RID);
  expect(plan.problems).toContain(`${FILE}: statements.0.sql: must be exactly one statement`);
}, 60_000);

test("staging's manifest: plan has no scrub problems and the run scrubs, verifies and swaps", async () => {
  const world = setup();
  const h = await connectHalf(world);
  expect((await h.half.plan(RID)).problems).toEqual([]);
  await h.lock.acquire(RID, "test", "run");
  await h.half.run(RID);
  const scrubbed = h.events.events.find((e) => e.step === "scrub" && e.state === "info");
  expect(scrubbed?.message).toMatch(/^environments\/staging\/scrub\.ts: 6 tables, \d+ columns classified; \d+ statements committed in one transaction; \d+ verification queries found nothing/);
  expect(world.fake.account(world.target.accountId).clusters.get(world.targetId)!.data).toMatch(/^production/);
}, 60_000);
