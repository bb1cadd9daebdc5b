/**
 * Builds the cdktf app from validated environments. Everything is validated and constructed
 * before anything is written, so a bad config leaves the output directory untouched.
 */
import { App } from "cdktf";
import { awsTargetFromEnv } from "./environments/aws-target";
import { BootstrapStack, bootstrapPropsPerAccount } from "./environments/bootstrap-stack";
import type { EnvironmentConfig, EnvironmentConfigInput } from "./environments/config";
import { EnvironmentStack } from "./environments/environment-stack";
import { readVersion } from "./environments/naming";
import { environmentsToSynthesize, namedEnvironments } from "./environments/registry";

export interface BuildOptions {
  /** Output directory; default cdktf's (CDKTF_OUTDIR or `cdktf.out`). */
  readonly outdir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function buildApp(environments: EnvironmentConfig[], options: BuildOptions = {}): App {
  const version = readVersion();
  const target = awsTargetFromEnv(options.env ?? process.env);
  const app = new App({ outdir: options.outdir });
  for (const props of bootstrapPropsPerAccount(environments, version, target)) new BootstrapStack(app, props);
  const env = options.env ?? process.env;
  for (const config of environments) {
    new EnvironmentStack(app, { config, version, target, gitSha: env.GIT_SHA || undefined, deployedAt: env.DEPLOYED_AT || undefined });
  }
  return app;
}

/** Validates the registry (or the given inputs), builds every stack, then writes them. */
export function synthesize(options: BuildOptions & { inputs?: Record<string, EnvironmentConfigInput> } = {}): App {
  const env = options.env ?? process.env;
  const app = buildApp(environmentsToSynthesize(env, options.inputs ?? namedEnvironments), { ...options, env });
  app.synth();
  return app;
}
