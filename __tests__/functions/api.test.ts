/**
 * Unit tests of the API handler's routing (functions/api): they call the handler directly with
 * API Gateway HTTP API payload 2.0 events, no AWS and no emulator. Routes that need no database
 * (/version, 404s) run with a database that must not be touched; the data paths are in
 * api-data.test.ts against a real PostgreSQL. The deployed function is exercised end to end by
 * the sandbox and smoke tests.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { deploymentFromEnv, handler, requestPath, route, type Deployment, type HttpApiEvent, type Services } from "../../functions/api";

/** Services whose database must not be used: routes that need none prove it. */
const noDatabase: Services = {
  db: () => {
    throw new Error("this route must not touch the database");
  },
};

const DEPLOYMENT_ENV = ["APP_VERSION", "ENVIRONMENT", "GIT_SHA", "DEPLOYED_AT"] as const;

/** A minimal payload 2.0 event, as API Gateway sends it for the `$default` stage. */
function httpEvent(method: string, path: string, stage = "$default"): HttpApiEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    headers: { accept: "application/json" },
    requestContext: { stage, requestId: "test-request-1", http: { method, path } },
  };
}

describe("functions/api handler", () => {
  const saved: Partial<Record<(typeof DEPLOYMENT_ENV)[number], string>> = {};

  beforeEach(() => {
    for (const name of DEPLOYMENT_ENV) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    // GIVEN the environment variables the Lambda module sets
    process.env.APP_VERSION = "1.2.3";
    process.env.ENVIRONMENT = "staging";
    process.env.GIT_SHA = "0123456789abcdef0123456789abcdef01234567";
    process.env.DEPLOYED_AT = "2026-01-02T03:04:05Z";
  });

  afterEach(() => {
    for (const name of DEPLOYMENT_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  test("GET /health without database settings answers a JSON 500 with the version headers (a wrong setting fails the request)", async () => {
    // GIVEN no DB_* settings in the function's environment
    const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
    // WHEN the health endpoint is called
    const response = await handler(httpEvent("GET", "/health"));
    spy.mockRestore();
    // THEN it fails as JSON, says which version answered, and names nothing internal
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: "InternalError", message: "Internal error" });
    expect(response.headers).toMatchObject({ "Content-Type": "application/json", "X-App-Version": "1.2.3", "X-Environment": "staging" });
    expect(response.isBase64Encoded).toBe(false);
  });

  test("GET /version answers exactly version, environment, gitSha and deployedAt", async () => {
    // WHEN the version endpoint is called
    const response = await handler(httpEvent("GET", "/version"));
    // THEN the body is exactly the four deployment facts
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toStrictEqual({
      version: "1.2.3",
      environment: "staging",
      gitSha: "0123456789abcdef0123456789abcdef01234567",
      deployedAt: "2026-01-02T03:04:05Z",
    });
    expect(response.headers["Content-Type"]).toBe("application/json");
    expect(response.headers["X-App-Version"]).toBe("1.2.3");
    expect(response.headers["X-Environment"]).toBe("staging");
  });

  test("missing or empty GIT_SHA and DEPLOYED_AT read as unknown", async () => {
    // GIVEN a deployment that did not pass the commit or the deploy time
    delete process.env.GIT_SHA;
    process.env.DEPLOYED_AT = "  ";
    // WHEN the version endpoint is called
    const body = JSON.parse((await handler(httpEvent("GET", "/version"))).body);
    // THEN those facts are `unknown`, the others are kept
    expect(body).toEqual({ version: "1.2.3", environment: "staging", gitSha: "unknown", deployedAt: "unknown" });
  });

  test("with no environment at all every fact and header is unknown", async () => {
    // GIVEN an empty environment
    // WHEN the deployment is read and a request answered
    const deployment = deploymentFromEnv({});
    const response = await route(httpEvent("GET", "/version"), deployment, noDatabase);
    // THEN nothing is undefined: headers must be strings for API Gateway
    expect(deployment).toEqual({ version: "unknown", environment: "unknown", gitSha: "unknown", deployedAt: "unknown" });
    expect(response.headers["X-App-Version"]).toBe("unknown");
    expect(response.headers["X-Environment"]).toBe("unknown");
  });

  test.each([
    ["an unknown path", "GET", "/nope"],
    ["the root", "GET", "/"],
    ["a trailing slash", "GET", "/health/"],
    ["a sub-path", "GET", "/version/extra"],
    ["another method on /health", "POST", "/health"],
    ["another method on /version", "DELETE", "/version"],
    ["another method on /me", "DELETE", "/me"],
    ["GET on /projects", "GET", "/projects"],
  ])("%s answers 404 JSON with the version headers", async (_label, method, path) => {
    // WHEN a request matches no route
    const response = await handler(httpEvent(method, path));
    // THEN it is a JSON 404 that does not echo the request back
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toEqual({ error: "NotFound", message: "No such route. Try GET /health or GET /version." });
    expect(response.headers).toMatchObject({
      "Content-Type": "application/json",
      "X-App-Version": "1.2.3",
      "X-Environment": "staging",
    });
  });

  test("a named stage prefix in rawPath is ignored", async () => {
    // GIVEN a request through a stage called `live` (rawPath keeps the stage name)
    const event = httpEvent("GET", "/live/version", "live");
    // WHEN it is answered
    const response = await handler(event);
    // THEN it is routed as /version
    expect(requestPath(event)).toBe("/version");
    expect(requestPath(httpEvent("GET", "/live", "live"))).toBe("/");
    expect(requestPath(httpEvent("GET", "/lively/health", "live"))).toBe("/lively/health");
    expect(response.statusCode).toBe(200);
  });

  test("method case does not matter; an event without a method is a 404", async () => {
    expect((await handler(httpEvent("get", "/version"))).statusCode).toBe(200);
    expect((await handler({ rawPath: "/version" })).statusCode).toBe(404);
  });

  test("an error while answering becomes a JSON 500 without details", async () => {
    // GIVEN an event whose path cannot be read
    const broken = { get rawPath(): string { throw new Error("secret detail"); }, requestContext: { http: { method: "GET" } } } as unknown as HttpApiEvent;
    const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
    // WHEN it is handled
    const response = await handler(broken);
    spy.mockRestore();
    // THEN the caller sees a generic JSON error, still with the version headers
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("secret detail");
    expect(JSON.parse(response.body)).toEqual({ error: "InternalError", message: "Internal error" });
    expect(response.headers["Content-Type"]).toBe("application/json");
    expect(response.headers["X-App-Version"]).toBe("1.2.3");
  });

  test.each([
    ["GET", "/me"],
    ["GET", "/me/projects"],
    ["POST", "/projects"],
  ])("%s %s without the authorizer's claims answers 401 before touching the database", async (method, path) => {
    const response = await route(httpEvent(method, path), deploymentFromEnv(), noDatabase);
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: "Unauthorized" });
  });

  test("route answers from the deployment it is given", async () => {
    const deployment: Deployment = { version: "9.9.9", environment: "preview-pr-42", gitSha: "abc", deployedAt: "now" };
    const response = await route(httpEvent("GET", "/version"), deployment, noDatabase);
    expect(JSON.parse(response.body)).toEqual(deployment);
    expect(response.headers["X-Environment"]).toBe("preview-pr-42");
  });

  test("Node.js runs index.js from the repository as is and it exports handler", () => {
    // WHEN plain node (no ts-jest transform) loads the file the Lambda runtime loads
    const out = execFileSync(process.execPath, ["-e", "const m = require(process.argv[1]); process.stdout.write(typeof m.handler)", join(__dirname, "../../functions/api/index.js")], {
      encoding: "utf8",
    });
    // THEN `index.handler` is a function
    expect(out).toBe("function");
  });
});

describe("behind CloudFront", () => {
  test("GIVEN /api/version (CloudFront forwards /api/* as is) WHEN handled THEN it is the version endpoint", async () => {
    const response = await route({ rawPath: "/api/version", requestContext: { http: { method: "GET" }, stage: "$default" } }, deploymentFromEnv({ ENVIRONMENT: "staging" }), noDatabase);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ environment: "staging" });
  });
});
