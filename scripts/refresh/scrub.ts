/**
 * The scrub: load the target's Cognito users into a temporary table, then run the target
 * environment's scrub SQL, all in one transaction. Two executors: the RDS Data API (real AWS)
 * and a direct PostgreSQL connection (tests, sandbox). Passwords are never printed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand, SqlParameter } from "@aws-sdk/client-rds-data";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { Client as PgClient } from "pg";
import type { AccountClients } from "./accounts";

export interface SqlStatement {
  sql: string;
  /** Positional parameters ($1, $2…), strings only. */
  params?: string[];
}

/** Runs statements in one transaction: all commit, or none (the error names the failing statement). */
export interface SqlExecutor {
  transaction(statements: SqlStatement[]): Promise<void>;
  close(): Promise<void>;
}

export interface CognitoUser {
  email: string;
  sub: string;
}

/** Where the target's Cognito users come from (injectable: tests pass a list). */
export interface CognitoUserSource {
  list(): Promise<CognitoUser[]>;
}

export class ScrubError extends Error {
  constructor(
    readonly statementIndex: number,
    readonly statement: string,
    cause: Error,
  ) {
    super(`scrub statement ${statementIndex + 1} failed and the transaction was rolled back (nothing changed): ${cause.message}\n  ${statement.split("\n")[0].slice(0, 160)}`);
    this.name = "ScrubError";
  }
}

/** Splits a scrub file into statements on `;` at end of line; `--` comments dropped. Keep scrub files simple (no `$$` bodies). */
export function splitSql(text: string): string[] {
  const lines = text.split("\n").map((line) => line.replace(/--.*$/, "").trimEnd());
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line.trim() === "") continue;
    current.push(line);
    if (line.endsWith(";")) {
      statements.push(current.join("\n").replace(/;$/, "").trim());
      current = [];
    }
  }
  if (current.join("").trim() !== "") statements.push(current.join("\n").trim());
  return statements;
}

export function scrubFileFor(environment: string, root = join(__dirname, "..", "..")): string {
  return join(root, "environments", environment, "scrub.sql");
}

/** The statements the scrub runs: the Cognito table first, then the file. */
export function scrubStatements(scrubSql: string, users: CognitoUser[]): SqlStatement[] {
  const statements: SqlStatement[] = [
    { sql: "CREATE TEMPORARY TABLE refresh_cognito_users (email text PRIMARY KEY, sub text NOT NULL) ON COMMIT DROP" },
  ];
  const unique = [...new Map(users.filter((u) => u.email && u.sub).map((u) => [u.email.toLowerCase(), u])).values()];
  for (let i = 0; i < unique.length; i += 500) {
    const batch = unique.slice(i, i + 500);
    statements.push({
      sql: `INSERT INTO refresh_cognito_users (email, sub) VALUES ${batch.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(", ")}`,
      params: batch.flatMap((u) => [u.email.toLowerCase(), u.sub]),
    });
  }
  return [...statements, ...splitSql(scrubSql).map((sql) => ({ sql }))];
}

/** Loads users, runs the scrub. Throws ScrubError (rolled back) on any failing statement. */
export async function runScrub(executor: SqlExecutor, scrubSql: string, users: CognitoUserSource): Promise<{ statements: number; users: number }> {
  const list = await users.list();
  const statements = scrubStatements(scrubSql, list);
  await executor.transaction(statements);
  return { statements: statements.length, users: list.length };
}

/** Direct PostgreSQL (tests, sandbox). The password comes from the environment, never from flags or output. */
export class PostgresExecutor implements SqlExecutor {
  constructor(private readonly connection: { host: string; port: number; user: string; database: string; password?: string; ssl?: boolean }) {}

  async transaction(statements: SqlStatement[]): Promise<void> {
    const client = new PgClient({ ...this.connection, ssl: this.connection.ssl ? { rejectUnauthorized: false } : undefined });
    await client.connect();
    try {
      await client.query("BEGIN");
      for (const [index, statement] of statements.entries()) {
        try {
          await client.query(statement.sql, statement.params);
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new ScrubError(index, statement.sql, error as Error);
        }
      }
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {}
}

/** RDS Data API (the new cluster's HTTP endpoint must be on; the secret is RDS's managed master secret). */
export class DataApiExecutor implements SqlExecutor {
  constructor(
    private readonly client: RDSDataClient,
    private readonly target: { resourceArn: string; secretArn: string; database: string },
  ) {}

  async transaction(statements: SqlStatement[]): Promise<void> {
    const { transactionId } = await this.client.send(new BeginTransactionCommand({ ...this.target }));
    for (const [index, statement] of statements.entries()) {
      const sql = statement.sql.replace(/\$(\d+)/g, (_, n: string) => `:p${n}`);
      const parameters: SqlParameter[] | undefined = statement.params?.map((value, i) => ({ name: `p${i + 1}`, value: { stringValue: value } }));
      try {
        await this.client.send(new ExecuteStatementCommand({ ...this.target, sql, parameters, transactionId }));
      } catch (error) {
        await this.client.send(new RollbackTransactionCommand({ resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, transactionId })).catch(() => undefined);
        throw new ScrubError(index, statement.sql, error as Error);
      }
    }
    await this.client.send(new CommitTransactionCommand({ resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, transactionId }));
  }

  async close(): Promise<void> {}
}

/** The target pool's users via ListUsers; the pool id from a flag or SSM `/<project>/<env>/cognito/user-pool-id`. */
export class CognitoPoolUsers implements CognitoUserSource {
  constructor(
    private readonly clients: AccountClients,
    private readonly userPoolId?: string,
  ) {}

  async poolId(): Promise<string> {
    if (this.userPoolId) return this.userPoolId;
    const name = `/${this.clients.config.project}/${this.clients.config.name}/cognito/user-pool-id`;
    try {
      const out = await this.clients.ssm.send(new GetParameterCommand({ Name: name }));
      if (out.Parameter?.Value) return out.Parameter.Value;
    } catch {
      /* fall through to the message below */
    }
    throw new Error(`no Cognito user pool id: SSM parameter ${name} not found; pass --user-pool-id`);
  }

  async list(): Promise<CognitoUser[]> {
    const UserPoolId = await this.poolId();
    const users: CognitoUser[] = [];
    let PaginationToken: string | undefined;
    do {
      const out = await this.clients.cognito.send(new ListUsersCommand({ UserPoolId, AttributesToGet: ["email", "sub"], PaginationToken }));
      for (const user of out.Users ?? []) {
        const attrs = Object.fromEntries((user.Attributes ?? []).map((a) => [a.Name, a.Value]));
        if (attrs.email && attrs.sub) users.push({ email: attrs.email, sub: attrs.sub });
      }
      PaginationToken = out.PaginationToken;
    } while (PaginationToken);
    return users;
  }
}

export function readScrubFile(environment: string): string {
  const file = scrubFileFor(environment);
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new Error(`${file} not found: every refresh target needs a scrub file`);
  }
}
