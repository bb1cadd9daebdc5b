/**
 * Offline Terraform: find the local provider mirror, write a CLI config that installs
 * providers only from it (with a shared plugin cache), and run terraform with it.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PROVIDER = "registry.terraform.io/hashicorp/aws";
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

/** The directory holding `registry.terraform.io/hashicorp/aws/5.100.0/…`, or a clear error. */
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

/**
 * Writes a Terraform CLI config that installs the AWS provider only from the mirror, with a
 * plugin cache so providers are linked, not copied, into each working directory.
 */
export function writeOfflineCliConfig(dir = join(tmpdir(), "twinstack-terraform"), mirror = findProviderMirror()): { cliConfigFile: string; pluginCacheDir: string } {
  const pluginCacheDir = join(dir, "plugin-cache");
  mkdirSync(pluginCacheDir, { recursive: true });
  const cliConfigFile = join(dir, "terraform.rc");
  writeFileSync(
    cliConfigFile,
    [
      `plugin_cache_dir = ${JSON.stringify(pluginCacheDir)}`,
      `disable_checkpoint = true`,
      `provider_installation {`,
      `  filesystem_mirror {`,
      `    path    = ${JSON.stringify(mirror)}`,
      `    include = [${JSON.stringify(PROVIDER)}]`,
      `  }`,
      `}`,
      ``,
    ].join("\n"),
  );
  return { cliConfigFile, pluginCacheDir };
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

/** Runs terraform in a stack directory with the offline CLI config and no prompts. */
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
