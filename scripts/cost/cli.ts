/**
 * `npm run cost -- <env> [--usage idle|typical] [--json] [--synth-dir <dir>]`
 * Monthly estimate of one environment (its stack plus its account's bootstrap stack, shared by
 * every environment of that account), offline, from the synthesized configuration.
 */
import { Command, Option } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../environments/config";
import { resolveEnvironment } from "../../environments/registry";
import { synthesizeTo } from "../lib/synth";
import { loadSynthDir, stacksOf } from "../policy/run";
import { estimate, formatEstimate } from "./estimate";
import { USAGE, UsageProfile } from "./usage";

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command()
    .name("cost")
    .description("Offline monthly cost estimate of an environment from its synthesized Terraform and the checked-in price table.")
    .argument("<env>", "staging, production or preview-pr-<n>")
    .addOption(new Option("--usage <profile>", "usage profile").choices(["idle", "typical"]).default("idle"))
    .option("--json", "print one JSON object: total, currency, region, usage, items")
    .option("--synth-dir <dir>", "read an existing synth output instead of synthesizing")
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const options = program.opts<{ usage: UsageProfile["name"]; json?: boolean; synthDir?: string }>();
  const name = program.args[0];
  let config;
  try {
    config = resolveEnvironment(name);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cost: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let dir = options.synthDir;
  let cleanup = () => undefined as void;
  if (!dir) {
    const tmp = mkdtempSync(join(tmpdir(), "twinstack-cost-"));
    dir = tmp;
    cleanup = () => rmSync(tmp, { recursive: true, force: true });
    const pr = /^preview-pr-(\d+)$/.exec(config.name)?.[1] ?? "";
    const result = await synthesizeTo(tmp, { PREVIEW_PR: pr, TWINSTACK_ENVIRONMENTS: "" });
    if (result.code !== 0) {
      cleanup();
      throw new Error(`synthesis failed (exit ${result.code}):\n${result.stderr || result.stdout}`);
    }
  }
  try {
    const result = estimate(stacksOf(config, loadSynthDir(dir)), { environment: config.name, region: config.region, usage: USAGE[options.usage] });
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatEstimate(result)}\n`);
  } finally {
    cleanup();
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`cost: ${error.message}\n`);
      process.exit(2);
    },
  );
}
