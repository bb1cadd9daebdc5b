/**
 * Emulator tests (moto_server on loopback): each fix in scripts/sandbox/moto_launcher.py is a
 * defect of moto 5.2.1 against documented AWS behaviour. For each: GIVEN plain moto
 * (`patched: false`) the defect shows, so the patch is still needed; GIVEN the launcher, AWS's
 * documented behaviour holds. An emulator (not aws-sdk-client-mock) because the point is the
 * emulator's own behaviour.
 */
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
} from "@aws-sdk/client-rds";
import { resetEmulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";
import { clientConfig, startEmulator, type Emulator } from "../../scripts/sandbox/emulator";

// Starting Python + moto takes ~1 s idle, much longer on a loaded 2-core machine.
jest.setTimeout(60000);

/** A cluster shaped like modules/aurora's: Serverless v2, managed master password, one instance. */
async function createManagedPasswordCluster(rds: RDSClient, id: string): Promise<void> {
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: id,
      Engine: "aurora-postgresql",
      EngineVersion: "16.4",
      MasterUsername: "app_admin",
      ManageMasterUserPassword: true,
      StorageEncrypted: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
    }),
  );
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: `${id}-1`,
      DBClusterIdentifier: id,
      Engine: "aurora-postgresql",
      DBInstanceClass: "db.serverless",
    }),
  );
}

async function restoreStatus(rds: RDSClient): Promise<number> {
  await createManagedPasswordCluster(rds, "source");
  await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "source", DBClusterSnapshotIdentifier: "source-snap" }));
  try {
    const out = await rds.send(
      new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: "restored", SnapshotIdentifier: "source-snap", Engine: "aurora-postgresql" }),
    );
    return out.$metadata.httpStatusCode ?? 0;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1;
  }
}

/** The error name (or "ok") and HTTP status of a call. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return $metadata?.httpStatusCode === 500 ? "500" : (name ?? "unknown");
  }
}

async function clusterIds(rds: RDSClient): Promise<string[]> {
  const { DBClusters } = await rds.send(new DescribeDBClustersCommand({}));
  return (DBClusters ?? []).map((cluster) => cluster.DBClusterIdentifier ?? "").sort();
}

async function renameAndDescribe(rds: RDSClient): Promise<{ instanceCluster?: string; members: string[] }> {
  await createManagedPasswordCluster(rds, "staging");
  await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "staging", NewDBClusterIdentifier: "staging-old-r1", ApplyImmediately: true }));
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "staging-1" }));
  const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "staging-old-r1" }));
  return {
    instanceCluster: DBInstances?.[0]?.DBClusterIdentifier,
    members: (DBClusters?.[0]?.DBClusterMembers ?? []).map((member) => member.DBInstanceIdentifier ?? ""),
  };
}

describeWithTools("moto defects fixed by the launcher", ["moto_server"], () => {
  for (const patched of [false, true]) {
    describe(patched ? "GIVEN the launcher (patched)" : "GIVEN plain moto 5.2.1", () => {
      let emulator: Emulator;
      let rds: RDSClient;
      beforeAll(async () => {
        emulator = await startEmulator({ patched });
        // maxAttempts 1: a 500 is the defect we look for, not something to retry.
        rds = new RDSClient({ ...clientConfig(emulator), maxAttempts: 1 });
      });
      afterAll(async () => {
        rds?.destroy();
        await emulator?.stop();
      });

      test("defect 1: RestoreDBClusterFromSnapshot of a managed-password cluster", async () => {
        // WHEN a snapshot of a cluster with ManageMasterUserPassword is restored
        const status = await restoreStatus(rds);
        // THEN AWS restores it (200); plain moto answers 500 (KeyError in DBCluster.get_cfg)
        expect(status).toBe(patched ? 200 : 500);
        if (patched) {
          const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "restored" }));
          expect(DBClusters?.[0]?.Engine).toBe("aurora-postgresql");
          expect(DBClusters?.[0]?.DBClusterMembers).toEqual([]); // a restored cluster has no instances
        }
      });

      test("defect 2: renaming a cluster keeps its instances in it", async () => {
        // WHEN the cluster is renamed with NewDBClusterIdentifier + ApplyImmediately
        const { instanceCluster, members } = await renameAndDescribe(rds);
        if (patched) {
          // THEN (AWS) the instance belongs to the renamed cluster
          expect(instanceCluster).toBe("staging-old-r1");
          expect(members).toEqual(["staging-1"]);
        } else {
          // THEN (plain moto) the instance still names the old identifier and the cluster is empty
          expect(instanceCluster).toBe("staging");
          expect(members).toEqual([]);
        }
      });

      test("defect 3: renaming onto a taken identifier", async () => {
        // GIVEN two clusters
        await resetEmulator(emulator.endpoint);
        await createManagedPasswordCluster(rds, "staging");
        await createManagedPasswordCluster(rds, "staging-new");
        // WHEN one is renamed onto the other's identifier
        const result = await outcome(
          rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "staging-new", NewDBClusterIdentifier: "staging", ApplyImmediately: true })),
        );
        // THEN AWS refuses and keeps both; plain moto silently drops the other cluster
        expect(result).toBe(patched ? "DBClusterAlreadyExistsFault" : "ok");
        expect(await clusterIds(rds)).toEqual(patched ? ["staging", "staging-new"] : ["staging"]);
      });

      test("defect 4: modifying a cluster that does not exist", async () => {
        // WHEN a missing cluster is modified  THEN AWS: DBClusterNotFoundFault; plain moto: 500
        const result = await outcome(
          rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "missing", NewDBClusterIdentifier: "other", ApplyImmediately: true })),
        );
        expect(result).toBe(patched ? "DBClusterNotFoundFault" : "500");
      });

      test("defect 5: restoring from a same-account snapshot ARN", async () => {
        // GIVEN a snapshot, referred to by its ARN
        await resetEmulator(emulator.endpoint);
        // (a cluster without a managed password: defect 1 must not hide this one)
        await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "production", Engine: "aurora-postgresql", MasterUsername: "app_admin", MasterUserPassword: "not-a-real-password-1" }));
        const { DBClusterSnapshot } = await rds.send(
          new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "production", DBClusterSnapshotIdentifier: "refresh-r1" }),
        );
        // WHEN a cluster is restored from the ARN
        const result = await outcome(
          rds.send(
            new RestoreDBClusterFromSnapshotCommand({
              DBClusterIdentifier: "staging-new",
              SnapshotIdentifier: DBClusterSnapshot?.DBClusterSnapshotArn,
              Engine: "aurora-postgresql",
            }),
          ),
        );
        // THEN AWS accepts a name or an ARN; plain moto only a name
        expect(result).toBe(patched ? "ok" : "DBClusterSnapshotNotFoundFault");
      });

      test("defect 6: creating or restoring onto a taken identifier", async () => {
        // GIVEN a cluster "staging" and a snapshot of another cluster
        await resetEmulator(emulator.endpoint);
        await createManagedPasswordCluster(rds, "staging");
        const resourceId = async (): Promise<string | undefined> =>
          (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "staging" }))).DBClusters?.[0]?.DbClusterResourceId;
        const original = await resourceId();
        await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "production", Engine: "aurora-postgresql", MasterUsername: "app_admin", MasterUserPassword: "not-a-real-password-1" }));
        await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "production", DBClusterSnapshotIdentifier: "refresh-r2" }));
        // WHEN a cluster is created, or restored, under "staging"
        const created = await outcome(
          rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "staging", Engine: "aurora-postgresql", MasterUsername: "app_admin", MasterUserPassword: "not-a-real-password-1" })),
        );
        const restored = await outcome(
          rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: "staging", SnapshotIdentifier: "refresh-r2", Engine: "aurora-postgresql" })),
        );
        if (patched) {
          // THEN (AWS) both are refused and "staging" is still the same cluster
          expect([created, restored]).toEqual(["DBClusterAlreadyExistsFault", "DBClusterAlreadyExistsFault"]);
          expect(await resourceId()).toBe(original);
        } else {
          // THEN (plain moto) "staging" has been replaced; the call may even fail afterwards, by
          // accident (DBClusterSnapshotAlreadyExistsFault: its automated snapshot id is per minute)
          expect([created, restored]).not.toContain("DBClusterAlreadyExistsFault");
          expect(await resourceId()).not.toBe(original);
        }
      });

      test("defect 7: re-creating a deleted cluster's identifier at once", async () => {
        // GIVEN a cluster that is deleted (as Terraform does when it replaces one)
        await resetEmulator(emulator.endpoint);
        const create = (): Promise<unknown> =>
          rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "staging", Engine: "aurora-postgresql", MasterUsername: "app_admin", MasterUserPassword: "not-a-real-password-1" }));
        await create();
        await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "staging", SkipFinalSnapshot: true }));
        // WHEN the identifier is used again straight away
        const result = await outcome(create());
        // THEN AWS creates it; plain moto fails on its own per-minute automated snapshot name
        // (unless the minute changed in between, which the assertion allows)
        if (patched) expect(result).toBe("ok");
        else expect(["DBClusterSnapshotAlreadyExistsFault", "ok"]).toContain(result);
      });

      test("defect 14: a provisioned (Serverless v2) cluster reports no Serverless v1 scaling block", async () => {
        // GIVEN a Serverless v2 cluster, as modules/aurora makes
        await resetEmulator(emulator.endpoint);
        await createManagedPasswordCluster(rds, "v2");
        // WHEN it is described
        const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "v2" }));
        // THEN (AWS) ScalingConfigurationInfo is only for engine mode "serverless" (v1): absent here;
        // plain moto returns an empty one, which Terraform reads as a scaling_configuration block to remove
        expect(DBClusters?.[0]?.ServerlessV2ScalingConfiguration).toMatchObject({ MinCapacity: 0, MaxCapacity: 2 });
        if (patched) expect(DBClusters?.[0]?.ScalingConfigurationInfo).toBeUndefined();
        else expect(DBClusters?.[0]?.ScalingConfigurationInfo).toEqual({});
      });

      test("defect 15: a restore asked for DeletionProtection false does not inherit the source's true", async () => {
        // GIVEN a cluster with deletion protection (as production's) and a snapshot of it
        await resetEmulator(emulator.endpoint);
        await rds.send(
          new CreateDBClusterCommand({ DBClusterIdentifier: "prod", Engine: "aurora-postgresql", MasterUsername: "app_admin", MasterUserPassword: "not-a-real-password-1", DeletionProtection: true }),
        );
        await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "prod", DBClusterSnapshotIdentifier: "prod-snap" }));
        // WHEN it is restored asking for false (the refresh restoring into staging), for nothing, and for true
        for (const [id, deletionProtection] of [["asked-false", false], ["not-given", undefined], ["asked-true", true]] as const) {
          await rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: id, SnapshotIdentifier: "prod-snap", Engine: "aurora-postgresql", DeletionProtection: deletionProtection }));
        }
        const protectedById = Object.fromEntries(
          ((await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((cluster) => [cluster.DBClusterIdentifier, cluster.DeletionProtection]),
        );
        // THEN (AWS: "By default, deletion protection isn't enabled") only the one asked for is protected;
        // plain moto copies the source cluster's true over a false or missing value
        expect(protectedById).toMatchObject({ prod: true, "asked-true": true });
        if (patched) expect(protectedById).toMatchObject({ "asked-false": false, "not-given": false });
        else expect(protectedById).toMatchObject({ "asked-false": true, "not-given": true });
      });
    });
  }
});
