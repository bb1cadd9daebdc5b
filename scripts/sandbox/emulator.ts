/**
 * The emulated AWS (moto 5.2.1 server) for tests, the sandbox and benchmarks.
 *
 *   const emulator = await startEmulator();          // free loopback port, patched launcher
 *   const s3 = new S3Client({ ...clientConfig(emulator), forcePathStyle: true });
 *   await emulator.stop();
 *
 * The server is `scripts/sandbox/moto_launcher.py`, run with the Python interpreter that runs
 * `moto_server`; it fixes defects of moto 5.2.1 against documented AWS behaviour (RDS restore,
 * rename, create; listed in that file, each shown by __tests__/sandbox/moto-defects.test.ts).
 * `patched: false` runs moto's own server untouched (the launcher with `--no-patches`).
 * Start-up is about 1.1 s (plus 0.5 s once per process to find Python); stop about 0.3 s.
 *
 * Lifecycle: the server listens on 127.0.0.1 only; it is stopped by `stop()`, on process exit
 * and on SIGINT/SIGTERM (only the pid we started: SIGTERM, then SIGKILL after a grace period);
 * on Linux it also dies with the process that started it (PR_SET_PDEATHSIG), so a crashed
 * or killed test run leaves no orphan.
 *
 * Multi-account (checked by __tests__/sandbox/emulator.test.ts): the fake root credentials are
 * account 123456789012. `AssumeRole` on `arn:aws:iam::<account>:role/<name>` through the
 * emulator's STS returns credentials whose access key moto maps to <account>: requests signed
 * with them create and see resources in that account only (GetCallerIdentity reports it,
 * ListBuckets lists only its buckets). The role does not need to exist. Use
 * `assumeRoleCredentials(endpoint, roleArn)` and pass the result as `credentials` (SDK) or as
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (Terraform, CLI), or give the
 * Terraform provider an `assume_role { role_arn = ... }` block.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { withoutConflictingCredentials } from "../lib/aws-context";

/** Region the emulator's clients use. */
export const EMULATOR_REGION = "us-east-1";
/** The account moto gives the fake root credentials. */
export const EMULATOR_DEFAULT_ACCOUNT = "123456789012";
/** Fake credentials (moto accepts anything; these are the conventional ones). */
export const EMULATOR_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" } as const;

const LAUNCHER = resolve(__dirname, "moto_launcher.py");

export interface EmulatorOptions {
  /** Port on 127.0.0.1. Default: a free port picked by the OS. */
  port?: number;
  /** Run the launcher's fixes for documented-behaviour defects. Default: true. */
  patched?: boolean;
  /**
   * Run the launcher's performance patches (same answers, less server CPU per request; off
   * when `patched` is false). Default: true; false only to compare against plain moto.
   */
  performancePatches?: boolean;
  /** Where the server's output goes. Default: a temporary file, removed by `stop()`. */
  logFile?: string;
  /** How long to wait for the server to answer. Default: 30000 ms. */
  startTimeoutMs?: number;
  /**
   * Keep the server running after this process exits (the sandbox: `npm start` leaves it up,
   * `npm run sandbox:down` stops it by pid). Requires `logFile`. Default false: it dies with us.
   */
  persistent?: boolean;
  /** Extra variables for the server (e.g. MOTO_ACCOUNT_ID to change its default account). */
  env?: Record<string, string>;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly port: number;
  /** Pid of the server process (only this pid is ever signalled). */
  readonly pid: number;
  /** Whether the launcher's fixes are applied. */
  readonly patched: boolean;
  /** Path of the server's log. */
  readonly logFile: string;
  /**
   * Variables a client needs (AWS SDK v3, AWS CLI, the Terraform AWS provider and S3 backend):
   * merge them over `process.env`, or use `emulatorProcessEnv()` which also drops profile and
   * session variables that would override them. S3 clients still need path-style addressing
   * (SDK: `forcePathStyle: true`; Terraform: `s3_use_path_style = true`).
   */
  readonly env: Readonly<Record<string, string>>;
  /** Stop the server: SIGTERM, SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Why the emulator cannot run here. */
export class EmulatorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmulatorUnavailableError";
  }
}

// ---------------------------------------------------------------------------------------------
// Finding the Python that runs moto_server

function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function firstLine(path: string): string {
  const text = readFileSync(path, { encoding: "utf8", flag: "r" }).slice(0, 512);
  return text.split("\n", 1)[0] ?? "";
}

/** The interpreter named by a `#!` line (`#!/x/python`, `#!/usr/bin/env python3`). */
function interpreterFromShebang(script: string, env: NodeJS.ProcessEnv): string | undefined {
  const line = firstLine(script);
  if (!line.startsWith("#!")) return undefined;
  const parts = line.slice(2).trim().split(/\s+/);
  if (parts[0]?.endsWith("/env")) {
    const name = parts.slice(1).find((part) => !part.startsWith("-"));
    return name ? findOnPath(name, env) : undefined;
  }
  return parts[0];
}

function pythonImportsMoto(python: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync(python, ["-c", "import moto, moto.server; print(moto.__version__)"], {
      env: env as NodeJS.ProcessEnv,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 30000,
    }).trim();
  } catch {
    return undefined;
  }
}

export interface EmulatorAvailability {
  /** Python that imports moto (the one running moto_server), when found. */
  python?: string;
  /** moto's version, when found. */
  motoVersion?: string;
  /** Why the emulator cannot run, or undefined when it can. */
  reason?: string;
}

let cachedAvailability: EmulatorAvailability | undefined;

/**
 * Find the Python interpreter that runs `moto_server`: TWINSTACK_MOTO_PYTHON if set; otherwise
 * the `#!` line of `moto_server` on PATH (through `pyenv which` when it is a pyenv shim).
 * The interpreter must import moto. Never throws: `reason` says what is missing and what to do.
 */
export function emulatorAvailability(env: NodeJS.ProcessEnv = process.env): EmulatorAvailability {
  if (env === process.env && cachedAvailability) return cachedAvailability;
  const result = findAvailability(env);
  if (env === process.env) cachedAvailability = result;
  return result;
}

function findAvailability(env: NodeJS.ProcessEnv): EmulatorAvailability {
  const hint = "install it with: pip install 'moto[server]==5.2.1' (or set TWINSTACK_MOTO_PYTHON to a python that imports moto)";
  let python = env.TWINSTACK_MOTO_PYTHON;
  if (python) {
    const motoVersion = pythonImportsMoto(python, env);
    return motoVersion
      ? { python, motoVersion }
      : { python, reason: `TWINSTACK_MOTO_PYTHON (${python}) cannot import moto.server; ${hint}` };
  }
  const script = findOnPath("moto_server", env);
  if (!script) return { reason: `moto_server is not on PATH; ${hint}` };
  let realScript = script;
  try {
    if (/pyenv/.test(readFileSync(script, "utf8").slice(0, 2000)) && !firstLine(script).includes("python")) {
      realScript = execFileSync("pyenv", ["which", "moto_server"], {
        env: env as NodeJS.ProcessEnv,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 30000,
      }).trim();
    }
  } catch (error) {
    return { reason: `moto_server (${script}) is a pyenv shim and \`pyenv which moto_server\` failed: ${(error as Error).message.split("\n")[0]}; ${hint}` };
  }
  python = interpreterFromShebang(realScript, env);
  if (!python || !existsSync(python)) {
    return { reason: `cannot tell which python runs moto_server (${realScript}): its first line is "${firstLine(realScript)}"; set TWINSTACK_MOTO_PYTHON` };
  }
  const motoVersion = pythonImportsMoto(python, env);
  if (!motoVersion) return { python, reason: `${python} (from ${realScript}) cannot import moto.server; ${hint}` };
  return { python, motoVersion };
}

/** Why the emulator cannot run here, or undefined when it can (for test guards). */
export function emulatorUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return emulatorAvailability(env).reason;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

const running = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAllSync(): void {
  for (const child of running) {
    try {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    } catch {
      // already gone
    }
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on("exit", killAllSync);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const handler = (): void => {
      killAllSync();
      // Keep the default behaviour (terminate) unless someone else handles the signal too.
      process.removeListener(signal, handler);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}

/** A port the OS says is free on 127.0.0.1 (bind :0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error("could not read the free port"))));
    });
  });
}

function httpCall(url: string, method: "GET" | "POST", timeoutMs = 2000): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(url, { method, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.once("end", () => resolveStatus(res.statusCode ?? 0));
    });
    req.once("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.once("error", reject);
    req.end();
  });
}

function logTail(path: string, lines = 30): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The variables that point AWS clients at an emulator (see Emulator.env). */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: EMULATOR_REGION,
    AWS_DEFAULT_REGION: EMULATOR_REGION,
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** `base` without CONFLICTING_CREDENTIAL_ENV, plus the emulator's variables (for child processes). */
export function emulatorProcessEnv(emulator: Pick<Emulator, "env">, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...withoutConflictingCredentials(base), ...emulator.env };
}

/** AWS SDK v3 client settings for the emulator (add `forcePathStyle: true` for S3). */
export function clientConfig(
  emulator: Pick<Emulator, "endpoint">,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = EMULATOR_CREDENTIALS,
): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } {
  return { endpoint: emulator.endpoint, region: EMULATOR_REGION, credentials: { ...credentials } };
}

/**
 * Start an emulator and wait until it answers. Throws EmulatorUnavailableError when moto is
 * missing, and an Error with the tail of the server log when it dies or does not answer in time.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const availability = emulatorAvailability();
  if (availability.reason || !availability.python) {
    throw new EmulatorUnavailableError(`emulator unavailable: ${availability.reason ?? "no python found"}`);
  }
  const python = availability.python;
  const patched = options.patched ?? true;
  const timeoutMs = options.startTimeoutMs ?? 30000;
  // A port picked by the OS can be taken by someone else before moto binds it: retry then.
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(python, port, patched, options.performancePatches ?? true, timeoutMs, options.logFile, options.persistent ?? false, options.env ?? {});
    } catch (error) {
      lastError = error as Error;
      if (!/Address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError as Error;
}

/** Arguments for the launcher: loopback only, dies with `parentPid`. */
export function launcherArgs(port: number, patched: boolean, parentPid?: number, performancePatches = true): string[] {
  const parent = parentPid === undefined ? [] : ["--parent-pid", String(parentPid)];
  const fixes = patched ? (performancePatches ? [] : ["--no-performance-patches"]) : ["--no-patches"];
  return [LAUNCHER, ...parent, ...fixes, "-H", "127.0.0.1", "-p", String(port)];
}

async function launch(
  python: string,
  port: number,
  patched: boolean,
  performancePatches: boolean,
  timeoutMs: number,
  requestedLog: string | undefined,
  persistent: boolean,
  extraEnv: Record<string, string>,
): Promise<Emulator> {
  if (persistent && !requestedLog) throw new Error("startEmulator: a persistent emulator needs a logFile");
  const tempDir = requestedLog ? undefined : mkdtempSync(join(tmpdir(), "twinstack-moto-"));
  const logFile = requestedLog ?? join(tempDir as string, "moto.log");
  const logFd = openSync(logFile, "a");
  const args = launcherArgs(port, patched, persistent ? undefined : process.pid, performancePatches);
  let child: ChildProcess;
  try {
    child = spawn(python, args, {
      // A persistent server gets its own process group so it outlives `npm start`.
      detached: persistent,
      stdio: ["ignore", logFd, logFd],
      // MOTO_PORT from the caller's shell would make moto build URLs for the wrong port.
      // AWS-managed IAM policies (ReadOnlyAccess, …) exist in every real account; moto loads them only when asked.
      env: { ...process.env, MOTO_PORT: String(port), PYTHONUNBUFFERED: "1", MOTO_IAM_LOAD_MANAGED_POLICIES: "true", ...extraEnv },
    });
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
  if (persistent) {
    child.unref();
  } else {
    running.add(child);
    installExitHooks();
  }

  let exited = false;
  let lastSpawnError: Error | undefined;
  const exitedPromise = new Promise<void>((resolveExit) => {
    const done = (): void => {
      exited = true;
      running.delete(child);
      resolveExit();
    };
    child.once("exit", done);
    child.once("error", (error) => {
      lastSpawnError = error;
      done();
    });
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 3000): Promise<void> => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, graceMs);
      await exitedPromise;
      clearTimeout(timer);
    }
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      const tail = logTail(logFile);
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      throw new Error(
        `emulator (${python} ${args.join(" ")}) exited before answering` +
          (lastSpawnError ? `: ${lastSpawnError.message}` : ` with code ${child.exitCode} signal ${child.signalCode}`) +
          `\n--- ${logFile} (tail) ---\n${tail}`,
      );
    }
    const status = await httpCall(`${endpoint}/moto-api/`, "GET", 1000).catch(() => undefined);
    if (status === 200) break;
    if (Date.now() > deadline) {
      const tail = logTail(logFile);
      await stop();
      throw new Error(`emulator on ${endpoint} did not answer /moto-api/ within ${timeoutMs} ms (last status ${status ?? "no connection"})\n--- ${logFile} (tail) ---\n${tail}`);
    }
    await sleep(50);
  }

  return {
    endpoint,
    port,
    pid: child.pid as number,
    patched,
    logFile,
    env: Object.freeze(emulatorEnv(endpoint)),
    stop: () => stop(),
  };
}

/** Forget everything the emulator holds (moto's POST /moto-api/reset). */
export async function resetEmulator(endpoint: string): Promise<void> {
  // Reset reloads IAM's 1,485 managed policies: 0.3-1.1 s idle, over 10 s seen on a loaded 2-core machine.
  const status = await httpCall(`${endpoint.replace(/\/$/, "")}/moto-api/reset`, "POST", 60000);
  if (status !== 200) throw new Error(`resetting the emulator at ${endpoint} failed: HTTP ${status}`);
}

/**
 * Credentials for `roleArn` (`arn:aws:iam::<account>:role/<name>`) from the emulator's STS:
 * what they create lands in <account> (see the comment at the top of this file).
 */
export async function assumeRoleCredentials(
  endpoint: string,
  roleArn: string,
  sessionName = "twinstack",
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const sts = new STSClient({ endpoint, region: EMULATOR_REGION, credentials: { ...EMULATOR_CREDENTIALS } });
  try {
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }));
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey || !Credentials.SessionToken) {
      throw new Error(`AssumeRole ${roleArn} on ${endpoint} returned no credentials`);
    }
    return { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken };
  } finally {
    sts.destroy();
  }
}
