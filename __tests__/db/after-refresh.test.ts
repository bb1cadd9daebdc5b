/**
 * Kind: real PostgreSQL 16 (the test server from __tests__/helpers/postgres.ts; trust
 * authentication, so logins are judged by the stored SCRAM verifier, checked here as PostgreSQL
 * checks it). Why: the sandbox's journey relies on this contract between two pieces tested apart
 * — the refresh's scrub gives every other login role of the restored copy a random password
 * (privacy by default), and `db:migrate` after the swap gives the API user its password again
 * (the sandbox's stand-in for IAM authentication, which the scrub leaves alone on AWS). Without
 * the second, staging's API cannot log in after a refresh (the journey's step 11 failed with
 * `password authentication failed for user "app_api"`).
 */
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { Client } from "pg";
import { describeWithTools } from "../helpers/requirements";
import { TestPostgres, applyMigrations, startPostgres } from "../helpers/postgres";
import { PostgresExecutor, loadScrubManifest, scrubDatabase } from "../../scripts/refresh/scrub";

const API_PASSWORD = "sandbox-api-pw-fake";

/** Whether `password` logs in against a `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` verifier (RFC 5802 §3). */
function scramAccepts(verifier: string | null, password: string): boolean {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(verifier ?? "");
  if (!match) return false;
  const salted = pbkdf2Sync(password, Buffer.from(match[2], "base64"), Number(match[1]), 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  return createHash("sha256").update(clientKey).digest("base64") === match[3];
}

describeWithTools("the API user's login after a refresh", ["postgresql"], () => {
  let pg: TestPostgres;
  let admin: Client;

  beforeAll(async () => {
    pg = await startPostgres({ databases: ["app"], prefix: "after-refresh-" });
    admin = new Client(pg.connection("app"));
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    await admin?.end();
    await pg?.stop();
  });

  const apiVerifier = async (): Promise<string | null> => (await admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'app_api'")).rows[0]?.rolpassword ?? null;

  test("GIVEN a database migrated with the API user's password WHEN the staging scrub runs THEN that password no longer logs in, AND db:migrate makes it log in again with its grants", async () => {
    // GIVEN the schema and the API user as db:migrate makes them in the sandbox
    await applyMigrations(pg, "app", { apiPassword: API_PASSWORD });
    await admin.query("INSERT INTO app_users (email, full_name) VALUES ('someone@example.com', 'Some One')");
    expect(scramAccepts(await apiVerifier(), API_PASSWORD)).toBe(true);

    // WHEN the scrub generated from environments/staging/scrub.ts runs on the copy
    const executor = new PostgresExecutor(pg.connection("app"));
    try {
      await scrubDatabase(executor, { loaded: loadScrubManifest("staging"), cognitoUsers: { list: async () => [] } });
    } finally {
      await executor.close();
    }
    // THEN the API user's password is gone (a random one nobody knows)
    expect(scramAccepts(await apiVerifier(), API_PASSWORD)).toBe(false);

    // WHEN staging converges: db:migrate again
    const output = await applyMigrations(pg, "app", { apiPassword: API_PASSWORD });
    // THEN nothing to migrate, the password logs in again, and the grants are as db:migrate says
    expect(output).toMatch(/schema already current/);
    expect(scramAccepts(await apiVerifier(), API_PASSWORD)).toBe(true);
    const { rows } = await admin.query("SELECT has_table_privilege('app_api', 'app_users', 'SELECT') AS reads, has_table_privilege('app_api', 'pgmigrations', 'SELECT') AS bookkeeping");
    expect(rows[0]).toEqual({ reads: true, bookkeeping: false });
  }, 120_000);
});
