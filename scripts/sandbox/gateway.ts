/**
 * The sandbox's API Gateway + Lambda stand-in: one loopback port per environment, answering
 * HTTP the way the deployed HTTP API would, from what is deployed in the emulator — never from
 * the repository's idea of it:
 *
 * - routes, the JWT authorizer (issuer, audience, scopes) and the integration come from the
 *   emulated API (apigatewayv2 GetApis / GetRoutes / GetAuthorizers / GetIntegrations);
 * - the function's handler, timeout and environment come from the emulated Lambda's deployed
 *   configuration (GetFunctionConfiguration), and its code is the zip Terraform uploaded (found
 *   by its CodeSha256 among the synthesized assets): a wrong setting in the stack is a failing
 *   request here;
 * - tokens are verified against the emulated Cognito pool's JWKS as the authorizer would, and
 *   the claims reach the function in requestContext.authorizer.jwt.claims;
 * - the function's DB_HOST (an emulated cluster endpoint) is mapped to the PostgreSQL standing
 *   in for that cluster (scripts/sandbox/dataplane.ts); IAM authentication cannot be emulated,
 *   so the function gets the sandbox-only password setting instead.
 *
 * Each function configuration runs in its own execution environment (a worker thread with its
 * own process.env and modules), replaced when the configuration, the code or the database
 * mapping changes — a cold start. Payload format 2.0:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 *
 * Run as a process by `npm start` (`tsx scripts/sandbox/gateway.ts <config.json>`), stopped by
 * `npm run sandbox:down` by its pid.
 */
import { ApiGatewayV2Client, GetApisCommand, GetAuthorizerCommand, GetIntegrationsCommand, GetRoutesCommand, type GetAuthorizerCommandOutput, type Integration, type Route } from "@aws-sdk/client-apigatewayv2";
import { GetFunctionConfigurationCommand, LambdaClient, type FunctionConfiguration } from "@aws-sdk/client-lambda";
import { RDSClient } from "@aws-sdk/client-rds";
import { execFileSync } from "node:child_process";
import { createHash, randomUUID, type JsonWebKey } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { IncomingMessage, Server, ServerResponse, createServer } from "node:http";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { assumeRoleCredentials } from "./emulator";
import { DataPlane, readDataPlane, serverForEndpoint } from "./dataplane";
import { JwtRejected, tokenFromHeader, verifyJwt } from "./jwt";

export interface GatewayEnvironment {
  /** Environment name (staging, production). */
  readonly name: string;
  /** Name of its HTTP API (the stack id). */
  readonly apiName: string;
  /** Loopback port it is served on (0: any free port). */
  readonly port: number;
  /** Role whose credentials read the environment's resources in the emulator. */
  readonly roleArn: string;
}

export interface GatewayOptions {
  /** The emulator's endpoint (AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  readonly region: string;
  readonly environments: readonly GatewayEnvironment[];
  /** The deployed zip with this CodeSha256, extracted: its folder. */
  readonly codeFor: (codeSha256: string) => string | undefined;
  /** The data plane (read again whenever a function's environment is built). Default: .sandbox/dataplane.json. */
  readonly dataPlane?: () => DataPlane | undefined;
  /** Where a line per request goes. Default: stdout. */
  readonly log?: (line: string) => void;
}

interface DeployedApi {
  readonly apiId: string;
  readonly routes: Route[];
  readonly authorizers: Map<string, GetAuthorizerCommandOutput>;
  readonly integrations: Map<string, Integration>;
  readonly readAt: number;
}

interface ExecutionEnvironment {
  readonly key: string;
  readonly worker: Worker;
  readonly pending: Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
}

/** A response as HTTP: status, headers, body bytes. */
interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const CACHE_MS = 2000;

/** The function ARN inside an integration URI (`arn:aws:apigateway:…:lambda:path/2015-03-31/functions/<arn>/invocations`) or the ARN itself. */
export function functionArnOf(integrationUri: string): string {
  const match = /functions\/(arn:[^/]+)\/invocations$/.exec(integrationUri);
  return match ? match[1] : integrationUri;
}

/** HTTP API route selection: the most specific route key for a method and path, with its path parameters. */
export function selectRoute<T extends { RouteKey?: string }>(routes: T[], method: string, path: string): { route: T; pathParameters: Record<string, string> } | undefined {
  let best: { route: T; pathParameters: Record<string, string>; score: number } | undefined;
  for (const route of routes) {
    const key = route.RouteKey ?? "";
    if (key === "$default") {
      if (!best) best = { route, pathParameters: {}, score: -1 };
      continue;
    }
    const [routeMethod, template] = key.split(" ");
    if (routeMethod !== "ANY" && routeMethod !== method) continue;
    const wanted = template.split("/").filter(Boolean);
    const actual = path.split("/").filter(Boolean);
    const parameters: Record<string, string> = {};
    let literal = 0;
    let greedy = false;
    let matched = true;
    for (let i = 0; i < wanted.length; i++) {
      const segment = wanted[i];
      const greedyMatch = /^\{(\w+)\+\}$/.exec(segment);
      if (greedyMatch) {
        if (i !== wanted.length - 1 || actual.length <= i) matched = false;
        else parameters[greedyMatch[1]] = actual.slice(i).join("/");
        greedy = true;
        break;
      }
      if (i >= actual.length) {
        matched = false;
        break;
      }
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (parameter) parameters[parameter[1]] = decodeURIComponent(actual[i]);
      else if (segment === actual[i]) literal++;
      else matched = false;
      if (!matched) break;
    }
    if (matched && !greedy && actual.length !== wanted.length) matched = false;
    if (!matched) continue;
    // Exact routes beat greedy ones; then more literal segments; then a method beats ANY.
    const score = (greedy ? 0 : 10_000) + literal * 10 + (routeMethod === method ? 1 : 0);
    if (!best || score > best.score) best = { route, pathParameters: parameters, score };
  }
  return best ? { route: best.route, pathParameters: best.pathParameters } : undefined;
}

function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: Buffer.from(JSON.stringify(body)) };
}

/** A function's result as HTTP (payload 2.0: a result without statusCode is a 200 JSON body). */
export function answerFromResult(result: unknown): HttpAnswer {
  if (result && typeof result === "object" && "statusCode" in result) {
    const r = result as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean; cookies?: string[] };
    const headers: Record<string, string | string[]> = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    if (r.cookies?.length) headers["set-cookie"] = r.cookies;
    const body = r.body === undefined ? Buffer.alloc(0) : r.isBase64Encoded ? Buffer.from(r.body, "base64") : Buffer.from(r.body);
    return { status: Number(r.statusCode), headers, body };
  }
  return jsonAnswer(200, result ?? null);
}

const WORKER_BOOTSTRAP = `
const { parentPort, workerData } = require("node:worker_threads");
let fn, initError;
try {
  const mod = require(workerData.modulePath);
  fn = mod[workerData.exportName];
  if (typeof fn !== "function") throw Object.assign(new Error(workerData.handler + " is undefined or not exported"), { name: "Runtime.HandlerNotFound" });
} catch (e) {
  initError = { name: e && e.name === "Runtime.HandlerNotFound" ? e.name : "Runtime.ImportModuleError", message: String(e && e.message || e) };
}
parentPort.on("message", async (m) => {
  if (initError) return parentPort.postMessage({ id: m.id, error: initError });
  const context = Object.assign({}, m.context, { getRemainingTimeInMillis: () => Math.max(0, m.deadline - Date.now()), callbackWaitsForEmptyEventLoop: true });
  try {
    parentPort.postMessage({ id: m.id, result: await fn(m.event, context) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { name: (e && e.name) || "Error", message: String((e && e.message) || e) } });
  }
});
`;

export class SandboxGateway {
  private readonly servers: Server[] = [];
  private readonly apis = new Map<string, DeployedApi>();
  private readonly environments = new Map<string, ExecutionEnvironment>();
  private readonly jwks = new Map<string, JsonWebKey[]>();
  private readonly clients = new Map<string, { apigw: ApiGatewayV2Client; lambda: LambdaClient; rds: RDSClient; until: number }>();
  readonly ports: Record<string, number> = {};

  constructor(private readonly options: GatewayOptions) {}

  private log(line: string): void {
    (this.options.log ?? ((l: string) => process.stdout.write(`${l}\n`)))(line);
  }

  /** Listens on 127.0.0.1, one port per environment; resolves with the ports. */
  async start(): Promise<Record<string, number>> {
    for (const environment of this.options.environments) {
      const server = createServer((req, res) => void this.serve(environment, req, res));
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(environment.port, "127.0.0.1", () => resolve());
      });
      this.ports[environment.name] = (server.address() as { port: number }).port;
      this.servers.push(server);
    }
    return { ...this.ports };
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await Promise.all([...this.environments.values()].map((environment) => environment.worker.terminate()));
    this.environments.clear();
    for (const client of this.clients.values()) {
      client.apigw.destroy();
      client.lambda.destroy();
      client.rds.destroy();
    }
  }

  private async clientsFor(environment: GatewayEnvironment): Promise<{ apigw: ApiGatewayV2Client; lambda: LambdaClient; rds: RDSClient }> {
    const cached = this.clients.get(environment.name);
    if (cached && cached.until > Date.now()) return cached;
    const credentials = await assumeRoleCredentials(this.options.endpoint, environment.roleArn, `sandbox-gateway-${environment.name}`);
    const config = { endpoint: this.options.endpoint, region: this.options.region, credentials };
    const fresh = { apigw: new ApiGatewayV2Client(config), lambda: new LambdaClient(config), rds: new RDSClient(config), until: Date.now() + 30 * 60_000 };
    this.clients.set(environment.name, fresh);
    return fresh;
  }

  private async deployedApi(environment: GatewayEnvironment): Promise<DeployedApi> {
    const cached = this.apis.get(environment.name);
    if (cached && Date.now() - cached.readAt < CACHE_MS) return cached;
    const { apigw } = await this.clientsFor(environment);
    const api = (await apigw.send(new GetApisCommand({}))).Items?.find((item) => item.Name === environment.apiName);
    if (!api?.ApiId) throw new GatewayError(500, `no HTTP API named ${environment.apiName} is deployed`);
    const ApiId = api.ApiId;
    const [routes, integrations] = await Promise.all([apigw.send(new GetRoutesCommand({ ApiId })), apigw.send(new GetIntegrationsCommand({ ApiId }))]);
    // One GetAuthorizer per authorizer the routes use (the emulator has no GetAuthorizers).
    const authorizerIds = [...new Set((routes.Items ?? []).map((route) => route.AuthorizerId).filter((id): id is string => Boolean(id)))];
    const authorizers = await Promise.all(authorizerIds.map((AuthorizerId) => apigw.send(new GetAuthorizerCommand({ ApiId, AuthorizerId }))));
    const deployed: DeployedApi = {
      apiId: ApiId,
      routes: routes.Items ?? [],
      authorizers: new Map(authorizers.map((a) => [a.AuthorizerId as string, a])),
      integrations: new Map((integrations.Items ?? []).map((i) => [i.IntegrationId as string, i])),
      readAt: Date.now(),
    };
    this.apis.set(environment.name, deployed);
    return deployed;
  }

  /** The issuer's keys: an emulated Cognito pool's JWKS is served by the emulator at /<pool id>/.well-known/jwks.json. */
  private async keysFor(issuer: string): Promise<JsonWebKey[]> {
    const cached = this.jwks.get(issuer);
    if (cached) return cached;
    const match = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/([\w-]+_[\w]+)$/.exec(issuer);
    if (!match) throw new JwtRejected(`issuer ${issuer} is not an emulated Cognito pool`);
    const response = await fetch(`${this.options.endpoint}/${match[1]}/.well-known/jwks.json`);
    if (!response.ok) throw new JwtRejected(`JWKS of ${issuer}: HTTP ${response.status}`);
    const keys = ((await response.json()) as { keys: JsonWebKey[] }).keys;
    this.jwks.set(issuer, keys);
    return keys;
  }

  private async serve(environment: GatewayEnvironment, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    let answer: HttpAnswer;
    let routeKey = "-";
    try {
      const body = await readBody(req);
      const result = await this.handle(environment, req, body, requestId);
      answer = result.answer;
      routeKey = result.routeKey;
    } catch (error) {
      if (error instanceof GatewayError) {
        answer = jsonAnswer(error.status, { message: error.publicMessage });
        this.log(`${environment.name} ${requestId} ${error.message}`);
      } else {
        answer = jsonAnswer(500, { message: "Internal Server Error" });
        this.log(`${environment.name} ${requestId} gateway error: ${(error as Error).stack ?? error}`);
      }
    }
    res.writeHead(answer.status, { ...answer.headers, "apigw-requestid": requestId, "content-length": String(answer.body.length) });
    res.end(answer.body);
    this.log(JSON.stringify({ environment: environment.name, requestId, httpMethod: req.method, path: req.url, routeKey, status: answer.status, responseLatency: Date.now() - started }));
  }

  private async handle(environment: GatewayEnvironment, req: IncomingMessage, body: Buffer, requestId: string): Promise<{ answer: HttpAnswer; routeKey: string }> {
    const api = await this.deployedApi(environment);
    const url = new URL(req.url ?? "/", "http://sandbox");
    const method = (req.method ?? "GET").toUpperCase();
    const selected = selectRoute(api.routes, method, url.pathname);
    if (!selected) return { answer: jsonAnswer(404, { message: "Not Found" }), routeKey: "-" };
    const { route, pathParameters } = selected;
    const routeKey = route.RouteKey ?? "$default";
    let authorizer: { jwt: { claims: Record<string, string>; scopes: string[] | null } } | undefined;
    if (route.AuthorizationType === "JWT") {
      const config = api.authorizers.get(route.AuthorizerId ?? "");
      if (!config?.JwtConfiguration?.Issuer) throw new GatewayError(500, `route ${routeKey}: authorizer ${route.AuthorizerId} has no JWT issuer`);
      const token = tokenFromHeader(headerValue(req, "authorization"));
      if (!token) return { answer: jsonAnswer(401, { message: "Unauthorized" }, { "www-authenticate": "Bearer" }), routeKey };
      try {
        authorizer = { jwt: await verifyJwt(token, { issuer: config.JwtConfiguration.Issuer, audience: config.JwtConfiguration.Audience ?? [], scopes: route.AuthorizationScopes }, (issuer) => this.keysFor(issuer)) };
      } catch (error) {
        if (!(error instanceof JwtRejected)) throw error;
        this.log(`${environment.name} ${requestId} JWT rejected: ${error.message}`);
        return { answer: jsonAnswer(401, { message: "Unauthorized" }, { "www-authenticate": `Bearer error="invalid_token"` }), routeKey };
      }
    } else if (route.AuthorizationType && route.AuthorizationType !== "NONE") {
      throw new GatewayError(500, `route ${routeKey}: authorization ${route.AuthorizationType} is not emulated`);
    }
    const integration = api.integrations.get((route.Target ?? "").replace(/^integrations\//, ""));
    if (!integration?.IntegrationUri) throw new GatewayError(500, `route ${routeKey} has no integration`);
    if (integration.PayloadFormatVersion !== "2.0") throw new GatewayError(500, `route ${routeKey}: payload format ${integration.PayloadFormatVersion} is not emulated (2.0 is)`);
    const event = {
      version: "2.0",
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ""),
      cookies: headerValue(req, "cookie")?.split(/;\s*/),
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "cookie").map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)])),
      queryStringParameters: url.search ? Object.fromEntries([...url.searchParams.keys()].map((k) => [k, url.searchParams.getAll(k).join(",")])) : undefined,
      pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
      requestContext: {
        accountId: "anonymous",
        apiId: api.apiId,
        authorizer,
        domainName: headerValue(req, "host") ?? "127.0.0.1",
        domainPrefix: api.apiId,
        http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? "127.0.0.1", userAgent: headerValue(req, "user-agent") ?? "" },
        requestId,
        routeKey,
        stage: "$default",
        time: new Date().toUTCString(),
        timeEpoch: Date.now(),
      },
      body: body.length ? (isText(headerValue(req, "content-type")) ? body.toString("utf8") : body.toString("base64")) : undefined,
      isBase64Encoded: body.length ? !isText(headerValue(req, "content-type")) : false,
    };
    const result = await this.invoke(environment, functionArnOf(integration.IntegrationUri), event, requestId, Math.min(integration.TimeoutInMillis ?? 30000, 30000));
    return { answer: result, routeKey };
  }

  /** Invokes the deployed function in its execution environment (created on first use: a cold start). */
  private async invoke(environment: GatewayEnvironment, functionArn: string, event: unknown, requestId: string, integrationTimeoutMs: number): Promise<HttpAnswer> {
    const { lambda, rds } = await this.clientsFor(environment);
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn }));
    const database = await this.databaseFor(fn, rds);
    const key = [fn.FunctionArn, fn.RevisionId ?? fn.LastModified, fn.CodeSha256, fn.Handler, JSON.stringify(fn.Environment?.Variables ?? {}), database?.address ?? "-"].join("|");
    let execution = this.environments.get(functionArn);
    if (!execution || execution.key !== key) {
      if (execution) void execution.worker.terminate();
      execution = this.coldStart(environment, fn, key, database);
      this.environments.set(functionArn, execution);
    }
    const timeoutMs = Math.min((fn.Timeout ?? 3) * 1000, integrationTimeoutMs);
    const id = randomUUID();
    const current = execution;
    const context = { awsRequestId: requestId, functionName: fn.FunctionName, functionVersion: "$LATEST", invokedFunctionArn: fn.FunctionArn, memoryLimitInMB: String(fn.MemorySize ?? 128) };
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          current.pending.delete(id);
          // Lambda ends a timed-out environment; the next request cold-starts.
          void current.worker.terminate();
          if (this.environments.get(functionArn) === current) this.environments.delete(functionArn);
          reject(new GatewayError(500, `${fn.FunctionName}: Task timed out after ${timeoutMs / 1000} seconds`, "Internal Server Error"));
        }, timeoutMs);
        current.pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        current.worker.postMessage({ id, event, context, deadline: Date.now() + timeoutMs });
      });
      return answerFromResult(result);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw new GatewayError(500, `${fn.FunctionName}: ${(error as Error).name}: ${(error as Error).message}`, "Internal Server Error");
    }
  }

  /** The PostgreSQL standing in for the function's DB_HOST, if the data plane maps that endpoint. */
  private async databaseFor(fn: FunctionConfiguration, rds: RDSClient): Promise<{ address: string; password: string } | undefined> {
    const host = fn.Environment?.Variables?.DB_HOST;
    const plane = (this.options.dataPlane ?? readDataPlane)();
    if (!host || !plane) return undefined;
    const server = await serverForEndpoint(plane, rds, host);
    return server ? { address: `127.0.0.1:${server.port}`, password: plane.apiPassword } : undefined;
  }

  private coldStart(environment: GatewayEnvironment, fn: FunctionConfiguration, key: string, database: { address: string; password: string } | undefined): ExecutionEnvironment {
    const codeDir = fn.CodeSha256 ? this.options.codeFor(fn.CodeSha256) : undefined;
    if (!codeDir) throw new GatewayError(500, `${fn.FunctionName}: the deployed code (CodeSha256 ${fn.CodeSha256}) is not among the synthesized assets: redeploy (npm start)`, "Internal Server Error");
    const handler = fn.Handler ?? "index.handler";
    const dot = handler.lastIndexOf(".");
    const env: Record<string, string> = {
      ...(fn.Environment?.Variables ?? {}),
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_LAMBDA_FUNCTION_NAME: fn.FunctionName ?? "",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.MemorySize ?? 128),
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: handler,
      TZ: "UTC",
    };
    // SANDBOX ONLY: where DB_HOST's cluster really is, and the password standing in for IAM authentication.
    if (database) {
      env.TWINSTACK_SANDBOX_DB_ADDRESS = database.address;
      env.TWINSTACK_SANDBOX_DB_PASSWORD = database.password;
    }
    const worker = new Worker(WORKER_BOOTSTRAP, {
      eval: true,
      env,
      workerData: { modulePath: join(codeDir, handler.slice(0, dot)), exportName: handler.slice(dot + 1), handler },
    });
    const pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
    worker.on("message", (message: { id: string; result?: unknown; error?: { name: string; message: string } }) => {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.error) waiter.reject(Object.assign(new Error(message.error.message), { name: message.error.name }));
      else waiter.resolve(message.result);
    });
    const fail = (error: Error) => {
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
      if (this.environments.get(fn.FunctionArn as string)?.worker === worker) this.environments.delete(fn.FunctionArn as string);
    };
    worker.on("error", (error) => fail(Object.assign(new Error(error.message), { name: "Runtime.ExitError" })));
    worker.on("exit", () => fail(Object.assign(new Error("the execution environment exited"), { name: "Runtime.ExitError" })));
    this.log(`${environment.name} cold start: ${fn.FunctionName} (${handler}, code ${fn.CodeSha256?.slice(0, 12)}…, database ${database?.address ?? "not mapped"})`);
    return { key, worker, pending };
  }
}

class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly publicMessage = status === 404 ? "Not Found" : "Internal Server Error",
  ) {
    super(message);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function isText(contentType: string | undefined): boolean {
  return !contentType || /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript))/.test(contentType);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Finds the deployed zip among the synthesized stacks' assets by Lambda's CodeSha256 (base64
 * SHA-256 of the zip) and extracts it once under `extractRoot/<hex>/`.
 */
export function deployedCodeLocator(assetsRoot: string, extractRoot: string): (codeSha256: string) => string | undefined {
  const found = new Map<string, string>();
  return (codeSha256) => {
    const cached = found.get(codeSha256);
    if (cached) return cached;
    for (const zip of listZips(assetsRoot)) {
      if (createHash("sha256").update(readFileSync(zip)).digest("base64") !== codeSha256) continue;
      const dir = join(extractRoot, Buffer.from(codeSha256, "base64").toString("hex"));
      if (!existsSync(join(dir, ".extracted"))) {
        execFileSync("python3", ["-m", "zipfile", "-e", zip, dir]);
        execFileSync("touch", [join(dir, ".extracted")]);
      }
      found.set(codeSha256, dir);
      return dir;
    }
    return undefined;
  };
}

function listZips(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (name.endsWith(".zip")) out.push(path);
    }
  };
  walk(root);
  return out;
}

/** The process `npm start` leaves running: `tsx scripts/sandbox/gateway.ts <config.json>`. */
export interface GatewayProcessConfig {
  endpoint: string;
  region: string;
  environments: GatewayEnvironment[];
  /** Synthesized stacks (their assets hold the deployed zips). */
  assetsRoot: string;
  /** Where deployed zips are extracted. */
  extractRoot: string;
}

if (require.main === module) {
  const config = JSON.parse(readFileSync(process.argv[2], "utf8")) as GatewayProcessConfig;
  const gateway = new SandboxGateway({ ...config, codeFor: deployedCodeLocator(config.assetsRoot, config.extractRoot) });
  gateway
    .start()
    .then((ports) => process.stdout.write(`${JSON.stringify({ listening: ports })}\n`))
    .catch((error: Error) => {
      process.stderr.write(`gateway failed to start: ${error.message}\n`);
      process.exit(1);
    });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void gateway.stop().then(() => process.exit(0)));
}
