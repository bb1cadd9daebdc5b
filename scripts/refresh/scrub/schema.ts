/**
 * What a database holds (tables, columns, types, primary keys), read through an executor, and
 * what the manifest fails to classify against it. Like PostgreSQL Anonymizer's privacy-by-default
 * mode and Greenmask's `validate`: anything not classified is a problem, and so is a manifest
 * entry the database lacks (a stale manifest hides a rename).
 */
import type { SqlExecutor } from "./executor";
import { ColumnClassification, LoadedManifest, classificationName, columnField, splitTableKey, tableKey } from "./manifest";

export interface ColumnInfo {
  name: string;
  /** As `format_type` prints it: `text`, `character varying(64)`, `timestamp with time zone`. */
  type: string;
  notNull: boolean;
  /** A generated column cannot be written. */
  generated: boolean;
}

export interface TableInfo {
  schema: string;
  name: string;
  kind: "table" | "materialized view";
  columns: ColumnInfo[];
  /** Primary key columns, in key order; empty when none. */
  primaryKey: string[];
}

/**
 * Every relation that stores rows, outside PostgreSQL's own schemas: plain and partitioned
 * tables (partitions are written through their parent) and materialized views.
 */
export const SCHEMA_QUERY = `SELECT n.nspname AS schema_name, c.relname AS table_name, c.relkind::text AS kind,
       a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS column_type,
       a.attnotnull AS not_null, (a.attgenerated <> '') AS generated,
       coalesce((SELECT k.ord FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                  WHERE i.indrelid = c.oid AND i.indisprimary AND k.attnum = a.attnum), 0)::int AS key_position
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
 ORDER BY n.nspname, c.relname, a.attnum`;

export async function readSchema(executor: Pick<SqlExecutor, "query">): Promise<TableInfo[]> {
  const rows = await executor.query({ sql: SCHEMA_QUERY, label: "read the schema" });
  const tables = new Map<string, TableInfo & { keys: Array<[number, string]> }>();
  for (const row of rows) {
    const key = tableKey(String(row.schema_name), String(row.table_name));
    let table = tables.get(key);
    if (!table) {
      table = { schema: String(row.schema_name), name: String(row.table_name), kind: row.kind === "m" ? "materialized view" : "table", columns: [], primaryKey: [], keys: [] };
      tables.set(key, table);
    }
    table.columns.push({ name: String(row.column_name), type: String(row.column_type), notNull: truthy(row.not_null), generated: truthy(row.generated) });
    const position = Number(row.key_position ?? 0);
    if (position > 0) table.keys.push([position, String(row.column_name)]);
  }
  return [...tables.values()].map(({ keys, ...table }) => ({ ...table, primaryKey: keys.sort((a, b) => a[0] - b[0]).map(([, name]) => name) }));
}

/** The Data API's JSON gives booleans; pg gives booleans; be lenient about "t"/"true". */
function truthy(value: unknown): boolean {
  return value === true || value === "t" || value === "true";
}

const TEXT_TYPE = /^(text|citext|name|character varying(\(\d+\))?)$/;

function typeProblem(classification: ColumnClassification, column: ColumnInfo): string | undefined {
  const kind = classificationName(classification);
  if (kind === "keep") return undefined;
  if (column.generated) return `${kind} cannot write a generated column (classify it keep: it follows the columns it is computed from)`;
  if (kind === "null") return column.notNull ? "null cannot apply to a NOT NULL column (choose fake, hash or sql)" : undefined;
  if (kind === "sql") return undefined;
  if (kind === "fake ipv4") return /^(inet|cidr)$/.test(column.type) || TEXT_TYPE.test(column.type) ? undefined : `${kind} needs an inet, cidr or text column, not ${column.type}`;
  if (kind === "remap-cognito-sub" && column.type === "uuid") return undefined;
  if (!TEXT_TYPE.test(column.type)) return `${kind} needs a text column, not ${column.type}`;
  const length = /\((\d+)\)/.exec(column.type);
  if (kind === "hash" && length && Number(length[1]) < 64) return `hash writes 64 hex characters; ${column.type} is too short`;
  return undefined;
}

/**
 * Problems between a manifest and a database, one line each, naming `table.column` and the
 * manifest's file and field. Empty means: every stored column is classified, and every
 * classification names something that exists in a form it can be applied to.
 */
export function classificationProblems(loaded: LoadedManifest, schema: TableInfo[]): string[] {
  const { file, manifest } = loaded;
  const problems: string[] = [];
  const byKey = new Map(schema.map((t) => [tableKey(t.schema, t.name), t]));
  for (const table of schema) {
    const key = tableKey(table.schema, table.name);
    const entry = manifest.tables[key];
    if (entry === undefined) {
      for (const column of table.columns) problems.push(`${key}.${column.name}: not classified (table ${key} is missing from ${file}: add tables.${key})`);
      continue;
    }
    if (entry === "truncate") {
      if (table.kind === "materialized view") problems.push(`${key}: a materialized view cannot be truncated (${file}: tables.${key}); classify its columns keep and add a statement REFRESH MATERIALIZED VIEW ${key}`);
      continue;
    }
    for (const column of table.columns) {
      const classification = entry.columns[column.name];
      if (classification === undefined) {
        problems.push(`${key}.${column.name}: not classified (${file}: add ${columnField(key, column.name)})`);
        continue;
      }
      const problem = typeProblem(classification, column);
      if (problem) problems.push(`${key}.${column.name}: ${problem} (${file}: ${columnField(key, column.name)})`);
      if (typeof classification === "object" && "remap-cognito-sub" in classification) {
        const email = classification["remap-cognito-sub"].emailColumn;
        if (!table.columns.some((c) => c.name === email)) problems.push(`${key}.${column.name}: remap-cognito-sub reads emails from ${key}.${email}, which does not exist (${file}: ${columnField(key, column.name)})`);
      }
      const faked = typeof classification === "object" && "fake" in classification;
      if ((faked || classification === "hash") && table.primaryKey.length === 0) {
        problems.push(`${key}.${column.name}: ${faked ? "fake" : "hash"} needs a primary key on ${key} (to seed fakes per row and to verify each row against the source)`);
      }
    }
    if (table.kind === "materialized view") {
      if (Object.values(entry.columns).some((c) => c !== "keep")) problems.push(`${key}: a materialized view cannot be updated; classify its columns keep and refresh it from scrubbed tables (${file}: tables.${key})`);
      if (!manifest.statements.some((s) => new RegExp(`refresh\\s+materialized\\s+view\\s+(concurrently\\s+)?"?${table.name}"?`, "i").test(s.sql))) {
        problems.push(`${key}: a materialized view keeps production's rows until refreshed; add a statement REFRESH MATERIALIZED VIEW ${key} (${file}: statements)`);
      }
    }
    for (const name of Object.keys(entry.columns)) {
      if (!table.columns.some((c) => c.name === name)) problems.push(`${key}.${name}: in ${file} (${columnField(key, name)}) but the database has no such column (stale manifest)`);
    }
  }
  for (const key of Object.keys(manifest.tables)) {
    if (!byKey.has(key)) {
      const { schema: s, table: t } = splitTableKey(key);
      problems.push(`${tableKey(s, t)}: in ${file} (tables.${key}) but the database has no such table (stale manifest)`);
    }
  }
  return problems;
}

/** Counts for messages: tables and columns classified. */
export function schemaSize(schema: TableInfo[]): { tables: number; columns: number } {
  return { tables: schema.length, columns: schema.reduce((n, t) => n + t.columns.length, 0) };
}
