/**
 * Glue between the environment registry, synthesized stacks and the engine: which stacks
 * belong to an environment, its facts and its suppressions.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { EnvironmentConfig } from "../../environments/config";
import { bootstrapStackId, stackId } from "../../environments/naming";
import { EnvironmentFacts, EnvironmentReport, Rule, Suppression, evaluate } from "./engine";
import { StackModel } from "./model";
import { ALL_RULES } from "./rules";

/** Reads every `stacks/<id>/cdk.tf.json` of a synth output directory. */
export function loadSynthDir(outdir: string): Map<string, StackModel> {
  const stacksDir = join(outdir, "stacks");
  if (!existsSync(stacksDir)) throw new Error(`${stacksDir} does not exist: synthesize first (or omit --synth-dir)`);
  const stacks = new Map<string, StackModel>();
  for (const name of readdirSync(stacksDir)) {
    const file = join(stacksDir, name, "cdk.tf.json");
    if (existsSync(file)) stacks.set(name, StackModel.fromSynth(name, JSON.parse(readFileSync(file, "utf8"))));
  }
  return stacks;
}

/** Environment-dependent inputs of the rules, all from the config. */
export function factsFromConfig(config: EnvironmentConfig): EnvironmentFacts {
  // The public routes the stack serves are config (api.publicRoutes); policy.publicRoutes may narrow them.
  return { publicRoutes: config.api.publicRoutes, ...(config.policy ?? {}), name: config.name, protected: config.protected };
}

/** `policySuppressions` of the config (the field is optional until the schema carries it). */
export function suppressionsFromConfig(config: EnvironmentConfig): Suppression[] {
  return (config as EnvironmentConfig & { policySuppressions?: Suppression[] }).policySuppressions ?? [];
}

/** The environment's own stack plus its account's bootstrap stack (state bucket, lock table, key). */
export function stacksOf(config: EnvironmentConfig, stacks: Map<string, StackModel>): StackModel[] {
  const own = stacks.get(stackId(config));
  if (!own) throw new Error(`stack ${stackId(config)} is not in the synthesized output (found: ${[...stacks.keys()].join(", ")})`);
  const bootstrap = stacks.get(bootstrapStackId(config.project, config.accountId));
  return bootstrap ? [own, bootstrap] : [own];
}

export function evaluateEnvironment(config: EnvironmentConfig, stacks: Map<string, StackModel>, rules: readonly Rule[] = ALL_RULES, now = new Date()): EnvironmentReport {
  return evaluate(rules, stacksOf(config, stacks), factsFromConfig(config), suppressionsFromConfig(config), { now });
}
