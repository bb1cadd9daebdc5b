/**
 * Unit tests of every policy rule (pure functions over Terraform JSON, no AWS, no terraform):
 * each rule has a passing fixture (a compliant stack of its area) and a failing one (that
 * stack with one edit). A coverage test enforces that every rule id appears in both.
 */
import { EnvironmentFacts, evaluate } from "../../scripts/policy/engine";
import { StackModel } from "../../scripts/policy/model";
import { ALL_RULES } from "../../scripts/policy/rules";
import { Doc, clone, cloudfrontStack, cognitoStack, computeStack, databaseStack, networkStack, platformStack, policyOf, resilienceStack, s3Stack, setPolicy } from "./fixtures";

const PROTECTED: EnvironmentFacts = { name: "production", protected: true, bucketsRequireCustomerKey: true };
const UNPROTECTED: EnvironmentFacts = { name: "staging", protected: false, bucketsRequireCustomerKey: true };

interface Case {
  rule: string;
  expect: "pass" | "fail" | "not-applicable";
  base: () => Doc;
  edit?: (doc: Doc) => void;
  env?: EnvironmentFacts;
  /** The clock of the evaluation; default FIXED_NOW (dated rules must not change verdict with the calendar). */
  now?: Date;
}

/** The day the runtime lifecycle table was recorded: fixtures are judged as of then. */
const FIXED_NOW = new Date("2026-11-30T12:00:00Z");

const areas: Record<string, () => Doc> = {
  S3: s3Stack,
  CF: cloudfrontStack,
  RDS: databaseStack,
  LMB: computeStack,
  API: computeStack,
  COG: cognitoStack,
  NET: networkStack,
  KMS: platformStack,
  LOG: platformStack,
  SEC: platformStack,
  IAM: platformStack,
  DDB: platformStack,
  CW: platformStack,
  SNS: platformStack,
  STATE: platformStack,
  PRV: platformStack,
  BAK: resilienceStack,
  BUD: resilienceStack,
};
const areaOf = (rule: string) => areas[rule.split("-")[1]];

/** The compliant stack of each rule's area passes it (in a protected environment, where the most rules apply). */
const passing: Case[] = ALL_RULES.map((rule) => ({ rule: rule.id, expect: "pass", base: areaOf(rule.id) }));
// A few rules deserve a second passing case in an unprotected environment or with a variant.
passing.push(
  { rule: "TS-RDS-005", expect: "pass", base: databaseStack, env: UNPROTECTED, edit: (d) => (d.resource.aws_rds_cluster.cluster.backup_retention_period = 1) },
  { rule: "TS-COG-002", expect: "pass", base: cognitoStack, env: UNPROTECTED, edit: (d) => (d.resource.aws_cognito_user_pool.users.mfa_configuration = "OFF") },
  { rule: "TS-NET-007", expect: "pass", base: networkStack, edit: (d) => delete d.resource.aws_vpc_security_group_egress_rule },
  // Unprotected: no lock and no plan required; the account's bootstrap stack needs no budget
  { rule: "TS-BAK-002", expect: "not-applicable", base: resilienceStack, env: UNPROTECTED, edit: (d) => delete d.resource.aws_backup_vault_lock_configuration },
  { rule: "TS-BAK-003", expect: "not-applicable", base: resilienceStack, env: UNPROTECTED, edit: (d) => delete d.resource.aws_backup_selection },
  { rule: "TS-BUD-001", expect: "not-applicable", base: resilienceStack, edit: (d) => ((d.provider.aws[0].default_tags[0].tags.Environment = "account"), delete d.resource.aws_budgets_budget) },
);

const failing: Case[] = [
  // S3
  { rule: "TS-S3-001", expect: "fail", base: s3Stack, edit: (d) => (d.resource.aws_s3_bucket_public_access_block.pab.block_public_acls = false) },
  { rule: "TS-S3-002", expect: "fail", base: s3Stack, edit: (d) => (d.resource.aws_s3_bucket_public_access_block.pab.block_public_policy = false) },
  { rule: "TS-S3-003", expect: "fail", base: s3Stack, edit: (d) => delete d.resource.aws_s3_bucket_public_access_block.pab.ignore_public_acls },
  { rule: "TS-S3-004", expect: "fail", base: s3Stack, edit: (d) => (d.resource.aws_s3_bucket_public_access_block.pab.restrict_public_buckets = false) },
  { rule: "TS-S3-005", expect: "fail", base: s3Stack, edit: (d) => delete d.resource.aws_s3_bucket_public_access_block },
  { rule: "TS-S3-006", expect: "fail", base: s3Stack, edit: (d) => (d.resource.aws_s3_bucket_versioning.versioning.versioning_configuration.status = "Suspended") },
  { rule: "TS-S3-007", expect: "fail", base: s3Stack, edit: (d) => delete d.resource.aws_s3_bucket_server_side_encryption_configuration },
  {
    rule: "TS-S3-008",
    expect: "fail",
    base: s3Stack,
    edit: (d) => (d.resource.aws_s3_bucket_server_side_encryption_configuration.sse.rule = [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]),
  },
  { rule: "TS-S3-009", expect: "fail", base: s3Stack, edit: (d) => (d.resource.aws_s3_bucket_ownership_controls.ownership.rule.object_ownership = "ObjectWriter") },
  { rule: "TS-S3-010", expect: "fail", base: s3Stack, edit: (d) => (d.resource.aws_s3_bucket_lifecycle_configuration.lifecycle.rule = [{ id: "expire", status: "Enabled", expiration: [{ days: 30 }] }]) },
  { rule: "TS-S3-011", expect: "fail", base: s3Stack, edit: (d) => (d.resource.aws_s3_bucket_acl.acl.acl = "public-read") },
  {
    rule: "TS-S3-012",
    expect: "fail",
    base: s3Stack,
    edit: (d) => {
      const policy = policyOf(d, "aws_s3_bucket_policy", "policy");
      setPolicy(d, "aws_s3_bucket_policy", "policy", { ...policy, Statement: policy.Statement.filter((s: { Effect: string }) => s.Effect !== "Deny") });
    },
  },
  {
    rule: "TS-S3-013",
    expect: "fail",
    base: s3Stack,
    edit: (d) => {
      const policy = policyOf(d, "aws_s3_bucket_policy", "policy");
      policy.Statement.push({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "${aws_s3_bucket.site.arn}/*" });
      setPolicy(d, "aws_s3_bucket_policy", "policy", policy);
    },
  },
  { rule: "TS-S3-014", expect: "fail", base: s3Stack, edit: (d) => (d.resource.aws_s3_bucket.site.force_destroy = true) },
  // CloudFront
  { rule: "TS-CF-001", expect: "fail", base: cloudfrontStack, edit: (d) => (d.resource.aws_cloudfront_distribution.cdn.ordered_cache_behavior[0].viewer_protocol_policy = "allow-all") },
  { rule: "TS-CF-002", expect: "fail", base: cloudfrontStack, edit: (d) => (d.resource.aws_cloudfront_distribution.cdn.viewer_certificate = { cloudfront_default_certificate: true }) },
  { rule: "TS-CF-002", expect: "fail", base: cloudfrontStack, edit: (d) => (d.resource.aws_cloudfront_distribution.cdn.viewer_certificate.minimum_protocol_version = "TLSv1_2016") },
  { rule: "TS-CF-003", expect: "fail", base: cloudfrontStack, edit: (d) => delete d.resource.aws_cloudfront_distribution.cdn.origin[0].origin_access_control_id },
  { rule: "TS-CF-004", expect: "fail", base: cloudfrontStack, edit: (d) => delete d.resource.aws_cloudfront_distribution.cdn.ordered_cache_behavior[0].response_headers_policy_id },
  { rule: "TS-CF-004", expect: "fail", base: cloudfrontStack, edit: (d) => delete d.resource.aws_cloudfront_response_headers_policy.headers.security_headers_config },
  { rule: "TS-CF-005", expect: "fail", base: cloudfrontStack, edit: (d) => delete d.resource.aws_cloudfront_distribution.cdn.default_root_object },
  { rule: "TS-CF-006", expect: "fail", base: cloudfrontStack, edit: (d) => (d.resource.aws_cloudfront_distribution.cdn.origin[1].custom_origin_config.origin_protocol_policy = "match-viewer") },
  // Aurora
  { rule: "TS-RDS-001", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster.cluster.storage_encrypted = false) },
  { rule: "TS-RDS-002", expect: "fail", base: databaseStack, edit: (d) => delete d.resource.aws_rds_cluster.cluster.kms_key_id },
  { rule: "TS-RDS-003", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster.cluster.deletion_protection = false) },
  { rule: "TS-RDS-004", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster.cluster.iam_database_authentication_enabled = false) },
  { rule: "TS-RDS-005", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster.cluster.backup_retention_period = 3) },
  { rule: "TS-RDS-006", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster.cluster.enabled_cloudwatch_logs_exports = []) },
  { rule: "TS-RDS-007", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster.cluster.copy_tags_to_snapshot = false) },
  { rule: "TS-RDS-008", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster_instance.writer.publicly_accessible = true) },
  { rule: "TS-RDS-009", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster_instance.writer.performance_insights_enabled = false) },
  { rule: "TS-RDS-010", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster_instance.writer.auto_minor_version_upgrade = false) },
  {
    rule: "TS-RDS-011",
    expect: "fail",
    base: databaseStack,
    edit: (d) => {
      d.resource.aws_rds_cluster.cluster.manage_master_user_password = false;
      d.resource.aws_rds_cluster.cluster.master_password = "${random_password.db.result}";
    },
  },
  { rule: "TS-RDS-012", expect: "fail", base: databaseStack, edit: (d) => delete d.resource.aws_rds_cluster_instance.writer.performance_insights_kms_key_id },
  { rule: "TS-RDS-013", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster_parameter_group.params.parameter = []) },
  { rule: "TS-RDS-013", expect: "fail", base: databaseStack, edit: (d) => delete d.resource.aws_rds_cluster.cluster.db_cluster_parameter_group_name },
  { rule: "TS-RDS-014", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster.cluster.skip_final_snapshot = true) },
  { rule: "TS-RDS-015", expect: "fail", base: databaseStack, edit: (d) => delete d.resource.aws_rds_cluster.cluster.master_user_secret_kms_key_id },
  { rule: "TS-RDS-016", expect: "fail", base: databaseStack, edit: (d) => (d.resource.aws_rds_cluster.cluster.serverlessv2_scaling_configuration = { min_capacity: 0, max_capacity: 0.5 }) },
  // Lambda
  { rule: "TS-LMB-001", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_function.api.tracing_config.mode = "PassThrough") },
  { rule: "TS-LMB-002", expect: "fail", base: computeStack, edit: (d) => delete d.resource.aws_lambda_function.api.vpc_config },
  { rule: "TS-LMB-003", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_function.api.reserved_concurrent_executions = -1) },
  { rule: "TS-LMB-004", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_function.api.runtime = "nodejs16.x") },
  { rule: "TS-LMB-004", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_function.api.runtime = "nodejs20.x") },
  { rule: "TS-LMB-004", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_function.api.runtime = "nodejs99.x") },
  // The same nodejs22.x that passes today fails once AWS blocks creating functions on it.
  { rule: "TS-LMB-004", expect: "fail", base: computeStack, now: new Date("2027-06-01T00:00:00Z") },
  { rule: "TS-LMB-005", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_function.api.environment.variables.DB_PASSWORD = "correct-horse-battery") },
  { rule: "TS-LMB-005", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_function.api.environment.variables.SETTINGS = ["AKIA", "ABCDEFGHIJKLMNOP"].join("")) },
  { rule: "TS-LMB-006", expect: "fail", base: computeStack, edit: (d) => delete d.resource.aws_lambda_permission.invoke.source_arn },
  { rule: "TS-LMB-007", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_permission.invoke.principal = "*") },
  { rule: "TS-LMB-008", expect: "fail", base: computeStack, edit: (d) => delete d.resource.aws_lambda_function.api.kms_key_arn },
  { rule: "TS-LMB-009", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_lambda_function_url.url.authorization_type = "NONE") },
  // API Gateway
  { rule: "TS-API-001", expect: "fail", base: computeStack, edit: (d) => delete d.resource.aws_apigatewayv2_stage.default.access_log_settings },
  {
    rule: "TS-API-002",
    expect: "fail",
    base: computeStack,
    edit: (d) => (d.resource.aws_apigatewayv2_route.items = { api_id: "${aws_apigatewayv2_api.api.id}", route_key: "POST /items", authorization_type: "NONE" }),
  },
  { rule: "TS-API-003", expect: "fail", base: computeStack, edit: (d) => delete d.resource.aws_apigatewayv2_stage.default.default_route_settings },
  { rule: "TS-API-004", expect: "fail", base: computeStack, edit: (d) => (d.resource.aws_apigatewayv2_api.api.cors_configuration.allow_origins = ["*"]) },
  // Cognito
  { rule: "TS-COG-001", expect: "fail", base: cognitoStack, edit: (d) => (d.resource.aws_cognito_user_pool.users.password_policy.minimum_length = 8) },
  { rule: "TS-COG-001", expect: "fail", base: cognitoStack, edit: (d) => (d.resource.aws_cognito_user_pool.users.password_policy.require_symbols = false) },
  { rule: "TS-COG-002", expect: "fail", base: cognitoStack, edit: (d) => (d.resource.aws_cognito_user_pool.users.mfa_configuration = "OFF") },
  { rule: "TS-COG-002", expect: "fail", base: cognitoStack, env: { ...UNPROTECTED, expectedMfa: "ON" } },
  { rule: "TS-COG-003", expect: "fail", base: cognitoStack, edit: (d) => (d.resource.aws_cognito_user_pool.users.deletion_protection = "INACTIVE") },
  { rule: "TS-COG-004", expect: "fail", base: cognitoStack, edit: (d) => (d.resource.aws_cognito_identity_pool.ids.allow_unauthenticated_identities = true) },
  { rule: "TS-COG-005", expect: "fail", base: cognitoStack, edit: (d) => (d.resource.aws_cognito_user_pool_client.web.allowed_oauth_flows = ["code", "implicit"]) },
  { rule: "TS-COG-006", expect: "fail", base: cognitoStack, edit: (d) => d.resource.aws_cognito_user_pool_client.web.explicit_auth_flows.push("ALLOW_USER_PASSWORD_AUTH") },
  { rule: "TS-COG-007", expect: "fail", base: cognitoStack, edit: (d) => (d.resource.aws_cognito_user_pool_client.web.prevent_user_existence_errors = "LEGACY") },
  // Network
  { rule: "TS-NET-001", expect: "fail", base: networkStack, edit: (d) => (d.resource.aws_nat_gateway = { nat: { subnet_id: "${aws_subnet.public.id}", allocation_id: "${aws_eip.nat.id}" } }) },
  { rule: "TS-NET-002", expect: "fail", base: networkStack, edit: (d) => delete d.resource.aws_flow_log },
  { rule: "TS-NET-003", expect: "fail", base: networkStack, edit: (d) => (d.resource.aws_default_security_group.default.ingress = [{ protocol: "-1", self: true, from_port: 0, to_port: 0 }]) },
  { rule: "TS-NET-003", expect: "fail", base: networkStack, edit: (d) => delete d.resource.aws_default_security_group },
  { rule: "TS-NET-004", expect: "fail", base: networkStack, edit: (d) => (d.resource.aws_subnet.private.map_public_ip_on_launch = true) },
  { rule: "TS-NET-005", expect: "fail", base: networkStack, edit: (d) => delete d.resource.aws_vpc_security_group_ingress_rule.https.description },
  { rule: "TS-NET-005", expect: "fail", base: networkStack, edit: (d) => delete d.resource.aws_security_group.fn.description },
  { rule: "TS-NET-006", expect: "fail", base: networkStack, edit: (d) => (d.resource.aws_vpc_security_group_ingress_rule.https.cidr_ipv4 = "0.0.0.0/0") },
  { rule: "TS-NET-006", expect: "fail", base: networkStack, edit: (d) => (d.resource.aws_security_group.legacy.ingress[0].cidr_blocks = ["0.0.0.0/0"]) },
  {
    rule: "TS-NET-007",
    expect: "fail",
    base: networkStack,
    edit: (d) => Object.assign(d.resource.aws_vpc_security_group_egress_rule.https, { ip_protocol: "-1", from_port: undefined, to_port: undefined }),
  },
  { rule: "TS-NET-007", expect: "fail", base: networkStack, edit: (d) => delete d.resource.aws_vpc_security_group_egress_rule.https.description },
  { rule: "TS-NET-008", expect: "fail", base: networkStack, edit: (d) => (d.resource.aws_flow_log.log.traffic_type = "REJECT") },
  { rule: "TS-NET-009", expect: "fail", base: networkStack, edit: (d) => (d.resource.aws_vpc_endpoint.secrets.private_dns_enabled = false) },
  { rule: "TS-NET-010", expect: "fail", base: networkStack, edit: (d) => (d.resource.aws_route.internet.route_table_id = "${aws_route_table.private.id}") },
  // KMS, logs, secrets
  { rule: "TS-KMS-001", expect: "fail", base: platformStack, edit: (d) => (d.resource.aws_kms_key.key.enable_key_rotation = false) },
  {
    rule: "TS-KMS-002",
    expect: "fail",
    base: platformStack,
    edit: (d) => {
      const policy = policyOf(d, "aws_kms_key", "key");
      policy.Statement.push({ Sid: "Everyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" });
      setPolicy(d, "aws_kms_key", "key", policy);
    },
  },
  { rule: "TS-KMS-003", expect: "fail", base: platformStack, edit: (d) => (d.resource.aws_kms_key.key.deletion_window_in_days = 7) },
  { rule: "TS-LOG-001", expect: "fail", base: platformStack, edit: (d) => delete d.resource.aws_cloudwatch_log_group.logs.retention_in_days },
  { rule: "TS-LOG-002", expect: "fail", base: platformStack, edit: (d) => delete d.resource.aws_cloudwatch_log_group.logs.kms_key_id },
  { rule: "TS-SEC-001", expect: "fail", base: platformStack, edit: (d) => delete d.resource.aws_secretsmanager_secret.secret.kms_key_id },
  {
    rule: "TS-SEC-002",
    expect: "fail",
    base: platformStack,
    edit: (d) => (d.resource.aws_secretsmanager_secret_version = { v: { secret_id: "${aws_secretsmanager_secret.secret.id}", secret_string: "not-a-real-secret" } }),
  },
  // IAM
  { rule: "TS-IAM-001", expect: "fail", base: platformStack, edit: (d) => setPolicy(d, "aws_iam_role_policy", "fn", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) },
  { rule: "TS-IAM-001", expect: "fail", base: platformStack, edit: (d) => setPolicy(d, "aws_iam_role_policy", "fn", { Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] }) },
  { rule: "TS-IAM-002", expect: "fail", base: platformStack, edit: (d) => setPolicy(d, "aws_iam_role_policy", "fn", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: "*" }] }) },
  { rule: "TS-IAM-003", expect: "fail", base: platformStack, edit: (d) => setPolicy(d, "aws_iam_role_policy", "fn", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }] }) },
  {
    rule: "TS-IAM-004",
    expect: "fail",
    base: platformStack,
    edit: (d) => setPolicy(d, "aws_iam_role", "fn", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }, "assume_role_policy"),
  },
  {
    rule: "TS-IAM-005",
    expect: "fail",
    base: platformStack,
    edit: (d) => (d.data!.aws_iam_policy_document.github_trust.statement[0].condition[1] = { test: "StringLike", variable: "token.actions.githubusercontent.com:sub", values: ["repo:example-org/*"] }),
  },
  { rule: "TS-IAM-005", expect: "fail", base: platformStack, edit: (d) => d.data!.aws_iam_policy_document.github_trust.statement[0].condition.splice(0, 1) },
  { rule: "TS-IAM-006", expect: "fail", base: platformStack, edit: (d) => (d.resource.aws_iam_role_policy_attachment.vpc.policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess") },
  { rule: "TS-IAM-007", expect: "fail", base: platformStack, edit: (d) => d.resource.aws_iam_openid_connect_provider.github.client_id_list.push("some-other-client") },
  // DynamoDB, alarms, SNS, state, provider
  { rule: "TS-DDB-001", expect: "fail", base: platformStack, edit: (d) => (d.resource.aws_dynamodb_table.lock.point_in_time_recovery.enabled = false) },
  { rule: "TS-DDB-002", expect: "fail", base: platformStack, edit: (d) => (d.resource.aws_dynamodb_table.lock.server_side_encryption = { enabled: true }) },
  { rule: "TS-DDB-003", expect: "fail", base: platformStack, edit: (d) => (d.resource.aws_dynamodb_table.lock.deletion_protection_enabled = false) },
  { rule: "TS-CW-001", expect: "fail", base: platformStack, edit: (d) => (d.resource.aws_cloudwatch_metric_alarm.errors.alarm_actions = []) },
  { rule: "TS-SNS-001", expect: "fail", base: platformStack, edit: (d) => delete d.resource.aws_sns_topic.alarms.kms_master_key_id },
  { rule: "TS-STATE-001", expect: "fail", base: platformStack, edit: (d) => (d.terraform.backend.s3.encrypt = false) },
  { rule: "TS-PRV-001", expect: "fail", base: platformStack, edit: (d) => delete d.provider.aws[0].allowed_account_ids },
  { rule: "TS-PRV-002", expect: "fail", base: platformStack, edit: (d) => delete d.provider.aws[0].default_tags },
  // Backups and spend
  { rule: "TS-BAK-001", expect: "fail", base: resilienceStack, edit: (d) => delete d.resource.aws_backup_vault.vault.kms_key_arn },
  { rule: "TS-BAK-002", expect: "fail", base: resilienceStack, edit: (d) => delete d.resource.aws_backup_vault_lock_configuration },
  { rule: "TS-BAK-003", expect: "fail", base: resilienceStack, edit: (d) => delete d.resource.aws_backup_selection },
  { rule: "TS-BUD-001", expect: "fail", base: resilienceStack, edit: (d) => delete d.resource.aws_budgets_budget },
  { rule: "TS-BUD-001", expect: "fail", base: resilienceStack, edit: (d) => delete d.resource.aws_budgets_budget.budget.notification[0].subscriber_sns_topic_arns },
];

const cases = [...passing, ...failing];

function run(c: Case) {
  const rule = ALL_RULES.find((r) => r.id === c.rule);
  if (!rule) throw new Error(`unknown rule ${c.rule}`);
  const doc = clone(c.base());
  c.edit?.(doc);
  return evaluate([rule], [StackModel.fromSynth("fixture", doc)], c.env ?? PROTECTED, [], { now: c.now ?? FIXED_NOW }).rules[0];
}

describe("policy rules", () => {
  test.each(cases.map((c, i) => [`${c.rule} ${c.expect} #${i}`, c] as const))("%s", (_name, c) => {
    // GIVEN the area's compliant fixture, with the case's edit
    // WHEN the rule runs over it
    const result = run(c);
    // THEN it reports the expected status, with a reason on every finding
    expect({ rule: c.rule, status: result.status, reasons: result.findings.map((f) => `${f.address}: ${f.reason}`) }).toMatchObject({ rule: c.rule, status: c.expect });
    for (const finding of result.findings) expect(finding.reason.length).toBeGreaterThan(3);
  });

  test("every rule id has at least one passing and one failing fixture", () => {
    // GIVEN every rule of the suite
    const ids = ALL_RULES.map((r) => r.id);
    // THEN each appears in a pass case and in a fail case
    const missingPass = ids.filter((id) => !passing.some((c) => c.rule === id));
    const missingFail = ids.filter((id) => !failing.some((c) => c.rule === id));
    expect({ missingPass, missingFail }).toEqual({ missingPass: [], missingFail: [] });
    // AND the fixtures name no rule that does not exist
    expect(cases.map((c) => c.rule).filter((id) => !ids.includes(id))).toEqual([]);
  });

  test("every rule declares an id, a title and the resource types it checks", () => {
    for (const rule of ALL_RULES) {
      expect(rule.id).toMatch(/^TS-[A-Z0-9]+-\d{3}$/);
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.resourceTypes.length).toBeGreaterThan(0);
    }
    expect(ALL_RULES.length).toBeGreaterThanOrEqual(55);
  });
});
