/**
 * aws-sdk-client-mock contract tests of the drill: what the emulator cannot show. An AWS Backup
 * recovery point (`awsbackup:job-…`, listed by DescribeDBClusterSnapshots with SnapshotType
 * awsbackup), a point-in-time restore of the live cluster (RestoreDBClusterToPointInTime with
 * LatestRestorableTime), the RDS Data API on the scratch cluster (moto returns canned rows),
 * a restore that fails half-way, throttling. The mocked RDS keeps a little state and refuses
 * what AWS documents it refuses:
 * - DeleteDBCluster: InvalidDBClusterStateFault while the cluster still has instances, and
 *   InvalidParameterCombination while deletion protection is on (API_DeleteDBCluster, Errors);
 * - Describe* of an identifier that does not exist: DBClusterNotFoundFault / DBInstanceNotFound.
 */
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import { ExecuteStatementCommand, RDSDataClient } from "@aws-sdk/client-rds-data";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { resolveEnvironment } from "../../environments/registry";
import { RdsDrillAdapter } from "../../scripts/dr/aws";
import { runDrill } from "../../scripts/dr/drill";
import { RefusedError } from "../../scripts/refresh/core";
import { DataApiQueryRunner } from "../../scripts/dr/verify";
import type { Clock } from "../../scripts/refresh/core";

const LIVE = "twinstack-production";
const KEY = "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555";
const HOUR = 3600_000;

/** Simulated time: sleeps advance it, so waits and RTO are deterministic. */
function fakeClock(start = Date.parse("2026-03-01T12:00:00Z")): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async (ms) => void (now += ms), every: () => () => undefined, advance: (ms) => void (now += ms) };
}

const awsError = (name: string, message: string, status = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

interface Cluster {
  id: string;
  status: string;
  members: string[];
  deletionProtection: boolean;
  httpEndpoint: boolean;
  secretArn?: string;
  /** Polls left before a pending status becomes available. */
  pending: number;
}

/** A small stateful RDS behind the mock: restores, instances, modifications and deletions take a few polls. */
function fakeRds(clock: ReturnType<typeof fakeClock>, options: { failInstance?: boolean; throttleOnce?: boolean } = {}) {
  const rds = mockClient(RDSClient);
  const clusters = new Map<string, Cluster>([[LIVE, { id: LIVE, status: "available", members: [`${LIVE}-1`, `${LIVE}-2`], deletionProtection: true, httpEndpoint: false, pending: 0 }]]);
  const instances = new Map<string, { status: string; pending: number }>();
  let throttle = options.throttleOnce ?? false;
  const view = (c: Cluster) => ({
    DBClusterIdentifier: c.id,
    DBClusterArn: `arn:aws:rds:us-east-1:222222222222:cluster:${c.id}`,
    Status: c.status,
    Engine: "aurora-postgresql",
    EngineVersion: "16.4",
    KmsKeyId: KEY,
    DeletionProtection: c.deletionProtection,
    HttpEndpointEnabled: c.httpEndpoint,
    MasterUserSecret: c.secretArn ? { SecretArn: c.secretArn } : undefined,
    DBClusterMembers: c.members.map((DBInstanceIdentifier) => ({ DBInstanceIdentifier })),
    LatestRestorableTime: new Date(clock.now() - 4 * 60_000),
    EarliestRestorableTime: new Date(clock.now() - 14 * 24 * HOUR),
    TagList: [],
  });
  const tick = (c: Cluster) => {
    if (c.pending > 0 && --c.pending === 0) c.status = c.status === "deleting" ? "gone" : "available";
  };
  rds.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier?: string }) => {
    if (throttle) {
      throttle = false;
      throw awsError("ThrottlingException", "Rate exceeded", 400);
    }
    if (!input.DBClusterIdentifier) return { DBClusters: [...clusters.values()].filter((c) => c.status !== "gone").map(view) };
    const c = clusters.get(input.DBClusterIdentifier);
    if (c) tick(c);
    if (!c || c.status === "gone") throw awsError("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found.`, 404);
    return { DBClusters: [view(c)] };
  });
  rds.on(DescribeDBClusterSnapshotsCommand).callsFake((input: { SnapshotType?: string }) => ({
    DBClusterSnapshots:
      input.SnapshotType === "awsbackup"
        ? [{ DBClusterSnapshotIdentifier: "awsbackup:job-1a2b3c", DBClusterSnapshotArn: "arn:aws:rds:us-east-1:222222222222:cluster-snapshot:awsbackup:job-1a2b3c", Status: "available", SnapshotType: "awsbackup", DBClusterIdentifier: LIVE, SnapshotCreateTime: new Date(clock.now() - 2 * HOUR) }]
        : [{ DBClusterSnapshotIdentifier: "rds:twinstack-production-2026-03-01-03-00", DBClusterSnapshotArn: "arn:aws:rds:us-east-1:222222222222:cluster-snapshot:rds:twinstack-production-2026-03-01-03-00", Status: "available", SnapshotType: "automated", DBClusterIdentifier: LIVE, SnapshotCreateTime: new Date(clock.now() - 9 * HOUR) }],
  }));
  const restored = (input: { DBClusterIdentifier?: string; DeletionProtection?: boolean }) => {
    clusters.set(input.DBClusterIdentifier ?? "", { id: input.DBClusterIdentifier ?? "", status: "creating", members: [], deletionProtection: input.DeletionProtection ?? false, httpEndpoint: false, pending: 3 });
    return { DBCluster: { DBClusterIdentifier: input.DBClusterIdentifier } };
  };
  rds.on(RestoreDBClusterFromSnapshotCommand).callsFake(restored);
  rds.on(RestoreDBClusterToPointInTimeCommand).callsFake(restored);
  rds.on(CreateDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string; DBClusterIdentifier: string }) => {
    if (options.failInstance) throw awsError("InsufficientDBInstanceCapacityFault", "Cannot create a db.serverless instance in the requested zone");
    instances.set(input.DBInstanceIdentifier, { status: "creating", pending: 2 });
    clusters.get(input.DBClusterIdentifier)?.members.push(input.DBInstanceIdentifier);
    return {};
  });
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    const instance = instances.get(input.DBInstanceIdentifier);
    if (!instance) throw awsError("DBInstanceNotFoundFault", `DBInstance ${input.DBInstanceIdentifier} not found.`, 404);
    if (instance.pending > 0 && --instance.pending === 0) {
      if (instance.status === "deleting") {
        instances.delete(input.DBInstanceIdentifier);
        for (const c of clusters.values()) c.members = c.members.filter((m) => m !== input.DBInstanceIdentifier);
        throw awsError("DBInstanceNotFoundFault", `DBInstance ${input.DBInstanceIdentifier} not found.`, 404);
      }
      instance.status = "available";
    }
    return { DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: instance.status }] };
  });
  rds.on(ModifyDBClusterCommand).callsFake((input: { DBClusterIdentifier: string; EnableHttpEndpoint?: boolean; ManageMasterUserPassword?: boolean; DeletionProtection?: boolean }) => {
    const c = clusters.get(input.DBClusterIdentifier) as Cluster;
    // API reference: ModifyDBCluster's EnableHttpEndpoint "applies only to Aurora Serverless v1 DB clusters": on a
    // Serverless v2 cluster it changes nothing; the EnableHttpEndpoint operation does (below).
    if (input.ManageMasterUserPassword) c.secretArn = `arn:aws:secretsmanager:us-east-1:222222222222:secret:rds!cluster-${c.id}`;
    if (input.DeletionProtection !== undefined) c.deletionProtection = input.DeletionProtection;
    c.status = "modifying";
    c.pending = 2;
    return {};
  });
  // API: EnableHttpEndpoint — by ARN; InvalidResourceStateFault while another operation is in progress.
  rds.on(EnableHttpEndpointCommand).callsFake((input: { ResourceArn: string }) => {
    const c = [...clusters.values()].find((candidate) => input.ResourceArn.endsWith(`:cluster:${candidate.id}`));
    if (!c) throw awsError("ResourceNotFoundFault", `${input.ResourceArn} not found`, 404);
    if (c.status !== "available") throw awsError("InvalidResourceStateFault", "another operation is in progress");
    c.httpEndpoint = true;
    return { ResourceArn: input.ResourceArn, HttpEndpointEnabled: true };
  });
  rds.on(DeleteDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    const instance = instances.get(input.DBInstanceIdentifier);
    if (!instance) throw awsError("DBInstanceNotFoundFault", "not found", 404);
    instance.status = "deleting";
    instance.pending = 2;
    return {};
  });
  rds.on(DeleteDBClusterCommand).callsFake((input: { DBClusterIdentifier: string }) => {
    const c = clusters.get(input.DBClusterIdentifier);
    if (!c || c.status === "gone") throw awsError("DBClusterNotFoundFault", "not found", 404);
    if (c.deletionProtection) throw awsError("InvalidParameterCombination", "Cannot delete protected Cluster, please disable deletion protection and try again.");
    if (c.members.length > 0) throw awsError("InvalidDBClusterStateFault", "Cluster cannot be deleted, it still contains DB instances in non-deleting state.");
    c.status = "deleting";
    c.pending = 2;
    return {};
  });
  return { rds, clusters };
}

function fakeSsm() {
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand, { Name: "/twinstack/production/drill/subnet-group" }).resolves({ Parameter: { Value: "twinstack-production-drill" } });
  ssm.on(GetParameterCommand, { Name: "/twinstack/production/drill/security-group-id" }).resolves({ Parameter: { Value: "sg-0drill" } });
  return ssm;
}

/** The Data API answering the drill's queries as Aurora PostgreSQL would (ExecuteStatement with includeResultMetadata). */
function fakeDataApi() {
  const data = mockClient(RDSDataClient);
  data.on(ExecuteStatementCommand).callsFake((input: { sql: string; resourceArn: string }) => {
    if (!input.resourceArn.includes(":cluster:twinstack-production-drill-")) throw awsError("BadRequestException", "the drill must only query its scratch cluster");
    if (input.sql.startsWith("SELECT 1")) return { columnMetadata: [{ label: "answer" }], records: [[{ longValue: 1 }]] };
    if (input.sql.includes("information_schema.tables"))
      return { columnMetadata: [{ label: "table_name" }], records: ["app_users", "notes", "pgmigrations", "projects"].map((t) => [{ stringValue: t }]) };
    if (input.sql.includes("FROM public.pgmigrations")) return { columnMetadata: [{ label: "name" }], records: [[{ stringValue: "1764460800000_initial-schema" }]] };
    const table = /FROM public\."(\w+)"/.exec(input.sql)?.[1] ?? "";
    return { columnMetadata: [{ label: "rows" }], records: [[{ longValue: { app_users: 1200, notes: 5400, projects: 310 }[table] ?? 0 }]] };
  });
  return data;
}

const config = resolveEnvironment("production");

async function drill(source: Parameters<typeof runDrill>[1], options: { failInstance?: boolean; throttleOnce?: boolean } = {}) {
  const clock = fakeClock();
  const { rds, clusters } = fakeRds(clock, options);
  const ssm = fakeSsm();
  const data = fakeDataApi();
  const aws = new RdsDrillAdapter(new RDSClient({ region: "us-east-1" }), new SSMClient({ region: "us-east-1" }), { clock, pollMs: 10_000 });
  const report = await runDrill(config, source, {
    aws,
    clock,
    usesDataApi: true,
    expectedMigration: "1764460800000_initial-schema",
    connect: async (scratch) => new DataApiQueryRunner(new RDSDataClient({ region: "us-east-1" }), { resourceArn: scratch.arn, secretArn: scratch.secretArn ?? "", database: "app" }),
  });
  const writes = rds.calls().filter((call) => !/^Describe/.test(call.args[0].constructor.name));
  const cleanup = () => [rds, ssm, data].forEach((m) => m.restore());
  return { report, rds, writes, clusters, data, cleanup };
}

describe("dr drill contract (aws-sdk-client-mock)", () => {
  test("GIVEN an AWS Backup recovery point newer than the automated snapshot WHEN drilled THEN it is restored into the drill's subnet group and closed group, checked over the Data API and deleted", async () => {
    const { report, rds, writes, clusters, cleanup } = await drill({ kind: "recovery-point" });
    try {
      expect(report).toMatchObject({ outcome: "passed", problems: [], scratchRemaining: [], restoredFrom: { kind: "recovery-point", id: "awsbackup:job-1a2b3c", type: "awsbackup" } });
      // RPO: the recovery point was 2 h old; the objective is 4 h + the 3 h completion window
      expect(report.rpo_seconds).toBe(7200);
      expect(report.objectives).toEqual({ rpoSeconds: (4 * 60 + 180) * 60, rtoSeconds: 3600 });
      expect(report.rto_seconds).toBeGreaterThan(0);
      expect(report.verification?.rowCounts).toEqual({ app_users: 1200, notes: 5400, projects: 310 });
      const restore = rds.commandCalls(RestoreDBClusterFromSnapshotCommand)[0].args[0].input;
      expect(restore).toMatchObject({
        SnapshotIdentifier: "awsbackup:job-1a2b3c",
        DBSubnetGroupName: "twinstack-production-drill",
        VpcSecurityGroupIds: ["sg-0drill"],
        KmsKeyId: KEY,
        DeletionProtection: false,
        Engine: "aurora-postgresql",
        EngineVersion: "16.4",
      });
      expect(restore.DBClusterIdentifier).toMatch(/^twinstack-production-drill-\d{8}t\d{6}$/);
      expect(rds.commandCalls(CreateDBInstanceCommand)[0].args[0].input).toMatchObject({ DBInstanceClass: "db.serverless", PubliclyAccessible: false });
      expect(rds.commandCalls(ModifyDBClusterCommand)[0].args[0].input).toMatchObject({ ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: KEY });
      expect(rds.commandCalls(EnableHttpEndpointCommand)[0].args[0].input.ResourceArn).toMatch(/:cluster:twinstack-production-drill-/);
      // AND no write ever names the live cluster or its instances
      for (const call of writes) {
        const input = call.args[0].input as { DBClusterIdentifier?: string; DBInstanceIdentifier?: string };
        for (const id of [input.DBClusterIdentifier, input.DBInstanceIdentifier].filter(Boolean)) expect(id).toMatch(/^twinstack-production-drill-/);
      }
      expect(clusters.get(LIVE)).toMatchObject({ status: "available", deletionProtection: true });
    } finally {
      cleanup();
    }
  });

  test("GIVEN --point-in-time latest THEN a full-copy restore of the live cluster at its latest restorable time, RPO measured from it against dr.rpoMinutes", async () => {
    const { report, rds, cleanup } = await drill({ kind: "point-in-time", at: "latest" });
    try {
      expect(report.outcome).toBe("passed");
      expect(rds.commandCalls(RestoreDBClusterToPointInTimeCommand)[0].args[0].input).toMatchObject({
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
    const { report, rds, cleanup } = await drill({ kind: "recovery-point" }, { failInstance: true });
    try {
      expect(report.outcome).toBe("failed");
      expect(report.rto_seconds).toBeUndefined();
      expect(report.problems[0]).toMatch(/Cannot create a db.serverless instance/);
      expect(rds.commandCalls(DeleteDBClusterCommand)[0].args[0].input).toMatchObject({ DBClusterIdentifier: report.scratchClusterId, SkipFinalSnapshot: true });
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
    const rds = mockClient(RDSClient);
    try {
      const aws = new RdsDrillAdapter(new RDSClient({ region: "us-east-1" }), new SSMClient({ region: "us-east-1" }), { clock: fakeClock() });
      for (const id of [LIVE, `${LIVE}-1`, "twinstack-staging-drill-20260101t000000"]) {
        await expect(aws.deleteScratch(config, id)).rejects.toThrow(RefusedError);
      }
      expect(rds.calls()).toHaveLength(0);
    } finally {
      rds.restore();
    }
  });
});
