/**
 * Unit tests of `npm run cost` (the CLI's main(), in process; synthesis in memory, no AWS):
 * `--profile` estimates an environment under another scale profile, the estimate is printed
 * beside the environment's budget, and the exit code says whether it fits.
 */
import { main } from "../../scripts/cost/cli";

async function cost(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = jest.spyOn(process.stdout, "write").mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  const err = jest.spyOn(process.stderr, "write").mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  try {
    const code = await main(["node", "cost", ...args]);
    return { code, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("npm run cost", () => {
  test("GIVEN production WHEN estimated under hobby and under enterprise (--json) THEN the totals differ, each names its profile, and enterprise exceeds the budget (exit 1)", async () => {
    const hobby = await cost("production", "--profile", "hobby", "--json");
    const enterprise = await cost("production", "--profile", "enterprise", "--json");
    const [h, e] = [JSON.parse(hobby.stdout), JSON.parse(enterprise.stdout)];
    expect(h.profile).toBe("hobby");
    expect(e.profile).toBe("enterprise");
    expect(h.total).toBeLessThan(e.total);
    expect(h.budget).toEqual({ monthlyLimitUsd: 250, scope: "account", withinBudget: true });
    expect(hobby.code).toBe(0);
    expect(e.budget.withinBudget).toBe(false);
    expect(enterprise.code).toBe(1);
    process.stdout.write(`production idle: hobby ${h.total}, enterprise ${e.total} USD/month\n`);
  }, 60000);

  test("GIVEN staging THEN its idle estimate is printed beside its budget, within it (exit 0), on the hobby profile", async () => {
    const result = await cost("staging");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^staging \(us-east-1, usage idle\): \d+\.\d\d USD\/month$/m);
    expect(result.stdout).toMatch(/^profile hobby; budget 15\.00 USD\/month \(costs tagged Environment=staging\): within budget$/m);
  }, 60000);

  test("GIVEN a profile that does not exist, or --profile on a preview THEN exit 2 with what is allowed", async () => {
    const bad = await cost("production", "--profile", "huge");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are hobby, standard, enterprise/);
    const preview = await cost("preview-pr-3", "--profile", "standard");
    expect(preview.code).toBe(2);
    expect(preview.stderr).toMatch(/--profile applies to staging, production \(a preview's sizes are fixed\)/);
  }, 60000);
});
