/**
 * Unit tests (synthesis only, no AWS): the HTTP API module's routes, authorizer, stage,
 * invoke permission and CORS, read from the synthesized Terraform JSON. A real-Terraform
 * `validate` of this module with the Cognito module lives in cognito.test.ts.
 */
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2ApiMapping } from "@cdktf/provider-aws/lib/apigatewayv2-api-mapping";
import { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Testing } from "cdktf";
import { HttpApi, HttpApiProps } from "../../modules/api-gateway";

const FUNCTION_ARN = "arn:aws:lambda:us-east-1:111111111111:function:twinstack-staging-api";
const INVOKE_ARN = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FUNCTION_ARN}/invocations`;
const ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1";

const baseProps: HttpApiProps = {
  name: "twinstack-staging",
  functionArn: FUNCTION_ARN,
  functionInvokeArn: INVOKE_ARN,
  jwtIssuer: ISSUER,
  jwtAudience: ["exampleclientid"],
};

function synth(props: Partial<HttpApiProps> = {}): string {
  return Testing.synthScope((scope) => {
    new HttpApi(scope, "api", { ...baseProps, ...props });
  });
}

interface Synthesized {
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

/** `${type.<logical id>.<attribute>}` of the one resource of that type. */
function ref(json: string, type: string, attribute: string): string {
  const ids = Object.keys((JSON.parse(json) as Synthesized).resource[type] ?? {});
  expect(ids).toHaveLength(1);
  return `\${${type}.${ids[0]}.${attribute}}`;
}

function resources(json: string, type: string): Record<string, unknown>[] {
  return Object.values((JSON.parse(json) as Synthesized).resource[type] ?? {});
}

describe("HttpApi", () => {
  test("is an HTTP API with a Lambda proxy integration, payload format 2.0", () => {
    // GIVEN / WHEN an API in front of a function
    const json = synth();
    // THEN
    expect(json).toHaveResourceWithProperties(Apigatewayv2Api, { name: "twinstack-staging", protocol_type: "HTTP" });
    expect(json).toHaveResourceWithProperties(Apigatewayv2Integration, {
      integration_type: "AWS_PROXY",
      integration_method: "POST",
      integration_uri: INVOKE_ARN,
      payload_format_version: "2.0",
    });
  });

  test("health and version are public; everything else needs a Cognito JWT", () => {
    // GIVEN / WHEN
    const json = synth();
    // THEN the public routes carry no authorizer
    for (const routeKey of ["GET /health", "GET /version"]) {
      expect(json).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: routeKey, authorization_type: "NONE" });
    }
    const routes = resources(json, "aws_apigatewayv2_route");
    expect(routes.filter((route) => route.authorization_type === "NONE").map((route) => route.authorizer_id)).toEqual([undefined, undefined]);
    // AND the catch-all route uses the JWT authorizer
    expect(json).toHaveResourceWithProperties(Apigatewayv2Route, {
      route_key: "ANY /{proxy+}",
      authorization_type: "JWT",
      authorizer_id: ref(json, "aws_apigatewayv2_authorizer", "id"),
    });
    expect(routes).toHaveLength(3);
    // AND every route targets the one integration
    expect(new Set(routes.map((route) => route.target))).toEqual(new Set([`integrations/${ref(json, "aws_apigatewayv2_integration", "id")}`]));
  });

  test("the authorizer checks the Cognito issuer and the app client audience from the Authorization header", () => {
    // GIVEN / WHEN
    const json = synth();
    // THEN
    expect(json).toHaveResourceWithProperties(Apigatewayv2Authorizer, {
      authorizer_type: "JWT",
      identity_sources: ["$request.header.Authorization"],
      jwt_configuration: { issuer: ISSUER, audience: ["exampleclientid"] },
    });
  });

  test("the invoke permission is scoped to this API", () => {
    // GIVEN / WHEN
    const json = synth();
    // THEN
    expect(json).toHaveResourceWithProperties(LambdaPermission, {
      action: "lambda:InvokeFunction",
      function_name: FUNCTION_ARN,
      principal: "apigateway.amazonaws.com",
      source_arn: `${ref(json, "aws_apigatewayv2_api", "execution_arn")}/*/*`,
    });
  });

  test("the $default stage auto-deploys, logs JSON to its own group and throttles", () => {
    // GIVEN limits, retention and a key from the caller
    const json = synth({
      throttlingBurstLimit: 20,
      throttlingRateLimit: 10,
      accessLogRetentionDays: 14,
      accessLogKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000",
    });
    // THEN the log group has them
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/apigateway/twinstack-staging/access",
      retention_in_days: 14,
      kms_key_id: "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000",
    });
    // AND the stage logs to it, in JSON, with the throttling limits
    expect(json).toHaveResourceWithProperties(Apigatewayv2Stage, {
      name: "$default",
      auto_deploy: true,
      access_log_settings: expect.objectContaining({ destination_arn: ref(json, "aws_cloudwatch_log_group", "arn") }),
      default_route_settings: expect.objectContaining({ throttling_burst_limit: 20, throttling_rate_limit: 10 }),
    });
    const [stage] = resources(json, "aws_apigatewayv2_stage") as { access_log_settings: { format: string } }[];
    const format = JSON.parse(stage.access_log_settings.format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: "$context.requestId", status: "$context.status", routeKey: "$context.routeKey" });
  });

  test("secure defaults: throttled, 30-day logs, no CORS, no custom domain", () => {
    // GIVEN no optional props
    const json = synth();
    // THEN
    expect(json).toHaveResourceWithProperties(Apigatewayv2Stage, {
      default_route_settings: expect.objectContaining({ throttling_burst_limit: 100, throttling_rate_limit: 50 }),
    });
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 30 });
    const [api] = resources(json, "aws_apigatewayv2_api");
    expect(api.cors_configuration).toBeUndefined();
    expect(resources(json, "aws_apigatewayv2_domain_name")).toHaveLength(0);
  });

  test("CORS allows exactly the configured origins, without credentials unless asked", () => {
    // GIVEN two origins
    const origins = ["https://app.example.com", "http://localhost:5173"];
    // WHEN
    const json = synth({ corsAllowOrigins: origins });
    // THEN
    expect(json).toHaveResourceWithProperties(Apigatewayv2Api, {
      cors_configuration: expect.objectContaining({
        allow_origins: origins,
        allow_methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers: ["authorization", "content-type"],
        allow_credentials: false,
      }),
    });
    // AND credentials can be turned on for exact origins
    expect(synth({ corsAllowOrigins: origins, corsAllowCredentials: true })).toHaveResourceWithProperties(Apigatewayv2Api, {
      cors_configuration: expect.objectContaining({ allow_credentials: true }),
    });
  });

  test("refuses credentials with a wildcard origin and an empty audience, naming the field", () => {
    expect(() => synth({ corsAllowOrigins: ["*"], corsAllowCredentials: true })).toThrow(/corsAllowCredentials \(true\) is not allowed with the "\*" origin/);
    expect(() => synth({ jwtAudience: [] })).toThrow(/HttpApi twinstack-staging: jwtAudience must name at least one app client id/);
    expect(() => synth({ publicRoutes: ["ANY /{proxy+}"] })).toThrow(/must not include the protected catch-all route/);
  });

  test("an optional custom domain is mapped to the $default stage", () => {
    // GIVEN a domain and certificate
    const json = synth({ customDomain: { domainName: "api.staging.example.com", certificateArn: "arn:aws:acm:us-east-1:111111111111:certificate/example" } });
    // THEN
    expect(json).toHaveResourceWithProperties(Apigatewayv2ApiMapping, {
      domain_name: ref(json, "aws_apigatewayv2_domain_name", "id"),
      stage: ref(json, "aws_apigatewayv2_stage", "id"),
    });
    expect(json).toContain('"security_policy": "TLS_1_2"');
  });
});
