/**
 * Brings a database to the application's schema: node-pg-migrate runs the migrations in
 * functions/api/migrations (all pending ones in one transaction), then the API's user and its
 * grants are made exactly what scripts/db/roles.ts says (one more transaction). The connection
 * is anything that answers `query` like pg's Client: a direct connection (the sandbox, tests)
 * or the RDS Data API (AWS, scripts/db/data-api.ts).
 */
import { join } from "node:path";
import { REPO_ROOT } from "../lib/synth";
import { ApiAuth, MIGRATIONS_TABLE, apiRoleStatements, privilegeProblems } from "./roles";

/** The application's migrations, beside its code. */
export const MIGRATIONS_DIR = join(REPO_ROOT, "functions", "api", "migrations");

/** What db:migrate needs of a connection (pg's Client has it). */
export interface QueryClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export interface MigrateOptions {
  /** The database being migrated (grants CONNECT on it). */
  database: string;
  /** The API's database user. */
  apiUser: string;
  apiAuth: ApiAuth;
  /** The API user's password, with `apiAuth: "password"`. */
  apiPassword?: string;
  /**
   * Skip node-pg-migrate's advisory lock: it is session-scoped, and over the Data API two
   * statements may run on different connections. Then one run at a time is the caller's job
   * (the apply workflow's concurrency group). Default false.
   */
  noLock?: boolean;
  log?: (line: string) => void;
}

export interface MigrateReport {
  /** Migrations applied by this run (none when the schema was current). */
  applied: string[];
  /** Tables of the application's schema. */
  tables: string[];
}

/** The part of node-pg-migrate's `runner` this file uses. */
type MigrationRunner = (options: Record<string, unknown>) => Promise<Array<{ name: string }>>;

/**
 * node-pg-migrate 9 is an ES module whose types need `moduleResolution: node16`: loaded by name
 * at run time (tsx and Node ≥ 20.19 load it from CommonJS) and typed by MigrationRunner.
 */
async function loadMigrationRunner(): Promise<{ runner: MigrationRunner }> {
  const name = "node-pg-migrate";
  return (await import(name)) as { runner: MigrationRunner };
}

export async function migrateDatabase(client: QueryClient, options: MigrateOptions): Promise<MigrateReport> {
  const log = options.log ?? (() => undefined);
  const { runner } = await loadMigrationRunner();
  const applied = await runner({
    // The runner only calls query() on a client it did not open.
    dbClient: client as never,
    dir: MIGRATIONS_DIR,
    direction: "up",
    migrationsTable: MIGRATIONS_TABLE,
    singleTransaction: true,
    checkOrder: true,
    noLock: options.noLock ?? false,
    log: (line: string) => log(line),
  });
  const tables = (
    await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")
  ).rows.map((row) => String(row.table_name));
  const problems = privilegeProblems(tables);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const statements = apiRoleStatements({ user: options.apiUser, database: options.database, auth: options.apiAuth, password: options.apiPassword });
  await client.query("BEGIN");
  try {
    for (const statement of statements) await client.query(statement);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    // The statement may carry the API user's password: name the failure, not the statement.
    throw new Error(`granting the API user ${options.apiUser} failed (rolled back): ${(error as Error).message}`);
  }
  log(`API user ${options.apiUser}: ${options.apiAuth === "iam" ? "IAM authentication" : "password login"}, grants on ${tables.filter((t) => t !== MIGRATIONS_TABLE).join(", ")}`);
  return { applied: applied.map((migration) => migration.name), tables: tables.filter((t) => t !== MIGRATIONS_TABLE) };
}
