/**
 * Which AWS a command talks to: the running sandbox (emulated AWS started by `npm start`),
 * or a real account through the usual credential chain. Neither: a clear error.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { EnvironmentConfig } from "../../environments/config";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { REPO_ROOT } from "./synth";

/** Written by `npm start`, removed by `npm run sandbox:down`. */
export const SANDBOX_STATE_FILE = join(REPO_ROOT, ".sandbox", "state.json");

export interface SandboxState {
  readonly endpoint: string;
  readonly pid: number;
  readonly startedAt: string;
  /** Account the sandbox deployed into (single-account topology). */
  readonly accountId: string;
  /** Region used by the sandbox. */
  readonly region: string;
  /** GIT_SHA and DEPLOYED_AT the sandbox synthesized with: plans against it use the same, so they show no change. */
  readonly deployment?: { readonly gitSha: string; readonly deployedAt: string };
}

export type AwsContext =
  | { kind: "sandbox"; sandbox: SandboxState; env: NodeJS.ProcessEnv }
  | { kind: "aws"; source: string; env: NodeJS.ProcessEnv };

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readSandboxState(file = SANDBOX_STATE_FILE): SandboxState | undefined {
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, "utf8")) as SandboxState;
  return processAlive(state.pid) ? state : undefined;
}

/** Environment variables that point AWS SDKs, the provider and the backend at the sandbox (and synthesis at its deployment facts). */
export function sandboxEnv(sandbox: Pick<SandboxState, "endpoint" | "region" | "deployment">): NodeJS.ProcessEnv {
  return {
    ...(sandbox.deployment ? { GIT_SHA: sandbox.deployment.gitSha, DEPLOYED_AT: sandbox.deployment.deployedAt } : {}),
    AWS_ENDPOINT_URL: sandbox.endpoint,
    // The emulator accepts any credentials; these are not secrets.
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: sandbox.region,
    AWS_DEFAULT_REGION: sandbox.region,
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/**
 * What a command run against the sandbox sees: `sandboxEnv` plus the single-account topology the
 * sandbox deployed (TWINSTACK_SINGLE_ACCOUNT is honoured only with a loopback AWS_ENDPOINT_URL).
 */
export function sandboxCommandEnv(sandbox: Pick<SandboxState, "endpoint" | "region" | "deployment" | "accountId">): NodeJS.ProcessEnv {
  return { ...sandboxEnv(sandbox), TWINSTACK_SINGLE_ACCOUNT: sandbox.accountId };
}

/**
 * Credential sources that win over the emulator's keys when inherited (a profile, a session, OIDC
 * web identity, container credentials): a child pointed at the sandbox must not see them.
 */
export const CONFLICTING_CREDENTIAL_ENV = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
] as const;

/** `base` without CONFLICTING_CREDENTIAL_ENV (a copy). */
export function withoutConflictingCredentials(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of CONFLICTING_CREDENTIAL_ENV) delete env[name];
  return env;
}

/** The environment of a process run against the sandbox: `base` without CONFLICTING_CREDENTIAL_ENV, plus `sandboxCommandEnv`. */
export function sandboxProcessEnv(base: NodeJS.ProcessEnv, sandbox: Pick<SandboxState, "endpoint" | "region" | "deployment" | "accountId">): NodeJS.ProcessEnv {
  return { ...withoutConflictingCredentials(base), ...sandboxCommandEnv(sandbox) };
}

/** An environment's config as the sandbox deployed it: every environment in the sandbox's one account. */
export function sandboxEnvironment(name: string, sandbox: Pick<SandboxState, "endpoint" | "region" | "deployment" | "accountId">): EnvironmentConfig {
  return resolveEnvironment(name, environmentInputs(sandboxCommandEnv(sandbox)));
}

function realCredentialSource(env: NodeJS.ProcessEnv): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return "environment variables";
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return "web identity (OIDC)";
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return "container credentials";
  const home = env.HOME ?? homedir();
  if (existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials"))) return "shared credentials file";
  if (existsSync(env.AWS_CONFIG_FILE ?? join(home, ".aws", "config"))) return "shared config file";
  return undefined;
}

/** The sandbox when it runs (unless AWS_ENDPOINT_URL is set explicitly), else real AWS, else an error. */
export function resolveAwsContext(env: NodeJS.ProcessEnv = process.env, stateFile = SANDBOX_STATE_FILE): AwsContext {
  if (env.AWS_ENDPOINT_URL) return { kind: "aws", source: `AWS_ENDPOINT_URL=${env.AWS_ENDPOINT_URL}`, env: {} };
  const sandbox = readSandboxState(stateFile);
  if (sandbox) return { kind: "sandbox", sandbox, env: sandboxEnv(sandbox) };
  const source = realCredentialSource(env);
  if (source) return { kind: "aws", source, env: {} };
  throw new Error(
    "no AWS to talk to: the sandbox is not running (start it with `npm start`) and no AWS credentials were found " +
      "(set AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or configure ~/.aws)",
  );
}

/**
 * For operator commands (refresh, users:seed): when no endpoint is set and the sandbox runs,
 * point this process at it (endpoint, emulator credentials, single-account topology) before
 * any AWS client is created. Returns the sandbox, or undefined for real AWS.
 */
export function useSandboxIfRunning(env: NodeJS.ProcessEnv = process.env, stateFile = SANDBOX_STATE_FILE): SandboxState | undefined {
  if (env.AWS_ENDPOINT_URL) return undefined;
  const sandbox = readSandboxState(stateFile);
  if (!sandbox) return undefined;
  // In place: AWS clients created later in this process read process.env.
  const pointed = sandboxProcessEnv(env, sandbox);
  for (const name of Object.keys(env)) if (!(name in pointed)) delete env[name];
  Object.assign(env, pointed);
  return sandbox;
}
