/**
 * Kind: aws-sdk-client-mock contract test — db:migrate's client over the RDS Data API. The
 * emulator's Data API runs no SQL, so what is checked is the contract with the API: BEGIN /
 * COMMIT / ROLLBACK become its transaction calls, statements inside carry the transaction id,
 * `$n` placeholders become named parameters, and JSON records come back as rows.
 * https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html
 */
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand } from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import { DataApiQueryClient } from "../../scripts/db/data-api";

const target = { resourceArn: "arn:aws:rds:us-east-1:111111111111:cluster:twinstack-staging", secretArn: "arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!cluster-abc", database: "app" };

describe("DataApiQueryClient", () => {
  const rdsData = mockClient(RDSDataClient);
  beforeEach(() => rdsData.reset());

  test("a transaction: BEGIN opens one, statements run in it with named parameters, COMMIT closes it", async () => {
    rdsData.on(BeginTransactionCommand).resolves({ transactionId: "tx-1" });
    rdsData.on(ExecuteStatementCommand).resolves({ formattedRecords: JSON.stringify([{ name: "1764460800000_initial-schema" }]) });
    rdsData.on(CommitTransactionCommand).resolves({ transactionStatus: "Transaction Committed" });
    const client = new DataApiQueryClient(new RDSDataClient({ region: "us-east-1" }), target);
    // WHEN node-pg-migrate's kind of conversation runs
    await client.query("BEGIN");
    const result = await client.query("SELECT name FROM pgmigrations WHERE name = $1 AND run_on > $2", ["x", 3]);
    await client.query("COMMIT;");
    // THEN
    expect(result.rows).toEqual([{ name: "1764460800000_initial-schema" }]);
    expect(rdsData.commandCalls(BeginTransactionCommand)[0].args[0].input).toEqual(target);
    expect(rdsData.commandCalls(ExecuteStatementCommand)[0].args[0].input).toEqual({
      ...target,
      sql: "SELECT name FROM pgmigrations WHERE name = :p1 AND run_on > :p2",
      parameters: [
        { name: "p1", value: { stringValue: "x" } },
        { name: "p2", value: { longValue: 3 } },
      ],
      transactionId: "tx-1",
      formatRecordsAs: "JSON",
    });
    expect(rdsData.commandCalls(CommitTransactionCommand)[0].args[0].input).toEqual({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId: "tx-1" });
  });

  test("outside a transaction a statement has no transaction id; ROLLBACK rolls back the open one; DDL returns no rows", async () => {
    rdsData.on(BeginTransactionCommand).resolves({ transactionId: "tx-2" });
    rdsData.on(ExecuteStatementCommand).resolves({});
    rdsData.on(RollbackTransactionCommand).resolves({});
    const client = new DataApiQueryClient(new RDSDataClient({ region: "us-east-1" }), target);
    expect(await client.query("CREATE TABLE pgmigrations (id SERIAL PRIMARY KEY)")).toEqual({ rows: [] });
    expect(rdsData.commandCalls(ExecuteStatementCommand)[0].args[0].input.transactionId).toBeUndefined();
    await client.query("BEGIN");
    await client.query("ROLLBACK");
    expect(rdsData.commandCalls(RollbackTransactionCommand)[0].args[0].input.transactionId).toBe("tx-2");
    // a second ROLLBACK with nothing open calls nothing
    await client.query("ROLLBACK");
    expect(rdsData.commandCalls(RollbackTransactionCommand)).toHaveLength(1);
  });

  test("a `$n` inside a string literal or a dollar-quoted body is text, not a placeholder", async () => {
    // GIVEN a statement whose literal and function body spell `$1`
    rdsData.on(ExecuteStatementCommand).resolves({});
    const client = new DataApiQueryClient(new RDSDataClient({ region: "us-east-1" }), target);
    // WHEN it runs with one parameter
    await client.query("UPDATE prices SET label = '$1 off', note = $$costs $2$$ WHERE id = $1", [7]);
    // THEN only the placeholder in code is renamed; the literal and the body keep their text
    expect(rdsData.commandCalls(ExecuteStatementCommand)[0].args[0].input.sql).toBe("UPDATE prices SET label = '$1 off', note = $$costs $2$$ WHERE id = :p1");
  });

  test("a nested BEGIN is refused (the Data API has no savepoints through this client)", async () => {
    rdsData.on(BeginTransactionCommand).resolves({ transactionId: "tx-3" });
    const client = new DataApiQueryClient(new RDSDataClient({ region: "us-east-1" }), target);
    await client.query("BEGIN");
    await expect(client.query("BEGIN")).rejects.toThrow("already open");
  });
});
