/**
 * `npm run refresh -- check-scrub --to <env> --database-url <url>`: does the target's scrub
 * manifest classify every table and column of that database? Read-only; usable in CI against
 * any schema (e.g. a database the migrations just built). Exit 0: all classified; 1: the list
 * of problems (or no connection); 2: bad usage. The password comes from the URL or PGPASSWORD
 * and is never printed.
 */
import { Command } from "commander";
import { environmentInputs, resolveEnvironment } from "../../../environments/registry";
import { RefusedError } from "../core";
import { PostgresExecutor } from "./executor";
import type { LoadedManifest } from "./manifest";
import { validateManifestOffline } from "./run";
import { classificationProblems, readSchema, schemaSize } from "./schema";

export interface CheckScrubDeps {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Sets the command's exit code. */
  exit: (code: number) => void;
  /** Loads a target's manifest (default: environments/<env>/scrub.ts). */
  load?: (environment: string) => LoadedManifest;
}

export interface DatabaseUrl {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: string;
  ssl?: boolean;
  /** The URL without its password, for messages. */
  shown: string;
}

/** `postgres://user[:password]@host[:port]/database[?sslmode=require]`; the password falls back to PGPASSWORD. */
export function parseDatabaseUrl(raw: string, env: NodeJS.ProcessEnv): DatabaseUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedError("--database-url must be a URL like postgres://user@host:5432/database (password in the URL or PGPASSWORD)");
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) throw new RefusedError(`--database-url must start with postgres:// or postgresql://, not ${url.protocol}//`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!url.hostname || !database) throw new RefusedError("--database-url must name a host and a database: postgres://user@host:5432/database");
  const user = decodeURIComponent(url.username) || env.PGUSER || "postgres";
  const password = url.password ? decodeURIComponent(url.password) : env.PGPASSWORD;
  const sslmode = url.searchParams.get("sslmode");
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : 5432;
  return { host, port, user, database, password, ssl: sslmode !== null && sslmode !== "disable", shown: `${url.protocol}//${encodeURIComponent(user)}@${url.host}/${database}` };
}

/** What the manifest of `environment` fails to classify in the database at `url` (manifest problems first). */
export async function databaseProblems(
  environment: string,
  url: DatabaseUrl,
  load?: (environment: string) => LoadedManifest,
): Promise<{ file?: string; problems: string[]; size?: { tables: number; columns: number } }> {
  const { loaded, problems } = await validateManifestOffline(environment, load);
  if (!loaded) throw new RefusedError(problems.join("\n"));
  let schema;
  try {
    schema = await readSchema(new PostgresExecutor(url));
  } catch (error) {
    return { file: loaded.file, problems: [...problems, `cannot read the schema of ${url.shown}: ${(error as Error).message}`] };
  }
  return { file: loaded.file, problems: [...problems, ...classificationProblems(loaded, schema)], size: schemaSize(schema) };
}

export async function checkScrub(options: { to: string; databaseUrl: string }, deps: CheckScrubDeps): Promise<number> {
  // An unknown environment is bad usage; previews are checked against staging's manifest.
  const target = resolveEnvironment(options.to, environmentInputs(deps.env));
  const url = parseDatabaseUrl(options.databaseUrl, deps.env);
  const { file, problems, size } = await databaseProblems(target.name, url, deps.load);
  if (problems.length > 0 || !size) {
    deps.err(`check-scrub: ${file} against ${url.shown}: ${problems.length} problem${problems.length === 1 ? "" : "s"} (a refresh to ${target.name} would stop before scrubbing):`);
    for (const problem of problems) deps.out(`  ${problem}`);
    return 1;
  }
  deps.out(`check-scrub: ${file} classifies every table and column of ${url.shown} (${size.tables} tables, ${size.columns} columns)`);
  return 0;
}

/** Adds `check-scrub` to the refresh CLI. Errors: RefusedError → 2, anything else → 1. */
export function registerCheckScrub(program: Command, deps: CheckScrubDeps): Command {
  return program
    .command("check-scrub")
    .description("read-only: does the target's scrub manifest classify every table and column of a database? (exit 0 yes, 1 no, with the list)")
    .option("--to <env>", "target environment whose manifest applies (previews use staging's)", "staging")
    .requiredOption("--database-url <url>", "postgres://user@host:5432/database (password in the URL or PGPASSWORD; never printed)")
    .action(async (options: { to: string; databaseUrl: string }) => {
      try {
        deps.exit(await checkScrub(options, deps));
      } catch (error) {
        const refused = error instanceof RefusedError || (error as Error).name === "ConfigError";
        deps.err(`check-scrub: ${refused ? "refused" : "failed"}: ${(error as Error).message}`);
        deps.exit(refused ? 2 : 1);
      }
    });
}
