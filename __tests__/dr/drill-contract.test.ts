/**
 * aws-sdk-client-mock contract tests of the drill: what the emulator cannot show. An AWS Backup
 * recovery point (`awsbackup:job-…`, listed by DescribeDBClusterSnapshots with SnapshotType
 * awsbackup), a point-in-time restore of the live cluster (RestoreDBClusterToPointInTime with
 * LatestRestorableTime), the RDS Data API on the scratch cluster (moto returns canned rows),
 * a restore that fails half-way, throttling. RDS and SSM are the shared fake AWS
 * (__tests__/support/refresh/fake-aws.ts), wired to the SDK clients as the refresh tests wire it:
 * it keeps state on a simulated clock and refuses what AWS documents it refuses (each rule cites
 * the API reference), among them CreateDBInstance and ModifyDBCluster while the cluster is not
 * available, DeleteDBCluster while it has instances, deletion protection or is busy, DeleteDBInstance
 * of an instance already deleting, and Describe* of an identifier that does not exist.
 */
import { RDSClient } from "@aws-sdk/client-rds";
import { ExecuteStatementCommand, RDSDataClient } from "@aws-sdk/client-rds-data";
import { SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { ENVIRONMENT_TAG } from "../../environments/naming";
import { resolveEnvironment } from "../../environments/registry";
import { RdsDrillAdapter } from "../../scripts/dr/aws";
import { runDrill } from "../../scripts/dr/drill";
import { connectAccount } from "../../scripts/refresh/accounts";
import { RefusedError } from "../../scripts/refresh/core";
import { DataApiQueryRunner } from "../../scripts/dr/verify";
import { AwsError, FakeAws, SimClock } from "../support/refresh/fake-aws";
import { installFakeAws } from "../support/refresh/wire-mocks";

const LIVE = "twinstack-production";
const HOUR = 3600_000;
const config = resolveEnvironment("production");
const ACCOUNT = config.accountId;

/** Production's account as the drill finds it: the live cluster (two instances, its key, 14 days of backups), its recovery points, the drill's network settings. */
function productionAccount() {
  const clock = new SimClock(Date.parse("2026-03-01T12:00:00Z"));
  const fake = new FakeAws(clock);
  const key = fake.addKey(ACCOUNT, `alias/${LIVE}-database`);
  fake.addCluster(ACCOUNT, LIVE, { instances: 2, kmsKeyArn: key, deletionProtection: true, backupRetentionDays: 14, data: "production", tags: { [ENVIRONMENT_TAG]: config.name } });
  // Continuous backup: LatestRestorableTime trails the clock by 4 minutes.
  fake.restorableLagMs = 4 * 60_000;
  fake.addAutomatedSnapshot(ACCOUNT, LIVE, "rds:twinstack-production-2026-03-01-03-00").createdAt = clock.now() - 9 * HOUR;
  fake.addAwsBackupSnapshot(ACCOUNT, LIVE, "awsbackup:job-1a2b3c").createdAt = clock.now() - 2 * HOUR;
  fake.account(ACCOUNT).ssm.set("/twinstack/production/drill/subnet-group", "twinstack-production-drill");
  fake.account(ACCOUNT).ssm.set("/twinstack/production/drill/security-group-id", "sg-0drill");
  return { clock, fake, key };
}

/**
 * The Data API answering the drill's queries as Aurora PostgreSQL would (ExecuteStatement with includeResultMetadata),
 * on a cluster of the fake whose HTTP endpoint is on, with that cluster's managed secret: otherwise BadRequestException
 * (API: ExecuteStatement — BadRequestException "There is an error in the call or in a SQL statement").
 */
function fakeDataApi(fake: FakeAws) {
  const data = mockClient(RDSDataClient);
  data.on(ExecuteStatementCommand).callsFake((input: { sql: string; resourceArn: string; secretArn: string }) => {
    if (!input.resourceArn.includes(":cluster:twinstack-production-drill-")) throw new AwsError("BadRequestException", "the drill must only query its scratch cluster");
    const cluster = fake.account(ACCOUNT).clusters.get(input.resourceArn.split(":cluster:")[1]);
    if (!cluster?.httpEndpoint) throw new AwsError("BadRequestException", `HttpEndpoint is not enabled for resource ${input.resourceArn}`);
    if (!cluster.secret || cluster.secret.arn !== input.secretArn) throw new AwsError("BadRequestException", `${input.secretArn} is not the secret of ${input.resourceArn}`);
    if (input.sql.startsWith("SELECT 1")) return { columnMetadata: [{ label: "answer" }], records: [[{ longValue: 1 }]] };
    if (input.sql.includes("information_schema.tables"))
      return { columnMetadata: [{ label: "table_name" }], records: ["app_users", "notes", "pgmigrations", "projects"].map((t) => [{ stringValue: t }]) };
    if (input.sql.includes("FROM public.pgmigrations")) return { columnMetadata: [{ label: "name" }], records: [[{ stringValue: "1764460800000_initial-schema" }]] };
    const table = /FROM public\."(\w+)"/.exec(input.sql)?.[1] ?? "";
    return { columnMetadata: [{ label: "rows" }], records: [[{ longValue: { app_users: 1200, notes: 5400, projects: 310 }[table] ?? 0 }]] };
  });
  return data;
}

async function drill(source: Parameters<typeof runDrill>[1], options: { failInstance?: boolean; throttleOnce?: boolean } = {}) {
  const { clock, fake, key } = productionAccount();
  const wiring = installFakeAws(fake, ACCOUNT);
  const data = fakeDataApi(fake);
  const cleanup = () => [wiring, data].forEach((m) => m.restore());
  if (options.failInstance) fake.failNext("CreateDBInstance", new AwsError("InsufficientDBInstanceCapacityFault", "Cannot create a db.serverless instance in the requested zone"));
  if (options.throttleOnce) fake.failNext("DescribeDBClusters", new AwsError("ThrottlingException", "Rate exceeded", 400));
  try {
    // The account reached as the CLI reaches it (the deploy role, assumed through the fake's STS).
    const clients = await connectAccount(config, { clock });
    const aws = new RdsDrillAdapter(clients.rds, clients.ssm, { clock, pollMs: 10_000 });
    const report = await runDrill(config, source, {
      aws,
      clock,
      usesDataApi: true,
      expectedMigration: "1764460800000_initial-schema",
      connect: async (scratch) => new DataApiQueryRunner(clients.rdsData, { resourceArn: scratch.arn, secretArn: scratch.secretArn ?? "", database: "app" }),
    });
    /** The inputs of every call of one action, in order. */
    const sent = (command: string) => fake.calls.filter((call) => call.command === command).map((call) => call.input as Record<string, any>);
    const writes = fake.calls.filter((call) => !/^(Describe|Get|AssumeRole)/.test(call.command));
    return { report, sent, writes, clusters: fake.account(ACCOUNT).clusters, key, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

describe("dr drill contract (aws-sdk-client-mock)", () => {
  test("GIVEN an AWS Backup recovery point newer than the automated snapshot WHEN drilled THEN it is restored into the drill's subnet group and closed group, checked over the Data API and deleted", async () => {
    const { report, sent, writes, clusters, key, cleanup } = await drill({ kind: "recovery-point" });
    try {
      expect(report).toMatchObject({ outcome: "passed", problems: [], scratchRemaining: [], restoredFrom: { kind: "recovery-point", id: "awsbackup:job-1a2b3c", type: "awsbackup" } });
      // RPO: the recovery point was 2 h old; the objective is 4 h + the 3 h completion window
      expect(report.rpo_seconds).toBe(7200);
      expect(report.objectives).toEqual({ rpoSeconds: (4 * 60 + 180) * 60, rtoSeconds: 3600 });
      expect(report.rto_seconds).toBeGreaterThan(0);
      expect(report.verification?.rowCounts).toEqual({ app_users: 1200, notes: 5400, projects: 310 });
      const restore = sent("RestoreDBClusterFromSnapshot")[0];
      expect(restore).toMatchObject({
        SnapshotIdentifier: "awsbackup:job-1a2b3c",
        DBSubnetGroupName: "twinstack-production-drill",
        VpcSecurityGroupIds: ["sg-0drill"],
        KmsKeyId: key,
        DeletionProtection: false,
        Engine: "aurora-postgresql",
        EngineVersion: "16.4",
      });
      expect(restore.DBClusterIdentifier).toMatch(/^twinstack-production-drill-\d{8}t\d{6}$/);
      expect(sent("CreateDBInstance")[0]).toMatchObject({ DBInstanceClass: "db.serverless", PubliclyAccessible: false });
      expect(sent("ModifyDBCluster")[0]).toMatchObject({ ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: key });
      expect(sent("EnableHttpEndpoint")[0].ResourceArn).toMatch(/:cluster:twinstack-production-drill-/);
      // AND no write ever names the live cluster or its instances
      for (const call of writes) {
        const input = call.input as { DBClusterIdentifier?: string; DBInstanceIdentifier?: string };
        for (const id of [input.DBClusterIdentifier, input.DBInstanceIdentifier].filter(Boolean)) expect(id).toMatch(/^twinstack-production-drill-/);
      }
      expect(clusters.get(LIVE)).toMatchObject({ status: "available", deletionProtection: true });
    } finally {
      cleanup();
    }
  });

  test("GIVEN --point-in-time latest THEN a full-copy restore of the live cluster at its latest restorable time, RPO measured from it against dr.rpoMinutes", async () => {
    const { report, sent, cleanup } = await drill({ kind: "point-in-time", at: "latest" });
    try {
      expect(report.outcome).toBe("passed");
      expect(sent("RestoreDBClusterToPointInTime")[0]).toMatchObject({
        SourceDBClusterIdentifier: LIVE,
        UseLatestRestorableTime: true,
        RestoreType: "full-copy",
        DBSubnetGroupName: "twinstack-production-drill",
      });
      // LatestRestorableTime trails by 4 minutes; production promises 15
      expect(report.rpo_seconds).toBe(240);
      expect(report.objectives.rpoSeconds).toBe(15 * 60);
    } finally {
      cleanup();
    }
  });

  test("GIVEN the instance cannot be created WHEN drilled THEN the drill fails and the scratch cluster is still deleted", async () => {
    const { report, sent, cleanup } = await drill({ kind: "recovery-point" }, { failInstance: true });
    try {
      expect(report.outcome).toBe("failed");
      expect(report.rto_seconds).toBeUndefined();
      expect(report.problems[0]).toMatch(/Cannot create a db.serverless instance/);
      expect(sent("DeleteDBCluster")[0]).toMatchObject({ DBClusterIdentifier: report.scratchClusterId, SkipFinalSnapshot: true });
      expect(report.scratchRemaining).toEqual([]);
    } finally {
      cleanup();
    }
  });

  test("GIVEN a throttled describe THEN it is retried, not fatal", async () => {
    const { report, cleanup } = await drill({ kind: "recovery-point" }, { throttleOnce: true });
    try {
      expect(report.outcome).toBe("passed");
    } finally {
      cleanup();
    }
  });

  test("the adapter refuses to delete or restore into the live cluster or its instances, before any call", async () => {
    const { clock, fake } = productionAccount();
    const wiring = installFakeAws(fake, ACCOUNT);
    try {
      const aws = new RdsDrillAdapter(new RDSClient({ region: "us-east-1" }), new SSMClient({ region: "us-east-1" }), { clock });
      for (const id of [LIVE, `${LIVE}-1`, "twinstack-staging-drill-20260101t000000"]) {
        await expect(aws.deleteScratch(config, id)).rejects.toThrow(RefusedError);
      }
      expect(fake.calls).toHaveLength(0);
    } finally {
      wiring.restore();
    }
  });
});
