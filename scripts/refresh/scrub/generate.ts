/**
 * The scrub generated from a manifest and the schema it was checked against: the statements
 * (one transaction) and the verification queries that must all count zero before the swap.
 * Pure: no I/O. Fake values are pure SQL (no extension), deterministic per row (seeded by the
 * primary key and the column name), and recognisably fictional so that none equals a real value.
 */
import type { SqlStatement } from "./executor";
import type { CognitoUser } from "./cognito";
import { ColumnClassification, FakeKind, classificationName, LoadedManifest, ScrubManifest, isAllowlisted, tableKey } from "./manifest";
import { TableInfo } from "./schema";
import { qualified, quoteIdent, quoteLiteral, textArray } from "./sql";

/** The temporary table the remap reads: only allowlisted team accounts of the target's pool. */
export const COGNITO_TABLE = "refresh_cognito_users";

export interface GeneratedScrub {
  statements: SqlStatement[];
  /** Run inside the transaction, after the statements (they may read the temporary tables). */
  verifyBeforeCommit: Verification[];
  /** Run after the commit, on a fresh read (stateless checks only). */
  verifyAfterCommit: Verification[];
}

/** A query returning one row `{ n }`: how many rows break the rule (capped at VERIFY_CAP). */
export interface Verification {
  label: string;
  sql: string;
}

export const VERIFY_CAP = 1000;

const FIRST_NAMES = ["Alex", "Sam", "Robin", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie", "Avery", "Quinn", "Drew", "Rowan", "Sky", "Emery", "Hayden"];
/** Invented surnames: a faked name can never be a customer's real one by chance. */
const SURNAMES = ["Testwood", "Sampleton", "Mockridge", "Fakenham-Lee", "Placeholt", "Dummerby", "Stubbings", "Fixturson", "Examplar", "Demoway", "Trialbury", "Pretendle"];
const STREETS = ["Example Street", "Sample Avenue", "Test Lane", "Placeholder Road", "Fixture Way", "Demo Close"];
const TOWNS = ["Testville", "Sampleford", "Mockington", "Exampleton"];
const COMPANIES = ["Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip", "Litware", "Proseware", "Adatum"];
const COMPANY_SUFFIXES = ["Labs", "Studio", "Works", "Group"];

/** A whole number 0..2^28-1 from 7 hex digits of the seed at `offset` (1-based). */
function seedInt(seed: string, offset: number): string {
  return `(('x' || substr(${seed}, ${offset}, 7))::bit(28)::int)`;
}

function pick(list: readonly string[], seed: string, offset: number): string {
  return `(${textArray(list)})[1 + ${seedInt(seed, offset)} % ${list.length}]`;
}

/** SQL for one fake value; `seed` is an md5 hex text expression, different per row and column. */
export function fakeExpression(kind: FakeKind, seed: string): string {
  switch (kind) {
    case "first-name":
      return pick(FIRST_NAMES, seed, 1);
    case "name":
      return `${pick(FIRST_NAMES, seed, 1)} || ' ' || ${pick(SURNAMES, seed, 8)}`;
    case "phone":
      // 555-0100…555-0199 is reserved for fiction in the North American numbering plan.
      return `'+1 ' || (200 + ${seedInt(seed, 1)} % 800)::text || '-555-01' || lpad((${seedInt(seed, 8)} % 100)::text, 2, '0')`;
    case "address":
      return `(1 + ${seedInt(seed, 1)} % 999)::text || ' ' || ${pick(STREETS, seed, 8)} || ', ' || ${pick(TOWNS, seed, 15)}`;
    case "company":
      return `${pick(COMPANIES, seed, 1)} || ' ' || ${pick(COMPANY_SUFFIXES, seed, 8)} || ' ' || substr(${seed}, 15, 4)`;
    case "text":
      return `'Lorem ipsum dolor sit amet (scrubbed ' || substr(${seed}, 1, 8) || ')'`;
    case "ipv4":
      // 192.0.2.0/24 (TEST-NET-1) is reserved for documentation.
      return `'192.0.2.' || (1 + ${seedInt(seed, 1)} % 254)::text`;
  }
}

/** The row's key as text: `id::text`, or its columns joined. */
function keyText(table: TableInfo, alias: string): string {
  const parts = table.primaryKey.map((c) => `${alias}.${quoteIdent(c)}::text`);
  return parts.length === 1 ? parts[0] : `concat_ws(':', ${parts.join(", ")})`;
}

/** SQL true when `expr` (an email) is a team address: allowlisted exactly or by domain. */
export function allowlistedSql(manifest: ScrubManifest, expr: string): string {
  const lower = `lower(${expr})`;
  return `(${lower} = ANY(${textArray(manifest.emails.allow.addresses)}) OR regexp_replace(${lower}, '^.*@', '') = ANY(${textArray(manifest.emails.allow.domains)}))`;
}

function maskedEmailSql(manifest: ScrubManifest, expr: string, salt: string): string {
  // A salted hash of the address: the same person gets the same masked address in every table.
  return `'user-' || substr(encode(sha256(convert_to(${quoteLiteral(salt)} || lower(${expr}), 'UTF8')), 'hex'), 1, 16) || ${quoteLiteral(`@${manifest.emails.maskedDomain}`)}`;
}

function hashSql(expr: string, salt: string): string {
  return `encode(sha256(convert_to(${quoteLiteral(salt)} || ${expr}::text, 'UTF8')), 'hex')`;
}

type Columned = { table: TableInfo; key: string; columns: Array<{ name: string; type: string; classification: Exclude<ColumnClassification, "keep"> }> };

/** A count of rule breakers, stopping at VERIFY_CAP rows. */
function countWhere(from: string, where: string): string {
  return `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${from} WHERE ${where} LIMIT ${VERIFY_CAP}) AS breaking`;
}

/** Hashed columns' fingerprints before the scrub, to prove every hashed value changed. */
const before = (index: number) => `refresh_before_${index}`;

/**
 * Statements and verifications. `cognitoUsers` are the target pool's users; only allowlisted
 * addresses are loaded (and the SQL checks the allowlist again). `salt` is random per run.
 */
export function generateScrub(loaded: LoadedManifest, schema: TableInfo[], cognitoUsers: CognitoUser[], salt: string): GeneratedScrub {
  const { manifest } = loaded;
  const statements: SqlStatement[] = [];
  const verifyBeforeCommit: Verification[] = [];
  const verifyAfterCommit: Verification[] = [];
  const both = (v: Verification) => {
    verifyBeforeCommit.push(v);
    verifyAfterCommit.push(v);
  };

  const work: Columned[] = [];
  const truncated: TableInfo[] = [];
  for (const table of schema) {
    const key = tableKey(table.schema, table.name);
    const entry = manifest.tables[key];
    if (entry === "truncate") truncated.push(table);
    else if (entry) {
      const columns = table.columns.flatMap((c) => {
        const classification = entry.columns[c.name];
        return classification && classification !== "keep" ? [{ name: c.name, type: c.type, classification }] : [];
      });
      if (columns.length > 0) work.push({ table, key, columns });
    }
  }

  if (work.some((w) => w.columns.some((c) => typeof c.classification === "object" && "remap-cognito-sub" in c.classification))) {
    statements.push({ sql: `CREATE TEMPORARY TABLE ${COGNITO_TABLE} (email text PRIMARY KEY, sub text NOT NULL) ON COMMIT DROP`, label: "create the temporary table of the target pool's team accounts" });
    const team = [...new Map(cognitoUsers.filter((u) => u.email && u.sub && isAllowlisted(manifest, u.email)).map((u) => [u.email.trim().toLowerCase(), u.sub])).entries()];
    for (let i = 0; i < team.length; i += 500) {
      const batch = team.slice(i, i + 500);
      statements.push({
        sql: `INSERT INTO ${COGNITO_TABLE} (email, sub) VALUES ${batch.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(", ")}`,
        params: batch.flat(),
        label: `load ${batch.length} team accounts of the target pool`,
      });
    }
  }

  for (const [index, w] of work.entries()) {
    const target = qualified(w.table.schema, w.table.name);
    // Hashed values must differ from the source (a hash of a hash, salted anew, still does).
    const changed = w.columns.filter((c) => c.classification === "hash");
    if (changed.length > 0) {
      const fingerprints = changed.map((c, i) => `md5(r.${quoteIdent(c.name)}::text) AS c${i}`).join(", ");
      statements.push({
        sql: `CREATE TEMPORARY TABLE ${before(index)} ON COMMIT DROP AS SELECT ${w.table.primaryKey.map((k) => `r.${quoteIdent(k)}`).join(", ")}, ${fingerprints} FROM ${target} AS r`,
        label: `${w.key}: fingerprint ${changed.map((c) => c.name).join(", ")} before the scrub`,
      });
      for (const [i, c] of changed.entries()) {
        const join = w.table.primaryKey.map((k) => `b.${quoteIdent(k)} = r.${quoteIdent(k)}`).join(" AND ");
        verifyBeforeCommit.push({
          label: `${w.key}.${c.name} (${classificationName(c.classification)}): rows still holding the source value`,
          sql: countWhere(`${target} AS r JOIN ${before(index)} AS b ON ${join}`, `b.c${i} IS NOT NULL AND md5(r.${quoteIdent(c.name)}::text) = b.c${i}`),
        });
      }
    }
    const sets = w.columns.map((c) => `${quoteIdent(c.name)} = ${columnExpression(manifest, w.table, c, salt)}`);
    statements.push({ sql: `UPDATE ${target} AS r SET ${sets.join(", ")}`, label: `${w.key}: ${w.columns.map((c) => `${c.name} ${classificationName(c.classification)}`).join(", ")}` });

    for (const c of w.columns) {
      const col = `r.${quoteIdent(c.name)}`;
      const cls = c.classification;
      const field = `${w.key}.${c.name}`;
      if (cls === "null") both({ label: `${field} (null): non-null values`, sql: countWhere(`${target} AS r`, `${col} IS NOT NULL`) });
      else if (typeof cls === "object" && "fake" in cls) {
        // Every value is its row's fictional one: none kept from the source, none put back later
        // (a source value can equal it only if it was scrubbed data already).
        both({ label: `${field} (fake ${cls.fake}): values that are not the row's fake`, sql: countWhere(`${target} AS r`, `${col} IS NOT NULL AND ${col} IS DISTINCT FROM ${fakeValue(w.table, c.name, c.type, cls.fake)}`) });
      } else if (cls === "mask-email") {
        both({
          label: `${field} (mask-email): addresses neither allowlisted nor @${manifest.emails.maskedDomain}`,
          sql: countWhere(`${target} AS r`, `${col} IS NOT NULL AND NOT ${allowlistedSql(manifest, col)} AND lower(${col}) NOT LIKE ${quoteLiteral(`%@${manifest.emails.maskedDomain}`)}`),
        });
      } else if (cls === "hash") verifyAfterCommit.push({ label: `${field} (hash): values that are not a hash`, sql: countWhere(`${target} AS r`, `${col} IS NOT NULL AND ${col}::text !~ '^[0-9a-f]{64}$'`) });
      else if (typeof cls === "object" && "remap-cognito-sub" in cls) {
        const email = `r.${quoteIdent(cls["remap-cognito-sub"].emailColumn)}`;
        both({ label: `${field} (remap-cognito-sub): subs linked to an address outside the allowlist`, sql: countWhere(`${target} AS r`, `${col} IS NOT NULL AND (${email} IS NULL OR NOT ${allowlistedSql(manifest, email)})`) });
        verifyBeforeCommit.push({
          label: `${field} (remap-cognito-sub): subs that are not the target pool's sub for that address`,
          sql: countWhere(`${target} AS r`, `${col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${COGNITO_TABLE} AS c WHERE c.email = lower(${email}) AND c.sub = ${col}::text)`),
        });
      } else if (typeof cls === "object" && "sql" in cls && cls.verify) {
        both({ label: `${field} (sql): rows its verify query returns`, sql: `SELECT count(*)::int AS n FROM (SELECT 1 FROM (${cls.verify}) AS v LIMIT ${VERIFY_CAP}) AS breaking` });
      }
    }
  }

  if (truncated.length > 0) {
    // One statement, no CASCADE: a kept table that references a truncated one is an error, not a silent loss.
    statements.push({ sql: `TRUNCATE ${truncated.map((t) => qualified(t.schema, t.name)).join(", ")}`, label: `truncate ${truncated.map((t) => tableKey(t.schema, t.name)).join(", ")}` });
    for (const t of truncated) both({ label: `${tableKey(t.schema, t.name)} (truncate): rows left`, sql: countWhere(qualified(t.schema, t.name), "true") });
  }

  for (const [i, s] of manifest.statements.entries()) statements.push({ sql: s.sql, label: `${loaded.file}: statements.${i} (${s.reason})` });
  statements.push({ sql: RESET_ROLE_PASSWORDS, label: "reset the passwords of the other login roles" });
  return { statements, verifyBeforeCommit, verifyAfterCommit };
}

/** The row's fictional value for a column: seeded by its key and the column's name, cast to the column's type. */
function fakeValue(table: TableInfo, column: string, type: string, kind: FakeKind): string {
  const seed = `md5(${keyText(table, "r")} || ${quoteLiteral(`:${column}`)})`;
  return `(${fakeExpression(kind, seed)})::${type}`;
}

function columnExpression(manifest: ScrubManifest, table: TableInfo, c: Columned["columns"][number], salt: string): string {
  const col = `r.${quoteIdent(c.name)}`;
  const cls = c.classification;
  if (cls === "null") return "NULL";
  if (cls === "mask-email") return `CASE WHEN ${col} IS NULL OR ${allowlistedSql(manifest, col)} THEN ${col} ELSE ${maskedEmailSql(manifest, col, salt)} END`;
  if (cls === "hash") return `CASE WHEN ${col} IS NULL THEN NULL ELSE ${hashSql(col, salt)} END`;
  if ("fake" in cls) return `CASE WHEN ${col} IS NULL THEN NULL ELSE ${fakeValue(table, c.name, c.type, cls.fake)} END`;
  if ("remap-cognito-sub" in cls) {
    // Only a team account keeps a link, and only to the target pool's sub for its (unmasked, allowlisted) address.
    const email = `r.${quoteIdent(cls["remap-cognito-sub"].emailColumn)}`;
    return `(SELECT c.sub FROM ${COGNITO_TABLE} AS c WHERE c.email = lower(${email}) AND ${allowlistedSql(manifest, email)})::${c.type}`;
  }
  return `(${cls.sql})`;
}

/**
 * Every other login role gets a random password nobody knows: production's passwords never work
 * on staging. Spared: the user running the scrub (the master user, whose secret the refresh just
 * rotated), roles RDS manages (`rds*`), PostgreSQL's (`pg_*`) and superusers (on Aurora only
 * RDS's own `rdsadmin` is one, and no master user may alter it). Grants are untouched, so the
 * API's IAM user keeps `rds_iam`. The passwords are made on the server and never leave it.
 */
const OTHER_LOGIN_ROLES = `rolcanlogin AND NOT rolsuper AND rolname <> current_user AND rolname <> session_user AND rolname !~ '^(rds|pg_)'`;

export const RESET_ROLE_PASSWORDS = `DO $reset$
DECLARE r record;
BEGIN
  FOR r IN SELECT rolname FROM pg_roles
            WHERE ${OTHER_LOGIN_ROLES}
  LOOP
    EXECUTE format('ALTER ROLE %I PASSWORD %L', r.rolname, gen_random_uuid()::text || gen_random_uuid()::text);
  END LOOP;
END
$reset$`;

/** How many roles RESET_ROLE_PASSWORDS covers (for the message). */
export const COUNT_RESET_ROLES = `SELECT count(*)::int AS n FROM pg_roles WHERE ${OTHER_LOGIN_ROLES}`;
