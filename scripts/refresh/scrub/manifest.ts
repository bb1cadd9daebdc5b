/**
 * The scrub manifest: per refresh target (environments/<env>/scrub.ts; previews use staging's),
 * how every table and column of the copied database is made safe. Privacy by default: what it
 * does not classify stops the refresh. Validated with zod; errors name the file and the field.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RefusedError } from "../core";

/** Generators of `fake` values (pure SQL, deterministic per row, see generate.ts). */
export const FAKE_KINDS = ["name", "first-name", "phone", "address", "company", "text", "ipv4"] as const;
export type FakeKind = (typeof FAKE_KINDS)[number];

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, "must be a PostgreSQL identifier (letters, digits, _; at most 63)");
const reason = z.string().trim().min(10, "must say why, in at least 10 characters");
const domain = z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a lowercase domain like example.com");

const ColumnSchema = z.union(
  [
    z.enum(["keep", "mask-email", "null", "hash"]),
    z.strictObject({ fake: z.enum(FAKE_KINDS) }),
    z.strictObject({ "remap-cognito-sub": z.strictObject({ emailColumn: identifier }) }),
    z.strictObject({
      /** A SQL expression for the column's new value (it may read the row's other columns). */
      sql: z.string().trim().min(1, "must be a SQL expression"),
      reason,
      /** A query that must return no rows after the scrub (e.g. `SELECT id FROM notes WHERE body LIKE '%@%'`). */
      verify: z.string().trim().min(1).optional(),
    }),
  ],
  {
    error: `must be "keep", "mask-email", "null", "hash", { fake: ${FAKE_KINDS.map((k) => `"${k}"`).join(" | ")} }, { "remap-cognito-sub": { emailColumn } } or { sql, reason }`,
  },
);

const TableSchema = z.union([z.literal("truncate"), z.strictObject({ columns: z.record(identifier, ColumnSchema) })], {
  error: 'must be "truncate" or { columns: { <column>: <classification> } }',
});

export const ScrubManifestSchema = z.strictObject({
  emails: z.strictObject({
    /** Team accounts whose addresses stay as they are (and only these may keep a Cognito link). */
    allow: z.strictObject({
      addresses: z.array(z.email("must be an email address").transform((s) => s.toLowerCase())).default([]),
      domains: z.array(domain).default([]),
    }),
    /** Every other address becomes `user-<hash>@<maskedDomain>`. */
    maskedDomain: domain,
  }),
  /** Every table of the database: `table` (schema public) or `schema.table`. */
  tables: z.record(z.string().regex(/^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/, "must be `table` or `schema.table`"), TableSchema),
  /** Raw statements run after the generated ones, in the same transaction, each with its reason. */
  statements: z.array(z.strictObject({ sql: z.string().trim().min(1, "must be a SQL statement"), reason })).default([]),
});

export type ScrubManifestInput = z.input<typeof ScrubManifestSchema>;
export type ScrubManifest = z.output<typeof ScrubManifestSchema>;
export type ColumnClassification = z.output<typeof ColumnSchema>;
export type TableClassification = z.output<typeof TableSchema>;

/** A column's classification as one word (or "fake <kind>"), for labels and messages. */
export function classificationName(cls: ColumnClassification): string {
  if (typeof cls === "string") return cls;
  if ("fake" in cls) return `fake ${cls.fake}`;
  if ("remap-cognito-sub" in cls) return "remap-cognito-sub";
  return "sql";
}

/** A manifest and the file it came from (every message names it). */
export interface LoadedManifest {
  /** Relative to the repository root, e.g. `environments/staging/scrub.ts`. */
  file: string;
  manifest: ScrubManifest;
}

/** Bad or missing manifest: refused (exit 2) before anything is read or written. */
export class ScrubManifestError extends RefusedError {
  constructor(message: string) {
    super(message);
    this.name = "ScrubManifestError";
  }
}

/** `public.app_users` → `app_users`; `audit.log` stays. The form the manifest's keys use. */
export function tableKey(schema: string, table: string): string {
  return schema === "public" ? table : `${schema}.${table}`;
}

/** The manifest key's schema and table. */
export function splitTableKey(key: string): { schema: string; table: string } {
  const dot = key.indexOf(".");
  return dot === -1 ? { schema: "public", table: key } : { schema: key.slice(0, dot), table: key.slice(dot + 1) };
}

/** Previews (`preview-pr-<n>`) are scrubbed like staging; every other target has its own manifest. */
export function manifestEnvironment(environment: string): string {
  return /^preview-pr-/.test(environment) ? "staging" : environment;
}

export function manifestFileFor(environment: string): string {
  return `environments/${manifestEnvironment(environment)}/scrub.ts`;
}

/** Validates a manifest; the error lists `<file>: <field> <rule>` per problem. */
export function parseScrubManifest(input: unknown, file: string): ScrubManifest {
  const result = ScrubManifestSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = specificIssues(result.error.issues, []).map((issue) => `${file}: ${issue.path.map(String).join(".") || "(manifest)"} ${issue.message}`);
  throw new ScrubManifestError(lines.join("\n"));
}

type Issue = { path: PropertyKey[]; message: string; code?: string; errors?: Issue[][] };

/**
 * A union's issue names the deepest field that went wrong: when exactly one alternative got past
 * its shape (say a table's `{ columns }` with one bad column), its issues are the ones reported.
 */
function specificIssues(issues: readonly Issue[], prefix: PropertyKey[]): Array<{ path: PropertyKey[]; message: string }> {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors) {
      const deeper = issue.errors.filter((branch) => branch.some((i) => i.path.length > 0));
      if (deeper.length === 1) return specificIssues(deeper[0], path);
    }
    return [{ path, message: issue.message }];
  });
}

const REPOSITORY_ROOT = join(__dirname, "..", "..", "..");

/** Loads `environments/<env>/scrub.ts` (its `scrubManifest` export) and validates it. */
export function loadScrubManifest(environment: string, root = REPOSITORY_ROOT): LoadedManifest {
  const file = manifestFileFor(environment);
  const path = join(root, file);
  if (!existsSync(path)) throw new ScrubManifestError(`${file} not found: every refresh target needs a scrub manifest (see docs/privacy.md)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path) as { scrubManifest?: unknown };
  if (module.scrubManifest === undefined) throw new ScrubManifestError(`${file}: exports no \`scrubManifest\``);
  return { file, manifest: parseScrubManifest(module.scrubManifest, file) };
}

/** The manifest's path to a column, as errors print it: `tables.app_users.columns.email`. */
export function columnField(table: string, column: string): string {
  return `tables.${table}.columns.${column}`;
}

/** Whether an address stays as it is: allowlisted exactly or by domain. */
export function isAllowlisted(manifest: ScrubManifest, email: string): boolean {
  const lower = email.trim().toLowerCase();
  const domainOf = lower.slice(lower.lastIndexOf("@") + 1);
  return manifest.emails.allow.addresses.includes(lower) || manifest.emails.allow.domains.includes(domainOf);
}
