/**
 * npm run plan|apply -- <env> [cdktf options]: `cdktf plan` / `cdktf apply` for one
 * environment (staging, production or preview-pr-<n>), against the running sandbox or a real
 * account (the usual AWS credential chain). Providers come from the local mirror when the
 * machine has one (no registry access needed), else from the registry.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Command } from "commander";
import { ConfigError } from "../environments/config";
import { stackId } from "../environments/naming";
import { environmentInputs, resolveEnvironment } from "../environments/registry";
import { resolveAwsContext, sandboxProcessEnv } from "./lib/aws-context";
import { REPO_ROOT } from "./lib/synth";
import { ProviderSource, writeTerraformCliConfig } from "./lib/terraform";

const ACTIONS = { plan: "plan", apply: "apply", destroy: "destroy" } as const;
export type Action = keyof typeof ACTIONS;
const SKIP_PROVIDER_LOCK = "--skip-provider-lock";

function fail(message: string, code = 2): never {
  process.stderr.write(`twinstack: ${message}\n`);
  process.exit(code);
}

/**
 * cdktf's arguments for one stack. After `terraform init`, cdktf runs `terraform providers lock
 * -platform=linux_amd64` when the stack has no lock file; that command ignores the CLI config's
 * `provider_installation` and asks the registry, so with an offline mirror it fails ("Could not
 * retrieve providers for locking"). With a mirror, that step is skipped: `terraform init` still
 * writes the lock file, with the checksum of the provider the mirror holds. With the registry,
 * cdktf locks as usual.
 */
export function cdktfArguments(action: Action, stack: string, extra: string[], providerSource: ProviderSource): string[] {
  const skipLock = providerSource.kind === "mirror" && !extra.includes(SKIP_PROVIDER_LOCK);
  return [ACTIONS[action], stack, ...(skipLock ? [SKIP_PROVIDER_LOCK] : []), ...extra];
}

const program = new Command()
  .name("npm run plan|apply|destroy --")
  .description("cdktf plan/apply/destroy for one environment, against the sandbox or a real AWS account")
  .argument("<action>", "plan, apply or destroy")
  .argument("<environment>", "staging, production or preview-pr-<n>")
  .argument("[cdktf-options...]", "passed to cdktf (e.g. --auto-approve)")
  .allowUnknownOption(true)
  .action((action: string, environment: string, extra: string[]) => {
    if (!(action in ACTIONS)) fail(`action (${JSON.stringify(action)}) must be one of plan, apply, destroy`);
    let context;
    let stack: string;
    try {
      resolveEnvironment(environment); // a bad name fails before anything else is looked at
      context = resolveAwsContext();
      const env = context.kind === "sandbox" ? sandboxProcessEnv(process.env, context.sandbox) : { ...process.env, ...context.env };
      stack = stackId(resolveEnvironment(environment, environmentInputs(env)));
      const preview = /^preview-pr-(\d+)$/.exec(environment);
      // The mirror when the machine has one, else the registry (a plugin cache either way).
      const cliConfig = writeTerraformCliConfig(join(REPO_ROOT, ".terraform-cli"));
      const childEnv = {
        ...env,
        TF_CLI_CONFIG_FILE: cliConfig.cliConfigFile,
        TWINSTACK_ENVIRONMENTS: environment,
        CHECKPOINT_DISABLE: "1",
        ...(preview ? { PREVIEW_PR: preview[1] } : {}),
      };
      process.stderr.write(`twinstack: ${action} ${stack} against ${context.kind === "sandbox" ? `the sandbox (${context.sandbox.endpoint})` : `AWS (${context.source})`}\n`);
      const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "cdktf"), cdktfArguments(action as Action, stack, extra, cliConfig.providerSource), { cwd: REPO_ROOT, env: childEnv, stdio: "inherit" });
      child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    } catch (error) {
      if (error instanceof ConfigError) fail(error.message);
      fail((error as Error).message);
    }
  });

if (require.main === module) program.parse();
