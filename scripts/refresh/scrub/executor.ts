/**
 * How the scrub reaches a database: the RDS Data API (real AWS, the new cluster's HTTP endpoint
 * on) or a direct PostgreSQL connection (tests, sandbox, `check-scrub`). Both write in one
 * transaction and read (schema introspection, verification counts). Passwords are never printed.
 */
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand, SqlParameter } from "@aws-sdk/client-rds-data";
import { Client as PgClient, ClientConfig } from "pg";
import { positionalToNamed } from "./sql";

export interface SqlStatement {
  sql: string;
  /** Positional parameters ($1, $2…), strings only. */
  params?: string[];
  /** What errors print instead of the SQL (statements may carry secrets or data). */
  label?: string;
}

export type Row = Record<string, unknown>;

/** Reads inside the open transaction (verification before commit). */
export type SqlReader = (statement: SqlStatement) => Promise<Row[]>;

/** Runs statements in one transaction: all commit, or none (the error names the failing statement). */
export interface SqlExecutor {
  /**
   * Runs `statements` in one transaction, then `beforeCommit` inside it (reads see the
   * uncommitted changes); anything thrown rolls the whole transaction back.
   */
  transaction(statements: SqlStatement[], beforeCommit?: (read: SqlReader) => Promise<void>): Promise<void>;
  /** One read outside any transaction. */
  query(statement: SqlStatement): Promise<Row[]>;
  close(): Promise<void>;
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

/** The text an error shows for a statement: its label, else its first line. */
function shown(statement: SqlStatement): string {
  return statement.label ?? statement.sql;
}

/** Direct PostgreSQL. The password comes from the URL or the environment, never from output. */
export class PostgresExecutor implements SqlExecutor {
  private readonly config: ClientConfig;

  constructor(connection: { host: string; port: number; user: string; database: string; password?: string; ssl?: boolean } | ClientConfig) {
    const ssl = (connection as { ssl?: unknown }).ssl;
    this.config = { ...connection, ssl: ssl === true ? { rejectUnauthorized: false } : (ssl as ClientConfig["ssl"]) };
  }

  private async connect(): Promise<PgClient> {
    const client = new PgClient(this.config);
    await client.connect();
    return client;
  }

  async transaction(statements: SqlStatement[], beforeCommit?: (read: SqlReader) => Promise<void>): Promise<void> {
    const client = await this.connect();
    try {
      await client.query("BEGIN");
      try {
        for (const [index, statement] of statements.entries()) {
          try {
            await client.query(statement.sql, statement.params);
          } catch (error) {
            throw new ScrubError(index, shown(statement), error as Error);
          }
        }
        await beforeCommit?.(async (s) => (await client.query(s.sql, s.params)).rows);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
  }

  async query(statement: SqlStatement): Promise<Row[]> {
    const client = await this.connect();
    try {
      return (await client.query(statement.sql, statement.params)).rows;
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {}
}

export interface DataApiOptions {
  /** Wait between probes of a statement that outlived its call (default 15 s). */
  probeDelayMs?: number;
  /** How long a statement may run past its call's timeout (default 6 h; a Data API transaction lives at most 24 h). */
  maxStatementMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * RDS Data API (the new cluster's HTTP endpoint must be on; the secret is RDS's managed master
 * secret). A call times out after 45 s; every write is sent with `continueAfterTimeout` so a long
 * UPDATE on a big table keeps running, and the transaction is then probed until it is free again.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api-timeouts.html
 */
export class DataApiExecutor implements SqlExecutor {
  constructor(
    private readonly client: RDSDataClient,
    private readonly target: { resourceArn: string; secretArn: string; database: string },
    private readonly options: DataApiOptions = {},
  ) {}

  private input(statement: SqlStatement, transactionId?: string) {
    const parameters: SqlParameter[] | undefined = statement.params?.map((value, i) => ({ name: `p${i + 1}`, value: { stringValue: value } }));
    return { ...this.target, sql: positionalToNamed(statement.sql), parameters, transactionId };
  }

  /** One write in the transaction; a call timeout leaves the statement running, so wait for it. */
  private async write(statement: SqlStatement, transactionId: string): Promise<void> {
    try {
      await this.client.send(new ExecuteStatementCommand({ ...this.input(statement, transactionId), continueAfterTimeout: true }));
    } catch (error) {
      if ((error as Error).name !== "StatementTimeoutException") throw error;
      await this.waitForTransaction(transactionId);
    }
  }

  /**
   * After a call timeout the statement goes on in the transaction's session; the next call in the
   * same transaction runs after it, so a trivial SELECT returns once it is done (and fails if it
   * failed: the transaction is then aborted). Each probe also keeps the transaction from its
   * 3-minute idle timeout.
   */
  private async waitForTransaction(transactionId: string): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const deadline = Date.now() + (this.options.maxStatementMs ?? 6 * 3600_000);
    for (;;) {
      try {
        await this.client.send(new ExecuteStatementCommand({ ...this.target, sql: "SELECT 1", transactionId }));
        return;
      } catch (error) {
        if ((error as Error).name !== "StatementTimeoutException") throw error;
        if (Date.now() > deadline) throw new Error(`a statement ran longer than ${(this.options.maxStatementMs ?? 6 * 3600_000) / 60_000} minutes`);
        await sleep(this.options.probeDelayMs ?? 15_000);
      }
    }
  }

  private async read(statement: SqlStatement, transactionId?: string): Promise<Row[]> {
    const out = await this.client.send(new ExecuteStatementCommand({ ...this.input(statement, transactionId), formatRecordsAs: "JSON" }));
    return out.formattedRecords ? (JSON.parse(out.formattedRecords) as Row[]) : [];
  }

  async transaction(statements: SqlStatement[], beforeCommit?: (read: SqlReader) => Promise<void>): Promise<void> {
    const ids = { resourceArn: this.target.resourceArn, secretArn: this.target.secretArn };
    const { transactionId } = await this.client.send(new BeginTransactionCommand({ ...this.target }));
    if (!transactionId) throw new Error("BeginTransaction returned no transactionId");
    try {
      for (const [index, statement] of statements.entries()) {
        try {
          await this.write(statement, transactionId);
        } catch (error) {
          throw new ScrubError(index, shown(statement), error as Error);
        }
      }
      await beforeCommit?.((s) => this.read(s, transactionId));
    } catch (error) {
      await this.client.send(new RollbackTransactionCommand({ ...ids, transactionId })).catch(() => undefined);
      throw error;
    }
    await this.client.send(new CommitTransactionCommand({ ...ids, transactionId }));
  }

  async query(statement: SqlStatement): Promise<Row[]> {
    return this.read(statement);
  }

  async close(): Promise<void> {}
}
