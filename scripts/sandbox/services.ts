/**
 * What `npm start` runs besides the emulator, recorded in .sandbox/services.json so that a
 * second `npm start` reuses it, `npm run sandbox:status` reports it and `npm run sandbox:down`
 * stops exactly it (by pid): the API gateway process, and what the last run found out.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SandboxState, readSandboxState, useSandboxIfRunning } from "../lib/aws-context";
import { SANDBOX_DIR } from "./paths";

export const SERVICES_FILE = join(SANDBOX_DIR, "services.json");

export interface SandboxServices {
  gateway?: {
    readonly pid: number;
    /** Loopback port per environment. */
    readonly ports: Record<string, number>;
    readonly logFile: string;
  };
  /** When the whole journey last finished (a second `npm start` then only checks and reports). */
  completedAt?: string;
  /** Per environment, facts from its Terraform outputs. */
  environments?: Record<string, { siteBucket: string; uploadsBucket: string; userPoolId: string; userPoolClientId: string; functionName: string; siteUrl: string }>;
}

export function readSandboxServices(file = SERVICES_FILE): SandboxServices | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as SandboxServices;
}

export function writeSandboxServices(services: SandboxServices, file = SERVICES_FILE): void {
  mkdirSync(SANDBOX_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(services, null, 2)}\n`);
}

/**
 * The running sandbox an operator command should use, if any: when AWS_ENDPOINT_URL is unset
 * (this process is then pointed at it, as useSandboxIfRunning does) or names the sandbox's own
 * endpoint (a child of `npm start`). Undefined: real AWS or another endpoint.
 */
export function sandboxForCommand(env: NodeJS.ProcessEnv = process.env): SandboxState | undefined {
  const running = readSandboxState();
  if (!running) return undefined;
  if (env.AWS_ENDPOINT_URL && env.AWS_ENDPOINT_URL.replace(/\/$/, "") !== running.endpoint) return undefined;
  return env.AWS_ENDPOINT_URL ? running : useSandboxIfRunning(env);
}
