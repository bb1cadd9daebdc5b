/**
 * Kind: emulator (moto 5.2.1 through the patched launcher) + a real PostgreSQL 16 (npm).
 * The API served from the sandbox's pieces, without the whole `npm start` (CI time): a function,
 * an HTTP API with a JWT authorizer, a Cognito pool and an Aurora cluster are created in the
 * emulator with the SDK (what Terraform creates, minus the network); the cluster's data plane
 * is a PostgreSQL migrated by `db:migrate`; the gateway serves the deployed zip.
 * Why: it proves the seams npm start relies on — the deployed configuration drives the request
 * (a wrong setting fails it), the authorizer verifies the pool's tokens, DB_HOST reaches the
 * cluster's PostgreSQL — and that `npm run smoke` judges a served API.
 */
import { CreateApiCommand, CreateAuthorizerCommand, CreateIntegrationCommand, CreateRouteCommand, ApiGatewayV2Client } from "@aws-sdk/client-apigatewayv2";
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { CreateDBClusterCommand, RDSClient } from "@aws-sdk/client-rds";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { apiBundleDir } from "../../functions/api/bundle";
import { DataPlane } from "../../scripts/sandbox/dataplane";
import { deployedFunctionVariables } from "../../scripts/sandbox/deployed-function";
import { Emulator, clientConfig, startEmulator } from "../../scripts/sandbox/emulator";
import { SandboxGateway, deployedCodeLocator, selectRoute } from "../../scripts/sandbox/gateway";
import { signInWithSrp } from "../../scripts/sandbox/signin";
import { main as smoke } from "../../scripts/smoke/cli";
import { TestPostgres, applyMigrations, startPostgres } from "../helpers/postgres";
import { describeWithTools } from "../helpers/requirements";

const ACCOUNT = "123456789012";
const API_PASSWORD = "gateway-test-api-pw";
const USER_PASSWORD = "Gateway-Test-Pw-1";
const EMAIL = "qa-admin@example.com";

describe("route selection (unit)", () => {
  const routes = ["GET /health", "GET /version", "ANY /{proxy+}", "GET /api/health", "POST /projects/{id}"].map((RouteKey) => ({ RouteKey }));
  test("an exact route beats the greedy one; the greedy one catches the rest; a method route beats ANY", () => {
    expect(selectRoute(routes, "GET", "/health")?.route.RouteKey).toBe("GET /health");
    expect(selectRoute(routes, "POST", "/health")?.route.RouteKey).toBe("ANY /{proxy+}");
    expect(selectRoute(routes, "GET", "/me/projects")).toEqual({ route: { RouteKey: "ANY /{proxy+}" }, pathParameters: { proxy: "me/projects" } });
    expect(selectRoute(routes, "POST", "/projects/42")).toEqual({ route: { RouteKey: "POST /projects/{id}" }, pathParameters: { id: "42" } });
    expect(selectRoute(routes, "GET", "/")).toBeUndefined();
  });
});

describeWithTools("the API served from the sandbox pieces (emulator + PostgreSQL)", ["moto_server", "postgresql"], () => {
  const work = mkdtempSync(join(tmpdir(), "twinstack-gateway-"));
  const lines: string[] = [];
  let emulator: Emulator;
  let pg: TestPostgres;
  let gateway: SandboxGateway;
  let api: string;
  let lambda: LambdaClient;
  let accessToken: string;
  let functionName: string;

  beforeAll(async () => {
    [emulator, pg] = await Promise.all([startEmulator({ logFile: join(work, "moto.log") }), startPostgres({ databases: ["app"], prefix: "gateway-" })]);
    await applyMigrations(pg, "app", { apiPassword: API_PASSWORD });
    const config = clientConfig(emulator);
    lambda = new LambdaClient(config);
    const rds = new RDSClient(config);
    const cognito = new CognitoIdentityProviderClient(config);
    const apigw = new ApiGatewayV2Client(config);

    // GIVEN a cluster, and the data plane saying its storage is this PostgreSQL
    const cluster = (
      await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "gw-test", Engine: "aurora-postgresql", EngineVersion: "16.4", MasterUsername: "twinstack_admin", MasterUserPassword: "not-used-1234", DatabaseName: "app" }))
    ).DBCluster;
    const plane: DataPlane = {
      masterPassword: "unused",
      apiPassword: API_PASSWORD,
      clusters: { [cluster?.DbClusterResourceId as string]: { clusterIdentifier: "gw-test", port: pg.port, pid: 0, dataDir: work, logFile: "", database: "app", masterUser: "twinstack_admin" } },
    };
    // AND a pool with a confirmed user, whose sub owns a row of the database
    const pool = (await cognito.send(new CreateUserPoolCommand({ PoolName: "gw-test", UsernameAttributes: ["email"] }))).UserPool?.Id as string;
    const client = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName: "web", ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))).UserPoolClient?.ClientId as string;
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: EMAIL, MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email", Value: EMAIL }] }));
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username: EMAIL, Password: USER_PASSWORD, Permanent: true }));
    const sub = (await cognito.send(new ListUsersCommand({ UserPoolId: pool }))).Users?.[0].Attributes?.find((a) => a.Name === "sub")?.Value as string;
    const admin = new Client(pg.connection("app"));
    await admin.connect();
    const owner = (await admin.query("INSERT INTO app_users (cognito_sub, email, full_name) VALUES ($1, $2, 'Qa Admin') RETURNING id", [sub, EMAIL])).rows[0].id;
    await admin.query("INSERT INTO projects (owner_id, name) VALUES ($1, 'Kitchen renovation')", [owner]);
    await admin.end();

    // AND the function, deployed from the bundle's zip with the stack's settings
    const zip = join(work, "assets", "archive.zip");
    mkdirSync(join(work, "assets"));
    execFileSync("python3", ["-m", "zipfile", "-c", zip, join(apiBundleDir(), "index.js")]);
    const iam = new IAMClient(config);
    const role = (await iam.send(new CreateRoleCommand({ RoleName: "gw-test-fn", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }))).Role?.Arn;
    const fn = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "gw-test-api",
        Runtime: "nodejs20.x",
        Role: role,
        Handler: "index.handler",
        Code: { ZipFile: readFileSync(zip) },
        Timeout: 10,
        Environment: { Variables: { ENVIRONMENT: "staging", APP_VERSION: "1.2.3", GIT_SHA: "abc123", DEPLOYED_AT: "2026-01-02T03:04:05Z", DB_HOST: cluster?.Endpoint as string, DB_PORT: "5432", DB_NAME: "app", DB_USER: "app_api" } },
      }),
    );
    functionName = fn.FunctionName as string;
    // AND an HTTP API: public health and version, everything else behind the pool's JWT authorizer
    const apiId = (await apigw.send(new CreateApiCommand({ Name: "gw-test", ProtocolType: "HTTP" }))).ApiId as string;
    const integration = await apigw.send(
      new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: "AWS_PROXY", IntegrationMethod: "POST", PayloadFormatVersion: "2.0", IntegrationUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn.FunctionArn}/invocations` }),
    );
    const authorizer = await apigw.send(
      new CreateAuthorizerCommand({ ApiId: apiId, Name: "jwt", AuthorizerType: "JWT", IdentitySource: ["$request.header.Authorization"], JwtConfiguration: { Issuer: `https://cognito-idp.us-east-1.amazonaws.com/${pool}`, Audience: [client] } }),
    );
    const target = `integrations/${integration.IntegrationId}`;
    for (const RouteKey of ["GET /health", "GET /version"]) await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey, Target: target, AuthorizationType: "NONE" }));
    await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: "ANY /{proxy+}", Target: target, AuthorizationType: "JWT", AuthorizerId: authorizer.AuthorizerId }));

    gateway = new SandboxGateway({
      endpoint: emulator.endpoint,
      region: "us-east-1",
      environments: [{ name: "staging", apiName: "gw-test", port: 0, roleArn: `arn:aws:iam::${ACCOUNT}:role/gw-test-reader` }],
      codeFor: deployedCodeLocator(join(work, "assets"), join(work, "functions")),
      dataPlane: () => plane,
      log: (line) => lines.push(line),
    });
    api = `http://127.0.0.1:${(await gateway.start()).staging}`;
    accessToken = (await signInWithSrp(cognito, { userPoolId: pool, clientId: client, username: EMAIL, password: USER_PASSWORD })).accessToken;
    for (const c of [rds, cognito, apigw, iam]) c.destroy();
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    lambda?.destroy();
    await emulator?.stop();
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test("public routes: /health reaches the cluster's PostgreSQL, /version is the deployed configuration", async () => {
    expect(await get("/health")).toEqual({ status: 200, body: { status: "ok", database: "ok" } });
    expect(await get("/version")).toEqual({ status: 200, body: { version: "1.2.3", environment: "staging", gitSha: "abc123", deployedAt: "2026-01-02T03:04:05Z" } });
    expect(lines.some((line) => /cold start: gw-test-api \(index\.handler, code .*, database 127\.0\.0\.1:\d+\)/.test(line))).toBe(true);
  });

  test("signed-in routes: no token or a forged one is refused by the authorizer; the pool's token reaches the function with its sub", async () => {
    expect(await get("/me")).toEqual({ status: 401, body: { message: "Unauthorized" } });
    const [header, payload] = accessToken.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), sub: "someone-else" })).toString("base64url")}.${accessToken.split(".")[2]}`;
    expect((await get("/me", { authorization: `Bearer ${forged}` })).status).toBe(401);
    const me = await get("/me", { authorization: `Bearer ${accessToken}` });
    expect(me).toMatchObject({ status: 200, body: { email: EMAIL, fullName: "Qa Admin" } });
    expect((await get("/me/projects", { authorization: accessToken })).body).toEqual({ projects: [expect.objectContaining({ name: "Kitchen renovation" })] });
    const created = await fetch(`${api}/projects`, { method: "POST", headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" }, body: JSON.stringify({ name: "Shed" }) });
    expect(created.status).toBe(201);
    expect(await get("/nope", { authorization: `Bearer ${accessToken}` })).toMatchObject({ status: 404, body: { error: "NotFound" } });
  });

  test("npm run smoke passes against the served API, and fails when the commit differs from what was deployed", async () => {
    const lines: string[] = [];
    expect(await smoke(["staging", "--api-url", api, "--expect-version", "1.2.3", "--expect-sha", "abc123", "--timeout-seconds", "5"], (l) => lines.push(l), (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toBe("smoke staging: all 3 checks pass");
    const wrong: string[] = [];
    expect(await smoke(["staging", "--api-url", api, "--expect-sha", "def456", "--timeout-seconds", "0"], (l) => wrong.push(l), (l) => wrong.push(l))).toBe(1);
    expect(wrong.join("\n")).toMatch(/gitSha "abc123", deployed "def456"/);
    expect(await smoke(["nowhere", "--api-url", api], () => undefined, () => undefined)).toBe(2);
  }, 60_000);

  test("what npm run smoke and sandbox:status take as deployed: the API function's variables, read back as the environment's deploy role", async () => {
    // GIVEN the environment whose stack is gw-test: its function is gw-test-api
    const config = { project: "gw", name: "test", region: "us-east-1", deployRoleArn: `arn:aws:iam::${ACCOUNT}:role/gw-test-reader` };
    // WHEN
    const variables = await deployedFunctionVariables({ endpoint: emulator.endpoint }, config, "gateway-test");
    // THEN
    expect(variables).toMatchObject({ APP_VERSION: "1.2.3", GIT_SHA: "abc123", DEPLOYED_AT: "2026-01-02T03:04:05Z" });
  });

  test("a wrong setting in the deployed function fails the request (a new execution environment reads it)", async () => {
    const before = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).Environment?.Variables ?? {};
    // WHEN the stack deploys a database name that does not exist
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: { ...before, DB_NAME: "nope" } } }));
    await new Promise((resolve) => setTimeout(resolve, 2100)); // the gateway re-reads the API every 2 s; the function on every request
    const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      // THEN /health fails; and a DB_HOST that is no cluster's reaches nothing either
      expect(await get("/health")).toEqual({ status: 503, body: { status: "unavailable", database: "unreachable" } });
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: { ...before, DB_HOST: "elsewhere.cluster-abc.us-east-1.rds.amazonaws.com" } } }));
      expect((await get("/health")).status).toBe(503);
    } finally {
      spy.mockRestore();
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: before } }));
    }
    expect((await get("/health")).status).toBe(200);
  }, 60_000);
});
