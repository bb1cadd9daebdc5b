import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2ApiMapping } from "@cdktf/provider-aws/lib/apigatewayv2-api-mapping";
import { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
import { Apigatewayv2DomainName } from "@cdktf/provider-aws/lib/apigatewayv2-domain-name";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";

/** A custom domain for the API (the certificate must be in the API's region). */
export interface ApiCustomDomain {
  /** Fully qualified domain name, e.g. `api.staging.example.com`. */
  readonly domainName: string;
  /** ACM certificate ARN covering `domainName`, in the API's region. */
  readonly certificateArn: string;
}

export interface HttpApiProps {
  /** API name and resource name prefix, e.g. `twinstack-staging`. */
  readonly name: string;
  /** ARN (or name) of the Lambda function behind the API; used by the invoke permission. */
  readonly functionArn: string;
  /** Invoke ARN of the same function (`aws_lambda_function.invoke_arn`); used by the proxy integration. */
  readonly functionInvokeArn: string;
  /** JWT issuer of the authorizer, e.g. `https://cognito-idp.us-east-1.amazonaws.com/<userPoolId>` (see `Authentication.issuerUrl`). */
  readonly jwtIssuer: string;
  /** Accepted audiences (`aud` / `client_id` claim): the app client id(s). At least one. */
  readonly jwtAudience: string[];
  /** OAuth scopes the JWT must carry on protected routes. Default none (any valid token). */
  readonly authorizationScopes?: string[];
  /** Routes served without authentication. Default `["GET /health", "GET /version"]`. */
  readonly publicRoutes?: string[];
  /** Steady-state requests per second of the stage's default route settings. Default 50. */
  readonly throttlingRateLimit?: number;
  /** Burst capacity (requests) of the stage's default route settings. Default 100. */
  readonly throttlingBurstLimit?: number;
  /** Retention of the access-log group, days. Default 30. */
  readonly accessLogRetentionDays?: number;
  /**
   * KMS key ARN that encrypts the access-log group. Default none (CloudWatch's own encryption).
   * The key policy must let `logs.<region>.amazonaws.com` use it.
   */
  readonly accessLogKmsKeyArn?: string;
  /** Origins allowed by CORS (exact origins like `https://app.example.com`). Default none: no CORS configuration. */
  readonly corsAllowOrigins?: string[];
  /** Whether CORS responses allow credentials (cookies); not allowed with a `*` origin. Default false. */
  readonly corsAllowCredentials?: boolean;
  /** Lambda integration timeout, milliseconds (50 to 30000). Default 29000. */
  readonly integrationTimeoutMs?: number;
  /** Optional custom domain; the `execute-api` endpoint stays enabled. Default none. */
  readonly customDomain?: ApiCustomDomain;
}

const DEFAULT_PUBLIC_ROUTES = ["GET /health", "GET /version"];
const ROUTE_KEY = /^(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/[^\s]*$/;

/** The fields written to the access log, one JSON object per request (no headers, no bodies: no tokens or personal data). */
export const ACCESS_LOG_FORMAT = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  routeKey: "$context.routeKey",
  path: "$context.path",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
  sourceIp: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
} as const;

/**
 * An HTTP API in front of one Lambda function (proxy integration, payload format 2.0):
 * public health and version routes, everything else behind a JWT authorizer (Cognito),
 * a `$default` stage with auto-deploy, JSON access logs and throttling, and an invoke
 * permission scoped to this API only.
 */
export class HttpApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly authorizer: Apigatewayv2Authorizer;
  readonly integration: Apigatewayv2Integration;
  readonly routes: Record<string, Apigatewayv2Route>;
  readonly logGroup: CloudwatchLogGroup;
  readonly apiId: string;
  /** `https://<id>.execute-api.<region>.amazonaws.com` (the `$default` stage is served at the root). */
  readonly apiEndpoint: string;
  /** `arn:aws:execute-api:<region>:<account>:<id>`. */
  readonly executionArn: string;
  readonly stageName = "$default";
  readonly logGroupName: string;
  /** `https://<customDomain>` when a custom domain is configured. */
  readonly customDomainUrl?: string;
  /** DNS target (alias / CNAME) for the custom domain, when configured. */
  readonly customDomainTarget?: string;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    validate(props);
    const name = props.name;
    const publicRoutes = props.publicRoutes ?? DEFAULT_PUBLIC_ROUTES;
    const origins = props.corsAllowOrigins ?? [];

    this.api = new Apigatewayv2Api(this, "api", {
      name,
      protocolType: "HTTP",
      description: `HTTP API of ${name}`,
      corsConfiguration:
        origins.length > 0
          ? {
              allowOrigins: origins,
              allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
              allowHeaders: ["authorization", "content-type"],
              allowCredentials: props.corsAllowCredentials ?? false,
              maxAge: 3600,
            }
          : undefined,
    });
    this.apiId = this.api.id;
    this.apiEndpoint = this.api.apiEndpoint;
    this.executionArn = this.api.executionArn;

    this.integration = new Apigatewayv2Integration(this, "lambda", {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationMethod: "POST",
      integrationUri: props.functionInvokeArn,
      payloadFormatVersion: "2.0",
      timeoutMilliseconds: props.integrationTimeoutMs ?? 29000,
    });

    this.authorizer = new Apigatewayv2Authorizer(this, "jwt", {
      apiId: this.api.id,
      name: `${name}-jwt`,
      authorizerType: "JWT",
      identitySources: ["$request.header.Authorization"],
      jwtConfiguration: { issuer: props.jwtIssuer, audience: props.jwtAudience },
    });

    const target = `integrations/${this.integration.id}`;
    this.routes = {};
    publicRoutes.forEach((routeKey, index) => {
      this.routes[routeKey] = new Apigatewayv2Route(this, `public-${index}`, {
        apiId: this.api.id,
        routeKey,
        target,
        authorizationType: "NONE",
      });
    });
    const protectedKey = "ANY /{proxy+}";
    this.routes[protectedKey] = new Apigatewayv2Route(this, "proxy", {
      apiId: this.api.id,
      routeKey: protectedKey,
      target,
      authorizationType: "JWT",
      authorizerId: this.authorizer.id,
      authorizationScopes: props.authorizationScopes && props.authorizationScopes.length > 0 ? props.authorizationScopes : undefined,
    });

    this.logGroup = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${name}/access`,
      retentionInDays: props.accessLogRetentionDays ?? 30,
      kmsKeyId: props.accessLogKmsKeyArn,
    });
    this.logGroupName = this.logGroup.name;

    this.stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: this.stageName,
      autoDeploy: true,
      accessLogSettings: { destinationArn: this.logGroup.arn, format: JSON.stringify(ACCESS_LOG_FORMAT) },
      defaultRouteSettings: {
        throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
        throttlingRateLimit: props.throttlingRateLimit ?? 50,
        detailedMetricsEnabled: true,
      },
    });

    // Only this API (any stage, any route) may invoke the function.
    new LambdaPermission(this, "invoke", {
      statementId: "AllowInvokeFromHttpApi",
      action: "lambda:InvokeFunction",
      functionName: props.functionArn,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/*/*`,
    });

    if (props.customDomain) {
      const domain = new Apigatewayv2DomainName(this, "domain", {
        domainName: props.customDomain.domainName,
        domainNameConfiguration: {
          certificateArn: props.customDomain.certificateArn,
          endpointType: "REGIONAL",
          securityPolicy: "TLS_1_2",
        },
      });
      new Apigatewayv2ApiMapping(this, "mapping", { apiId: this.api.id, domainName: domain.id, stage: this.stage.id });
      this.customDomainUrl = `https://${props.customDomain.domainName}`;
      this.customDomainTarget = domain.domainNameConfiguration.targetDomainName;
    }
  }
}

function validate(props: HttpApiProps): void {
  const problems: string[] = [];
  const where = `HttpApi ${props.name}`;
  if (props.jwtAudience.length === 0) problems.push("jwtAudience must name at least one app client id");
  for (const route of props.publicRoutes ?? []) {
    if (!ROUTE_KEY.test(route)) problems.push(`publicRoutes (${JSON.stringify(route)}) must look like "GET /health"`);
    if (route === "ANY /{proxy+}") problems.push(`publicRoutes (${JSON.stringify(route)}) must not include the protected catch-all route`);
  }
  const origins = props.corsAllowOrigins ?? [];
  for (const origin of origins) {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) problems.push(`corsAllowOrigins (${JSON.stringify(origin)}) must be an origin like https://app.example.com (no path)`);
  }
  if (props.corsAllowCredentials && origins.includes("*")) problems.push('corsAllowCredentials (true) is not allowed with the "*" origin: list exact origins');
  const rate = props.throttlingRateLimit;
  const burst = props.throttlingBurstLimit;
  if (rate !== undefined && !(rate > 0)) problems.push(`throttlingRateLimit (${rate}) must be > 0`);
  if (burst !== undefined && !(Number.isInteger(burst) && burst > 0)) problems.push(`throttlingBurstLimit (${burst}) must be a positive integer`);
  const timeout = props.integrationTimeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 50 && timeout <= 30000)) problems.push(`integrationTimeoutMs (${timeout}) must be an integer from 50 to 30000`);
  if (problems.length > 0) throw new Error(problems.map((problem) => `${where}: ${problem}`).join("\n"));
}
