/**
 * Kind: unit (deterministic simulation). Why: downtime and wall time are properties of the
 * procedure, measured on a simulated clock with a fixed latency model (snapshot 10 min, restore
 * 20 min, instance 10 min, rename 1 min, delete 5 min) through the same planner, steps and AWS
 * adapter as the real tool (the fake AWS sits behind aws-sdk-client-mock).
 */
import { runModel } from "../support/refresh/downtime-model";

test("staging is unavailable ≤ 2 simulated minutes with this tool, ≥ 30 with delete-then-restore", async () => {
  // GIVEN the latency model WHEN both procedures run on the simulated clock
  const { ours, old } = await runModel();
  // THEN
  expect(ours.unavailableMinutes).toBeLessThanOrEqual(2);
  expect(ours.outages).toBe(1);
  expect(old.unavailableMinutes).toBeGreaterThanOrEqual(30);
  // Wall time stays in the same range as the old procedure (it adds only renames and the old cluster's deletion).
  expect(ours.wallMinutes).toBeLessThan(old.wallMinutes + 15);
}, 120_000);
