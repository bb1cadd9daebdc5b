/**
 * The restore drill in the sandbox. The emulator restores a scratch cluster from production's
 * snapshot, but an emulated cluster has no database engine, and moto lacks the Data API switch
 * (EnableHttpEndpoint). So, as for the refresh, the sandbox's data plane supplies the engine: a
 * physical copy of production's PostgreSQL, taken when the drill starts (not from the recovery
 * point itself: say so), queried by the drill's verification, stopped and removed afterwards.
 */
import type { RDSClient } from "@aws-sdk/client-rds";
import type { EnvironmentConfig } from "../../environments/config";
import { stackId } from "../../environments/naming";
import { copyServer, masterUrl, readDataPlane, serverForCluster, stopDataPlaneServer } from "./dataplane";

export interface DrillStandIn {
  /** PostgreSQL URL standing in for the scratch cluster (master user; never printed unmasked). */
  readonly url: string;
  /** Stops the copy and removes its files. */
  release(): Promise<void>;
}

/** A copy of the environment's sandbox PostgreSQL, or undefined when no sandbox data plane serves it. */
export async function sandboxDrillStandIn(config: EnvironmentConfig, rds: RDSClient): Promise<DrillStandIn | undefined> {
  const plane = readDataPlane();
  if (!plane) return undefined;
  const live = await serverForCluster(plane, rds, stackId(config));
  if (!live) return undefined;
  const copy = await copyServer(plane, live.server, `drill-${Date.now().toString(36)}`);
  return {
    url: masterUrl(plane, copy),
    release: async () => {
      await stopDataPlaneServer(copy);
    },
  };
}
