/**
 * Test-only: the GitHub roles' policies as IAM will hold them, read from a synthesized bootstrap
 * stack (inline and attached customer-managed, tokens resolved to the names they become), and
 * every resource of a synthesized environment stack as the ARN IAM sees (stand-in ids with the
 * stack's default tags where AWS addresses a resource by a generated id). Used by the tests that
 * decide requests with __tests__/support/iam-evaluator.ts.
 */
import type { EnvironmentConfig } from "../../environments/config";
import { synthEnvironment, type TerraformJson } from "../helpers/stacks";
import type { PolicyDocument } from "./iam-evaluator";

type Json = Record<string, any>;

/** Replaces `${type.name.attribute}` tokens with what they become in the bootstrap stack's account. */
export function resolveTokens(text: string, stack: TerraformJson, account: { accountId: string; region: string }): string {
  const { accountId, region } = account;
  return text.replace(/\$\{([\w]+)\.([\w-]+)\.(\w+)\}/g, (token, type: string, name: string, attribute: string) => {
    const resource = stack.resource[type]?.[name] as Json | undefined;
    if (!resource) throw new Error(`unresolvable token ${token}`);
    const key = `${type}.${attribute}`;
    switch (key) {
      case "aws_s3_bucket.arn":
        return `arn:aws:s3:::${resource.bucket}`;
      case "aws_s3_bucket.bucket":
        return resource.bucket;
      case "aws_dynamodb_table.arn":
        return `arn:aws:dynamodb:${region}:${accountId}:table/${resource.name}`;
      case "aws_kms_key.arn":
        return `arn:aws:kms:${region}:${accountId}:key/state-key-id`;
      case "aws_iam_openid_connect_provider.arn":
        return `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`;
      case "aws_iam_role.name":
      case "aws_iam_role.id":
        return resource.name;
      case "aws_iam_policy.arn":
        return `arn:aws:iam::${accountId}:policy/${resource.name}`;
      default:
        throw new Error(`resolveTokens: no rule for ${key} (${token})`);
    }
  });
}

/**
 * AWS's ReadOnlyAccess, modelled as the reads it grants. No kinder than AWS: its Secrets Manager
 * entries are Describe*, GetResourcePolicy and List* — a secret's value is never read-only access —
 * so Get* stops short of secrets (the model may grant less than AWS, never more).
 */
export const READ_ONLY_MODEL: PolicyDocument = {
  Statement: [
    { Sid: "ReadOnlyAccessModel", Effect: "Allow", Action: ["*:List*", "*:Describe*", "*:BatchGet*", "dynamodb:Query", "dynamodb:Scan"], Resource: "*" },
    { Sid: "ReadOnlyAccessModelGets", Effect: "Allow", Action: ["*:Get*"], NotResource: ["arn:aws:secretsmanager:*"] },
    { Sid: "ReadOnlyAccessModelSecrets", Effect: "Allow", Action: ["secretsmanager:GetResourcePolicy"], Resource: "*" },
  ],
};

export interface RolePolicies {
  /** The role's own documents: inline and attached customer-managed. */
  readonly own: PolicyDocument[];
  /** The same plus the ReadOnlyAccess model when the role attaches it. */
  readonly withReadOnly: PolicyDocument[];
  /** ARNs of the attached policies (AWS-managed and customer-managed). */
  readonly attachments: string[];
  /** The raw documents as IAM stores them (for size limits): inline and managed apart. */
  readonly inlineTexts: string[];
  readonly managedTexts: string[];
  /** The role's trust policy. */
  readonly trust: PolicyDocument;
}

/** The policies of the role named `roleName` in a synthesized bootstrap stack. */
export function rolePolicies(stack: TerraformJson, roleName: string, account: { accountId: string; region: string }): RolePolicies {
  const roleKey = Object.entries(stack.resource.aws_iam_role).find(([, r]) => (r as Json).name === roleName)?.[0];
  if (!roleKey) throw new Error(`no role ${roleName} in the bootstrap stack`);
  const ofRole = (r: Json) => r.role === `\${aws_iam_role.${roleKey}.id}` || r.role === `\${aws_iam_role.${roleKey}.name}`;
  const inlineTexts = Object.values(stack.resource.aws_iam_role_policy ?? {}).filter((p) => ofRole(p as Json)).map((p) => (p as Json).policy as string);
  const attachments = Object.values(stack.resource.aws_iam_role_policy_attachment ?? {}).filter((a) => ofRole(a as Json)).map((a) => (a as Json).policy_arn as string);
  const managedTexts = attachments
    .map((arn) => /^\$\{aws_iam_policy\.([\w-]+)\.arn\}$/.exec(arn)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => (stack.resource.aws_iam_policy[name] as Json).policy as string);
  const own = [...inlineTexts, ...managedTexts].map((text) => JSON.parse(resolveTokens(text, stack, account)) as PolicyDocument);
  const resolvedAttachments = attachments.map((a) => resolveTokens(a, stack, account));
  const readOnly = resolvedAttachments.includes("arn:aws:iam::aws:policy/ReadOnlyAccess");
  const trust = JSON.parse(resolveTokens((stack.resource.aws_iam_role[roleKey] as Json).assume_role_policy, stack, account)) as PolicyDocument;
  return { own, withReadOnly: readOnly ? [...own, READ_ONLY_MODEL] : own, attachments: resolvedAttachments, inlineTexts, managedTexts, trust };
}

export interface Target {
  readonly label: string;
  /** The Terraform resource type the target stands for. */
  readonly type: string;
  readonly arn: string;
  readonly tags?: Record<string, string>;
}

/** Every resource of an environment's synthesized stack, as the ARN IAM sees (stand-in ids where AWS generates them). */
export function resourcesOf(config: EnvironmentConfig): { targets: Target[]; unmapped: string[]; stack: TerraformJson } {
  const stack = synthEnvironment(config).parsed;
  const providers = stack.provider.aws as Json[];
  const tags: Record<string, string> = providers[0].default_tags[0].tags;
  const account = config.accountId;
  const env = config.name;
  /** The region of a resource: its provider alias's, else the stack's. */
  const regionOf = (r: Json): string => {
    const alias = /^aws\.(\w+)$/.exec(r.provider ?? "")?.[1];
    return (alias ? providers.find((p) => p.alias === alias)?.region : undefined) ?? config.region;
  };
  const logGroupName = (token: string): string => {
    const name = /^\$\{aws_cloudwatch_log_group\.([\w-]+)\.name\}$/.exec(token)?.[1];
    return name ? (stack.resource.aws_cloudwatch_log_group[name] as Json).name : token;
  };
  const targets: Target[] = [];
  const unmapped = new Set<string>();
  for (const [type, byName] of Object.entries(stack.resource)) {
    Object.entries(byName).forEach(([name, raw], index) => {
      const r = raw as Json;
      const id = `${env}${index}`;
      const region = regionOf(r);
      const a = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;
      const add = (arn: string, withTags = false) => void targets.push({ label: `${type}.${name}`, type, arn, tags: withTags ? tags : undefined });
      switch (type) {
        case "aws_rds_cluster":
          return add(a("rds", `cluster:${r.cluster_identifier}`));
        case "aws_rds_cluster_instance":
          return add(a("rds", `db:${r.identifier}`));
        case "aws_db_subnet_group":
          return add(a("rds", `subgrp:${r.name}`));
        case "aws_rds_cluster_parameter_group":
          return add(a("rds", `cluster-pg:${r.name}`));
        case "aws_lambda_function":
          return add(a("lambda", `function:${r.function_name}`));
        case "aws_lambda_permission":
          return;
        case "aws_s3_bucket":
          add(`arn:aws:s3:::${r.bucket}`);
          return add(`arn:aws:s3:::${r.bucket}/some/object`);
        case "aws_iam_role":
          return add(`arn:aws:iam::${account}:role/${r.name}`);
        case "aws_cloudwatch_log_group":
          return add(a("logs", `log-group:${r.name}`));
        case "aws_cloudwatch_log_metric_filter":
          // A metric filter is authorised on its log group.
          return add(a("logs", `log-group:${logGroupName(r.log_group_name)}`));
        case "aws_ssm_parameter":
          return add(a("ssm", `parameter${r.name}`));
        case "aws_kms_alias":
          return add(a("kms", r.name));
        case "aws_kms_key":
          return add(a("kms", `key/${id}`), true);
        case "aws_sns_topic":
          return add(a("sns", r.name));
        case "aws_cloudwatch_metric_alarm":
          return add(a("cloudwatch", `alarm:${r.alarm_name}`));
        case "aws_cloudwatch_dashboard":
          return add(`arn:aws:cloudwatch::${account}:dashboard/${r.dashboard_name}`);
        case "aws_budgets_budget":
          return add(`arn:aws:budgets::${account}:budget/${r.name}`);
        case "aws_ce_anomaly_monitor":
          return add(`arn:aws:ce::${account}:anomalymonitor/${id}`, true);
        case "aws_ce_anomaly_subscription":
          return add(`arn:aws:ce::${account}:anomalysubscription/${id}`, true);
        case "aws_backup_vault":
          return add(a("backup", `backup-vault:${r.name}`));
        case "aws_backup_plan":
          return add(a("backup", `backup-plan:${id}`), true);
        case "aws_cognito_user":
          // Users and their group memberships are authorised on the pool.
          return add(a("cognito-idp", `userpool/${region}_${env}pool`), true);
        case "aws_vpc":
          return add(a("ec2", `vpc/vpc-${id}`), true);
        case "aws_subnet":
          return add(a("ec2", `subnet/subnet-${id}`), true);
        case "aws_route_table":
          return add(a("ec2", `route-table/rtb-${id}`), true);
        case "aws_internet_gateway":
          return add(a("ec2", `internet-gateway/igw-${id}`), true);
        case "aws_security_group":
        case "aws_default_security_group":
          return add(a("ec2", `security-group/sg-${id}`), true);
        case "aws_vpc_security_group_ingress_rule":
        case "aws_vpc_security_group_egress_rule":
          return add(a("ec2", `security-group-rule/sgr-${id}`), true);
        case "aws_vpc_endpoint":
          return add(a("ec2", `vpc-endpoint/vpce-${id}`), true);
        case "aws_flow_log":
          return add(a("ec2", `vpc-flow-log/fl-${id}`), true);
        case "aws_apigatewayv2_api":
          add(`arn:aws:apigateway:${region}::/apis/${id}`, true);
          return add(`arn:aws:apigateway:${region}::/apis/${id}/routes/r1`, true);
        case "aws_cloudfront_distribution":
          return add(`arn:aws:cloudfront::${account}:distribution/E${id.toUpperCase()}`, true);
        case "aws_cognito_user_pool":
          return add(a("cognito-idp", `userpool/${region}_${env}pool`), true);
        default:
          // Sub-resources whose permissions are those of their parent (bucket settings, policies,
          // routes, associations, groups, clients, integrations) or resources without an ARN.
          return void unmapped.add(type);
      }
    });
  }
  // What RDS creates for the cluster: the managed master secret, tagged with its cluster's ARN.
  const cluster = Object.values(stack.resource.aws_rds_cluster)[0] as Json;
  const clusterArn = `arn:aws:rds:${config.region}:${account}:cluster:${cluster.cluster_identifier}`;
  targets.push({ label: "managed master secret", type: "rds-managed-secret", arn: `arn:aws:secretsmanager:${config.region}:${account}:secret:rds!cluster-${env}-AbCdEf`, tags: { "aws:rds:primaryDBClusterArn": clusterArn } });
  return { targets, unmapped: [...unmapped].sort(), stack };
}
