/**
 * Kind: aws-sdk-client-mock contract tests of the Data API executor, plus unit tests of the SQL
 * lexer it uses. Why: the emulator has no Data API engine; what matters is the exact requests we
 * send (parameter names, `continueAfterTimeout`, the transaction id) and how we react to the
 * Data API's documented answers (a call timing out after 45 s while the statement goes on:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api-timeouts.html).
 */
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand, StatementTimeoutException } from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import { loadModule, parseSync } from "libpg-query";
import { DataApiExecutor, ScrubError } from "../../scripts/refresh/scrub";
import { positionalToNamed, syntaxError } from "../../scripts/refresh/scrub/sql";

const target = { resourceArn: "arn:aws:rds:us-east-1:111111111111:cluster:twinstack-staging-new", secretArn: "arn:aws:secretsmanager:us-east-1:111111111111:secret:rds-fake", database: "app" };

describe("$n → :pn outside literals and comments", () => {
  test.each([
    ["UPDATE t SET a = $1 WHERE b = $2", "UPDATE t SET a = :p1 WHERE b = :p2"],
    ["UPDATE t SET price = '$1.00', note = $1", "UPDATE t SET price = '$1.00', note = :p1"],
    ["SELECT 'it''s $2', $1", "SELECT 'it''s $2', :p1"],
    ["SELECT E'a\\' $1', $2", "SELECT E'a\\' $1', :p2"],
    ['SELECT "col$1", $1 FROM "t ""$2"""', 'SELECT "col$1", :p1 FROM "t ""$2"""'],
    ["SELECT $1 -- costs $2\n, $3", "SELECT :p1 -- costs $2\n, :p3"],
    ["SELECT /* $1 /* nested $2 */ still $3 */ $4", "SELECT /* $1 /* nested $2 */ still $3 */ :p4"],
    ["DO $body$ BEGIN PERFORM '$1'; END $body$; SELECT $1", "DO $body$ BEGIN PERFORM '$1'; END $body$; SELECT :p1"],
    ["SELECT $$ $1 $$, $1", "SELECT $$ $1 $$, :p1"],
    ["SELECT x$1 FROM t WHERE y = $10", "SELECT x$1 FROM t WHERE y = :p10"],
  ])("%j", (sql, expected) => {
    expect(positionalToNamed(sql)).toBe(expected);
  });

  test("renames exactly the parameters PostgreSQL's parser sees", async () => {
    await loadModule();
    const sql = "UPDATE t SET a = $1, b = '$2', c = $$ $3 $$ /* $4 */ WHERE d = $5 -- $6";
    const params = (JSON.stringify(parseSync(sql)).match(/"ParamRef"/g) ?? []).length;
    expect(params).toBe(2);
    expect(positionalToNamed(sql).match(/:p\d+/g)).toEqual([":p1", ":p5"]);
  });
});

test("PostgreSQL's parser reports a syntax error with its position", async () => {
  expect(await syntaxError("UPDATE app_users SET email = NULL")).toBeUndefined();
  expect(await syntaxError("UPDAT app_users SET email = NULL")).toBe('syntax error at or near "UPDAT" (at character 1)');
});

describe("DataApiExecutor", () => {
  const data = mockClient(RDSDataClient);
  afterEach(() => data.reset());
  afterAll(() => data.restore());
  const executor = () => new DataApiExecutor(new RDSDataClient({ region: "us-east-1" }), target, { probeDelayMs: 1, sleep: async () => undefined });
  const timeout = () => new StatementTimeoutException({ message: "call timed out", $metadata: {}, dbConnectionId: 1 });

  test("writes run in one transaction with continueAfterTimeout, parameters named :pN", async () => {
    data.on(BeginTransactionCommand).resolves({ transactionId: "tx-1" });
    data.on(ExecuteStatementCommand).resolves({});
    data.on(CommitTransactionCommand).resolves({});
    await executor().transaction([{ sql: "UPDATE t SET price = '$1.00', note = $1", params: ["x"] }]);
    const [call] = data.commandCalls(ExecuteStatementCommand);
    expect(call.args[0].input).toEqual({ ...target, sql: "UPDATE t SET price = '$1.00', note = :p1", parameters: [{ name: "p1", value: { stringValue: "x" } }], transactionId: "tx-1", continueAfterTimeout: true });
    expect(data.commandCalls(CommitTransactionCommand)[0].args[0].input).toEqual({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId: "tx-1" });
  });

  test("a statement that outlives its call: the transaction is probed until it is free, then committed", async () => {
    data.on(BeginTransactionCommand).resolves({ transactionId: "tx-2" });
    data.on(ExecuteStatementCommand, { sql: "UPDATE big SET a = NULL" }).rejects(timeout());
    // The first two probes wait behind the running UPDATE (each call times out too), the third returns.
    data.on(ExecuteStatementCommand, { sql: "SELECT 1" }).rejectsOnce(timeout()).rejectsOnce(timeout()).resolves({});
    data.on(CommitTransactionCommand).resolves({});
    await executor().transaction([{ sql: "UPDATE big SET a = NULL" }]);
    expect(data.commandCalls(ExecuteStatementCommand).map((c) => [c.args[0].input.sql, c.args[0].input.transactionId])).toEqual([
      ["UPDATE big SET a = NULL", "tx-2"],
      ["SELECT 1", "tx-2"],
      ["SELECT 1", "tx-2"],
      ["SELECT 1", "tx-2"],
    ]);
    expect(data.commandCalls(CommitTransactionCommand)).toHaveLength(1);
  });

  test("a long statement that then fails: rolled back, the error names the statement's label", async () => {
    data.on(BeginTransactionCommand).resolves({ transactionId: "tx-3" });
    data.on(ExecuteStatementCommand, { sql: "UPDATE big SET a = NULL" }).rejects(timeout());
    data.on(ExecuteStatementCommand, { sql: "SELECT 1" }).rejects(Object.assign(new Error("current transaction is aborted"), { name: "DatabaseErrorException" }));
    data.on(RollbackTransactionCommand).resolves({});
    const error = await executor()
      .transaction([{ sql: "UPDATE big SET a = NULL", label: "big: a null" }])
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(ScrubError);
    expect((error as Error).message).toMatch(/scrub statement 1 failed .*current transaction is aborted\n {2}big: a null/);
    expect(data.commandCalls(RollbackTransactionCommand)).toHaveLength(1);
    expect(data.commandCalls(CommitTransactionCommand)).toHaveLength(0);
  });

  test("reads inside the transaction (before commit) and outside it come back as rows", async () => {
    data.on(BeginTransactionCommand).resolves({ transactionId: "tx-4" });
    data.on(ExecuteStatementCommand, { formatRecordsAs: "JSON" }).resolves({ formattedRecords: '[{"n":0}]' });
    data.on(ExecuteStatementCommand, { sql: "UPDATE t SET a = NULL" }).resolves({});
    data.on(CommitTransactionCommand).resolves({});
    const seen: unknown[] = [];
    const e = executor();
    await e.transaction([{ sql: "UPDATE t SET a = NULL" }], async (read) => {
      seen.push(await read({ sql: "SELECT count(*) AS n FROM t WHERE a IS NOT NULL" }));
    });
    seen.push(await e.query({ sql: "SELECT 0 AS n" }));
    expect(seen).toEqual([[{ n: 0 }], [{ n: 0 }]]);
    const reads = data.commandCalls(ExecuteStatementCommand).filter((c) => c.args[0].input.formatRecordsAs === "JSON");
    expect(reads.map((c) => c.args[0].input.transactionId)).toEqual(["tx-4", undefined]);
  });

  test("a failed check before commit rolls back", async () => {
    data.on(BeginTransactionCommand).resolves({ transactionId: "tx-5" });
    data.on(ExecuteStatementCommand).resolves({});
    data.on(RollbackTransactionCommand).resolves({});
    const error = await executor()
      .transaction([{ sql: "UPDATE t SET a = NULL" }], async () => {
        throw new Error("verification failed");
      })
      .catch((e: Error) => e);
    expect((error as Error).message).toBe("verification failed");
    expect(data.commandCalls(RollbackTransactionCommand)).toHaveLength(1);
    expect(data.commandCalls(CommitTransactionCommand)).toHaveLength(0);
  });
});
