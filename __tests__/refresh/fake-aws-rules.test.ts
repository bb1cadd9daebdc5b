/**
 * Kind: unit tests of the in-memory fake AWS (__tests__/support/refresh/fake-aws.ts). Why: the
 * contract tests are only as strict as the fake; each rule here is one AWS documents for a call
 * the refresh makes, and a fake kinder than AWS would let a defect pass.
 */
import { FakeAws, SimClock } from "../support/refresh/fake-aws";

const STAGING = "111111111111";
const PRODUCTION = "222222222222";

function fakeWithCluster(): FakeAws {
  const fake = new FakeAws(new SimClock());
  fake.addCluster(STAGING, "twinstack-staging", { instances: 1 });
  return fake;
}

test("a cluster rename without ApplyImmediately is refused: the fake does not model maintenance windows", async () => {
  // GIVEN staging's cluster
  const fake = fakeWithCluster();
  // WHEN it is renamed without ApplyImmediately (AWS would apply it in the next maintenance window)
  const renaming = fake.handle("ModifyDBCluster", { DBClusterIdentifier: "twinstack-staging", NewDBClusterIdentifier: "twinstack-staging-old" }, STAGING);
  // THEN the fake refuses, and the cluster keeps its name
  await expect(renaming).rejects.toMatchObject({ name: "InvalidParameterCombination", message: expect.stringMatching(/ApplyImmediately.*maintenance window/) });
  expect(fake.account(STAGING).clusters.has("twinstack-staging")).toBe(true);
});

test("an instance rename without ApplyImmediately is refused: the fake does not model maintenance windows", async () => {
  // GIVEN staging's instance
  const fake = fakeWithCluster();
  // WHEN it is renamed with ApplyImmediately false
  const renaming = fake.handle("ModifyDBInstance", { DBInstanceIdentifier: "twinstack-staging-1", NewDBInstanceIdentifier: "twinstack-staging-old-1", ApplyImmediately: false }, STAGING);
  // THEN the fake refuses, and the instance keeps its name
  await expect(renaming).rejects.toMatchObject({ name: "InvalidParameterCombination", message: expect.stringMatching(/ApplyImmediately.*maintenance window/) });
  expect(fake.account(STAGING).instances.has("twinstack-staging-1")).toBe(true);
});

test("renames with ApplyImmediately take effect now, as the refresh sends them", async () => {
  // GIVEN staging's cluster and instance
  const fake = fakeWithCluster();
  // WHEN both are renamed with ApplyImmediately
  await fake.handle("ModifyDBInstance", { DBInstanceIdentifier: "twinstack-staging-1", NewDBInstanceIdentifier: "twinstack-staging-old-1", ApplyImmediately: true }, STAGING);
  await fake.handle("ModifyDBCluster", { DBClusterIdentifier: "twinstack-staging", NewDBClusterIdentifier: "twinstack-staging-old", ApplyImmediately: true }, STAGING);
  // THEN both carry their new names
  expect(fake.account(STAGING).clusters.get("twinstack-staging-old")?.status).toBe("renaming");
  expect(fake.account(STAGING).instances.get("twinstack-staging-old-1")?.status).toBe("renaming");
});

test("AddTagsToResource on another account's cluster is refused, and its tags are unchanged", async () => {
  // GIVEN production's cluster, in another account than the caller's
  const fake = fakeWithCluster();
  fake.addCluster(PRODUCTION, "twinstack-production", { instances: 1, tags: { "twinstack:environment": "production" } });
  // WHEN staging's account tags it by ARN
  const tagging = fake.handle("AddTagsToResource", { ResourceName: `arn:aws:rds:us-east-1:${PRODUCTION}:cluster:twinstack-production`, Tags: [{ Key: "twinstack:refresh-id", Value: "r1" }] }, STAGING);
  // THEN AWS's answer for a resource outside the caller's account (not found), and nothing changed
  await expect(tagging).rejects.toMatchObject({ name: "DBClusterNotFoundFault", $metadata: { httpStatusCode: 404 } });
  expect(fake.account(PRODUCTION).clusters.get("twinstack-production")!.tags).toEqual({ "twinstack:environment": "production" });
});

test("AddTagsToResource on the caller's own cluster tags it", async () => {
  // GIVEN staging's cluster
  const fake = fakeWithCluster();
  // WHEN staging's account tags it by ARN
  await fake.handle("AddTagsToResource", { ResourceName: `arn:aws:rds:us-east-1:${STAGING}:cluster:twinstack-staging`, Tags: [{ Key: "twinstack:refresh-id", Value: "r1" }] }, STAGING);
  // THEN the tag is there
  expect(fake.account(STAGING).clusters.get("twinstack-staging")!.tags).toEqual({ "twinstack:refresh-id": "r1" });
});

// The DR drill's calls (scripts/dr/aws.ts): recovery points, point-in-time restore, instance describes.

const MINUTE = 60_000;
const DAY = 24 * 3600_000;

function productionWithBackups(): FakeAws {
  const fake = new FakeAws(new SimClock());
  fake.addCluster(PRODUCTION, "twinstack-production", { instances: 2, backupRetentionDays: 14, data: "production" });
  return fake;
}

test("DescribeDBClusters reports the restorable window: LatestRestorableTime trails the clock, EarliestRestorableTime is BackupRetentionPeriod days back", async () => {
  // GIVEN production's cluster keeping 14 days of backups, and restorable times trailing by 4 minutes
  const fake = productionWithBackups();
  fake.restorableLagMs = 4 * MINUTE;
  // WHEN it is described
  const out = (await fake.handle("DescribeDBClusters", { DBClusterIdentifier: "twinstack-production" }, PRODUCTION)) as { DBClusters: Array<Record<string, unknown>> };
  // THEN the window is [now - 14 days, now - 4 minutes]
  const now = fake.clock.now();
  expect(out.DBClusters[0]).toMatchObject({ LatestRestorableTime: new Date(now - 4 * MINUTE), EarliestRestorableTime: new Date(now - 14 * DAY), BackupRetentionPeriod: 14 });
});

test("RestoreDBClusterToPointInTime at the latest restorable time creates a cluster that is creating, then available with the source's data at that time", async () => {
  // GIVEN production's cluster
  const fake = productionWithBackups();
  const latest = fake.clock.now() - fake.restorableLagMs;
  // WHEN it is restored at its latest restorable time into a new cluster
  await fake.handle("RestoreDBClusterToPointInTime", { DBClusterIdentifier: "twinstack-production-drill-1", SourceDBClusterIdentifier: "twinstack-production", UseLatestRestorableTime: true, RestoreType: "full-copy", DBSubnetGroupName: "drill" }, PRODUCTION);
  const restored = fake.account(PRODUCTION).clusters.get("twinstack-production-drill-1")!;
  // THEN the new cluster is creating, holds production's data as of then, and the source is untouched
  expect(restored).toMatchObject({ status: "creating", subnetGroup: "drill", data: `production@${new Date(latest).toISOString()}`, deletionProtection: false });
  expect(fake.account(PRODUCTION).clusters.get("twinstack-production")!.status).toBe("available");
  // AND no instance may be added until it is available (CreateDBInstance)
  await expect(fake.handle("CreateDBInstance", { DBInstanceIdentifier: "twinstack-production-drill-1-1", DBClusterIdentifier: "twinstack-production-drill-1" }, PRODUCTION)).rejects.toMatchObject({ name: "InvalidDBClusterStateFault" });
  await fake.clock.sleep(fake.latency.restoreMs);
  expect(restored.status).toBe("available");
});

test.each([
  ["neither RestoreToTime nor UseLatestRestorableTime", {}, "InvalidParameterCombination"],
  ["both RestoreToTime and UseLatestRestorableTime", { UseLatestRestorableTime: true, RestoreToTime: new Date(Date.parse("2025-01-31T11:00:00Z")) }, "InvalidParameterCombination"],
  ["a RestoreToTime after LatestRestorableTime", { RestoreToTime: new Date(Date.parse("2025-01-31T11:59:00Z")) }, "InvalidParameterValue"],
  ["a RestoreToTime before the retention period", { RestoreToTime: new Date(Date.parse("2025-01-10T12:00:00Z")) }, "InvalidParameterValue"],
  ["a RestoreToTime with a copy-on-write restore", { RestoreType: "copy-on-write", RestoreToTime: new Date(Date.parse("2025-01-31T11:00:00Z")) }, "InvalidParameterCombination"],
  ["an unknown source cluster", { SourceDBClusterIdentifier: "twinstack-nope", UseLatestRestorableTime: true }, "DBClusterNotFoundFault"],
  ["a target identifier already in use", { DBClusterIdentifier: "twinstack-production", UseLatestRestorableTime: true }, "DBClusterAlreadyExistsFault"],
  ["a key that does not exist", { UseLatestRestorableTime: true, KmsKeyId: "alias/nope" }, "KMSKeyNotAccessibleFault"],
])("RestoreDBClusterToPointInTime with %s is refused, and no cluster is created", async (_what, parameters, error) => {
  // GIVEN production's cluster (14 days of backups; the clock at 2025-01-31T12:00Z, restorable until 11:55Z)
  const fake = productionWithBackups();
  const before = [...fake.account(PRODUCTION).clusters.keys()];
  // WHEN a point-in-time restore is asked with those parameters
  const restoring = fake.handle("RestoreDBClusterToPointInTime", { DBClusterIdentifier: "twinstack-production-drill-1", SourceDBClusterIdentifier: "twinstack-production", ...parameters }, PRODUCTION);
  // THEN AWS's refusal, and nothing new
  await expect(restoring).rejects.toMatchObject({ name: error });
  expect([...fake.account(PRODUCTION).clusters.keys()]).toEqual(before);
});

test("RestoreDBClusterToPointInTime with a key of an unencrypted source is refused", async () => {
  // GIVEN an unencrypted cluster and a customer key
  const fake = new FakeAws(new SimClock());
  fake.addCluster(PRODUCTION, "twinstack-production", { instances: 1, encrypted: false });
  const key = fake.addKey(PRODUCTION, "alias/twinstack-production-database");
  // WHEN it is restored with that key
  const restoring = fake.handle("RestoreDBClusterToPointInTime", { DBClusterIdentifier: "twinstack-production-drill-1", SourceDBClusterIdentifier: "twinstack-production", UseLatestRestorableTime: true, KmsKeyId: key }, PRODUCTION);
  // THEN refused (API: "If DBClusterIdentifier refers to a DB cluster that isn't encrypted, then the restore request is rejected")
  await expect(restoring).rejects.toMatchObject({ name: "InvalidParameterCombination" });
});

test("DescribeDBInstances with an identifier answers that instance only, and DBInstanceNotFoundFault for one that does not exist", async () => {
  // GIVEN production's cluster with two instances
  const fake = productionWithBackups();
  // WHEN one instance is described by identifier
  const out = (await fake.handle("DescribeDBInstances", { DBInstanceIdentifier: "twinstack-production-2" }, PRODUCTION)) as { DBInstances: Array<{ DBInstanceIdentifier: string }> };
  // THEN only that one
  expect(out.DBInstances.map((i) => i.DBInstanceIdentifier)).toEqual(["twinstack-production-2"]);
  // AND an unknown identifier is not found
  await expect(fake.handle("DescribeDBInstances", { DBInstanceIdentifier: "twinstack-production-9" }, PRODUCTION)).rejects.toMatchObject({ name: "DBInstanceNotFoundFault", $metadata: { httpStatusCode: 404 } });
});

test("DescribeDBClusterSnapshots by cluster lists that cluster's automated and manual snapshots; AWS Backup's only with SnapshotType awsbackup", async () => {
  // GIVEN production's automated snapshot and AWS Backup recovery point, and another cluster's automated snapshot in the same account
  const fake = productionWithBackups();
  fake.addCluster(PRODUCTION, "twinstack-other", { instances: 1 });
  fake.addAutomatedSnapshot(PRODUCTION, "twinstack-production", "rds:twinstack-production-2025-01-31-03-00");
  fake.addAutomatedSnapshot(PRODUCTION, "twinstack-other", "rds:twinstack-other-2025-01-31-03-00");
  fake.addAwsBackupSnapshot(PRODUCTION, "twinstack-production", "awsbackup:job-1a2b3c");
  const list = async (input: Record<string, unknown>) =>
    ((await fake.handle("DescribeDBClusterSnapshots", { DBClusterIdentifier: "twinstack-production", ...input }, PRODUCTION)) as { DBClusterSnapshots: Array<{ DBClusterSnapshotIdentifier: string; SnapshotType: string }> }).DBClusterSnapshots;
  // WHEN production's snapshots are listed without a type, and with SnapshotType awsbackup
  // THEN the first lists the automated one only (not the other cluster's, not AWS Backup's)
  expect((await list({})).map((s) => s.DBClusterSnapshotIdentifier)).toEqual(["rds:twinstack-production-2025-01-31-03-00"]);
  // AND the second the recovery point, typed awsbackup
  expect(await list({ SnapshotType: "awsbackup" })).toEqual([expect.objectContaining({ DBClusterSnapshotIdentifier: "awsbackup:job-1a2b3c", SnapshotType: "awsbackup" })]);
});
