/**
 * Kind: unit (no database, no AWS). Why: the manifest is validated before anything else runs;
 * its errors must name the file and the field, and a missing or empty manifest must refuse.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RefusedError } from "../../scripts/refresh/core";
import { ScrubManifestError, isAllowlisted, loadScrubManifest, manifestFileFor, parseScrubManifest } from "../../scripts/refresh/scrub/manifest";
import { resolveEnvironment } from "../../environments/registry";
import { validateManifestOffline } from "../../scripts/refresh/scrub/run";
import { classificationProblems, TableInfo } from "../../scripts/refresh/scrub/schema";
import { scrubManifest as staging } from "../../environments/staging/scrub";

const FILE = "environments/staging/scrub.ts";

test("staging's manifest is valid and previews use it", () => {
  expect(loadScrubManifest("staging").file).toBe(FILE);
  expect(manifestFileFor("preview-pr-42")).toBe(FILE);
  expect(loadScrubManifest("preview-pr-42").manifest).toEqual(loadScrubManifest("staging").manifest);
});

test("GIVEN staging's team accounts (environments/staging users) WHEN a refresh scrubs the copy THEN each keeps its address and so its staging sign-in", () => {
  // Not allowlisted, a team account is scrubbed like a customer: masked address, no Cognito link,
  // and signing in to staging after a refresh answers 403 NoAccount.
  const { manifest } = loadScrubManifest("staging");
  const team = resolveEnvironment("staging").users.map((user) => user.email);
  expect(team.length).toBeGreaterThan(0);
  expect(team.filter((email) => !isAllowlisted(manifest, email))).toEqual([]);
});

test.each([
  ["empty", {}, [`${FILE}: emails Invalid input: expected object, received undefined`, `${FILE}: tables Invalid input: expected record, received undefined`]],
  [
    "an unknown classification",
    { ...staging, tables: { app_users: { columns: { email: "mask" } } } },
    [`${FILE}: tables.app_users.columns.email must be "keep", "mask-email", "null", "hash", { fake: "name" | "first-name" | "phone" | "address" | "company" | "text" | "ipv4" }, { "remap-cognito-sub": { emailColumn } } or { sql, reason }`],
  ],
  ["raw SQL without a real reason", { ...staging, tables: { notes: { columns: { body: { sql: "''", reason: "short" } } } } }, [`${FILE}: tables.notes.columns.body.reason must say why, in at least 10 characters`]],
  ["an unknown table classification", { ...staging, tables: { sessions: "delete" } }, [`${FILE}: tables.sessions must be "truncate" or { columns: { <column>: <classification> } }`]],
  ["a masked domain that is not a domain", { ...staging, emails: { ...staging.emails, maskedDomain: "Staging" } }, [`${FILE}: emails.maskedDomain must be a lowercase domain like example.com`]],
  ["a statement without a reason", { ...staging, statements: [{ sql: "DELETE FROM notes", reason: "" }] }, [`${FILE}: statements.0.reason must say why, in at least 10 characters`]],
] as const)("%s: the error names the file and the field", (_title, input, messages) => {
  const error = (() => {
    try {
      parseScrubManifest(input, FILE);
    } catch (e) {
      return e as Error;
    }
    throw new Error("expected a ScrubManifestError");
  })();
  expect(error).toBeInstanceOf(ScrubManifestError);
  // Refused (exit 2): nothing has been read or written yet.
  expect(error).toBeInstanceOf(RefusedError);
  expect(error.message.split("\n")).toEqual(messages);
});

describe("a manifest file", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "scrub-manifest-"));
    mkdirSync(join(root, "environments", "staging"), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("missing: refused, naming the file", () => {
    expect(() => loadScrubManifest("staging", root)).toThrow(new ScrubManifestError(`${FILE} not found: every refresh target needs a scrub manifest (see docs/privacy.md)`));
  });

  test("comments only: refused, naming the file", async () => {
    writeFileSync(join(root, FILE), "// everything is fine, nothing to scrub\n/* really */\n");
    expect(() => loadScrubManifest("staging", root)).toThrow(new ScrubManifestError(`${FILE}: exports no \`scrubManifest\``));
    // The engine's offline check reports it as a problem (plan shows it; run stops in preflight).
    expect((await validateManifestOffline("staging", (env) => loadScrubManifest(env, root))).problems).toEqual([`${FILE}: exports no \`scrubManifest\``]);
  });
});

test("classification problems: unclassified, stale, wrong type, no key, materialized views", () => {
  const loaded = {
    file: FILE,
    manifest: parseScrubManifest(
      {
        emails: staging.emails,
        tables: {
          people: { columns: { id: "keep", email: "mask-email", born: { fake: "name" }, nickname: "null", gone: "keep" } },
          logs: { columns: { line: "hash", code: "hash" } },
          "reports.totals": { columns: { n: "null" } },
          missing_table: "truncate",
        },
      },
      FILE,
    ),
  };
  const schema: TableInfo[] = [
    { schema: "public", name: "people", kind: "table", primaryKey: ["id"], columns: [
      { name: "id", type: "uuid", notNull: true, generated: false },
      { name: "email", type: "text", notNull: true, generated: false },
      { name: "born", type: "date", notNull: false, generated: false },
      { name: "nickname", type: "text", notNull: true, generated: false },
      { name: "phone", type: "text", notNull: false, generated: false },
    ] },
    { schema: "public", name: "logs", kind: "table", primaryKey: [], columns: [
      { name: "line", type: "text", notNull: false, generated: false },
      { name: "code", type: "character varying(8)", notNull: false, generated: false },
    ] },
    { schema: "reports", name: "totals", kind: "materialized view", primaryKey: [], columns: [{ name: "n", type: "bigint", notNull: false, generated: false }] },
    { schema: "audit", name: "events", kind: "table", primaryKey: [], columns: [{ name: "actor", type: "text", notNull: false, generated: false }] },
  ];
  expect(classificationProblems(loaded, schema)).toEqual([
    `people.born: fake name needs a text column, not date (${FILE}: tables.people.columns.born)`,
    `people.nickname: null cannot apply to a NOT NULL column (choose fake, hash or sql) (${FILE}: tables.people.columns.nickname)`,
    `people.phone: not classified (${FILE}: add tables.people.columns.phone)`,
    `people.gone: in ${FILE} (tables.people.columns.gone) but the database has no such column (stale manifest)`,
    `logs.line: hash needs a primary key on logs (to seed fakes per row and to verify each row against the source)`,
    `logs.code: hash writes 64 hex characters; character varying(8) is too short (${FILE}: tables.logs.columns.code)`,
    `logs.code: hash needs a primary key on logs (to seed fakes per row and to verify each row against the source)`,
    `reports.totals: a materialized view cannot be updated; classify its columns keep and refresh it from scrubbed tables (${FILE}: tables.reports.totals)`,
    `reports.totals: a materialized view keeps production's rows until refreshed; add a statement REFRESH MATERIALIZED VIEW reports.totals (${FILE}: statements)`,
    `audit.events.actor: not classified (table audit.events is missing from ${FILE}: add tables.audit.events)`,
    `missing_table: in ${FILE} (tables.missing_table) but the database has no such table (stale manifest)`,
  ]);
});
