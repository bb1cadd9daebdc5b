/**
 * Unit tests of the drill's pure parts (no AWS): the protection check, the plan from observed
 * state (which recovery point, RPO, objectives, refusals) and the verification of a restored
 * database over an in-memory query runner.
 */
import { resolveEnvironment } from "../../environments/registry";
import { assertScratchIdentifier } from "../../scripts/dr/guard";
import { DrillFailedError, DrillObservation, planDrill, rpoObjectiveSeconds, scratchClusterId } from "../../scripts/dr/model";
import { QueryRunner, expectedMigration, verifyRestoredDatabase } from "../../scripts/dr/verify";
import { parseSource } from "../../scripts/dr/cli";
import { RefusedError } from "../../scripts/refresh/core";

const production = resolveEnvironment("production");
const NOW = Date.parse("2026-03-01T12:00:00Z");
const HOUR = 3600_000;

const observed = (over: Partial<DrillObservation> = {}): DrillObservation => ({
  live: { id: "twinstack-production", arn: "arn:aws:rds:us-east-1:222222222222:cluster:twinstack-production", status: "available", engine: "aurora-postgresql", engineVersion: "16.4", kmsKeyId: "key", members: ["twinstack-production-1"], tags: {}, latestRestorableTime: NOW - 5 * 60_000, earliestRestorableTime: NOW - 14 * 24 * HOUR },
  recoveryPoints: [
    { id: "rds:twinstack-production-2026-03-01-03-00", arn: "a1", status: "available", type: "automated", clusterId: "twinstack-production", createdAt: NOW - 9 * HOUR },
    { id: "awsbackup:job-new", arn: "a2", status: "available", type: "awsbackup", clusterId: "twinstack-production", createdAt: NOW - 1 * HOUR },
    { id: "awsbackup:job-copying", arn: "a3", status: "creating", type: "awsbackup", clusterId: "twinstack-production", createdAt: NOW - 10 * 60_000 },
  ],
  subnetGroup: "twinstack-production-drill",
  securityGroupId: "sg-1",
  leftovers: [],
  ...over,
});

describe("the drill's protection check", () => {
  test.each(["twinstack-production", "twinstack-production-1", "twinstack-production-2", "twinstack-staging-drill-20260101t000000", "twinstack-production-drill-", "other"])("refuses %s", (id) => {
    expect(() => assertScratchIdentifier(production, id, "delete")).toThrow(RefusedError);
  });
  test("allows the environment's own scratch cluster and instance", () => {
    expect(() => assertScratchIdentifier(production, "twinstack-production-drill-20260301t120000", "delete")).not.toThrow();
    expect(() => assertScratchIdentifier(production, "twinstack-production-drill-20260301t120000-1", "create")).not.toThrow();
  });
});

describe("planDrill", () => {
  test("GIVEN recovery points THEN the newest available one is restored, the RPO is its age, the objective the schedule's", () => {
    const plan = planDrill(production, observed(), { kind: "recovery-point" }, NOW);
    expect(plan.restoreFrom).toMatchObject({ kind: "recovery-point", id: "awsbackup:job-new" });
    expect(plan.rpoSeconds).toBe(3600);
    expect(plan.objectives).toEqual({ rpoSeconds: (4 * 60 + 180) * 60, rtoSeconds: 60 * 60 });
    expect(plan.scratchClusterId).toBe(scratchClusterId(production, NOW));
    expect(plan.scratchClusterId).toBe("twinstack-production-drill-20260301t120000");
    expect(plan).toMatchObject({ subnetGroup: "twinstack-production-drill", securityGroupId: "sg-1", kmsKeyId: "key", scaling: { minCapacity: 0.5, maxCapacity: 4 } });
  });

  test("GIVEN a point in time THEN the live cluster is the source and the RPO is measured from that time", () => {
    const plan = planDrill(production, observed(), { kind: "point-in-time", at: NOW - 2 * HOUR }, NOW);
    expect(plan.restoreFrom).toEqual({ kind: "point-in-time", sourceClusterId: "twinstack-production", useLatest: false, restoreTo: NOW - 2 * HOUR });
    expect(plan.rpoSeconds).toBe(7200);
    expect(rpoObjectiveSeconds(production, { kind: "point-in-time", at: "latest" })).toBe(15 * 60);
    expect(() => planDrill(production, observed(), { kind: "point-in-time", at: NOW }, NOW)).toThrow(/after twinstack-production's latest restorable time/);
  });

  test("GIVEN no drill network, no live cluster or no recovery point THEN refused (2) or failed (1), before anything is written", () => {
    expect(() => planDrill(production, observed({ subnetGroup: undefined }), { kind: "recovery-point" }, NOW)).toThrow(RefusedError);
    expect(() => planDrill(production, observed({ live: undefined }), { kind: "recovery-point" }, NOW)).toThrow(RefusedError);
    expect(() => planDrill(production, observed({ recoveryPoints: [] }), { kind: "recovery-point" }, NOW)).toThrow(DrillFailedError);
    expect(() => planDrill(production, observed(), { kind: "recovery-point", id: "awsbackup:job-copying" }, NOW)).toThrow(/is creating, not available/);
  });

  test("--point-in-time must be latest or an ISO time with a zone", () => {
    expect(parseSource({ pointInTime: "latest" })).toEqual({ kind: "point-in-time", at: "latest" });
    expect(parseSource({ pointInTime: "2026-03-01T10:00:00Z" })).toEqual({ kind: "point-in-time", at: Date.parse("2026-03-01T10:00:00Z") });
    expect(() => parseSource({ pointInTime: "2026-03-01 10:00" })).toThrow(RefusedError);
    expect(() => parseSource({ pointInTime: "latest", recoveryPoint: "x" })).toThrow(/exclude each other/);
  });
});

describe("verifyRestoredDatabase", () => {
  const runner = (tables: Record<string, number>, migrations: string[]): QueryRunner => ({
    async query(sql) {
      if (sql.includes("information_schema.tables")) return Object.keys(tables).map((table_name) => ({ table_name }));
      if (sql.includes("FROM public.pgmigrations")) return migrations.map((name) => ({ name }));
      const table = /FROM public\."(\w+)"/.exec(sql)?.[1] ?? "";
      return [{ rows: String(tables[table]) }];
    },
    async close() {},
  });

  test("GIVEN every table and the newest migration THEN no problem, counts per table", async () => {
    const result = await verifyRestoredDatabase(runner({ app_users: 3, notes: 0, pgmigrations: 1 }, [expectedMigration()]), expectedMigration());
    expect(result).toEqual({ rowCounts: { app_users: 3, notes: 0 }, migrations: { latest: expectedMigration(), expected: expectedMigration(), applied: 1 }, problems: [] });
  });

  test("GIVEN no pgmigrations table, or an older migration THEN a problem that says so", async () => {
    expect((await verifyRestoredDatabase(runner({ app_users: 3 }, []), "2_b")).problems).toEqual(["no pgmigrations table: the migrations never ran on this database"]);
    expect((await verifyRestoredDatabase(runner({ app_users: 3, pgmigrations: 1 }, ["1_a"]), "2_b")).problems).toEqual(["migrations at 1_a, expected 2_b"]);
  });

  test("the expected migration is the newest file in functions/api/migrations", () => {
    expect(expectedMigration()).toBe("1764460800000_initial-schema");
  });
});
