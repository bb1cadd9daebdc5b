/**
 * Kind: in-memory fake behind aws-sdk-client-mock (__tests__/support/refresh/fake-aws.ts, which
 * refuses what AWS documents it refuses, each rule citing the API reference). Why: recovery is
 * about crashes at exact step boundaries and about AWS's state rules (a deleting cluster or
 * instance cannot be renamed); neither the emulator nor real AWS can be crashed on cue.
 *
 * GIVEN a refresh crashed at a step boundary WHEN the operator rolls it back THEN either staging
 * is exactly as before the refresh (before the point of no return) or the rollback refuses with
 * exit 2 and says what state staging is in (after it), and staging keeps working either way.
 */
import { RefusedError } from "../../scripts/refresh/core";
import { fakeWorlds } from "../support/refresh/harness";
import { World, connectHalf } from "../support/refresh/world";

const RID = "r202501311200-a1b2";
const setup = fakeWorlds();

/** The labels of every step boundary of one clean run. */
async function boundaries(): Promise<string[]> {
  const labels: string[] = [];
  const world = setup();
  const h = await connectHalf(world, { onBoundary: (label: string) => void labels.push(label) });
  await h.half.run(RID);
  return labels;
}

async function crashAt(world: World, label: string): Promise<void> {
  const h = await connectHalf(world, {
    onBoundary: (at: string) => {
      if (at === label) throw new Error(`injected crash at ${at}`);
    },
  });
  await expect(h.half.run(RID)).rejects.toThrow(/injected crash/);
}

test("rollback after delete-old has started refuses (exit 2), says what staging runs, and staging keeps working", async () => {
  // GIVEN a refresh that crashed right after it asked AWS to delete the old cluster's first instance
  const world = setup();
  await crashAt(world, "delete-old:action-0");
  const tgt = world.fake.account(world.target.accountId);
  expect(tgt.instances.get(`${world.targetId}-old-${RID}-1`)?.status).toBe("deleting");
  const outagesBefore = world.fake.outages().length;
  // WHEN the operator rolls it back
  const h = await connectHalf(world);
  const error = (await h.half.rollback(RID).catch((e: Error) => e)) as Error;
  // THEN it refuses (exit 2) before touching anything, naming the state staging is in
  expect(error).toBeInstanceOf(RefusedError);
  expect(error.message).toMatch(/point of no return/);
  expect(error.message).toMatch(new RegExp(`${world.targetId} runs the refreshed copy from ${RID}`));
  // and staging still works on the refreshed data: no new outage
  expect(world.fake.working(world.target.accountId, world.targetId)).toBe(true);
  expect(tgt.clusters.get(world.targetId)!.data).toMatch(/^production/);
  expect(world.fake.outages().length).toBe(outagesBefore);
  // and a resume finishes the deletion
  await h.half.run(RID);
  expect([...tgt.clusters.keys()]).toEqual([world.targetId]);
}, 60_000);

test("a crash at every step boundary, then rollback: before the point of no return staging is back as it was; after it, rollback refuses and staging works", async () => {
  const labels = await boundaries();
  expect(labels.length).toBeGreaterThan(15);
  const pointOfNoReturn = labels.indexOf("delete-old:before");
  expect(pointOfNoReturn).toBeGreaterThan(0);
  for (const [index, label] of labels.entries()) {
    const world = setup();
    try {
      await crashAt(world, label);
      const h = await connectHalf(world);
      const tgt = world.fake.account(world.target.accountId);
      const result = await h.half.rollback(RID).then(() => "rolled back", (e: Error) => e);
      // `delete-old:before` fires before any delete call: the old cluster is still whole there.
      if (index <= pointOfNoReturn) {
        expect(result).toBe("rolled back");
        expect(tgt.clusters.get(world.targetId)!.data).toBe("staging-original");
        expect([...tgt.clusters.keys()]).toEqual([world.targetId]);
        expect([...tgt.instances.values()].map((i) => [i.id, i.clusterId, i.status])).toEqual([[`${world.targetId}-1`, world.targetId, "available"]]);
        // No unscrubbed copy stays shared with staging's account.
        const shared = [...world.fake.account(world.source.accountId).snapshots.values()].filter((s) => s.sharedWith.length > 0);
        expect(shared.map((s) => s.id)).toEqual([]);
      } else {
        expect(result).toBeInstanceOf(RefusedError);
        expect(tgt.clusters.get(world.targetId)!.data).toMatch(/^production/);
      }
      expect(world.fake.working(world.target.accountId, world.targetId)).toBe(true);
      // At most the swap and its undo took staging down.
      expect(world.fake.outages().length).toBeLessThanOrEqual(2);
    } catch (error) {
      throw new Error(`crash at ${label}: ${(error as Error).message}`);
    }
  }
}, 300_000);
