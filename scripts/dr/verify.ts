/**
 * What a restored database must show: every application table answers a row count, and the
 * migrations recorded in node-pg-migrate's `pgmigrations` table reach the newest migration in
 * functions/api/migrations. Two ways in: the RDS Data API (a scratch cluster on AWS, reached
 * without opening its network) and a PostgreSQL connection (the sandbox, where the emulated
 * cluster has no engine and a real PostgreSQL stands in for it).
 */
import { readdirSync } from "node:fs";
import { ExecuteStatementCommand, type Field, RDSDataClient } from "@aws-sdk/client-rds-data";
import { Client as PgClient } from "pg";
import { MIGRATIONS_DIR } from "../db/migrate";
import { MIGRATIONS_TABLE } from "../db/roles";
import { quoteIdent } from "../refresh/scrub/sql";

/** Read-only queries, one value per column. */
export interface QueryRunner {
  query(sql: string): Promise<Array<Record<string, string | number | null>>>;
  close(): Promise<void>;
}

export interface Verification {
  /** Rows per table of the `public` schema (node-pg-migrate's own table left out). */
  readonly rowCounts: Record<string, number>;
  readonly migrations: { readonly latest?: string; readonly expected: string; readonly applied: number };
  /** Empty when the restore is good. */
  readonly problems: string[];
}

/** The newest migration's name as node-pg-migrate records it (file name without extension). */
export function expectedMigration(dir = MIGRATIONS_DIR): string {
  const names = readdirSync(dir)
    .filter((file) => /^\d+[_-].+\.(js|cjs|mjs|ts|sql)$/.test(file))
    .map((file) => file.replace(/\.(js|cjs|mjs|ts|sql)$/, ""))
    .sort((a, b) => Number(a.split(/[_-]/)[0]) - Number(b.split(/[_-]/)[0]) || a.localeCompare(b));
  const newest = names[names.length - 1];
  if (!newest) throw new Error(`no migrations in ${dir}`);
  return newest;
}

export async function verifyRestoredDatabase(runner: QueryRunner, expected: string): Promise<Verification> {
  const problems: string[] = [];
  const tables = (await runner.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")).map((row) =>
    String(row.table_name),
  );
  const rowCounts: Record<string, number> = {};
  for (const table of tables.filter((name) => name !== MIGRATIONS_TABLE)) {
    const [row] = await runner.query(`SELECT count(*) AS rows FROM public.${quoteIdent(table)}`);
    rowCounts[table] = Number(row?.rows ?? NaN);
    if (!Number.isFinite(rowCounts[table])) problems.push(`table ${table}: no row count`);
  }
  if (Object.keys(rowCounts).length === 0) problems.push("no application tables in schema public");

  let latest: string | undefined;
  let applied = 0;
  if (!tables.includes(MIGRATIONS_TABLE)) {
    problems.push(`no ${MIGRATIONS_TABLE} table: the migrations never ran on this database`);
  } else {
    const rows = await runner.query(`SELECT name FROM public.${MIGRATIONS_TABLE} ORDER BY run_on DESC, id DESC`);
    applied = rows.length;
    latest = rows[0] ? String(rows[0].name) : undefined;
    if (latest !== expected) problems.push(`migrations at ${latest ?? "(none)"}, expected ${expected}`);
  }
  return { rowCounts, migrations: { latest, expected, applied }, problems };
}

export class PostgresQueryRunner implements QueryRunner {
  private readonly client: PgClient;
  private connected?: Promise<void>;
  constructor(connectionString: string) {
    this.client = new PgClient({ connectionString });
  }
  async query(sql: string): Promise<Array<Record<string, string | number | null>>> {
    this.connected ??= this.client.connect().then(() => undefined);
    await this.connected;
    return (await this.client.query(sql)).rows as Array<Record<string, string | number | null>>;
  }
  async close(): Promise<void> {
    if (this.connected) await this.client.end();
  }
}

/** The RDS Data API on the scratch cluster (its HTTP endpoint on, RDS's managed master secret). */
export class DataApiQueryRunner implements QueryRunner {
  constructor(
    private readonly client: RDSDataClient,
    private readonly target: { resourceArn: string; secretArn: string; database: string },
  ) {}
  async query(sql: string): Promise<Array<Record<string, string | number | null>>> {
    const out = await this.client.send(new ExecuteStatementCommand({ ...this.target, sql, includeResultMetadata: true }));
    const columns = (out.columnMetadata ?? []).map((column, index) => column.label ?? column.name ?? `column${index}`);
    return (out.records ?? []).map((record) => Object.fromEntries(record.map((field, index) => [columns[index], fieldValue(field)])));
  }
  async close(): Promise<void> {}
}

function fieldValue(field: Field): string | number | null {
  if (field.isNull) return null;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.booleanValue !== undefined) return String(field.booleanValue);
  return null;
}
