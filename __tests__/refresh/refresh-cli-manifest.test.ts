/**
 * Kind: in-memory fake AWS behind aws-sdk-client-mock, driving the refresh CLI's `main`, with the
 * scrub manifest loader replaced (jest.mock) by one that finds no manifest — every real refresh
 * target has one, so a missing manifest can only be simulated. Why: a target without a scrub
 * manifest is bad input: exit 2 before any AWS call, naming the file (privacy by default).
 */
import { main } from "../../scripts/refresh/cli";
import { cliDeps, fakeWorlds } from "../support/refresh/harness";

jest.mock("../../scripts/refresh/scrub/manifest", () => {
  const actual = jest.requireActual("../../scripts/refresh/scrub/manifest");
  return {
    ...actual,
    loadScrubManifest: (environment: string) => {
      throw new actual.ScrubManifestError(`${actual.manifestFileFor(environment)} not found: every refresh target needs a scrub manifest (see docs/privacy.md)`);
    },
  };
});

const setup = fakeWorlds();

test.each([
  ["run", ["run", "--yes", "--only", "database"]],
  ["plan", ["plan", "--only", "database"]],
  ["resume", ["resume", "r202501311200-a1b2", "--yes", "--only", "database"]],
])("%s: a target without a scrub manifest is refused (exit 2) before any AWS call, naming the file", async (_label, argv) => {
  // GIVEN staging's manifest cannot be loaded
  const world = setup();
  const deps = cliDeps(world);
  // WHEN the command runs
  const code = await main(argv, deps);
  // THEN it is refused, names the manifest, and AWS saw nothing
  expect(code).toBe(2);
  expect(deps.text()).toMatch(/environments\/staging\/scrub\.ts not found/);
  expect(world.fake.calls).toEqual([]);
});

test("rollback never needs the manifest: it gets past input checks to AWS", async () => {
  // GIVEN no manifest WHEN a rollback of an unknown refresh runs
  const world = setup();
  const deps = cliDeps(world);
  await main(["rollback", "r202501311200-a1b2", "--yes"], deps);
  // THEN it was not refused for the manifest
  expect(deps.text()).not.toMatch(/scrub\.ts not found/);
});
