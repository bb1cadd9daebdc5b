/**
 * A `query()` client over the RDS Data API, for db:migrate on AWS: the runner (a GitHub
 * Actions job, outside the VPC) reaches a cluster in isolated subnets with no NAT through the
 * Data API's HTTPS endpoint, authenticated by IAM and the cluster's managed master secret —
 * no network path is opened. `BEGIN` / `COMMIT` / `ROLLBACK` become the Data API's
 * transaction calls; every other statement is one ExecuteStatement (JSON records).
 * https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html
 */
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand, SqlParameter } from "@aws-sdk/client-rds-data";
import { positionalToNamed } from "../refresh/scrub/sql";
import type { QueryClient } from "./migrate";

export interface DataApiTarget {
  /** The cluster's ARN. */
  resourceArn: string;
  /** The cluster's managed master secret (RDS-managed, in Secrets Manager). */
  secretArn: string;
  database: string;
}

function parameter(value: unknown, index: number): SqlParameter {
  const name = `p${index + 1}`;
  if (value === null || value === undefined) return { name, value: { isNull: true } };
  if (typeof value === "boolean") return { name, value: { booleanValue: value } };
  if (typeof value === "number") return Number.isInteger(value) ? { name, value: { longValue: value } } : { name, value: { doubleValue: value } };
  return { name, value: { stringValue: String(value) } };
}

export class DataApiQueryClient implements QueryClient {
  private transactionId: string | undefined;

  constructor(
    private readonly client: RDSDataClient,
    private readonly target: DataApiTarget,
  ) {}

  async query(text: string, values: unknown[] = []): Promise<{ rows: Array<Record<string, unknown>> }> {
    const keyword = text.trim().replace(/;$/, "").trim().toUpperCase();
    const { resourceArn, secretArn, database } = this.target;
    if (keyword === "BEGIN") {
      if (this.transactionId) throw new Error("a Data API transaction is already open");
      this.transactionId = (await this.client.send(new BeginTransactionCommand({ resourceArn, secretArn, database }))).transactionId;
      return { rows: [] };
    }
    if (keyword === "COMMIT" || keyword === "ROLLBACK") {
      const transactionId = this.transactionId;
      this.transactionId = undefined;
      if (!transactionId) return { rows: [] };
      const Command = keyword === "COMMIT" ? CommitTransactionCommand : RollbackTransactionCommand;
      await this.client.send(new Command({ resourceArn, secretArn, transactionId }));
      return { rows: [] };
    }
    // pg's $1 placeholders are the Data API's :p1 (literals and dollar-quoted bodies keep their text).
    const sql = positionalToNamed(text);
    const out = await this.client.send(
      new ExecuteStatementCommand({
        resourceArn,
        secretArn,
        database,
        sql,
        parameters: values.length > 0 ? values.map(parameter) : undefined,
        transactionId: this.transactionId,
        formatRecordsAs: "JSON",
      }),
    );
    return { rows: out.formattedRecords ? (JSON.parse(out.formattedRecords) as Array<Record<string, unknown>>) : [] };
  }
}
