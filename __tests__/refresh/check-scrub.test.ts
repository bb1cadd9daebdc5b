/**
 * Kind: real PostgreSQL (the test server from __tests__/helpers/postgres.ts), schema from the
 * application's real migrations (node-pg-migrate's runner). Why: `check-scrub` is the CI guard
 * that a migration cannot add a column the scrub manifest does not classify; only the real
 * migrations on a real server show what the manifest must cover.
 */
import { join } from "node:path";
import { describeWithTools } from "../helpers/requirements";
import { TestPostgres, freePort, startPostgres } from "../helpers/postgres";
import { APPLICATION_MIGRATIONS, migrateUp } from "../support/migrate";
import { main } from "../../scripts/refresh/cli";
import { realClock } from "../../scripts/refresh/core";
import { checkScrub } from "../../scripts/refresh/scrub";
import { parseScrubManifest } from "../../scripts/refresh/scrub/manifest";
import { cliDeps, fakeWorlds } from "../support/refresh/harness";
import { scrubManifest as staging } from "../../environments/staging/scrub";

const PASSWORD = "check-Scrub-Pw-51c0";

describeWithTools("npm run refresh -- check-scrub, against a real PostgreSQL", ["postgresql"], () => {
  let pg: TestPostgres;
  let url: (database: string) => string;
  const fakeWorld = fakeWorlds();

  beforeAll(async () => {
    pg = await startPostgres({ databases: ["app", "app_new_pii"], prefix: "check-scrub-" });
    migrateUp(pg.connection("app"));
    migrateUp(pg.connection("app_new_pii"), [APPLICATION_MIGRATIONS, join(__dirname, "fixtures", "migrations-new-pii")]);
    // The server trusts local connections; the password only proves it is never printed.
    url = (database) => `postgres://${pg.user}:${PASSWORD}@${pg.host}:${pg.port}/${database}`;
  }, 60_000);

  afterAll(async () => {
    await pg?.stop();
  });

  async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
    const deps = cliDeps({ clock: realClock }, env, { connect: () => Promise.reject(new Error("check-scrub uses no AWS account")) });
    const code = await main(["check-scrub", ...args], deps);
    const output = deps.text();
    expect(output).not.toContain(PASSWORD);
    return { code, output };
  }

  test("the application's migrations: every table and column is classified by staging's manifest (exit 0)", async () => {
    // GIVEN a database built by the application's migrations (a new migration lands here first)
    // WHEN check-scrub runs against it
    const { code, output } = await cli(["--to", "staging", "--database-url", url("app")]);
    // THEN
    expect(output).toMatch(/environments\/staging\/scrub\.ts classifies every table and column of postgres:\/\/postgres@127\.0\.0\.1:\d+\/app \(6 tables, 36 columns\)/);
    expect(code).toBe(0);
  });

  test("a column the manifest does not classify: exit 1 naming app_users.phone and the manifest", async () => {
    // GIVEN staging's manifest without app_users.phone (the column the migrations add)
    const copy = structuredClone(staging);
    delete (copy.tables.app_users as { columns: Record<string, unknown> }).columns.phone;
    const load = () => ({ file: "environments/staging/scrub.ts", manifest: parseScrubManifest(copy, "environments/staging/scrub.ts") });
    const lines: string[] = [];
    let exitCode = -1;
    // WHEN check-scrub checks the migrated database
    const code = await checkScrub({ to: "staging", databaseUrl: url("app") }, { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {}, exit: (c) => (exitCode = c), load });
    // THEN
    expect(code).toBe(1);
    expect(exitCode).toBe(-1);
    expect(lines.join("\n")).toContain("app_users.phone: not classified (environments/staging/scrub.ts: add tables.app_users.columns.phone)");
    expect(lines.join("\n")).not.toContain(PASSWORD);
  });

  test("a later migration adding a personal column fails the check (exit 1), naming it", async () => {
    // GIVEN the application's migrations plus one adding app_users.date_of_birth
    // WHEN
    const { code, output } = await cli(["--to", "staging", "--database-url", url("app_new_pii")]);
    // THEN
    expect(code).toBe(1);
    expect(output).toMatch(/1 problem \(a refresh to staging would stop before scrubbing\)/);
    expect(output).toContain("app_users.date_of_birth: not classified (environments/staging/scrub.ts: add tables.app_users.columns.date_of_birth)");
  });

  test("a preview is checked against staging's manifest; the password may come from PGPASSWORD", async () => {
    const { code, output } = await cli(["--to", "preview-pr-7", "--database-url", `postgres://${pg.user}@${pg.host}:${pg.port}/app`], { PGPASSWORD: PASSWORD });
    expect(output).toMatch(/environments\/staging\/scrub\.ts classifies every table/);
    expect(code).toBe(0);
  });

  test("no database there: exit 1, and the password is not printed", async () => {
    const port = await freePort();
    const { code, output } = await cli(["--database-url", `postgres://${pg.user}:${PASSWORD}@127.0.0.1:${port}/app`]);
    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`cannot read the schema of postgres://postgres@127\\.0\\.0\\.1:${port}/app`));
  });

  test.each([
    [["--to", "staging"], /required option '--database-url <url>' not specified/],
    [["--to", "nowhere", "--database-url", "postgres://u@h/app"], /refused: unknown environment "nowhere"/],
    [["--database-url", "mysql://u@h/app"], /refused: --database-url must start with postgres:\/\/ or postgresql:\/\/, not mysql:/],
    [["--database-url", "postgres://u@h"], /refused: --database-url must name a host and a database/],
  ])("bad usage %j: exit 2", async (args, message) => {
    const { code, output } = await cli(args as string[]);
    expect(output).toMatch(message);
    expect(code).toBe(2);
  });

  test("refresh plan --source-database-url: an unclassified column in the source's schema is a plan problem (exit 1)", async () => {
    // GIVEN the fake AWS (production → staging) and a readable source schema with a new personal column
    const world = fakeWorld();
    const deps = cliDeps(world);
    // WHEN plan reads it
    const code = await main(["plan", "--only", "database", "--source-database-url", url("app_new_pii")], deps);
    // THEN
    expect(deps.text()).toContain("source schema: app_users.date_of_birth: not classified (environments/staging/scrub.ts: add tables.app_users.columns.date_of_birth)");
    expect(deps.text()).not.toContain(PASSWORD);
    expect(code).toBe(1);
    // AND against the application's own schema the plan is runnable
    deps.lines.length = 0;
    expect(await main(["plan", "--only", "database", "--source-database-url", url("app")], deps)).toBe(0);
    expect(deps.text()).toMatch(/runnable/);
  });

  test("--help describes the command (exit 0)", async () => {
    const { code, output } = await cli(["--help"]);
    expect(code).toBe(0);
    expect(output).toMatch(/--database-url <url>/);
  });
});
