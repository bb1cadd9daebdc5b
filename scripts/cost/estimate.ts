/**
 * Offline monthly cost estimate from synthesized Terraform JSON: one or more line items per
 * resource (quantity × unit price), usage-dependent items carrying their assumption, free
 * resources listed as free, unknown resource types listed as unpriced (never silently dropped).
 * Pure: the CLI gives it stack models, a region and a usage profile.
 */
import { Resource, StackModel, asList, asNumber, block, isTrue, stringList } from "../policy/model";
import { CURRENCY, PriceKey, priceTable } from "./prices";
import { HOURS_PER_MONTH, UsageProfile } from "./usage";

export interface CostItem {
  readonly address: string;
  readonly description: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly monthly: number;
  /** The usage assumption behind the quantity, when it is not fixed by the configuration. */
  readonly assumption?: string;
  /** Stack the resource is in. */
  readonly stack: string;
  readonly free?: boolean;
  readonly unpriced?: boolean;
}

export interface CostEstimate {
  readonly environment: string;
  /** USD per month, rounded to cents. */
  readonly total: number;
  readonly currency: string;
  readonly region: string;
  readonly usage: UsageProfile["name"];
  readonly items: CostItem[];
}

/** Resource types that cost nothing by themselves (their traffic is priced elsewhere, if at all). */
export const FREE_TYPES: Record<string, string> = {
  aws_cognito_user_group: "Cognito group (no charge)",
  aws_ssm_parameter: "SSM parameter (Standard tier: no charge)",
  aws_vpc: "VPC",
  aws_subnet: "subnet",
  aws_route_table: "route table",
  aws_route: "route",
  aws_route_table_association: "route table association",
  aws_internet_gateway: "internet gateway (data out billed as EC2 data transfer; none expected)",
  aws_default_security_group: "default security group",
  aws_security_group: "security group",
  aws_security_group_rule: "security group rule",
  aws_vpc_security_group_ingress_rule: "security group rule",
  aws_vpc_security_group_egress_rule: "security group rule",
  aws_flow_log: "flow log (ingestion priced on its log group)",
  aws_db_subnet_group: "DB subnet group",
  aws_rds_cluster_parameter_group: "cluster parameter group",
  aws_db_parameter_group: "DB parameter group",
  aws_kms_alias: "KMS alias",
  aws_kms_key_policy: "KMS key policy",
  aws_iam_role: "IAM role",
  aws_iam_role_policy: "IAM inline policy",
  aws_iam_policy: "IAM policy",
  aws_iam_role_policy_attachment: "IAM policy attachment",
  aws_iam_openid_connect_provider: "IAM OIDC provider",
  aws_s3_bucket_public_access_block: "S3 public access block",
  aws_s3_bucket_ownership_controls: "S3 ownership controls",
  aws_s3_bucket_server_side_encryption_configuration: "S3 encryption configuration",
  aws_s3_bucket_versioning: "S3 versioning (old versions stored are in the bucket's storage)",
  aws_s3_bucket_lifecycle_configuration: "S3 lifecycle configuration",
  aws_s3_bucket_policy: "S3 bucket policy",
  aws_s3_bucket_cors_configuration: "S3 CORS configuration",
  aws_s3_object: "S3 object (in the bucket's storage)",
  aws_lambda_permission: "Lambda permission",
  aws_lambda_alias: "Lambda alias",
  aws_apigatewayv2_integration: "HTTP API integration",
  aws_apigatewayv2_route: "HTTP API route",
  aws_apigatewayv2_stage: "HTTP API stage",
  aws_apigatewayv2_authorizer: "HTTP API authorizer",
  aws_apigatewayv2_domain_name: "HTTP API custom domain",
  aws_apigatewayv2_api_mapping: "HTTP API mapping",
  aws_cloudfront_origin_access_control: "CloudFront origin access control",
  aws_cloudfront_response_headers_policy: "CloudFront response headers policy",
  aws_cloudfront_cache_policy: "CloudFront cache policy",
  aws_cloudfront_function: "CloudFront function (invocations not priced)",
  aws_acm_certificate: "public ACM certificate",
  aws_acm_certificate_validation: "ACM validation",
  aws_route53_record: "DNS record (queries priced on the zone)",
  aws_cognito_user_pool_client: "Cognito app client",
  aws_cognito_user_pool_domain: "Cognito domain",
  aws_sns_topic: "SNS topic (first million publishes and 1,000 e-mails free)",
  aws_sns_topic_subscription: "SNS subscription",
  aws_sns_topic_policy: "SNS topic policy",
  aws_cloudwatch_log_resource_policy: "log resource policy",
  aws_secretsmanager_secret_version: "secret version",
  // AWS Price List (AWSBudgets): budgets without actions are $0.00 per budget-day.
  aws_budgets_budget: "AWS Budgets budget without actions (no charge)",
  aws_ce_anomaly_monitor: "Cost Anomaly Detection monitor (no charge)",
  aws_ce_anomaly_subscription: "Cost Anomaly Detection subscription (no charge)",
  aws_backup_vault: "backup vault (its recovery points are priced on the plan)",
  aws_backup_vault_lock_configuration: "backup vault lock",
  aws_backup_selection: "backup selection",
  aws_cloudwatch_log_metric_filter: "log metric filter (its custom metric bills only in hours with a match; none expected)",
};

/** The always-free tier: 3 dashboards (up to 50 metrics each) per account and month. */
export const FREE_DASHBOARDS_PER_ACCOUNT = 3;

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface EstimateOptions {
  environment: string;
  region: string;
  usage: UsageProfile;
  /**
   * Dashboards of the account's free tier this environment may count on. Default 3: a
   * long-lived environment's one dashboard is within its account's three; pass 0 for a preview
   * (its account's free dashboards go to staging first).
   */
  freeDashboards?: number;
}

export function estimate(stacks: readonly StackModel[], options: EstimateOptions): CostEstimate {
  const prices = priceTable(options.region);
  const u = options.usage;
  const items: CostItem[] = [];
  let freeDashboards = options.freeDashboards ?? FREE_DASHBOARDS_PER_ACCOUNT;

  const add = (stack: StackModel, r: Resource, key: PriceKey, quantity: number, description: string, assumption?: string) => {
    const price = prices[key];
    items.push({ stack: stack.name, address: r.address, description, quantity: round(quantity, 6), unit: price.unit, unitPrice: price.usd, monthly: round(quantity * price.usd), ...(assumption ? { assumption } : {}) });
  };
  const free = (stack: StackModel, r: Resource, description: string) =>
    items.push({ stack: stack.name, address: r.address, description, quantity: 1, unit: "resource", unitPrice: 0, monthly: 0, free: true });

  for (const stack of stacks) {
    for (const r of stack.ofType("*")) {
      const v = r.values;
      switch (r.type) {
        case "aws_rds_cluster": {
          add(stack, r, "aurora.storageGbMonth", u.auroraStorageGb, "Aurora storage", `${u.auroraStorageGb} GB (${u.name})`);
          add(stack, r, "aurora.ioMillion", u.auroraIoMillions, "Aurora I/O", `${u.auroraIoMillions} M requests (${u.name})`);
          if (isTrue(v.manage_master_user_password)) add(stack, r, "secrets.secretMonth", 1, "RDS-managed master user secret");
          items.push({ stack: stack.name, address: r.address, description: `automated backups (${asNumber(v.backup_retention_period) ?? 1} days) within the free allowance (≤ 100% of cluster storage)`, quantity: 1, unit: "cluster", unitPrice: 0, monthly: 0, free: true, assumption: "backup storage ≤ cluster volume" });
          break;
        }
        case "aws_rds_cluster_instance": {
          if (v.instance_class !== "db.serverless") {
            items.push({ stack: stack.name, address: r.address, description: `provisioned instance ${v.instance_class} not in the price table`, quantity: 1, unit: "instance", unitPrice: 0, monthly: 0, unpriced: true });
            break;
          }
          const cluster = stack.resolve(v.cluster_identifier);
          const scaling = block(cluster?.values.serverlessv2_scaling_configuration);
          const min = asNumber(scaling.min_capacity) ?? 0.5;
          const max = asNumber(scaling.max_capacity) ?? 1;
          if (min === 0) {
            const acu = Math.min(max, u.auroraActiveAcu);
            add(stack, r, "aurora.acuHour", u.auroraActiveHours * acu, "Aurora Serverless v2 ACU-hours (auto-pause at 0 ACU)", `${u.auroraActiveHours} h awake × ${acu} ACU (${u.name}); paused otherwise`);
          } else {
            const acu = Math.min(max, min + u.auroraAverageAcuAboveMin);
            add(stack, r, "aurora.acuHour", HOURS_PER_MONTH * acu, `Aurora Serverless v2 ACU-hours (min ${min} ACU, always on)`, `${HOURS_PER_MONTH} h × ${acu} ACU average (${u.name})`);
          }
          if (isTrue(v.performance_insights_enabled)) free(stack, r, "Performance Insights (7-day free tier)");
          break;
        }
        case "aws_nat_gateway":
          add(stack, r, "nat.hour", HOURS_PER_MONTH, "NAT gateway hours (twinstack expects none)");
          add(stack, r, "nat.gb", u.natGb, "NAT data processed", `${u.natGb} GB (${u.name})`);
          break;
        case "aws_vpc_endpoint": {
          if (v.vpc_endpoint_type !== "Interface") {
            free(stack, r, `${v.vpc_endpoint_type ?? "Gateway"} endpoint ${String(v.service_name ?? "")}`.trim());
            break;
          }
          const azs = Math.max(1, stringList(v.subnet_ids).length);
          add(stack, r, "endpoint.azHour", azs * HOURS_PER_MONTH, `interface endpoint ${String(v.service_name ?? "").split(".").pop()} in ${azs} AZ(s)`);
          add(stack, r, "endpoint.gb", u.endpointGb, "interface endpoint data", `${u.endpointGb} GB (${u.name})`);
          break;
        }
        case "aws_kms_key":
          add(stack, r, "kms.keyMonth", 1, "customer-managed KMS key");
          add(stack, r, "kms.tenThousandRequests", u.kmsRequestsPerKey / 10_000, "KMS requests", `${u.kmsRequestsPerKey} requests (${u.name}; 20,000 free per account not subtracted)`);
          break;
        case "aws_secretsmanager_secret":
          add(stack, r, "secrets.secretMonth", 1, "Secrets Manager secret");
          add(stack, r, "secrets.tenThousandCalls", u.secretCallsPerSecret / 10_000, "Secrets Manager API calls", `${u.secretCallsPerSecret} calls (${u.name})`);
          break;
        case "aws_cloudwatch_metric_alarm": {
          const highRes = (asNumber(v.period) ?? 60) < 60;
          add(stack, r, highRes ? "cloudwatch.highResAlarmMonth" : "cloudwatch.alarmMonth", 1, `CloudWatch alarm ${String(v.alarm_name ?? "")}`.trim());
          break;
        }
        case "aws_cloudwatch_composite_alarm":
          add(stack, r, "cloudwatch.alarmMonth", 5, "composite alarm ($0.50/month = 5 × standard)");
          break;
        case "aws_cloudwatch_dashboard":
          if (freeDashboards > 0) {
            freeDashboards--;
            items.push({ stack: stack.name, address: r.address, description: "CloudWatch dashboard (within the account's 3 free dashboards)", quantity: 1, unit: "dashboard", unitPrice: 0, monthly: 0, free: true, assumption: "the account has at most 3 dashboards, one per long-lived environment" });
          } else add(stack, r, "cloudwatch.dashboardMonth", 1, "CloudWatch dashboard");
          break;
        case "aws_backup_plan": {
          // Incremental snapshots: each vault holds about one cluster volume; continuous backup about one more.
          const rules = asList(v.rule);
          const continuous = rules.some((rule) => isTrue(rule.enable_continuous_backup));
          const copies = rules.reduce((sum, rule) => sum + asList(rule.copy_action).length, 0);
          const volumes = 1 + copies + (continuous ? 1 : 0);
          add(stack, r, "backup.auroraGbMonth", u.auroraStorageGb * volumes, "AWS Backup storage of the database", `${u.auroraStorageGb} GB × ${volumes} (primary vault${continuous ? ", continuous backup" : ""}, ${copies} cop${copies === 1 ? "y" : "ies"}; ${u.name})`);
          if (copies > 0) add(stack, r, "backup.crossRegionGb", u.auroraStorageGb * copies, "backup copies leaving the region or account", `one cluster volume per copy and month (${u.name})`);
          break;
        }
        case "aws_cloudwatch_log_group": {
          const retention = asNumber(v.retention_in_days) ?? 3650;
          const stored = u.logIngestGbPerGroup * Math.min(retention / 30, 12) * 0.15; // ~15% after compression
          add(stack, r, "logs.ingestGb", u.logIngestGbPerGroup, `log ingestion ${String(v.name ?? "")}`.trim(), `${u.logIngestGbPerGroup} GB/month (${u.name})`);
          add(stack, r, "logs.storageGbMonth", stored, "log storage", `${retention} days retention, ~15% of ingested size once compressed`);
          break;
        }
        case "aws_lambda_function": {
          const memoryGb = (asNumber(v.memory_size) ?? 128) / 1024;
          const arm = stringList(v.architectures).includes("arm64");
          add(stack, r, "lambda.millionRequests", u.lambdaRequests / 1e6, "Lambda requests", `${u.lambdaRequests} invocations (${u.name})`);
          add(stack, r, arm ? "lambda.gbSecondArm" : "lambda.gbSecondX86", u.lambdaRequests * (u.lambdaDurationMs / 1000) * memoryGb, `Lambda compute (${memoryGb * 1024} MB)`, `${u.lambdaDurationMs} ms average (${u.name})`);
          if (block(v.tracing_config).mode === "Active") add(stack, r, "xray.millionTraces", u.xrayTraceMillions, "X-Ray traces", `${u.xrayTraceMillions} M traces (${u.name})`);
          if (asNumber(v.provisioned_concurrent_executions) !== undefined) items.push({ stack: stack.name, address: r.address, description: "provisioned concurrency not priced", quantity: 1, unit: "function", unitPrice: 0, monthly: 0, unpriced: true });
          break;
        }
        case "aws_apigatewayv2_api":
          if (v.protocol_type === "WEBSOCKET") items.push({ stack: stack.name, address: r.address, description: "WebSocket API not priced", quantity: 1, unit: "api", unitPrice: 0, monthly: 0, unpriced: true });
          else add(stack, r, "httpApi.millionRequests", u.httpApiRequests / 1e6, "HTTP API requests", `${u.httpApiRequests} requests (${u.name})`);
          break;
        case "aws_cloudfront_distribution":
          add(stack, r, "cloudfront.dataGb", u.cloudfrontGb, "CloudFront data out", `${u.cloudfrontGb} GB (${u.name}; 1 TB/month always-free tier not subtracted)`);
          add(stack, r, "cloudfront.tenThousandHttpsRequests", u.cloudfrontRequests / 10_000, "CloudFront HTTPS requests", `${u.cloudfrontRequests} requests (${u.name})`);
          break;
        case "aws_s3_bucket":
          add(stack, r, "s3.storageGbMonth", u.s3StorageGb, `S3 storage ${String(v.bucket ?? "")}`.trim(), `${u.s3StorageGb} GB (${u.name})`);
          add(stack, r, "s3.thousandPuts", u.s3Puts / 1000, "S3 PUT/LIST requests", `${u.s3Puts} requests (${u.name})`);
          add(stack, r, "s3.thousandGets", u.s3Gets / 1000, "S3 GET requests", `${u.s3Gets} requests (${u.name})`);
          break;
        case "aws_dynamodb_table":
          if (v.billing_mode === "PROVISIONED") {
            items.push({ stack: stack.name, address: r.address, description: "provisioned-capacity table not in the price table", quantity: 1, unit: "table", unitPrice: 0, monthly: 0, unpriced: true });
            break;
          }
          add(stack, r, "dynamodb.millionWrites", u.dynamodbWrites / 1e6, `DynamoDB on-demand writes ${String(v.name ?? "")}`.trim(), `${u.dynamodbWrites} WRU (${u.name})`);
          add(stack, r, "dynamodb.millionReads", u.dynamodbReads / 1e6, "DynamoDB on-demand reads", `${u.dynamodbReads} RRU (${u.name})`);
          add(stack, r, "dynamodb.storageGbMonth", u.dynamodbStorageGb, "DynamoDB storage", `${u.dynamodbStorageGb} GB (${u.name})`);
          break;
        case "aws_route53_zone":
          add(stack, r, "route53.zoneMonth", 1, `hosted zone ${String(v.name ?? "")}`.trim());
          add(stack, r, "route53.millionQueries", u.route53QueryMillions, "DNS queries", `${u.route53QueryMillions} M queries (${u.name}; alias queries to AWS resources are free)`);
          break;
        case "aws_cognito_user_pool": {
          const beyond = Math.max(0, u.cognitoMau - 10_000);
          if (beyond === 0) items.push({ stack: stack.name, address: r.address, description: "Cognito user pool (within 10,000 MAU free tier)", quantity: u.cognitoMau, unit: "MAU", unitPrice: 0, monthly: 0, free: true, assumption: `${u.cognitoMau} MAU (${u.name})` });
          else add(stack, r, "cognito.mauBeyondFreeTier", beyond, "Cognito MAUs beyond the free tier", `${u.cognitoMau} MAU (${u.name})`);
          break;
        }
        default:
          if (FREE_TYPES[r.type]) free(stack, r, FREE_TYPES[r.type]);
          else if (r.type.startsWith("aws_iam_") || r.type.startsWith("aws_s3_bucket_")) free(stack, r, r.type.replace(/^aws_/, "").replace(/_/g, " "));
          else items.push({ stack: stack.name, address: r.address, description: `${r.type} is not in the price table`, quantity: 1, unit: "resource", unitPrice: 0, monthly: 0, unpriced: true });
      }
    }
  }
  const total = Math.round(items.reduce((sum, item) => sum + item.monthly, 0) * 100) / 100;
  return { environment: options.environment, total, currency: CURRENCY, region: options.region, usage: u.name, items };
}

/** A table for humans: priced items first (largest first), then free and unpriced ones counted. */
export function formatEstimate(e: CostEstimate): string {
  const priced = e.items.filter((i) => !i.free && !i.unpriced).sort((a, b) => b.monthly - a.monthly);
  const lines = [`${e.environment} (${e.region}, usage ${e.usage}): ${e.total.toFixed(2)} ${e.currency}/month`];
  for (const i of priced) {
    lines.push(`  ${i.monthly.toFixed(2).padStart(8)}  ${i.description} — ${i.quantity} × ${i.unitPrice} per ${i.unit}${i.assumption ? ` [${i.assumption}]` : ""}  (${i.stack} ${i.address})`);
  }
  const freeItems = e.items.filter((i) => i.free);
  const unpriced = e.items.filter((i) => i.unpriced);
  const freeKinds = [...new Set(freeItems.map((i) => i.description))];
  lines.push(`  free (${freeItems.length}): ${freeKinds.join("; ")}`);
  for (const i of unpriced) lines.push(`  UNPRICED  ${i.description} (${i.stack} ${i.address})`);
  return lines.join("\n");
}
