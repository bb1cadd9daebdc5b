/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temp dir (as the `postgres` user
 * when running as root), listening on 127.0.0.1 on a free port, trust authentication,
 * stopped with `pg_ctl stop` on exactly this data directory.
 *
 *   const pg = await startPostgres({ databases: ["app"] });
 *   new Client(pg.connection("app"));
 *   await pg.stop();
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

const asPostgres = (args: string[]) => (process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", ...args]] : [args[0], args.slice(1)]) as [string, string[]];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export interface TestPostgres {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Superuser (`postgres`), trust authentication. */
  readonly user: string;
  connection(database: string): { host: string; port: number; user: string; database: string };
  stop(): Promise<void>;
}

export async function startPostgres(options: { databases?: string[]; prefix?: string } = {}): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? "twinstack-pg-"));
  chmodSync(dir, 0o777);
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres", dir]);
  const data = join(dir, "data");
  const [cmd, args] = asPostgres(["initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]);
  execFileSync(cmd, args, { stdio: "ignore" });
  const port = await freePort();
  const [pcmd, pargs] = asPostgres(["postgres", "-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", dir, "-F"]);
  const server: ChildProcess = spawn(pcmd, pargs, { stdio: "ignore" });
  const connection = (database: string) => ({ host: "127.0.0.1", port, user: "postgres", database });
  const stop = async (): Promise<void> => {
    // Stop exactly the server we started (runuser does not forward signals).
    if (server.pid && server.exitCode === null) {
      const [scmd, sargs] = asPostgres(["pg_ctl", "stop", "-D", data, "-m", "fast"]);
      try {
        execFileSync(scmd, sargs, { stdio: "ignore" });
      } catch {
        // already stopped
      }
      if (server.exitCode === null) await new Promise((r) => server.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150; i++) {
    try {
      const c = new Client(connection("postgres"));
      await c.connect();
      for (const database of options.databases ?? []) await c.query(`CREATE DATABASE "${database}"`);
      await c.end();
      return { host: "127.0.0.1", port, user: "postgres", connection, stop };
    } catch (error) {
      if (/already exists/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error("PostgreSQL did not start within 30 s");
}
