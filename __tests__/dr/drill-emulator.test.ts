/**
 * Emulator + real PostgreSQL test of `npm run dr -- drill` (the CLI's main(), in process): moto
 * (patched launcher) holds production's live cluster as Terraform makes it — encrypted with its
 * key, deletion protection on, a managed master secret, one instance — its automated snapshot
 * (moto takes one when the cluster is created), the drill's subnet group and closed security
 * group and the SSM settings naming them. The drill restores the snapshot into a scratch
 * cluster and adds an instance in the emulator; the emulated cluster has no engine, so a real
 * PostgreSQL, migrated with the application's migrations and holding sample rows, stands in
 * for it (`--database-url`). What moto cannot do (the Data API, point-in-time restores of a
 * real cluster, AWS Backup's recovery points) is in the contract tests (drill-contract.test.ts).
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateDBClusterCommand, CreateDBInstanceCommand, CreateDBSubnetGroupCommand, DescribeDBClustersCommand, DescribeDBClusterSnapshotsCommand, RDSClient, RestoreDBClusterFromSnapshotCommand } from "@aws-sdk/client-rds";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { Client } from "pg";
import { resolveEnvironment } from "../../environments/registry";
import { environmentInputs } from "../../environments/registry";
import { realClock } from "../../scripts/refresh/core";
import { main } from "../../scripts/dr/cli";
import { expectedMigration } from "../../scripts/dr/verify";
import { Emulator, EMULATOR_DEFAULT_ACCOUNT, clientConfig, emulatorProcessEnv, startEmulator } from "../../scripts/sandbox/emulator";
import { TestPostgres, startPostgres } from "../helpers/postgres";
import { describeWithTools } from "../helpers/requirements";
import { migrateUp } from "../support/migrate";

const ACCOUNT = EMULATOR_DEFAULT_ACCOUNT;
const LIVE = "twinstack-production";
const DRILL = "twinstack-production-drill";

describeWithTools("dr drill against the emulator and a real PostgreSQL", ["moto_server", "postgresql"], () => {
  let emulator: Emulator;
  let pg: TestPostgres;
  let databaseUrl: string;
  let rds: RDSClient;
  const savedEnv = { ...process.env };
  const env = () => ({ ...emulatorProcessEnv(emulator), TWINSTACK_SINGLE_ACCOUNT: ACCOUNT });

  beforeAll(async () => {
    [emulator, pg] = await Promise.all([startEmulator(), startPostgres({ databases: ["app"] })]);
    // The adapters' SDK clients read the endpoint and credentials from the environment, as on a runner.
    Object.assign(process.env, env());
    delete process.env.AWS_PROFILE;
    rds = new RDSClient(clientConfig(emulator));
    await deployLiveLikeTerraform(emulator);
    databaseUrl = `postgres://${pg.user}@${pg.host}:${pg.port}/app`;
    await migrateAndSeed(pg.connection("app"));
  }, 120000);

  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all([emulator?.stop(), pg?.stop()]);
  });

  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["drill", "--env", "production", "--database-url", databaseUrl, "--poll-seconds", "0.2", "--no-assume-role", ...args], {
      clock: realClock,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: env(),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  test("GIVEN no --database-url and the sandbox's stand-in engine WHEN the drill runs THEN it verifies through the stand-in and releases it afterwards", async () => {
    // GIVEN a stand-in like the sandbox's (a copy of production's PostgreSQL; here the test's server)
    const released: string[] = [];
    const standIn = jest.fn(async () => ({ url: databaseUrl, release: async () => void released.push("released") }));
    const out: string[] = [];
    const err: string[] = [];
    // WHEN
    const code = await main(["drill", "--env", "production", "--poll-seconds", "0.2", "--no-assume-role"], { clock: realClock, out: (l) => out.push(l), err: (l) => err.push(l), env: env(), standIn });
    // THEN
    expect({ code, err: err.join("\n") }).toEqual({ code: 0, err: "" });
    expect(standIn).toHaveBeenCalledTimes(1);
    expect(released).toEqual(["released"]);
    expect(out.join("\n")).toMatch(/^rto_seconds=/m);
    expect(await scratchClusters()).toEqual([]);
  }, 60000);

  const scratchClusters = async () =>
    ((await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.DBClusterIdentifier ?? "").filter((id) => id.startsWith(`${DRILL}-`));

  test("GIVEN production's cluster and its automated snapshot WHEN the drill runs THEN it restores, verifies, prints rto_seconds= and rpo_seconds=, exits 0 and leaves no scratch cluster", async () => {
    const before = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: LIVE }))).DBClusters?.[0];
    // WHEN
    const result = await run();
    // THEN
    expect({ code: result.code, err: result.err, out: result.code === 0 ? "" : result.out }).toEqual({ code: 0, err: "", out: "" }); // out shown on failure
    expect(result.out).toMatch(/^rto_seconds=\d+(\.\d)?$/m);
    expect(result.out).toMatch(/^rpo_seconds=\d+(\.\d)?$/m);
    expect(result.out).toMatch(/drill production: PASSED/);
    expect(result.out).toContain(`migrations ${expectedMigration()} (1 applied`);
    expect(result.out).toMatch(/app_users=3 .*notes=4/);
    expect(await scratchClusters()).toEqual([]);
    // AND the live cluster is as it was
    const after = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: LIVE }))).DBClusters?.[0];
    expect(after).toMatchObject({ Status: "available", DeletionProtection: true, DBClusterMembers: before?.DBClusterMembers });
    process.stdout.write(`${result.out}\n`);
  }, 120000);

  test("GIVEN --json THEN one JSON report with the figures, the verification and nothing remaining", async () => {
    const result = await run("--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(report).toMatchObject({
      environment: "production",
      outcome: "passed",
      liveClusterId: LIVE,
      restoredFrom: { kind: "recovery-point", type: "automated" },
      objectivesMet: { rpo: true, rto: true },
      scratchRemaining: [],
      problems: [],
    });
    expect(report.rto_seconds).toEqual(expect.any(Number));
    expect(report.rpo_seconds).toEqual(expect.any(Number));
    expect(report.verification.rowCounts).toEqual({ app_users: 3, projects: 2, notes: 4, attachments: 1, sessions: 0 });
    expect(report.scratchClusterId).toMatch(new RegExp(`^${DRILL}-\\d{8}t\\d{6}$`));
  }, 120000);

  test("GIVEN a scratch cluster a crashed drill left behind WHEN the drill runs THEN it is removed first", async () => {
    const snapshot = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: LIVE }))).DBClusterSnapshots?.[0];
    await rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: `${DRILL}-20200101t000000`, SnapshotIdentifier: snapshot?.DBClusterSnapshotIdentifier, Engine: "aurora-postgresql" }));
    const result = await run("--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).leftoversRemoved).toEqual([`${DRILL}-20200101t000000`]);
    expect(await scratchClusters()).toEqual([]);
  }, 120000);

  test("GIVEN a database whose migrations are behind WHEN the drill runs THEN it fails (exit 1), says why, and still deletes the scratch cluster", async () => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query("UPDATE pgmigrations SET name = '1700000000000_older'");
    try {
      const result = await run();
      expect(result.code).toBe(1);
      expect(result.out).toContain(`PROBLEM    migrations at 1700000000000_older, expected ${expectedMigration()}`);
      expect(await scratchClusters()).toEqual([]);
    } finally {
      await client.query("UPDATE pgmigrations SET name = $1", [expectedMigration()]);
      await client.end();
    }
  }, 120000);

  test("GIVEN a recovery point that does not exist THEN exit 1 before anything is created; GIVEN a bad --point-in-time THEN exit 2", async () => {
    const missing = await run("--recovery-point", "no-such-snapshot");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/recovery point "no-such-snapshot" of twinstack-production was not found/);
    const bad = await run("--point-in-time", "yesterday");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--point-in-time \("yesterday"\) must be "latest" or an ISO 8601 time/);
    expect(await scratchClusters()).toEqual([]);
  }, 60000);
});

/** What `cdktf apply production` creates for the drill, with the SDK (the full stack is deploy.test.ts's job). */
async function deployLiveLikeTerraform(emulator: Emulator): Promise<void> {
  const config = resolveEnvironment("production", environmentInputs({ TWINSTACK_SINGLE_ACCOUNT: ACCOUNT, AWS_ENDPOINT_URL: emulator.endpoint }));
  const ec2 = new EC2Client(clientConfig(emulator));
  const rds = new RDSClient(clientConfig(emulator));
  const kms = new KMSClient(clientConfig(emulator));
  const ssm = new SSMClient(clientConfig(emulator));
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: config.network.cidr }));
  const subnets = await Promise.all(
    ["10.10.1.0/24", "10.10.2.0/24"].map((CidrBlock, index) => ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock, AvailabilityZone: config.network.availabilityZones[index] }))),
  );
  const subnetIds = subnets.map((s) => s.Subnet?.SubnetId ?? "");
  const drillGroup = await ec2.send(new CreateSecurityGroupCommand({ GroupName: DRILL, Description: "closed", VpcId: vpc.Vpc?.VpcId }));
  for (const name of [`${LIVE}-database`, DRILL]) await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: name, DBSubnetGroupDescription: name, SubnetIds: subnetIds }));
  const key = await kms.send(new CreateKeyCommand({ Description: "production database" }));
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: LIVE,
      Engine: "aurora-postgresql",
      EngineVersion: config.database.engineVersion,
      DatabaseName: config.database.databaseName,
      MasterUsername: config.database.masterUsername,
      ManageMasterUserPassword: true,
      StorageEncrypted: true,
      KmsKeyId: key.KeyMetadata?.Arn,
      DBSubnetGroupName: `${LIVE}-database`,
      ServerlessV2ScalingConfiguration: { MinCapacity: config.database.minCapacity, MaxCapacity: config.database.maxCapacity },
      DeletionProtection: true,
      BackupRetentionPeriod: config.database.backupRetentionDays,
    }),
  );
  await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${LIVE}-1`, DBClusterIdentifier: LIVE, DBInstanceClass: "db.serverless", Engine: "aurora-postgresql" }));
  for (const [name, value] of [
    ["drill/subnet-group", DRILL],
    ["drill/security-group-id", drillGroup.GroupId ?? ""],
  ]) {
    await ssm.send(new PutParameterCommand({ Name: `/twinstack/production/${name}`, Value: value, Type: "String" }));
  }
}

/** The application's migrations (node-pg-migrate's runner, as `npm run db:migrate` runs them) and a few fake rows. */
async function migrateAndSeed(connection: ReturnType<TestPostgres["connection"]>): Promise<void> {
  migrateUp(connection);
  const client = new Client(connection);
  await client.connect();
  try {
    const users = await client.query(
      "INSERT INTO app_users (email, full_name) VALUES ('ada@example.com', 'Ada Example'), ('bo@example.com', 'Bo Example'), ('cy@example.com', 'Cy Example') RETURNING id",
    );
    const projects = await client.query("INSERT INTO projects (owner_id, name) VALUES ($1, 'Roof'), ($1, 'Garden') RETURNING id", [users.rows[0].id]);
    for (let i = 0; i < 4; i++) await client.query("INSERT INTO notes (project_id, author_id, body) VALUES ($1, $2, $3)", [projects.rows[i % 2].id, users.rows[0].id, `note ${i}`]);
    const note = await client.query("SELECT id FROM notes LIMIT 1");
    await client.query("INSERT INTO attachments (note_id, object_key, content_type, size_bytes) VALUES ($1, 'notes/1/photo.jpg', 'image/jpeg', 1024)", [note.rows[0].id]);
  } finally {
    await client.end();
  }
}
