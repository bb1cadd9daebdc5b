// @ts-check
/**
 * The API's database: connection settings from the function's environment, a small pool, and
 * the queries the routes need (parameterised, nothing else).
 *
 * On AWS the function logs in as DB_USER with an IAM authentication token (@aws-sdk/rds-signer,
 * valid 15 minutes, signed with the function's role: `rds-db:connect`), over TLS verified
 * against Amazon's CAs (NODE_EXTRA_CA_CERTS, set by modules/lambda). No password exists.
 *
 * SANDBOX ONLY: IAM authentication cannot be emulated, so the sandbox's gateway (scripts/sandbox)
 * starts the handler with TWINSTACK_SANDBOX_DB_ADDRESS (`127.0.0.1:<port>`, the PostgreSQL that
 * stands in for DB_HOST) and TWINSTACK_SANDBOX_DB_PASSWORD. On Lambda (AWS_EXECUTION_ENV set)
 * those settings are refused.
 */
"use strict";

const { Pool } = require("pg");

/** @type {typeof import("./db").databaseSettingsFromEnv} */
function databaseSettingsFromEnv(env = process.env) {
  const missing = ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER"].filter((name) => !env[name] || String(env[name]).trim() === "");
  if (missing.length > 0) throw new Error(`database settings missing from the function's environment: ${missing.join(", ")}`);
  const port = Number(env.DB_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`DB_PORT (${JSON.stringify(env.DB_PORT)}) must be a port number`);
  const base = { host: String(env.DB_HOST), port, database: String(env.DB_NAME), user: String(env.DB_USER) };
  const sandboxAddress = env.TWINSTACK_SANDBOX_DB_ADDRESS;
  if (sandboxAddress !== undefined) {
    if (env.AWS_EXECUTION_ENV) throw new Error("TWINSTACK_SANDBOX_DB_ADDRESS is a sandbox-only setting and is refused on Lambda");
    const match = /^127\.0\.0\.1:(\d{1,5})$/.exec(sandboxAddress);
    if (!match) throw new Error(`TWINSTACK_SANDBOX_DB_ADDRESS (${JSON.stringify(sandboxAddress)}) must be 127.0.0.1:<port>`);
    const password = env.TWINSTACK_SANDBOX_DB_PASSWORD;
    if (!password) throw new Error("TWINSTACK_SANDBOX_DB_ADDRESS needs TWINSTACK_SANDBOX_DB_PASSWORD");
    // The database name and user stay the deployed ones: a wrong DB_NAME or DB_USER fails here too.
    return { ...base, host: "127.0.0.1", port: Number(match[1]), auth: { kind: "password", password }, ssl: false };
  }
  const region = env.AWS_REGION;
  if (!region) throw new Error("AWS_REGION is not set: the IAM authentication token is signed for a region");
  return { ...base, auth: { kind: "iam", region }, ssl: true };
}

/**
 * @param {import("./db").DatabaseSettings} settings
 * @returns {() => Promise<string>}
 */
function iamToken(settings) {
  // Loaded only on AWS: the sandbox and the tests never sign a token.
  const { Signer } = require("@aws-sdk/rds-signer");
  if (settings.auth.kind !== "iam") throw new Error("iamToken needs IAM settings");
  const signer = new Signer({ hostname: settings.host, port: settings.port, username: settings.user, region: settings.auth.region });
  // pg asks for the password on every new connection: a fresh token each time.
  return () => signer.getAuthToken();
}

/** @type {typeof import("./db").createPool} */
function createPool(settings) {
  const pool = new Pool({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.auth.kind === "password" ? settings.auth.password : iamToken(settings),
    ssl: settings.ssl ? { rejectUnauthorized: true } : false,
    // One request at a time per Lambda environment; reserved concurrency caps the total.
    max: 2,
    idleTimeoutMillis: 60_000,
    // Aurora Serverless v2 resuming from 0 ACU takes seconds; the function's timeout bounds the rest.
    connectionTimeoutMillis: 8_000,
    statement_timeout: 5_000,
  });
  // An idle connection dropped by the server must not crash the runtime.
  pool.on("error", (error) => console.error("database connection lost", error.message));
  return pool;
}

/** @type {typeof import("./db").databaseReachable} */
async function databaseReachable(db) {
  try {
    await db.query("SELECT 1");
    return true;
  } catch (error) {
    console.error("database check failed", /** @type {Error} */ (error).message);
    return false;
  }
}

/** @type {typeof import("./db").findUserBySub} */
async function findUserBySub(db, sub) {
  const { rows } = await db.query(
    "SELECT id, email, full_name, display_name, created_at FROM app_users WHERE cognito_sub = $1",
    [sub],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { id: row.id, email: row.email, fullName: row.full_name, displayName: row.display_name, createdAt: new Date(row.created_at).toISOString() };
}

/** @type {typeof import("./db").listProjects} */
async function listProjects(db, ownerId) {
  const { rows } = await db.query(
    `SELECT p.id, p.name, p.description, p.created_at, count(n.id)::int AS notes
       FROM projects p LEFT JOIN notes n ON n.project_id = p.id
      WHERE p.owner_id = $1
      GROUP BY p.id
      ORDER BY p.created_at DESC, p.id
      LIMIT 100`,
    [ownerId],
  );
  return rows.map((row) => ({ id: row.id, name: row.name, description: row.description, notes: row.notes, createdAt: new Date(row.created_at).toISOString() }));
}

/** @type {typeof import("./db").createProject} */
async function createProject(db, ownerId, input) {
  const { rows } = await db.query(
    "INSERT INTO projects (owner_id, name, description) VALUES ($1, $2, $3) RETURNING id, name, description, created_at",
    [ownerId, input.name, input.description ?? null],
  );
  const row = rows[0];
  return { id: row.id, name: row.name, description: row.description, notes: 0, createdAt: new Date(row.created_at).toISOString() };
}

module.exports = { databaseSettingsFromEnv, createPool, databaseReachable, findUserBySub, listProjects, createProject };
