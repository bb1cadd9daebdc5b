/**
 * `npm run policy -- [--env <name>]... [--synth-dir <dir>] [--as-of <YYYY-MM-DD>] [--json] [--verbose]`
 * Synthesizes (or reads) the stacks and prints, per environment, every rule with
 * pass / fail / suppressed / not-applicable. Exit 1 on any unsuppressed failure or bad suppression.
 */
import { Command } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, EnvironmentConfig } from "../../environments/config";
import { namedEnvironments, resolveEnvironment } from "../../environments/registry";
import { synthesizeTo } from "../lib/synth";
import { EnvironmentReport } from "./engine";
import { StackModel } from "./model";
import { formatReport } from "./report";
import { ALL_RULES } from "./rules";
import { evaluateEnvironment, loadSynthDir } from "./run";

/** Environments checked when no --env is given: every named one, plus the preview of PREVIEW_PR. */
export function defaultEnvironments(env: NodeJS.ProcessEnv = process.env): string[] {
  const names: string[] = Object.keys(namedEnvironments);
  if (env.PREVIEW_PR) names.push(`preview-pr-${env.PREVIEW_PR}`);
  return names;
}

const previewNumber = (config: EnvironmentConfig) => /^preview-pr-(\d+)$/.exec(config.name)?.[1];

/** Synthesizes once per distinct preview number (PREVIEW_PR selects one preview per synth). */
async function synthesizeFor(configs: EnvironmentConfig[]): Promise<{ stacks: Map<string, StackModel>; cleanup: () => void }> {
  const previews = [...new Set(configs.map(previewNumber).filter((n): n is string => n !== undefined))];
  const runs = previews.length > 0 ? previews : [""];
  const stacks = new Map<string, StackModel>();
  const dirs: string[] = [];
  for (const pr of runs) {
    const dir = mkdtempSync(join(tmpdir(), "twinstack-policy-"));
    dirs.push(dir);
    const result = await synthesizeTo(dir, { PREVIEW_PR: pr, TWINSTACK_ENVIRONMENTS: "" });
    if (result.code !== 0) throw new Error(`synthesis failed (exit ${result.code}):\n${result.stderr || result.stdout}`);
    for (const [name, model] of loadSynthDir(dir)) stacks.set(name, model);
  }
  return { stacks, cleanup: () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })) };
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command()
    .name("policy")
    .description("Checks the synthesized Terraform of each environment against twinstack's security rules (offline).")
    .option("--env <name>", "environment to check (repeatable): staging, production, preview-pr-<n>", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option("--synth-dir <dir>", "read an existing synth output (cdktf.out) instead of synthesizing")
    .option("--as-of <date>", "judge dated rules (the Lambda runtime lifecycle) as of this day, YYYY-MM-DD; default today")
    .option("--json", "print the reports as JSON")
    .option("--verbose", "list passing resources too")
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const options = program.opts<{ env: string[]; synthDir?: string; asOf?: string; json?: boolean; verbose?: boolean }>();
  const now = options.asOf === undefined ? new Date() : new Date(`${options.asOf}T00:00:00Z`);
  if (options.asOf !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(options.asOf) || Number.isNaN(now.getTime()))) {
    process.stderr.write(`policy: --as-of (${JSON.stringify(options.asOf)}) must be a date, YYYY-MM-DD\n`);
    return 2;
  }
  let configs: EnvironmentConfig[];
  try {
    configs = (options.env.length > 0 ? options.env : defaultEnvironments()).map((name) => resolveEnvironment(name));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`policy: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { stacks, cleanup } = options.synthDir ? { stacks: loadSynthDir(options.synthDir), cleanup: () => undefined } : await synthesizeFor(configs);
  let reports: EnvironmentReport[];
  try {
    reports = configs.map((config) => evaluateEnvironment(config, stacks, ALL_RULES, now));
  } finally {
    cleanup();
  }
  process.stdout.write(options.json ? `${JSON.stringify(reports, null, 2)}\n` : `${formatReport(reports, { verbose: options.verbose })}\n`);
  return reports.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`policy: ${error.message}\n`);
      process.exit(2);
    },
  );
}
