/**
 * The scrub as the refresh runs it, on the restored temporary cluster: check that the manifest
 * classifies every stored column (else stop, nothing scrubbed) → run the generated scrub in one
 * transaction → verification queries, inside it and again after the commit, must all count zero.
 * Any failure throws before the cluster is tagged scrubbed, so the swap never happens.
 */
import { randomBytes } from "node:crypto";
import type { CognitoUserSource } from "./cognito";
import type { SqlExecutor, SqlReader } from "./executor";
import { COUNT_RESET_ROLES, GeneratedScrub, Verification, VERIFY_CAP, generateScrub } from "./generate";
import { LoadedManifest, ScrubManifestError, columnField, loadScrubManifest } from "./manifest";
import { TableInfo, classificationProblems, readSchema, schemaSize } from "./schema";
import { statementCount, syntaxError } from "./sql";

/** The manifest does not fit the database: nothing was scrubbed (exit 1). */
export class UnclassifiedError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} does not classify the restored copy (nothing was scrubbed, the target is untouched):\n  ${problems.join("\n  ")}`);
    this.name = "UnclassifiedError";
  }
}

/** A verification query found rows that break the manifest (exit 1, before the swap). */
export class VerificationError extends Error {
  constructor(
    readonly failures: string[],
    committed: boolean,
  ) {
    super(`scrub verification failed ${committed ? "after the commit (the copy is not tagged scrubbed and will not be swapped in)" : "(rolled back)"}:\n  ${failures.join("\n  ")}`);
    this.name = "VerificationError";
  }
}

/** Runs each verification; returns `label: n rows` for those that do not count zero. */
export async function runVerifications(read: SqlReader, verifications: Verification[]): Promise<string[]> {
  const failures: string[] = [];
  for (const v of verifications) {
    const rows = await read({ sql: v.sql, label: v.label });
    const n = Number(rows[0]?.n ?? NaN);
    if (n !== 0) failures.push(`${v.label}: ${Number.isNaN(n) ? "no count returned" : n >= VERIFY_CAP ? `≥ ${VERIFY_CAP} rows` : `${n} row${n === 1 ? "" : "s"}`}`);
  }
  return failures;
}

/** Every generated statement through PostgreSQL's parser before the transaction opens. */
async function assertParses(generated: GeneratedScrub): Promise<void> {
  const errors: string[] = [];
  for (const s of [...generated.statements, ...generated.verifyBeforeCommit, ...generated.verifyAfterCommit]) {
    const error = await syntaxError(s.sql);
    if (error) errors.push(`${s.label}: ${error}`);
  }
  if (errors.length > 0) throw new Error(`the generated scrub does not parse (nothing was run):\n  ${errors.join("\n  ")}`);
}

export interface ScrubResult {
  message: string;
  schema: TableInfo[];
}

export interface ScrubOptions {
  loaded: LoadedManifest;
  cognitoUsers: CognitoUserSource;
  /** Salt of masked addresses and hashes (default: 32 random bytes per run, never printed). */
  salt?: string;
}

export async function scrubDatabase(executor: SqlExecutor, options: ScrubOptions): Promise<ScrubResult> {
  const { loaded } = options;
  const schema = await readSchema(executor);
  const problems = classificationProblems(loaded, schema);
  if (problems.length > 0) throw new UnclassifiedError(loaded.file, problems);
  const users = await options.cognitoUsers.list();
  const generated = generateScrub(loaded, schema, users, options.salt ?? randomBytes(32).toString("hex"));
  await assertParses(generated);
  let roles = 0;
  await executor.transaction(generated.statements, async (read) => {
    const failures = await runVerifications(read, generated.verifyBeforeCommit);
    if (failures.length > 0) throw new VerificationError(failures, false);
    roles = Number((await read({ sql: COUNT_RESET_ROLES, label: "count the login roles reset" }))[0]?.n ?? 0);
  });
  const failures = await runVerifications((s) => executor.query(s), generated.verifyAfterCommit);
  if (failures.length > 0) throw new VerificationError(failures, true);
  const size = schemaSize(schema);
  const checks = generated.verifyBeforeCommit.length + generated.verifyAfterCommit.length;
  return {
    schema,
    message: `${loaded.file}: ${size.tables} tables, ${size.columns} columns classified; ${generated.statements.length} statements committed in one transaction; ${checks} verification queries found nothing; ${roles} other login role${roles === 1 ? "" : "s"} given a random password`,
  };
}

/** Problems in a manifest that need no database: its shape (zod) and its raw SQL (PostgreSQL's parser). */
export async function manifestSqlProblems(loaded: LoadedManifest): Promise<string[]> {
  const { file, manifest } = loaded;
  const problems: string[] = [];
  for (const [table, entry] of Object.entries(manifest.tables)) {
    if (entry === "truncate") continue;
    for (const [column, cls] of Object.entries(entry.columns)) {
      if (typeof cls !== "object" || !("sql" in cls)) continue;
      // Parenthesised: one expression, never a second statement.
      const error = await syntaxError(`SELECT (${cls.sql})`, "SELECT (".length);
      if (error) problems.push(`${file}: ${columnField(table, column)}.sql: ${error}`);
      if (cls.verify) {
        const verifyError = await syntaxError(`SELECT 1 FROM (${cls.verify}) AS v`, "SELECT 1 FROM (".length);
        if (verifyError) problems.push(`${file}: ${columnField(table, column)}.verify: ${verifyError}`);
      }
    }
  }
  for (const [i, s] of manifest.statements.entries()) {
    const error = await syntaxError(s.sql);
    if (error) problems.push(`${file}: statements.${i}.sql: ${error}`);
    else if ((await statementCount(s.sql)) !== 1) problems.push(`${file}: statements.${i}.sql: must be exactly one statement`);
  }
  return problems;
}

/** The manifest of `environment`, loaded and checked offline: problems as lines (empty: fine). */
export async function validateManifestOffline(environment: string, load = loadScrubManifest): Promise<{ loaded?: LoadedManifest; problems: string[] }> {
  let loaded: LoadedManifest;
  try {
    loaded = load(environment);
  } catch (error) {
    if (error instanceof ScrubManifestError) return { problems: error.message.split("\n") };
    throw error;
  }
  return { loaded, problems: await manifestSqlProblems(loaded) };
}
