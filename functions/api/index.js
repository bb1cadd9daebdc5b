// @ts-check
/**
 * The API of twinstack: the artifact the Lambda module deploys, the sandbox serves and the smoke
 * test calls. API Gateway HTTP API, payload format 2.0. CommonJS JavaScript held to index.d.ts
 * by `// @ts-check` (`npx tsc -p functions/api`); its dependencies (pg, the RDS signer) are
 * bundled into one file at synth (functions/api/bundle.ts).
 *
 *   GET  /health        200 {"status":"ok","database":"ok"}, 503 when the database does not answer
 *   GET  /version       200 {"version","environment","gitSha","deployedAt"}
 *   GET  /me            the caller's profile                     (signed in)
 *   GET  /me/projects   the caller's projects                    (signed in)
 *   POST /projects      {"name","description"?} → 201 project    (signed in)
 *   anything else       404 {"error":"NotFound",…}
 *
 * "Signed in": API Gateway's JWT authorizer verified a Cognito token and passes its claims in
 * requestContext.authorizer.jwt.claims; the caller is the app_users row whose cognito_sub is the
 * token's `sub`. Every response is JSON and carries X-App-Version and X-Environment.
 */
"use strict";

const data = require("./db");

const UNKNOWN = "unknown";

/** @type {typeof import("./index").deploymentFromEnv} */
function deploymentFromEnv(env = process.env) {
  /** @param {string | undefined} value */
  const orUnknown = (value) => (value === undefined || value.trim() === "" ? UNKNOWN : value.trim());
  return {
    version: orUnknown(env.APP_VERSION),
    environment: orUnknown(env.ENVIRONMENT),
    gitSha: orUnknown(env.GIT_SHA),
    deployedAt: orUnknown(env.DEPLOYED_AT),
  };
}

/** The path CloudFront routes to the API (modules/cloudfront `apiPathPattern`). */
const API_PREFIX = "/api";

/** @type {typeof import("./index").requestPath} */
function requestPath(event) {
  const path = event.rawPath ?? event.requestContext?.http?.path ?? "/";
  // With a named stage (not `$default`), API Gateway keeps the stage in rawPath: /staging/health.
  const stage = event.requestContext?.stage;
  if (stage && stage !== "$default") {
    const prefix = `/${stage}`;
    if (path === prefix) return "/";
    if (path.startsWith(`${prefix}/`)) return path.slice(prefix.length);
  }
  // Through CloudFront the API is served under /api/* (the path is forwarded as is).
  if (path === API_PREFIX) return "/";
  if (path.startsWith(`${API_PREFIX}/`)) return path.slice(API_PREFIX.length);
  return path === "" ? "/" : path;
}

/**
 * @param {number} statusCode
 * @param {unknown} body
 * @param {import("./index").Deployment} deployment
 * @returns {import("./index").HttpApiResult}
 */
function json(statusCode, body, deployment) {
  return {
    statusCode,
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
      "X-App-Version": deployment.version,
      "X-Environment": deployment.environment,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/**
 * The caller's Cognito `sub`, from the claims API Gateway's JWT authorizer verified.
 * @param {import("./index").HttpApiEvent} event
 */
function callerSub(event) {
  const sub = event.requestContext?.authorizer?.jwt?.claims?.sub;
  return typeof sub === "string" && sub !== "" ? sub : undefined;
}

/**
 * The request body as JSON (base64 when API Gateway says so); undefined when it is not JSON.
 * @param {import("./index").HttpApiEvent} event
 * @returns {unknown}
 */
function jsonBody(event) {
  if (event.body === undefined || event.body === null || event.body === "") return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A new project's fields, or the problem with them.
 * @param {unknown} body
 * @returns {{ input: { name: string; description?: string } } | { problem: string }}
 */
function projectInput(body) {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { problem: "the body must be a JSON object like {\"name\": \"…\"}" };
  const { name, description } = /** @type {Record<string, unknown>} */ (body);
  if (typeof name !== "string" || name.trim().length < 1 || name.trim().length > 200) return { problem: "name must be a string of 1 to 200 characters" };
  if (description !== undefined && description !== null && (typeof description !== "string" || description.length > 2000)) {
    return { problem: "description, when given, must be a string of at most 2000 characters" };
  }
  return { input: { name: name.trim(), description: typeof description === "string" ? description : undefined } };
}

/** @type {typeof import("./index").route} */
async function route(event, deployment, services) {
  const method = (event.requestContext?.http?.method ?? "").toUpperCase();
  const path = requestPath(event);
  if (method === "GET" && path === "/health") {
    const reachable = await data.databaseReachable(services.db());
    return reachable ? json(200, { status: "ok", database: "ok" }, deployment) : json(503, { status: "unavailable", database: "unreachable" }, deployment);
  }
  if (method === "GET" && path === "/version") {
    const { version, environment, gitSha, deployedAt } = deployment;
    return json(200, { version, environment, gitSha, deployedAt }, deployment);
  }
  const signedIn = (method === "GET" && (path === "/me" || path === "/me/projects")) || (method === "POST" && path === "/projects");
  if (!signedIn) {
    // The request is not echoed back: nothing the caller sent ends up in the body.
    return json(404, { error: "NotFound", message: "No such route. Try GET /health or GET /version." }, deployment);
  }
  const sub = callerSub(event);
  // Behind the JWT authorizer this cannot happen; without it, nobody is signed in.
  if (!sub) return json(401, { error: "Unauthorized", message: "Sign in: this route needs a Cognito token." }, deployment);
  const db = services.db();
  const user = await data.findUserBySub(db, sub);
  if (!user) return json(403, { error: "NoAccount", message: "No account is linked to this sign-in." }, deployment);
  if (path === "/me") return json(200, user, deployment);
  if (path === "/me/projects") return json(200, { projects: await data.listProjects(db, user.id) }, deployment);
  const parsed = projectInput(jsonBody(event));
  if ("problem" in parsed) return json(400, { error: "BadRequest", message: parsed.problem }, deployment);
  return json(201, await data.createProject(db, user.id, parsed.input), deployment);
}

/** @type {import("./db").Queryable | undefined} */
let pool;

/** The execution environment's pool, created on first use from the function's settings. */
function sharedPool() {
  if (!pool) pool = data.createPool(data.databaseSettingsFromEnv());
  return pool;
}

/** @type {typeof import("./index").handler} */
async function handler(event) {
  const deployment = deploymentFromEnv();
  try {
    return await route(event ?? {}, deployment, { db: sharedPool });
  } catch (error) {
    // Logged for CloudWatch; the caller gets a generic JSON error, never a stack trace.
    console.error("Unhandled error", error);
    return json(500, { error: "InternalError", message: "Internal error" }, deployment);
  }
}

module.exports = { handler, route, requestPath, deploymentFromEnv };
