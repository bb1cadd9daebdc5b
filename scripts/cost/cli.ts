/**
 * `npm run cost -- <env> [--usage idle|typical] [--profile hobby|standard|enterprise] [--json] [--synth-dir <dir>]`
 * Monthly estimate of one environment (its stack plus its account's bootstrap stack, shared by
 * every environment of that account), offline, from the synthesized configuration, printed
 * beside the environment's budget. Exit 0 within budget, 1 over it, 2 bad usage or config.
 * `--profile` estimates the environment under another scale profile (its own overrides kept).
 */
import { Command, Option } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../app";
import { ConfigError, EnvironmentConfig, parseEnvironmentConfig } from "../../environments/config";
import { PROFILE_NAMES, ProfileName } from "../../environments/profiles";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { loadSynthDir, stacksOf } from "../policy/run";
import { CostEstimate, estimate, formatEstimate } from "./estimate";
import { USAGE, UsageProfile } from "./usage";

export interface BudgetVerdict {
  readonly monthlyLimitUsd: number;
  /** What the budget counts (`tag`: costs tagged Environment=<name>; `account`: the whole account). */
  readonly scope: "tag" | "account";
  readonly withinBudget: boolean;
}

/** The estimate beside the budget: over it is a failure (exit 1). */
export function compareWithBudget(result: CostEstimate, budget: EnvironmentConfig["budget"]): BudgetVerdict {
  return { monthlyLimitUsd: budget.monthlyLimitUsd, scope: budget.scope, withinBudget: result.total <= budget.monthlyLimitUsd };
}

/** The environment's config, under another scale profile when asked (the config's own overrides kept). */
export function configUnderProfile(name: string, profile: ProfileName | undefined, env: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  if (!profile) return resolveEnvironment(name, environmentInputs(env));
  const inputs = environmentInputs(env);
  if (!(name in inputs)) throw new ConfigError(`--profile applies to ${Object.keys(inputs).join(", ")} (a preview's sizes are fixed): got ${JSON.stringify(name)}`);
  return parseEnvironmentConfig({ ...inputs[name], profile }, `environments/${name} (profile ${profile})`);
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command()
    .name("cost")
    .description("Offline monthly cost estimate of an environment from its synthesized Terraform and the checked-in price table, beside its budget (exit 1 when over it).")
    .argument("<env>", "staging, production or preview-pr-<n>")
    .addOption(new Option("--usage <profile>", "usage profile").choices(["idle", "typical"]).default("idle"))
    .addOption(new Option("--profile <name>", "estimate under this scale profile instead of the environment's own").choices([...PROFILE_NAMES]))
    .option("--json", "print one JSON object: total, currency, region, usage, profile, budget, items")
    .option("--synth-dir <dir>", "read an existing synth output instead of synthesizing")
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const options = program.opts<{ usage: UsageProfile["name"]; profile?: ProfileName; json?: boolean; synthDir?: string }>();
  const name = program.args[0];
  let config: EnvironmentConfig;
  try {
    config = configUnderProfile(name, options.profile);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cost: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.synthDir && options.profile) {
    process.stderr.write("cost: --synth-dir and --profile exclude each other (a synth output has the environment's own profile)\n");
    return 2;
  }
  let dir = options.synthDir;
  let cleanup = () => undefined as void;
  if (!dir) {
    const tmp = mkdtempSync(join(tmpdir(), "twinstack-cost-"));
    dir = tmp;
    cleanup = () => rmSync(tmp, { recursive: true, force: true });
    // In process, this one environment and its account's bootstrap, shaped for real AWS (no emulator endpoint).
    buildApp([config], { outdir: tmp, env: {} }).synth();
  }
  let verdict: BudgetVerdict;
  try {
    const preview = /^preview-pr-/.test(config.name);
    const result = estimate(stacksOf(config, loadSynthDir(dir)), {
      environment: config.name,
      region: config.region,
      usage: USAGE[options.usage],
      freeDashboards: preview ? 0 : undefined,
    });
    verdict = compareWithBudget(result, config.budget);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...result, profile: config.profile, budget: verdict }, null, 2)}\n`);
    } else {
      const scope = verdict.scope === "tag" ? `costs tagged Environment=${config.name}` : "the whole account";
      process.stdout.write(`${formatEstimate(result)}\n`);
      process.stdout.write(
        `profile ${config.profile}; budget ${verdict.monthlyLimitUsd.toFixed(2)} USD/month (${scope}): ` +
          `${verdict.withinBudget ? "within budget" : `OVER BUDGET by ${(result.total - verdict.monthlyLimitUsd).toFixed(2)} USD`}\n`,
      );
    }
  } finally {
    cleanup();
  }
  return verdict.withinBudget ? 0 : 1;
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
