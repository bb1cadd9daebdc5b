/** Lambda and API Gateway (HTTP API, apigatewayv2). */
import { DEFAULT_PUBLIC_ROUTES, Rule, fail, pass, warn } from "../engine";
import { asList, asNumber, block, isExpression, stringList } from "../model";
import { RECORDED_ON, replacementRuntimes, runtimeStatus } from "../runtime-lifecycle";

const FN = "aws_lambda_function";

const SECRET_NAME = /(secret|passw(or)?d|token|api[_-]?key|private[_-]?key|credential)/i;
const SECRET_VALUE = /(AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|xox[bap]-|ghp_[A-Za-z0-9]{20,}|sk_live_)/;
/** Names that refer to a secret rather than hold one. */
const REFERENCE_NAME = /(_ARN|_ID|_NAME|_PARAMETER|_PATH|_URL)$/i;

export const computeRules: Rule[] = [
  {
    id: "TS-LMB-001",
    title: "Lambda X-Ray tracing is Active",
    resourceTypes: [FN],
    checkov: ["CKV_AWS_50"],
    check: (r) => (block(r.values.tracing_config).mode === "Active" ? pass("tracing_config.mode Active") : fail("tracing_config.mode is not Active")),
  },
  {
    id: "TS-LMB-002",
    title: "Lambda runs in a VPC",
    resourceTypes: [FN],
    checkov: ["CKV_AWS_117"],
    check: (r) => {
      const vpc = block(r.values.vpc_config);
      const subnets = vpc.subnet_ids;
      const hasSubnets = isExpression(subnets) || stringList(subnets).length > 0;
      return hasSubnets ? pass("vpc_config.subnet_ids set") : fail("no vpc_config with subnet_ids");
    },
  },
  {
    id: "TS-LMB-003",
    title: "Lambda has reserved concurrency",
    resourceTypes: [FN],
    checkov: ["CKV_AWS_115"],
    check: (r) => {
      const reserved = asNumber(r.values.reserved_concurrent_executions);
      if (reserved === undefined) return isExpression(r.values.reserved_concurrent_executions) ? pass("reserved_concurrent_executions from an expression") : fail("reserved_concurrent_executions unset");
      return reserved >= 1 ? pass(`reserved_concurrent_executions ${reserved}`) : fail(`reserved_concurrent_executions ${reserved} (-1 is unreserved, 0 disables the function)`);
    },
  },
  {
    id: "TS-LMB-004",
    title: "Lambda runtime is not blocked by AWS (dated runtime lifecycle)",
    resourceTypes: [FN],
    checkov: ["CKV_AWS_363"],
    check: (r, { now }) => {
      if (r.values.package_type === "Image") return undefined;
      const runtime = typeof r.values.runtime === "string" ? r.values.runtime : JSON.stringify(r.values.runtime ?? null);
      const status = runtimeStatus(runtime, now);
      if (status.kind === "unknown") return fail(`runtime ${runtime} is not in the dated lifecycle table (scripts/policy/runtime-lifecycle.ts, recorded ${RECORDED_ON}): add it with AWS's dates, or use a recorded runtime`);
      const dates = `deprecated ${status.lifecycle.deprecated}, create blocked from ${status.blockCreate}${status.lifecycle.blockUpdate ? `, update blocked from ${status.lifecycle.blockUpdate}` : ""}`;
      const instead = replacementRuntimes(runtime, now);
      const move = instead.length > 0 ? `; move to ${instead.join(" or ")}` : "";
      if (status.kind === "blocked") return fail(`runtime ${runtime}: AWS blocks creating functions on it since ${status.blockCreate} (${dates})${move}`);
      if (status.kind === "warning") return warn(`runtime ${runtime}: AWS blocks creating functions on it from ${status.blockCreate}, in ${status.daysLeft} day(s) (${dates})${move}`);
      return pass(`runtime ${runtime}: create blocked from ${status.blockCreate}, ${status.daysLeft} days away`);
    },
  },
  {
    id: "TS-LMB-005",
    title: "Lambda environment holds no secret-looking values",
    resourceTypes: [FN],
    checkov: ["CKV_AWS_45"],
    check: (r) => {
      const variables = (block(r.values.environment).variables ?? {}) as Record<string, unknown>;
      const bad = Object.entries(variables).filter(([name, value]) => {
        const text = String(value ?? "");
        if (SECRET_VALUE.test(text)) return true;
        if (!SECRET_NAME.test(name) || REFERENCE_NAME.test(name)) return false;
        return !isExpression(text) && !text.startsWith("arn:") && text !== "";
      });
      return bad.length === 0 ? pass(`${Object.keys(variables).length} variable(s), none secret-looking`) : fail(`secret-looking variable(s) ${bad.map(([n]) => n).join(", ")}: pass a secret ARN and read it at run time`);
    },
  },
  {
    id: "TS-LMB-006",
    title: "Lambda permissions for AWS services carry source_arn",
    resourceTypes: ["aws_lambda_permission"],
    checkov: ["CKV_AWS_364"],
    check: (r) => {
      if (!String(r.values.principal ?? "").endsWith(".amazonaws.com")) return undefined;
      return r.values.source_arn ? pass("source_arn set") : fail(`principal ${r.values.principal} without source_arn: any resource of that service could invoke it`);
    },
  },
  {
    id: "TS-LMB-007",
    title: "Lambda permissions are not granted to principal *",
    resourceTypes: ["aws_lambda_permission"],
    checkov: ["CKV_AWS_301"],
    check: (r) => (r.values.principal === "*" ? fail("principal = *") : pass(`principal ${r.values.principal}`)),
  },
  {
    id: "TS-LMB-008",
    title: "Lambda environment variables are encrypted with a customer-managed key",
    resourceTypes: [FN],
    checkov: ["CKV_AWS_173"],
    check: (r) => {
      const variables = block(r.values.environment).variables;
      if (!variables || Object.keys(variables).length === 0) return undefined;
      return r.values.kms_key_arn ? pass("kms_key_arn set") : fail("environment variables without kms_key_arn");
    },
  },
  {
    id: "TS-LMB-009",
    title: "Lambda function URLs require IAM auth",
    resourceTypes: ["aws_lambda_function_url", "aws_lambda_permission"],
    checkov: ["CKV_AWS_258"],
    check: (r) => {
      const auth = r.type === "aws_lambda_function_url" ? r.values.authorization_type : r.values.function_url_auth_type;
      if (r.type === "aws_lambda_permission" && auth === undefined) return undefined;
      return auth === "AWS_IAM" ? pass("AWS_IAM") : fail(`authorization_type ${auth ?? "unset"}; use AWS_IAM (behind CloudFront OAC)`);
    },
  },
  {
    id: "TS-API-001",
    title: "API Gateway stages write access logs",
    resourceTypes: ["aws_apigatewayv2_stage", "aws_api_gateway_stage"],
    checkov: ["CKV_AWS_76"],
    trivy: ["AVD-AWS-0001"],
    check: (r) => {
      const logs = block(r.values.access_log_settings);
      return logs.destination_arn && logs.format ? pass("access_log_settings destination and format set") : fail("access_log_settings (destination_arn and format) missing");
    },
  },
  {
    id: "TS-API-002",
    title: "Every non-public API route has an authorizer",
    resourceTypes: ["aws_apigatewayv2_route"],
    checkov: ["CKV_AWS_309"],
    check: (r, { env }) => {
      const key = String(r.values.route_key ?? "");
      const type = String(r.values.authorization_type ?? "NONE");
      if (type !== "NONE") return r.values.authorizer_id || type === "AWS_IAM" ? pass(`${key}: ${type}`) : fail(`${key}: ${type} without authorizer_id`);
      const publicRoutes = env.publicRoutes ?? DEFAULT_PUBLIC_ROUTES;
      return publicRoutes.includes(key) ? pass(`${key} is public on purpose`) : fail(`${key} has authorization_type NONE and is not a documented public route (${publicRoutes.join(", ")})`);
    },
  },
  {
    id: "TS-API-003",
    title: "API Gateway stages set throttling limits",
    resourceTypes: ["aws_apigatewayv2_stage"],
    checkov: [],
    check: (r) => {
      const settings = block(r.values.default_route_settings);
      const rate = asNumber(settings.throttling_rate_limit);
      const burst = asNumber(settings.throttling_burst_limit);
      return rate !== undefined && rate > 0 && burst !== undefined && burst > 0 ? pass(`rate ${rate}/s, burst ${burst}`) : fail("default_route_settings.throttling_rate_limit and throttling_burst_limit must be > 0");
    },
  },
  {
    id: "TS-API-004",
    title: "API CORS does not combine any origin (*) with credentials",
    resourceTypes: ["aws_apigatewayv2_api"],
    checkov: [],
    check: (r) => {
      const cors = asList(r.values.cors_configuration)[0];
      if (!cors) return undefined;
      const anyOrigin = stringList(cors.allow_origins).includes("*");
      return anyOrigin && cors.allow_credentials === true ? fail("allow_origins * with allow_credentials true") : pass(anyOrigin ? "any origin, no credentials" : `origins ${stringList(cors.allow_origins).join(", ")}`);
    },
  },
];
