/**
 * Real Terraform (offline, provider from the local mirror): every synthesized stack —
 * staging, production, a preview and each account's bootstrap — passes `terraform validate`
 * with no error and no warning we did not expect.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackDir, synthesizeTo } from "../scripts/lib/synth";
import { terraform, writeTerraformCliConfig } from "../scripts/lib/terraform";
import { describeWithTools } from "./helpers/requirements";

interface Diagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string;
  address?: string;
}

/** Warnings we accept, each with why. None so far: keep it that way unless a provider forces one. */
const EXPECTED_WARNINGS: Array<{ summary: RegExp; why: string }> = [];

describeWithTools("terraform validate, every stack", ["terraform", "provider-mirror"], () => {
  const work = mkdtempSync(join(tmpdir(), "twinstack-validate-"));
  const outdir = join(work, "out");
  let cliConfigFile = "";
  let stacks: string[] = [];

  beforeAll(async () => {
    ({ cliConfigFile } = writeTerraformCliConfig(join(work, "terraform")));
    const result = await synthesizeTo(outdir, { PREVIEW_PR: "1" });
    if (result.code !== 0) throw new Error(`synth failed:\n${result.stderr}`);
    stacks = readdirSync(join(outdir, "stacks")).sort();
  }, 120_000);

  test("synthesizes staging, production, a preview and both bootstraps", () => {
    expect(stacks).toEqual([
      "twinstack-bootstrap-111111111111",
      "twinstack-bootstrap-222222222222",
      "twinstack-preview-pr-1",
      "twinstack-production",
      "twinstack-staging",
    ]);
  });

  test("every stack initialises offline and validates cleanly", async () => {
    // Two at a time: the provider schema load is the cost, and the machine has two cores.
    const results: Record<string, Diagnostic[]> = {};
    const queue = [...stacks];
    const worker = async () => {
      for (let stack = queue.shift(); stack; stack = queue.shift()) {
        const cwd = stackDir(outdir, stack);
        const init = await terraform(["init", "-backend=false", "-no-color"], { cwd, cliConfigFile });
        if (init.code !== 0) throw new Error(`${stack}: terraform init failed:\n${init.stderr}`);
        const validate = await terraform(["validate", "-json", "-no-color"], { cwd, cliConfigFile });
        const report = JSON.parse(validate.stdout) as { diagnostics: Diagnostic[] };
        results[stack] = report.diagnostics.filter(
          (d) => !(d.severity === "warning" && EXPECTED_WARNINGS.some((expected) => expected.summary.test(d.summary))),
        );
      }
    };
    await Promise.all([worker(), worker()]);
    const unexpected = Object.fromEntries(
      Object.entries(results).map(([stack, diagnostics]) => [stack, diagnostics.map((d) => `${d.severity}: ${d.summary} ${d.address ?? ""} ${d.detail ?? ""}`)]),
    );
    expect(unexpected).toEqual(Object.fromEntries(stacks.map((stack) => [stack, []])));
  }, 300_000);
});
