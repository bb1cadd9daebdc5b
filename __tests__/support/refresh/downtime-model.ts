/**
 * The downtime and wall-time model: this tool vs delete-then-restore, on the simulated clock
 * with the latency model (snapshot 10 min, restore 20 min, instance 10 min, rename 1 min,
 * delete 5 min), through the same planner, steps and adapter as the real tool.
 */
import { installFakeAws } from "./wire-mocks";
import { Latency, defaultLatency } from "./fake-aws";
import { connectHalf, createWorld, deleteThenRestore } from "./world";

export interface ModelFigures {
  procedure: string;
  wallMinutes: number;
  unavailableMinutes: number;
  outages: number;
}

const minutes = (ms: number) => Math.round((ms / 60_000) * 100) / 100;

export async function runModel(latency: Latency = defaultLatency): Promise<{ ours: ModelFigures; old: ModelFigures }> {
  const refreshId = "r202501311200-a1b2";
  const ours = await (async () => {
    const world = createWorld({ latency });
    const mocks = installFakeAws(world.fake, world.target.accountId);
    try {
      const harness = await connectHalf(world);
      const start = world.clock.now();
      const held = await harness.lock.acquire(refreshId, "model", "run");
      await harness.half.run(refreshId);
      await held.release();
      return { procedure: "snapshot, restore aside, swap names (this tool)", wallMinutes: minutes(world.clock.now() - start), unavailableMinutes: minutes(world.fake.downtimeMs()), outages: world.fake.outages().length };
    } finally {
      mocks.restore();
    }
  })();
  const old = await (async () => {
    const world = createWorld({ latency });
    const mocks = installFakeAws(world.fake, world.target.accountId);
    try {
      const harness = await connectHalf(world);
      const start = world.clock.now();
      await deleteThenRestore(world, harness, refreshId);
      return { procedure: "delete staging, then restore (old manual procedure)", wallMinutes: minutes(world.clock.now() - start), unavailableMinutes: minutes(world.fake.downtimeMs()), outages: world.fake.outages().length };
    } finally {
      mocks.restore();
    }
  })();
  return { ours, old };
}
