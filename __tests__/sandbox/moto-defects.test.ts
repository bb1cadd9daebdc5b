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
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
} from "@aws-sdk/client-rds";
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
    });
  }
});
