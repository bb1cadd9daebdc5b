// @ts-check
/**
 * Sample API for twinstack: the artifact the Lambda module deploys and smoke tests call.
 * API Gateway HTTP API, payload format 2.0. Plain CommonJS JavaScript with no dependencies,
 * so Node.js 20 runs it as is (no build step); `// @ts-check` holds it to index.d.ts
 * (`npx tsc -p functions/api`).
 *
 *   GET /health   200 {"status":"ok"}
 *   GET /version  200 {"version","environment","gitSha","deployedAt"}
 *   anything else 404 {"error":"NotFound","message":…}
 *
 * Every response is JSON and carries X-App-Version and X-Environment.
 */
"use strict";

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

/** @type {typeof import("./index").route} */
function route(event, deployment) {
  const method = (event.requestContext?.http?.method ?? "").toUpperCase();
  const path = requestPath(event);
  if (method === "GET" && path === "/health") {
    return json(200, { status: "ok" }, deployment);
  }
  if (method === "GET" && path === "/version") {
    const { version, environment, gitSha, deployedAt } = deployment;
    return json(200, { version, environment, gitSha, deployedAt }, deployment);
  }
  // The request is not echoed back: nothing the caller sent ends up in the body.
  return json(404, { error: "NotFound", message: "No such route. Try GET /health or GET /version." }, deployment);
}

/** @type {typeof import("./index").handler} */
async function handler(event) {
  const deployment = deploymentFromEnv();
  try {
    return route(event ?? {}, deployment);
  } catch (error) {
    // Logged for CloudWatch; the caller gets a generic JSON error, never a stack trace.
    console.error("Unhandled error", error);
    return json(500, { error: "InternalError", message: "Internal error" }, deployment);
  }
}

module.exports = { handler, route, requestPath, deploymentFromEnv };
