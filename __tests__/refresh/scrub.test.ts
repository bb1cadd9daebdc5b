/**
 * Kind: real PostgreSQL 15 (started by this test as the `postgres` user, temp dir, 127.0.0.1,
 * free port). Why: the scrub is SQL; only a real server proves it parses, masks, remaps by
 * email and rolls back as one transaction. The refresh's "stop before the swap" on a failing
 * scrub is checked in the contract test (refresh-database.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { describeWithTools } from "../helpers/requirements";
import { TestPostgres, startPostgres } from "../helpers/postgres";
import { PostgresExecutor, ScrubError, runScrub, scrubFileFor, splitSql } from "../../scripts/refresh/scrub";

describeWithTools("scrub SQL against a real PostgreSQL", ["postgresql"], () => {
  let pg: TestPostgres;
  const connection = () => pg.connection("app");

  beforeAll(async () => {
    pg = await startPostgres({ databases: ["app"], prefix: "refresh-scrub-" });
  }, 60_000);

  afterAll(async () => {
    await pg?.stop();
  });

  async function seed(): Promise<Client> {
    const c = new Client(connection());
    await c.connect();
    await c.query("DROP TABLE IF EXISTS sessions; DROP TABLE IF EXISTS app_users;");
    await c.query(readFileSync(join(__dirname, "fixtures", "app-schema.sql"), "utf8"));
    await c.query(`INSERT INTO app_users (id, email, display_name, cognito_sub, stripe_customer_id, stripe_token, github_token) VALUES
      (1, 'Alice@Example.org', 'Alice', 'prod-sub-alice', 'cus_fake1', 'tok_fake1', 'ghp_fake1'),
      (2, 'bob@example.net', 'Bob', 'prod-sub-bob', 'cus_fake2', 'tok_fake2', NULL),
      (3, 'qa@example.com', 'QA', 'prod-sub-qa', NULL, 'tok_fake3', NULL),
      (4, 'robot@twinstack-test.example.com', 'Robot', 'prod-sub-robot', NULL, NULL, NULL)`);
    await c.query(`INSERT INTO sessions (user_id, token, expires_at) VALUES (1, 'sess-fake-1', now() + interval '1 day'), (3, 'sess-fake-3', now() + interval '1 day')`);
    return c;
  }

  const staging = readFileSync(scrubFileFor("staging"), "utf8");
  const users = { list: async () => [
    { email: "qa@example.com", sub: "staging-sub-qa" },
    { email: "alice@example.org", sub: "staging-sub-alice" },
  ] };

  test("masks emails except the allowlist, nulls tokens, clears sessions, remaps subs by email", async () => {
    // GIVEN a production-like database
    const c = await seed();
    try {
      // WHEN the staging scrub runs with the staging pool's users loaded
      const result = await runScrub(new PostgresExecutor(connection()), staging, users);
      // THEN
      expect(result.users).toBe(2);
      const rows = (await c.query("SELECT id, email, cognito_sub, stripe_customer_id, stripe_token, github_token FROM app_users ORDER BY id")).rows;
      expect(rows).toEqual([
        { id: "1", email: "user-1@staging.example.com", cognito_sub: "staging-sub-alice", stripe_customer_id: null, stripe_token: null, github_token: null },
        { id: "2", email: "user-2@staging.example.com", cognito_sub: null, stripe_customer_id: null, stripe_token: null, github_token: null },
        { id: "3", email: "qa@example.com", cognito_sub: "staging-sub-qa", stripe_customer_id: null, stripe_token: null, github_token: null },
        { id: "4", email: "robot@twinstack-test.example.com", cognito_sub: null, stripe_customer_id: null, stripe_token: null, github_token: null },
      ]);
      expect((await c.query("SELECT count(*)::int AS n FROM sessions")).rows[0].n).toBe(0);
      // The temporary table was dropped at commit.
      expect((await c.query("SELECT to_regclass('refresh_cognito_users') AS t")).rows[0].t).toBeNull();
    } finally {
      await c.end();
    }
  });

  test("a failing statement rolls the whole scrub back and reports which statement", async () => {
    // GIVEN a scrub whose last statement fails
    const c = await seed();
    try {
      const broken = `${staging}\nUPDATE app_users SET no_such_column = 1;\n`;
      // WHEN it runs
      const error = await runScrub(new PostgresExecutor(connection()), broken, users).catch((e: Error) => e);
      // THEN nothing changed, and the error names the statement
      expect(error).toBeInstanceOf(ScrubError);
      // Statements: the Cognito table, one insert batch, then the file's.
      expect((error as ScrubError).statementIndex).toBe(2 + splitSql(broken).length - 1);
      expect((error as Error).message).toMatch(/no_such_column/);
      const rows = (await c.query("SELECT email, stripe_token FROM app_users WHERE id = 1")).rows;
      expect(rows[0]).toEqual({ email: "Alice@Example.org", stripe_token: "tok_fake1" });
      expect((await c.query("SELECT count(*)::int AS n FROM sessions")).rows[0].n).toBe(2);
    } finally {
      await c.end();
    }
  });
});
