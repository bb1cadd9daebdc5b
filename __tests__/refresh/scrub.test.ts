/**
 * Kind: real PostgreSQL (the test server from __tests__/helpers/postgres.ts, 127.0.0.1, free
 * port), schema from the application's real migrations (node-pg-migrate's runner). Why: the
 * scrub is generated SQL; only a real server proves it parses, fakes, masks, remaps, resets
 * roles, verifies and rolls back as one transaction, and that the manifest classifies exactly
 * what the migrations create.
 */
import { join } from "node:path";
import { Client } from "pg";
import { describeWithTools } from "../helpers/requirements";
import { TestPostgres, startPostgres } from "../helpers/postgres";
import { APPLICATION_MIGRATIONS, migrateUp } from "../support/migrate";
import { PostgresExecutor, ScrubError, UnclassifiedError, VerificationError, loadScrubManifest, scrubDatabase } from "../../scripts/refresh/scrub";
import { LoadedManifest, ScrubManifestInput, parseScrubManifest } from "../../scripts/refresh/scrub/manifest";
import { scrubManifest as staging } from "../../environments/staging/scrub";

const FILE = "environments/staging/scrub.ts";
const NEW_PII_MIGRATIONS = join(__dirname, "fixtures", "migrations-new-pii");

/** Staging's manifest with a change (a test variant; the file itself is never edited). */
function variant(change: (m: ScrubManifestInput) => void): LoadedManifest {
  const copy = structuredClone(staging);
  change(copy);
  return { file: FILE, manifest: parseScrubManifest(copy, FILE) };
}

const IDS = {
  alice: "00000000-0000-4000-8000-000000000001",
  bob: "00000000-0000-4000-8000-000000000002",
  qa: "00000000-0000-4000-8000-000000000003",
  robot: "00000000-0000-4000-8000-000000000004",
};

/** Fake people, as production would hold them (example addresses only). */
async function seed(c: Client): Promise<void> {
  await c.query(`INSERT INTO app_users (id, cognito_sub, email, full_name, display_name, phone, home_address, stripe_customer_id) VALUES
    ('${IDS.alice}', 'prod-sub-alice', 'Alice@Example.org', 'Alice Anders', 'Ali', '+44 20 7946 0001', '1 High Street, Exampleshire', 'cus_fake1'),
    ('${IDS.bob}', 'prod-sub-bob', 'bob@example.net', 'Bob Brown', NULL, NULL, NULL, 'cus_fake2'),
    ('${IDS.qa}', 'prod-sub-qa', 'qa@example.com', 'QA Account', 'QA', '+1 202-555-0100', NULL, NULL),
    ('${IDS.robot}', 'prod-sub-robot', 'robot@twinstack-test.example.com', 'Robot', NULL, NULL, NULL, NULL)`);
  await c.query(`INSERT INTO projects (id, owner_id, name, description) VALUES
    ('10000000-0000-4000-8000-000000000001', '${IDS.alice}', 'Alice''s wedding', 'Guest list and addresses')`);
  await c.query(`INSERT INTO notes (project_id, author_id, body) VALUES ('10000000-0000-4000-8000-000000000001', '${IDS.alice}', 'Call Bob on +44 20 7946 0002')`);
  await c.query(`INSERT INTO attachments (note_id, object_key, content_type, size_bytes) SELECT id, 'uploads/n1/plan.pdf', 'application/pdf', 1234 FROM notes`);
  await c.query(`INSERT INTO sessions (user_id, token_hash, user_agent, ip_address, expires_at) VALUES ('${IDS.alice}', 'hash-fake-1', 'Firefox', '198.51.100.7', now() + interval '1 day')`);
}

describeWithTools("scrub generated from the manifest, against a real PostgreSQL", ["postgresql"], () => {
  let pg: TestPostgres;
  let databases = 0;

  beforeAll(async () => {
    pg = await startPostgres({ prefix: "refresh-scrub-" });
  }, 60_000);

  afterAll(async () => {
    await pg?.stop();
  });

  /** A fresh database: the application's migrations (plus `extra`), then fake people. */
  async function freshDatabase(extra: string[] = []): Promise<{ c: Client; executor: PostgresExecutor; connection: ReturnType<TestPostgres["connection"]> }> {
    const name = `app${++databases}`;
    const admin = new Client(pg.connection("postgres"));
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const connection = pg.connection(name);
    migrateUp(connection, [APPLICATION_MIGRATIONS, ...extra]);
    const c = new Client(connection);
    await c.connect();
    await seed(c);
    return { c, executor: new PostgresExecutor(connection), connection };
  }

  const pool = {
    list: async () => [
      { email: "qa@example.com", sub: "staging-sub-qa" },
      // Someone created a staging user with a customer's (production) address.
      { email: "alice@example.org", sub: "staging-sub-attacker" },
      { email: "bob@example.net", sub: "staging-sub-bob" },
    ],
  };

  const users = async (c: Client) => (await c.query("SELECT id, cognito_sub, email, full_name, display_name, phone, home_address, stripe_customer_id FROM app_users ORDER BY id")).rows;

  test("a staging user created with a customer's email does not inherit the customer's row", async () => {
    // GIVEN production rows, and staging's pool holding a user with a customer's unmasked address
    const { c, executor } = await freshDatabase();
    try {
      // WHEN the staging scrub runs
      await scrubDatabase(executor, { loaded: loadScrubManifest("staging"), cognitoUsers: pool });
      // THEN only the allowlisted team account is linked; the customers' rows have no sub at all
      const subs = Object.fromEntries((await c.query("SELECT id, cognito_sub FROM app_users")).rows.map((r) => [r.id, r.cognito_sub]));
      expect(subs).toEqual({ [IDS.alice]: null, [IDS.bob]: null, [IDS.qa]: "staging-sub-qa", [IDS.robot]: null });
    } finally {
      await c.end();
    }
  });

  test("the staging manifest's scrub: masked, faked, nulled, truncated, remapped, roles reset — then verified", async () => {
    // GIVEN a migrated, seeded database with two extra login roles (one an IAM-auth user)
    const { c, executor } = await freshDatabase();
    try {
      await c.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN CREATE ROLE rds_iam; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reporting') THEN CREATE ROLE reporting LOGIN PASSWORD 'production-password-fake'; END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'api_iam') THEN CREATE ROLE api_iam LOGIN PASSWORD 'production-password-fake-2'; END IF;
      END $$`);
      await c.query("GRANT rds_iam TO api_iam");
      const passwords = async () => Object.fromEntries((await c.query("SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN ('reporting', 'api_iam')")).rows.map((r) => [r.rolname, r.rolpassword]));
      const before = await passwords();
      const sourceUsers = await users(c);

      // WHEN the scrub generated from environments/staging/scrub.ts runs
      const result = await scrubDatabase(executor, { loaded: loadScrubManifest("staging"), cognitoUsers: pool });

      // THEN
      expect(result.message).toMatch(/environments\/staging\/scrub\.ts: 6 tables, 36 columns classified; .* verification queries found nothing; 2 other login roles given a random password/);
      const rows = await users(c);
      const [alice, bob, qa, robot] = rows;
      // Emails: allowlisted (exact and by domain) kept, the rest masked to the masked domain.
      expect(alice.email).toMatch(/^user-[0-9a-f]{16}@staging\.example\.com$/);
      expect(bob.email).toMatch(/^user-[0-9a-f]{16}@staging\.example\.com$/);
      expect(alice.email).not.toBe(bob.email);
      expect(qa.email).toBe("qa@example.com");
      expect(robot.email).toBe("robot@twinstack-test.example.com");
      // Faked: different from the source, fictional, NULL stays NULL.
      for (const [i, row] of rows.entries()) {
        for (const column of ["full_name", "display_name", "phone", "home_address"]) {
          if (sourceUsers[i][column] === null) expect(row[column]).toBeNull();
          else expect(row[column]).not.toBe(sourceUsers[i][column]);
        }
      }
      expect(alice.full_name).toMatch(/^[A-Z][a-z]+ [A-Z][A-Za-z-]+$/);
      expect(alice.phone).toMatch(/^\+1 \d{3}-555-01\d\d$/);
      expect(alice.home_address).toMatch(/^\d+ .+, .+$/);
      // Nulled, truncated.
      expect(rows.map((r) => r.stripe_customer_id)).toEqual([null, null, null, null]);
      expect((await c.query("SELECT count(*)::int AS n FROM sessions")).rows[0].n).toBe(0);
      // Other tables: faked text, kept keys (attachments still find their objects).
      const project = (await c.query("SELECT name, description FROM projects")).rows[0];
      expect(project.name).not.toMatch(/Alice/);
      expect(project.description).toMatch(/^Lorem ipsum/);
      expect((await c.query("SELECT body FROM notes")).rows[0].body).not.toMatch(/Bob|7946/);
      expect((await c.query("SELECT object_key FROM attachments")).rows[0].object_key).toBe("uploads/n1/plan.pdf");
      expect((await c.query("SELECT name FROM pgmigrations")).rows.map((r) => r.name)).toEqual(["1764460800000_initial-schema"]);
      // Roles: new passwords nobody knows; the IAM user keeps rds_iam.
      const after = await passwords();
      expect(after.reporting).not.toBe(before.reporting);
      expect(after.api_iam).not.toBe(before.api_iam);
      expect((await c.query("SELECT pg_has_role('api_iam', 'rds_iam', 'MEMBER') AS m")).rows[0].m).toBe(true);
      // The temporary tables went with the commit.
      expect((await c.query("SELECT to_regclass('refresh_cognito_users') AS t")).rows[0].t).toBeNull();
    } finally {
      await c.end();
    }
  });

  test("a copy scrubbed once (a run resumed after the scrub committed) scrubs again and still verifies", async () => {
    // GIVEN a scrubbed copy
    const { c, executor } = await freshDatabase();
    try {
      const loaded = loadScrubManifest("staging");
      await scrubDatabase(executor, { loaded, cognitoUsers: pool });
      const once = await users(c);
      // WHEN the scrub runs on it again
      const result = await scrubDatabase(executor, { loaded, cognitoUsers: pool });
      // THEN it verifies; fakes are the same (deterministic), the rest stays scrubbed
      expect(result.message).toMatch(/verification queries found nothing/);
      const twice = await users(c);
      expect(twice.map((r) => [r.full_name, r.phone, r.cognito_sub, r.stripe_customer_id])).toEqual(once.map((r) => [r.full_name, r.phone, r.cognito_sub, r.stripe_customer_id]));
      expect(twice.map((r) => r.email)).toEqual(once.map((r) => (/@staging\.example\.com$/.test(r.email) ? expect.stringMatching(/^user-[0-9a-f]{16}@staging\.example\.com$/) : r.email)));
    } finally {
      await c.end();
    }
  });

  test("fakes are deterministic per row: two copies of the same data scrub to the same names", async () => {
    // GIVEN two databases with the same rows
    const first = await freshDatabase();
    const second = await freshDatabase();
    try {
      // WHEN both are scrubbed (each run has its own salt)
      for (const { executor } of [first, second]) await scrubDatabase(executor, { loaded: loadScrubManifest("staging"), cognitoUsers: pool });
      // THEN faked columns match row for row (masked addresses are salted per run, so they differ)
      const faked = async (c: Client) => (await c.query("SELECT full_name, display_name, phone, home_address FROM app_users ORDER BY id")).rows;
      expect(await faked(first.c)).toEqual(await faked(second.c));
    } finally {
      await first.c.end();
      await second.c.end();
    }
  });

  test.each([
    ["an empty manifest", (m: ScrubManifestInput) => (m.tables = {}), ["app_users.email", "app_users.phone", "sessions.token_hash", "pgmigrations.name"]],
    ["display_name left unclassified", (m: ScrubManifestInput) => delete (m.tables.app_users as { columns: Record<string, unknown> }).columns.display_name, ["app_users.display_name"]],
    ["phone left unclassified", (m: ScrubManifestInput) => delete (m.tables.app_users as { columns: Record<string, unknown> }).columns.phone, ["app_users.phone"]],
    ["a stale entry for a dropped column", (m: ScrubManifestInput) => ((m.tables.app_users as { columns: Record<string, unknown> }).columns.stripe_token = "null"), ["app_users.stripe_token"]],
  ])("%s stops the scrub before anything changes, naming the column and the manifest", async (_title, change, named) => {
    // GIVEN a seeded database and a manifest that does not fit it
    const { c, executor } = await freshDatabase();
    try {
      const sourceUsers = await users(c);
      // WHEN the scrub runs
      const error = await scrubDatabase(executor, { loaded: variant(change), cognitoUsers: pool }).catch((e: Error) => e);
      // THEN it refuses, naming table.column and the file; nothing changed
      expect(error).toBeInstanceOf(UnclassifiedError);
      for (const column of named) expect((error as Error).message).toContain(column);
      expect((error as Error).message).toContain(FILE);
      expect(await users(c)).toEqual(sourceUsers);
      expect((await c.query("SELECT count(*)::int AS n FROM sessions")).rows[0].n).toBe(1);
    } finally {
      await c.end();
    }
  });

  test("a migration adding a personal column stops the scrub, naming it", async () => {
    // GIVEN the application's migrations plus one adding app_users.date_of_birth
    const { c, executor } = await freshDatabase([NEW_PII_MIGRATIONS]);
    try {
      // WHEN staging's (unchanged) manifest scrubs it
      const error = await scrubDatabase(executor, { loaded: loadScrubManifest("staging"), cognitoUsers: pool }).catch((e: Error) => e);
      // THEN
      expect(error).toBeInstanceOf(UnclassifiedError);
      expect((error as UnclassifiedError).problems).toEqual([`app_users.date_of_birth: not classified (${FILE}: add tables.app_users.columns.date_of_birth)`]);
    } finally {
      await c.end();
    }
  });

  test.each([
    [
      "a raw statement re-creating a session after the truncate",
      (m: ScrubManifestInput) => (m.statements = [{ sql: "INSERT INTO sessions (user_id, token_hash, expires_at) SELECT id, 'x', now() FROM app_users LIMIT 1", reason: "a broken extra statement (test)" }]),
      /sessions \(truncate\): rows left: 1 row/,
    ],
    [
      "a raw statement linking a customer to a sub",
      (m: ScrubManifestInput) => (m.statements = [{ sql: `UPDATE app_users SET cognito_sub = 'staging-sub-bob' WHERE id = '${IDS.bob}'`, reason: "a broken extra statement (test)" }]),
      /app_users\.cognito_sub \(remap-cognito-sub\): subs linked to an address outside the allowlist: 1 row/,
    ],
    [
      "a raw statement putting a real name back",
      (m: ScrubManifestInput) => (m.statements = [{ sql: `UPDATE app_users SET full_name = 'Alice Anders' WHERE id = '${IDS.alice}'`, reason: "a broken extra statement (test)" }]),
      /app_users\.full_name \(fake name\): values that are not the row's fake: 1 row/,
    ],
    [
      "a raw column expression that keeps the value, with its verify query",
      (m: ScrubManifestInput) =>
        ((m.tables.app_users as { columns: Record<string, unknown> }).columns.stripe_customer_id = {
          sql: "stripe_customer_id",
          reason: "a broken classification (test)",
          verify: "SELECT id FROM app_users WHERE stripe_customer_id IS NOT NULL",
        }),
      /app_users\.stripe_customer_id \(sql\): rows its verify query returns: 2 rows/,
    ],
  ])("verification: %s fails the scrub and rolls it back", async (_title, change, message) => {
    const { c, executor } = await freshDatabase();
    try {
      const sourceUsers = await users(c);
      const error = await scrubDatabase(executor, { loaded: variant(change), cognitoUsers: pool }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(VerificationError);
      expect((error as Error).message).toMatch(message);
      expect(await users(c)).toEqual(sourceUsers);
    } finally {
      await c.end();
    }
  });

  test("a statement failing at run time rolls everything back; the error names the manifest entry, not the SQL", async () => {
    const { c, executor } = await freshDatabase();
    try {
      const sourceUsers = await users(c);
      const loaded = variant((m) => (m.statements = [{ sql: "UPDATE notes SET no_such_column = 1", reason: "a broken extra statement (test)" }]));
      const error = await scrubDatabase(executor, { loaded, cognitoUsers: pool }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(ScrubError);
      expect((error as Error).message).toMatch(/no_such_column/);
      expect((error as Error).message).toContain(`${FILE}: statements.0`);
      expect(await users(c)).toEqual(sourceUsers);
    } finally {
      await c.end();
    }
  });
});
