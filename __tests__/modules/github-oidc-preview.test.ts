/**
 * The preview role cannot touch staging. Unit test over synthesized JSON (no AWS: IAM cannot be
 * exercised in the emulator, which does not enforce policies): the staging account's real
 * bootstrap stack is synthesized from the registry, the preview role's policies are read from it
 * (inline and attached, tokens resolved to the names they become), and a small IAM evaluator
 * (__tests__/support/iam-evaluator.ts, following AWS's documented evaluation logic and failing
 * on operators it does not know) decides requests; __tests__/support/oidc-policies.ts reads the
 * policies and maps the stack's resources to ARNs:
 *
 * - every resource of the synthesized staging stack (ARN from its name, or a stand-in id with
 *   staging's default tags where AWS addresses it by id), the staging state key, its lock file
 *   and lock items, the state bucket itself and the account's other GitHub roles: every write
 *   action the preview role's policies name, plus a list of dangerous ones, is denied — also
 *   when the request carries the preview tags (an attempt to tag one's way in);
 * - data reads the attached ReadOnlyAccess would allow (objects, secret values, items) are
 *   denied on staging's data;
 * - the same requests on a preview's resources are allowed (so "denied" is not vacuous).
 */
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { resolveEnvironment } from "../../environments/registry";
import { roleNames } from "../../modules/github-oidc";
import { synthBootstrap } from "../helpers/stacks";
import { PolicyDocument, Request, decide } from "../support/iam-evaluator";
import { Target, resourcesOf, rolePolicies } from "../support/oidc-policies";

const staging = resolveEnvironment("staging");
const production = resolveEnvironment("production");
const ACCOUNT = staging.accountId;
const REGION = staging.region;
const STATE_BUCKET = `twinstack-tfstate-${ACCOUNT}`;
const LOCK_TABLE = "twinstack-tflock";
const names = roleNames("twinstack");

/** The preview role's identity policies as IAM will hold them, plus the AWS-managed ReadOnlyAccess it attaches (modelled as reads). */
function previewPolicies(): { own: PolicyDocument[]; withReadOnly: PolicyDocument[]; attachments: string[] } {
  const [stagingAccount] = synthBootstrap([staging, production]).map((s) => s.parsed);
  return rolePolicies(stagingAccount, names.preview, staging);
}

/** Sub-resource types authorised through their parent (or with no ARN of their own); a new type in the stack must be mapped above or named here. */
const AUTHORISED_THROUGH_PARENT = [
  "aws_apigatewayv2_authorizer",
  "aws_apigatewayv2_integration",
  "aws_apigatewayv2_route",
  "aws_apigatewayv2_stage",
  "aws_cloudfront_origin_access_control",
  "aws_cognito_user_group",
  "aws_cognito_user_pool_client",
  "aws_cognito_user_pool_domain",
  "aws_iam_role_policy",
  "aws_route",
  "aws_route_table_association",
  "aws_s3_bucket_lifecycle_configuration",
  "aws_s3_bucket_ownership_controls",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_s3_bucket_versioning",
  "aws_sns_topic_policy",
];

const DANGEROUS = [
  "s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy", "s3:DeleteBucket", "s3:PutBucketVersioning",
  "rds:DeleteDBCluster", "rds:ModifyDBCluster", "rds:DeleteDBInstance", "rds:CreateDBInstance", "rds:CreateDBClusterSnapshot",
  "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:AddPermission", "lambda:DeleteFunction",
  "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PassRole", "iam:DeleteRole",
  "ec2:DeleteVpc", "ec2:CreateSubnet", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:CreateTags", "ec2:DeleteTags",
  "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint", "ec2:DeleteFlowLogs",
  "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey", "kms:Decrypt", "kms:CreateGrant", "kms:DeleteAlias", "kms:UpdateAlias",
  "secretsmanager:DeleteSecret", "secretsmanager:PutSecretValue", "secretsmanager:RotateSecret", "secretsmanager:TagResource",
  "ssm:PutParameter", "ssm:DeleteParameter", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
  "apigateway:DELETE", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT", "apigateway:TagResource",
  "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:TagResource",
  "cognito-idp:DeleteUserPool", "cognito-idp:UpdateUserPool", "cognito-idp:CreateUserPoolClient", "cognito-idp:TagResource", "cognito-idp:AdminCreateUser",
  "cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm", "sns:DeleteTopic", "sns:Subscribe", "sns:SetTopicAttributes",
  "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards", "logs:PutMetricFilter", "logs:DeleteMetricFilter",
  "budgets:ModifyBudget", "budgets:TagResource", "ce:UpdateAnomalyMonitor", "ce:DeleteAnomalyMonitor", "ce:UpdateAnomalySubscription", "ce:DeleteAnomalySubscription", "ce:TagResource",
  "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:DeleteTable",
];

/** Create actions whose created resource is always new: probing them against an existing ARN of that type would model a request AWS cannot receive. */
const CREATES: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [/^ec2:CreateVpc$/i, /:vpc\//],
  [/^ec2:CreateSubnet$/i, /:subnet\//],
  [/^ec2:CreateRouteTable$/i, /:route-table\//],
  [/^ec2:CreateInternetGateway$/i, /:internet-gateway\//],
  [/^ec2:CreateSecurityGroup$/i, /:security-group\//],
  [/^ec2:AuthorizeSecurityGroup(Ingress|Egress)$/i, /:security-group-rule\//],
  [/^ec2:CreateVpcEndpoint$/i, /:vpc-endpoint\//],
  [/^ec2:CreateFlowLogs$/i, /:vpc-flow-log\//],
  // CreateKey and CreateUserPool name no resource at all (IAM authorises them on `*`): they only make new ones.
  [/^kms:CreateKey$/i, /:(key\/|alias\/)/],
  [/^cognito-idp:CreateUserPool$/i, /:userpool\//],
  [/^apigateway:POST$/i, /::\/apis$/],
  [/^cloudfront:CreateDistribution/i, /:distribution\//],
  [/^secretsmanager:CreateSecret$/i, /:secret:/],
];
const createsOnlyNew = (action: string, arn: string) => CREATES.some(([a, r]) => a.test(action) && r.test(arn));

/** Concrete actions to probe: the dangerous list plus every action the policies name (a pattern's `*` becomes `X`). */
/** A request names a resource of the action's own service (`ec2:CreateSubnet` → an `arn:aws:ec2:` ARN). */
const sameService = (action: string, arn: string) => arn.split(":")[2] === action.split(":")[0].toLowerCase();

function probeActions(policies: PolicyDocument[]): string[] {
  const named = policies.flatMap((p) => p.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action ?? []].flat()));
  return [...new Set([...DANGEROUS, ...named.map((a) => a.replace(/\*/g, "X"))])].sort();
}

function contextFor(target: Target, requestTags?: Record<string, string>): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = { "aws:RequestedRegion": REGION };
  for (const [key, value] of Object.entries(target.tags ?? {})) context[`aws:ResourceTag/${key}`] = value;
  for (const [key, value] of Object.entries(requestTags ?? {})) context[`aws:RequestTag/${key}`] = value;
  if (requestTags) context["aws:TagKeys"] = Object.keys(requestTags);
  return context;
}

/** The requests on one environment's resources and state that the preview role must be refused (or, for a preview, granted). */
function stateTargets(stack: string): Array<{ label: string; request: Request }> {
  const stateKey = `${stack}/terraform.tfstate`;
  const lockIds = [`${STATE_BUCKET}/${stateKey}`, `${STATE_BUCKET}/${stateKey}-md5`];
  return [
    ...["s3:GetObject", "s3:PutObject", "s3:DeleteObject"].flatMap((action) =>
      [stateKey, `${stateKey}.tflock`].map((key) => ({ label: `state ${key}`, request: { action, resource: `arn:aws:s3:::${STATE_BUCKET}/${key}` } })),
    ),
    { label: `list ${stack}/`, request: { action: "s3:ListBucket", resource: `arn:aws:s3:::${STATE_BUCKET}`, context: { "s3:prefix": `${stack}/` } } },
    ...["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"].map((action) => ({
      label: `lock items of ${stack}`,
      request: { action, resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${LOCK_TABLE}`, context: { "dynamodb:LeadingKeys": lockIds } },
    })),
  ];
}

describe("the preview role (staging account) cannot touch staging", () => {
  const { own, withReadOnly, attachments } = previewPolicies();
  const stagingResources = resourcesOf(staging);
  const previewResources = resourcesOf(resolveEnvironment("preview-pr-7"));
  const actions = probeActions(own);
  const previewTags = { Project: "twinstack", Environment: "preview-pr-7" };

  test("its policies are the preview policies: ReadOnlyAccess, state of previews, and managed deploy policies within IAM's size limit", () => {
    expect(attachments).toEqual(expect.arrayContaining(["arn:aws:iam::aws:policy/ReadOnlyAccess"]));
    expect(own.length).toBeGreaterThanOrEqual(2);
    for (const policy of own) expect(JSON.stringify(policy).length).toBeLessThan(6144);
  });

  test("its policies name no staging resource and no staging state key", () => {
    const text = JSON.stringify(own);
    expect(text).not.toMatch(/staging/);
    expect(text).not.toMatch(/twinstack-\*/); // never the whole project
  });

  test("every staging resource type is probed, or authorised through a probed parent", () => {
    expect(stagingResources.unmapped).toEqual(AUTHORISED_THROUGH_PARENT);
    // Issue 15's types are probed on ARNs of their own (not waved through as children).
    const probed = new Set(stagingResources.targets.map((t) => t.type));
    for (const type of ["aws_budgets_budget", "aws_ce_anomaly_monitor", "aws_ce_anomaly_subscription", "aws_cloudwatch_dashboard", "aws_cloudwatch_log_metric_filter"]) expect(probed).toContain(type);
    expect(stagingResources.targets.length).toBeGreaterThan(40);
  });

  test("no action on any staging resource is allowed, with or without the preview tags in the request", () => {
    const allowed: string[] = [];
    for (const target of stagingResources.targets) {
      for (const action of actions) {
        for (const requestTags of [undefined, previewTags]) {
          if (!sameService(action, target.arn) || (requestTags && createsOnlyNew(action, target.arn))) continue;
          const decision = decide(own, { action, resource: target.arn, context: contextFor(target, requestTags) });
          if (decision.allowed) allowed.push(`${action} on ${target.label} (${target.arn})${requestTags ? " with preview request tags" : ""} — ${decision.by}`);
        }
      }
    }
    expect(allowed).toEqual([]);
  });

  test("the staging state key, its lock file, its lock items and its listing are refused", () => {
    const allowed = stateTargets("twinstack-staging")
      .map(({ label, request }) => ({ label, request, decision: decide(withReadOnly, request) }))
      .filter(({ decision }) => decision.allowed)
      .map(({ label, request, decision }) => `${request.action} ${label}: ${decision.by}`);
    expect(allowed).toEqual([]);
    // Nor a scan of the lock table (it names no key), nor the bucket's own settings.
    expect(decide(withReadOnly, { action: "dynamodb:Scan", resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${LOCK_TABLE}` }).allowed).toBe(false);
    expect(decide(own, { action: "s3:PutBucketPolicy", resource: `arn:aws:s3:::${STATE_BUCKET}` }).allowed).toBe(false);
  });

  test("staging's data stays unreadable although ReadOnlyAccess is attached", () => {
    const reads: Request[] = [
      ...stagingResources.targets.filter((t) => t.arn.startsWith("arn:aws:s3:::") && t.arn.includes("/")).map((t) => ({ action: "s3:GetObject", resource: t.arn })),
      ...stagingResources.targets.filter((t) => t.arn.includes(":secret:")).map((t) => ({ action: "secretsmanager:GetSecretValue", resource: t.arn })),
      { action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:twinstack-staging-app-AbCdEf` },
      { action: "dynamodb:GetItem", resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/twinstack-staging-sessions` },
    ];
    expect(reads.length).toBeGreaterThan(3);
    expect(reads.filter((r) => decide(withReadOnly, r).allowed)).toEqual([]);
  });

  test("the account's other GitHub roles are out of reach", () => {
    for (const role of [names.plan, names.apply, names.refresh, names.preview]) {
      for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PassRole"]) {
        expect({ role, action, allowed: decide(own, { action, resource: `arn:aws:iam::${ACCOUNT}:role/${role}` }).allowed }).toEqual({ role, action, allowed: false });
      }
    }
  });

  test("the same requests on a preview's own resources and state are allowed (the refusals are not vacuous)", () => {
    const sample = (arnPart: string, action: string, requestTags?: Record<string, string>) => {
      const target = previewResources.targets.find((t) => t.arn.includes(arnPart));
      if (!target) throw new Error(`no preview target ${arnPart}`);
      return decide(own, { action, resource: target.arn, context: contextFor(target, requestTags) });
    };
    expect(sample(":cluster:twinstack-preview-pr-7", "rds:DeleteDBCluster").allowed).toBe(true);
    expect(sample(":function:twinstack-preview-pr-7", "lambda:UpdateFunctionCode").allowed).toBe(true);
    expect(sample(":vpc/", "ec2:DeleteVpc").allowed).toBe(true);
    expect(sample(":subnet/", "ec2:CreateSubnet", previewTags).allowed).toBe(true);
    expect(sample("userpool/", "cognito-idp:DeleteUserPool").allowed).toBe(true);
    expect(sample("secret:rds!cluster-", "secretsmanager:DeleteSecret").allowed).toBe(true);
    // What issue 15 added to every stack: a budget, a dashboard, a metric filter on the API's log group.
    expect(sample(":budget/twinstack-preview-pr-7", "budgets:ModifyBudget").allowed).toBe(true);
    expect(sample(":dashboard/twinstack-preview-pr-7", "cloudwatch:PutDashboard").allowed).toBe(true);
    expect(sample("log-group:/aws/lambda/twinstack-preview-pr-7-api", "logs:PutMetricFilter").allowed).toBe(true);
    const state = stateTargets("twinstack-preview-pr-7").map(({ request }) => decide(withReadOnly, request));
    expect(state.every((d) => d.allowed)).toBe(true);
    expect(decide(own, { action: "ec2:CreateVpc", resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/vpc-new`, context: contextFor({ label: "new", type: "aws_vpc", arn: "" }, previewTags) }).allowed).toBe(true);
  });

  test("managed deploy policies are IamPolicy resources named after the role", () => {
    const [stagingAccount] = synthBootstrap([staging, production]);
    expect(stagingAccount.json).toHaveResourceWithProperties(IamPolicy, { name: `${names.preview}-deploy-1` });
  });
});
