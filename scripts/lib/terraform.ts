/**
 * Terraform for tests, the sandbox and the plan/apply wrappers: the AWS provider comes from a
 * local provider mirror when the machine has one (offline, fast), otherwise from its registry
 * (registry.terraform.io), as on a laptop or a GitHub runner. The mirror is an accelerator,
 * never a requirement. One CLI config per use, with a shared plugin cache either way.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Terraform installs providers from when there is no mirror. */
export const PROVIDER_REGISTRY_HOST = "registry.terraform.io";
const PROVIDER = `${PROVIDER_REGISTRY_HOST}/hashicorp/aws`;
/** TWINSTACK_PROVIDER_MIRROR values that turn the mirror off (use the registry even where a mirror exists). */
const MIRROR_OFF = ["off", "none", "registry"];
export const AWS_PROVIDER_VERSION = "5.100.0";

/** Places a mirror is usually found, checked in order after TWINSTACK_PROVIDER_MIRROR. */
const MIRROR_CANDIDATES = [
  "/opt/tf-plugins",
  join(process.env.HOME ?? "/root", ".terraform.d", "plugins"),
  "/usr/share/terraform/plugins",
  "/usr/local/share/terraform/plugins",
];

export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissingToolError";
  }
}

function hasAwsProvider(mirror: string): boolean {
  const dir = join(mirror, PROVIDER, AWS_PROVIDER_VERSION);
  return existsSync(dir) && readdirSync(dir).length > 0;
}

/**
 * The directory holding `registry.terraform.io/hashicorp/aws/5.100.0/…`, or undefined when there
 * is none (or TWINSTACK_PROVIDER_MIRROR=off): then Terraform installs the provider from its registry.
 * A TWINSTACK_PROVIDER_MIRROR path that does not hold the provider is an error, not a fallback.
 */
export function locateProviderMirror(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = MIRROR_CANDIDATES): string | undefined {
  const configured = env.TWINSTACK_PROVIDER_MIRROR?.trim();
  if (configured && MIRROR_OFF.includes(configured.toLowerCase())) return undefined;
  if (configured) return findProviderMirror(env);
  return candidates.find(hasAwsProvider);
}

/** The directory holding `registry.terraform.io/hashicorp/aws/5.100.0/…`, or a clear error (for what must run offline). */
export function findProviderMirror(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.TWINSTACK_PROVIDER_MIRROR;
  if (configured) {
    if (hasAwsProvider(configured)) return configured;
    throw new MissingToolError(
      `TWINSTACK_PROVIDER_MIRROR (${configured}) does not hold ${PROVIDER} ${AWS_PROVIDER_VERSION}: expected ${join(configured, PROVIDER, AWS_PROVIDER_VERSION)}/<os_arch>/terraform-provider-aws_v${AWS_PROVIDER_VERSION}*`,
    );
  }
  const found = MIRROR_CANDIDATES.find(hasAwsProvider);
  if (found) return found;
  throw new MissingToolError(
    `Terraform provider mirror not found: no ${PROVIDER} ${AWS_PROVIDER_VERSION} under ${MIRROR_CANDIDATES.join(", ")}. ` +
      `Find it with: find / -name 'terraform-provider-aws_v${AWS_PROVIDER_VERSION}*' 2>/dev/null, then set TWINSTACK_PROVIDER_MIRROR to the directory above registry.terraform.io.`,
  );
}

/** Which terraform binary to run (TWINSTACK_TERRAFORM or `terraform` on PATH). */
export function terraformBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.TWINSTACK_TERRAFORM ?? "terraform";
}

export async function assertTerraformAvailable(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const result = await runCommand(terraformBinary(env), ["version", "-json"], { env: { ...process.env, ...env } }).catch(() => undefined);
  if (!result || result.code !== 0) {
    throw new MissingToolError(`terraform not found: ${terraformBinary(env)} is not on PATH (Terraform ≥ 1.10 is required; set TWINSTACK_TERRAFORM to use another binary)`);
  }
  return JSON.parse(result.stdout).terraform_version as string;
}

/** Where `terraform init` will take the AWS provider from. */
export type ProviderSource = { readonly kind: "mirror"; readonly path: string } | { readonly kind: "registry"; readonly host: string };

export function describeProviderSource(source: ProviderSource): string {
  return source.kind === "mirror" ? `provider mirror ${source.path}` : `${PROVIDER} ${AWS_PROVIDER_VERSION} from ${source.host} (no local mirror)`;
}

export interface TerraformCliConfig {
  readonly cliConfigFile: string;
  readonly pluginCacheDir: string;
  readonly providerSource: ProviderSource;
}

/**
 * Writes a Terraform CLI config with a plugin cache (providers are linked, not copied, into each
 * working directory). With a mirror, the AWS provider installs only from it (offline); without
 * one, the config has no `provider_installation` block, so Terraform installs from the registry.
 * `mirror`: default the located one; `null` for the registry.
 */
export function writeTerraformCliConfig(dir = join(tmpdir(), "twinstack-terraform"), mirror: string | null = locateProviderMirror() ?? null): TerraformCliConfig {
  const pluginCacheDir = join(dir, "plugin-cache");
  mkdirSync(pluginCacheDir, { recursive: true });
  const cliConfigFile = join(dir, "terraform.rc");
  const installation = mirror
    ? [`provider_installation {`, `  filesystem_mirror {`, `    path    = ${JSON.stringify(mirror)}`, `    include = [${JSON.stringify(PROVIDER)}]`, `  }`, `}`]
    : [];
  writeFileSync(cliConfigFile, [`plugin_cache_dir = ${JSON.stringify(pluginCacheDir)}`, `disable_checkpoint = true`, ...installation, ``].join("\n"));
  return { cliConfigFile, pluginCacheDir, providerSource: mirror ? { kind: "mirror", path: mirror } : { kind: "registry", host: PROVIDER_REGISTRY_HOST } };
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Terraform's plugin cache is not safe for concurrent `init` ("still not detected in
 * .terraform/providers; this is a bug in Terraform"): inits sharing a CLI config (and so a
 * cache) take turns, across processes too, through an atomic mkdir lock beside the config.
 */
async function withInitLock<T>(cliConfigFile: string, work: () => Promise<T>): Promise<T> {
  const lock = `${cliConfigFile}.init-lock`;
  const deadline = Date.now() + 10 * 60 * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A lock left by a killed process: inits take seconds, not minutes.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 5 * 60 * 1000) rmdirSync(lock);
      } catch {
        // someone else removed it: retry
      }
      if (Date.now() > deadline) throw new Error(`terraform init: waited 10 minutes for ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  try {
    return await work();
  } finally {
    rmdirSync(lock);
  }
}

/** Runs terraform in a stack directory with the given CLI config and no prompts. */
export function terraform(args: string[], options: { cwd: string; cliConfigFile: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  if (args[0] === "init") return withInitLock(options.cliConfigFile, () => runTerraform(args, options));
  return runTerraform(args, options);
}

function runTerraform(args: string[], options: { cwd: string; cliConfigFile: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  return runCommand(terraformBinary(options.env), args, {
    cwd: options.cwd,
    env: {
      ...process.env,
      ...options.env,
      TF_CLI_CONFIG_FILE: options.cliConfigFile,
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      CHECKPOINT_DISABLE: "1",
    },
  });
}
