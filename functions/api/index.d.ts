/**
 * Declarations of index.js and db.js: the contract of the API handler. The code stays plain
 * CommonJS JavaScript held to these declarations by `// @ts-check` + JSDoc
 * (`npx tsc -p functions/api`); TypeScript callers (the unit tests, the sandbox) import them
 * from here.
 *
 * Event and response are API Gateway HTTP API payload format 2.0:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */

/** An HTTP API payload 2.0 request event (only the fields the handler reads). */
export interface HttpApiEvent {
  readonly version?: string;
  /** `GET /health` for an explicit route, `$default` for the catch-all route. */
  readonly routeKey?: string;
  /** Path as received; includes the stage name when the stage is not `$default`. */
  readonly rawPath?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: {
    readonly stage?: string;
    readonly requestId?: string;
    readonly http?: { readonly method?: string; readonly path?: string };
    /** Set by a JWT authorizer: the verified token's claims (values as strings) and scopes. */
    readonly authorizer?: { readonly jwt?: { readonly claims?: Readonly<Record<string, unknown>>; readonly scopes?: readonly string[] | null } };
  };
}

/** An HTTP API payload 2.0 response. */
export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: false;
}

/** What `GET /version` returns; also what the handler knows about its deployment. */
export interface Deployment {
  /** Release version (env `APP_VERSION`, set from the repository's VERSION file). */
  readonly version: string;
  /** Environment name (env `ENVIRONMENT`), e.g. `staging`. */
  readonly environment: string;
  /** Commit deployed (env `GIT_SHA`). */
  readonly gitSha: string;
  /** When it was deployed, ISO 8601 (env `DEPLOYED_AT`). */
  readonly deployedAt: string;
}

import type { Queryable } from "./db";

export type { DatabaseSettings, Profile, Project, Queryable } from "./db";

/** What a request may use besides the event: the database, opened on first use. */
export interface Services {
  db(): Queryable;
}

/** The Lambda entry point (`index.handler`). */
export declare function handler(event: HttpApiEvent): Promise<HttpApiResult>;
/** Reads the deployment facts from environment variables; missing or empty ones are `unknown`. */
export declare function deploymentFromEnv(env?: Readonly<Record<string, string | undefined>>): Deployment;
/** Answers one request for a given deployment with the given services (no environment access). */
export declare function route(event: HttpApiEvent, deployment: Deployment, services: Services): Promise<HttpApiResult>;
/** The request path without a non-default stage prefix (`/staging/health` → `/health`). */
export declare function requestPath(event: HttpApiEvent): string;

