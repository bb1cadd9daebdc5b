/**
 * Policy over the real synthesized environments (unit: synthesis in a child process, exactly as
 * `npm run policy` does; no AWS, no terraform): staging, production and a preview must have zero
 * unsuppressed failures and no stale or invalid suppressions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveEnvironment } from "../../environments/registry";
import { synthesizeTo } from "../../scripts/lib/synth";
import { evaluate } from "../../scripts/policy/engine";
import { StackModel } from "../../scripts/policy/model";
import { ALL_RULES } from "../../scripts/policy/rules";
import { factsFromConfig, loadSynthDir, stacksOf, suppressionsFromConfig } from "../../scripts/policy/run";


let outdir: string;
let stacks: Map<string, StackModel>;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "twinstack-policy-test-"));
  const result = await synthesizeTo(outdir, { PREVIEW_PR: "1", TWINSTACK_ENVIRONMENTS: "" });
  if (result.code !== 0) throw new Error(`synthesis failed: ${result.stderr}`);
  stacks = loadSynthDir(outdir);
}, 120000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe.each(["staging", "production", "preview-pr-1"])("policy over %s", (name) => {
  test("GIVEN the synthesized stacks WHEN every rule runs THEN there is no unsuppressed failure and no bad suppression", () => {
    const config = resolveEnvironment(name);
    const own = stacksOf(config, stacks);
    const report = evaluate(ALL_RULES, own, factsFromConfig(config), [...suppressionsFromConfig(config)]);
    const failures = report.rules.flatMap((r) => r.findings.filter((f) => f.status === "fail").map((f) => `${r.rule} ${f.stack} ${f.address}: ${f.reason}`));
    expect({ failures, suppressionErrors: report.suppressionErrors }).toEqual({ failures: [], suppressionErrors: [] });
    // The report covers the environment's own stack and its account's bootstrap stack.
    expect(report.stacks).toEqual([`twinstack-${name}`, `twinstack-bootstrap-${config.accountId}`]);
    expect(report.counts.pass).toBeGreaterThan(40);
  });
});

test("GIVEN production THEN the production-only rules apply (deletion protection, backups ≥ 7, Performance Insights)", () => {
  const config = resolveEnvironment("production");
  const report = evaluate(ALL_RULES, stacksOf(config, stacks), factsFromConfig(config));
  const status = (id: string) => report.rules.find((r) => r.rule === id)?.status;
  expect(["TS-RDS-003", "TS-RDS-005", "TS-RDS-009", "TS-RDS-014", "TS-DDB-003"].map(status)).toEqual(["pass", "pass", "pass", "pass", "pass"]);
  const staging = resolveEnvironment("staging");
  const stagingReport = evaluate(ALL_RULES, stacksOf(staging, stacks), factsFromConfig(staging));
  expect(stagingReport.rules.find((r) => r.rule === "TS-RDS-003")?.status).toBe("not-applicable");
});
