/**
 * The API's database user and what it may do: pure statements, run by `npm run db:migrate`
 * after the migrations, in one transaction, every time (idempotent). Least privilege: the
 * privileges below on the application's tables and nothing else (not the migrations'
 * bookkeeping table, no DDL). A table the migrations create without a decision here stops
 * db:migrate: nothing is granted by default.
 */
import { quoteLiteral } from "../refresh/scrub/sql";

export type TablePrivilege = "SELECT" | "INSERT" | "UPDATE" | "DELETE";

/** What the API may do per table of the application's schema (functions/api/migrations). */
export const API_TABLE_PRIVILEGES: Readonly<Record<string, readonly TablePrivilege[]>> = {
  // People sign up and edit their profile; accounts are deleted by an operator, not the API.
  app_users: ["SELECT", "INSERT", "UPDATE"],
  projects: ["SELECT", "INSERT", "UPDATE", "DELETE"],
  notes: ["SELECT", "INSERT", "UPDATE", "DELETE"],
  attachments: ["SELECT", "INSERT", "DELETE"],
  // Sessions are created and revoked, never edited.
  sessions: ["SELECT", "INSERT", "DELETE"],
};

/** node-pg-migrate's bookkeeping: the API never sees it. */
export const MIGRATIONS_TABLE = "pgmigrations";

/**
 * How the API logs in. `iam`: IAM database authentication (AWS: the role gets `rds_iam`, no
 * password). `password`: a password (the sandbox and tests, where IAM authentication cannot
 * be emulated).
 */
export type ApiAuth = "iam" | "password";

export interface ApiRoleOptions {
  /** The API's database user (`api.databaseUser`, default app_api). */
  user: string;
  /** The application's database (`database.databaseName`, default app). */
  database: string;
  auth: ApiAuth;
  /** Required with `auth: "password"`. */
  password?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function identifier(value: string, what: string): string {
  if (!IDENTIFIER.test(value)) throw new Error(`${what} (${JSON.stringify(value)}) must be a lowercase PostgreSQL identifier`);
  return `"${value}"`;
}

/** A SQL string literal: scrub/sql's quoteLiteral, under the name this module has always exported. */
export { quoteLiteral as sqlLiteral };

/**
 * Tables of the schema with no privilege decision, and decisions for tables that do not exist:
 * both stop db:migrate before anything is granted.
 */
export function privilegeProblems(tables: string[]): string[] {
  const present = new Set(tables.filter((table) => table !== MIGRATIONS_TABLE));
  const problems: string[] = [];
  for (const table of [...present].sort()) {
    if (!(table in API_TABLE_PRIVILEGES)) problems.push(`table ${table} has no privilege decision for the API user: add it to API_TABLE_PRIVILEGES in scripts/db/roles.ts`);
  }
  for (const table of Object.keys(API_TABLE_PRIVILEGES)) {
    if (!present.has(table)) problems.push(`API_TABLE_PRIVILEGES (scripts/db/roles.ts) names ${table}, which the migrations did not create`);
  }
  return problems;
}

/** The statements that create (or correct) the API's user and its grants. One statement each. */
export function apiRoleStatements(options: ApiRoleOptions): string[] {
  const user = identifier(options.user, "api.databaseUser");
  const database = identifier(options.database, "database.databaseName");
  const literalName = quoteLiteral(options.user);
  const statements = [
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${literalName}) THEN CREATE ROLE ${user} LOGIN; END IF; END $$`,
    // Cannot create roles or databases, whatever an earlier run said. (SUPERUSER and REPLICATION
    // are not ours to touch: only a superuser may, which neither Aurora's master user nor the
    // sandbox's is; a role created here never has them.)
    `ALTER ROLE ${user} WITH LOGIN NOCREATEDB NOCREATEROLE`,
  ];
  if (options.auth === "iam") {
    // rds_iam exists on RDS and Aurora only; elsewhere (a plain PostgreSQL) there is nothing to grant.
    statements.push(
      `DO $$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rds_iam') THEN GRANT rds_iam TO ${user}; ELSE RAISE NOTICE 'no rds_iam role here: IAM authentication is not available'; END IF; END $$`,
      // IAM authentication only: no password to leak.
      `ALTER ROLE ${user} WITH PASSWORD NULL`,
    );
  } else {
    if (!options.password) throw new Error("the API user's password is required with --api-auth password (API_DATABASE_PASSWORD)");
    statements.push(`ALTER ROLE ${user} WITH PASSWORD ${quoteLiteral(options.password)}`);
  }
  statements.push(
    `GRANT CONNECT ON DATABASE ${database} TO ${user}`,
    `GRANT USAGE ON SCHEMA public TO ${user}`,
    // Exactly the privileges below, whatever was granted before.
    `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${user}`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${user}`,
  );
  for (const [table, privileges] of Object.entries(API_TABLE_PRIVILEGES)) {
    statements.push(`GRANT ${privileges.join(", ")} ON TABLE public.${identifier(table, "table")} TO ${user}`);
  }
  return statements;
}
