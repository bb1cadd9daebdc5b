/**
 * `npm run refresh -- converge --to <env>`: the refresh's converge step on its own, for the
 * workflow that runs the refresh with `--no-converge` and converges in a job holding the target's
 * apply role (.github/workflows/refresh.yml). In-memory (no AWS): the converger (Terraform) is a
 * recording stand-in — the emulator e2e test runs the real one inside `run`; here only the
 * command's contract is checked: which stack, refusals, exit codes.
 */
import type { EnvironmentConfig } from "../../environments/config";
import { main } from "../../scripts/refresh/cli";
import { realClock } from "../../scripts/refresh/core";
import { cliDeps, type CapturedDeps } from "../support/refresh/harness";

function deps(converged: EnvironmentConfig[], outcome: () => Promise<{ message: string }> = async () => ({ message: "twinstack-staging: no changes" })): CapturedDeps {
  return cliDeps({ clock: realClock }, {}, {
    connect: async () => {
      throw new Error("converge connects to no account through the SDK");
    },
    converge: () => async ({ target }) => {
      converged.push(target);
      return outcome();
    },
  });
}

describe("refresh converge", () => {
  test("GIVEN staging WHEN `converge --to staging --json` THEN the staging stack is converged, exit 0, a started and a done event", async () => {
    const converged: EnvironmentConfig[] = [];
    const captured = deps(converged);
    const code = await main(["converge", "--to", "staging", "--json"], captured);
    expect(code).toBe(0);
    expect(converged.map((c) => c.name)).toEqual(["staging"]);
    const events = captured.lines.map((line) => JSON.parse(line));
    expect(events.map((e) => [e.step, e.state])).toEqual([["converge", "started"], ["converge", "done"]]);
    expect(events[1].message).toBe("twinstack-staging: no changes");
  });

  test("GIVEN production (protected) WHEN `converge --to production` THEN exit 2 and nothing is converged", async () => {
    const converged: EnvironmentConfig[] = [];
    const captured = deps(converged);
    expect(await main(["converge", "--to", "production"], captured)).toBe(2);
    expect(converged).toEqual([]);
    expect(captured.text()).toMatch(/production is protected/);
  });

  test("GIVEN a plan that would destroy something WHEN converging THEN exit 1 with the converger's reason", async () => {
    const captured = deps([], async () => {
      throw new Error("the plan of twinstack-staging would destroy or replace aws_rds_cluster.database: delete+create: not applied");
    });
    const code = await main(["converge", "--to", "staging"], captured);
    expect(code).toBe(1);
    expect(captured.text()).toMatch(/would destroy or replace aws_rds_cluster\.database/);
  });
});

describe("the Terraform converger's provider source", () => {
  test("GIVEN TWINSTACK_PROVIDER_MIRROR naming a folder without the provider WHEN converging THEN it fails naming the variable, before any synthesis or Terraform (a wrong mirror is an error, never a silent fall-back to the registry)", async () => {
    // GIVEN: in-memory, no AWS: the converger must stop before it runs anything.
    const { terraformConverger } = await import("../../scripts/refresh/converge");
    const { resolveEnvironment } = await import("../../environments/registry");
    const converge = terraformConverger({ PATH: process.env.PATH, TWINSTACK_PROVIDER_MIRROR: "/nonexistent/twinstack-mirror" });
    // WHEN / THEN
    await expect(converge({ refreshId: "r000000000000-0000", target: resolveEnvironment("staging") })).rejects.toThrow(
      /TWINSTACK_PROVIDER_MIRROR \(\/nonexistent\/twinstack-mirror\) does not hold registry\.terraform\.io\/hashicorp\/aws/,
    );
  }, 120_000);
});
