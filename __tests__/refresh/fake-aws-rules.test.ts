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
