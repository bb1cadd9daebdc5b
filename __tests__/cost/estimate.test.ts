/**
 * Unit tests of the offline cost estimator (pure arithmetic over Terraform JSON, no AWS):
 * fixture stacks with totals computed by hand, and the real synthesized staging, whose idle
 * estimate must stay under the $6/month target.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveEnvironment } from "../../environments/registry";
import { estimate } from "../../scripts/cost/estimate";
import { PRICES } from "../../scripts/cost/prices";
import { USAGE, UsageProfile } from "../../scripts/cost/usage";
import { synthesizeTo } from "../../scripts/lib/synth";
import { StackModel } from "../../scripts/policy/model";
import { loadSynthDir, stacksOf } from "../../scripts/policy/run";

/** Round numbers so every line below can be checked with a pencil. */
const ROUND: UsageProfile = {
  ...USAGE.typical,
  auroraActiveHours: 10,
  auroraActiveAcu: 4,
  auroraAverageAcuAboveMin: 0.5,
  auroraStorageGb: 10,
  auroraIoMillions: 1,
  logIngestGbPerGroup: 1,
  kmsRequestsPerKey: 10_000,
  secretCallsPerSecret: 10_000,
  lambdaRequests: 1_000_000,
  lambdaDurationMs: 1000,
  httpApiRequests: 1_000_000,
  cloudfrontGb: 10,
  cloudfrontRequests: 10_000,
  s3StorageGb: 100,
  s3Puts: 1000,
  s3Gets: 1000,
  dynamodbWrites: 1_000_000,
  dynamodbReads: 1_000_000,
  dynamodbStorageGb: 1,
  endpointGb: 10,
  natGb: 10,
  route53QueryMillions: 1,
  cognitoMau: 100,
  xrayTraceMillions: 1,
};

function everything() {
  return StackModel.fromSynth("fixture", {
    resource: {
      aws_vpc: { vpc: { cidr_block: "10.0.0.0/16" } },
      aws_rds_cluster: { db: { manage_master_user_password: true, backup_retention_period: 7, serverlessv2_scaling_configuration: { min_capacity: 0, max_capacity: 2 } } },
      aws_rds_cluster_instance: { writer: { cluster_identifier: "${aws_rds_cluster.db.id}", instance_class: "db.serverless" } },
      aws_kms_key: { key: { enable_key_rotation: true } },
      aws_vpc_endpoint: {
        secrets: { vpc_endpoint_type: "Interface", service_name: "com.amazonaws.us-east-1.secretsmanager", subnet_ids: ["${aws_subnet.a.id}", "${aws_subnet.b.id}"] },
        s3: { vpc_endpoint_type: "Gateway", service_name: "com.amazonaws.us-east-1.s3" },
      },
      aws_nat_gateway: { nat: { subnet_id: "${aws_subnet.a.id}" } },
      aws_cloudwatch_metric_alarm: { errors: { alarm_name: "errors", period: 300 } },
      aws_cloudwatch_log_group: { logs: { name: "/fixture", retention_in_days: 30 } },
      aws_lambda_function: { api: { memory_size: 256, architectures: ["arm64"], tracing_config: { mode: "Active" } } },
      aws_apigatewayv2_api: { api: { protocol_type: "HTTP" } },
      aws_cloudfront_distribution: { cdn: { enabled: true } },
      aws_s3_bucket: { site: { bucket: "fixture-site" } },
      aws_dynamodb_table: { table: { billing_mode: "PAY_PER_REQUEST" } },
      aws_route53_zone: { zone: { name: "example.com" } },
      aws_secretsmanager_secret: { secret: { name: "fixture" } },
      aws_cognito_user_pool: { users: { name: "fixture" } },
      aws_made_up_thing: { x: {} },
    },
  });
}

describe("cost estimate", () => {
  test("GIVEN a stack with one of everything WHEN estimated with round usage THEN each line and the total match the hand computation", () => {
    const result = estimate([everything()], { environment: "fixture", region: "us-east-1", usage: ROUND });
    const monthly = (address: string, description: string) =>
      result.items.filter((i) => i.address === address && i.description.startsWith(description)).reduce((sum, i) => sum + i.monthly, 0);
    // Aurora, auto-pause: 10 h × min(max 2, 4) ACU × $0.12 = 2.40; storage 10 × 0.10; I/O 1 × 0.20; managed secret 0.40
    expect(monthly("aws_rds_cluster_instance.writer", "Aurora Serverless v2")).toBeCloseTo(2.4, 6);
    expect(monthly("aws_rds_cluster.db", "Aurora storage")).toBeCloseTo(1.0, 6);
    expect(monthly("aws_rds_cluster.db", "Aurora I/O")).toBeCloseTo(0.2, 6);
    expect(monthly("aws_rds_cluster.db", "RDS-managed master user secret")).toBeCloseTo(0.4, 6);
    // KMS key 1.00 + 10,000 requests 0.03
    expect(monthly("aws_kms_key.key", "")).toBeCloseTo(1.03, 6);
    // Interface endpoint: 2 AZ × 730 h × 0.01 = 14.60, + 10 GB × 0.01; gateway endpoint free
    expect(monthly("aws_vpc_endpoint.secrets", "")).toBeCloseTo(14.7, 6);
    expect(monthly("aws_vpc_endpoint.s3", "")).toBe(0);
    // NAT: 730 × 0.045 = 32.85, + 10 GB × 0.045 = 0.45
    expect(monthly("aws_nat_gateway.nat", "")).toBeCloseTo(33.3, 6);
    expect(monthly("aws_cloudwatch_metric_alarm.errors", "")).toBeCloseTo(0.1, 6);
    // Logs: 1 GB × 0.50 + (1 GB × 30/30 × 15%) × 0.03 = 0.5045
    expect(monthly("aws_cloudwatch_log_group.logs", "")).toBeCloseTo(0.5045, 4);
    // Lambda arm64 256 MB: 1 M × 0.20 + 1 M × 1 s × 0.25 GB × 0.0000133334 (3.33335) + X-Ray 1 M × 5
    expect(monthly("aws_lambda_function.api", "")).toBeCloseTo(0.2 + 3.3334 + 5, 3);
    expect(monthly("aws_apigatewayv2_api.api", "")).toBeCloseTo(1.0, 6);
    // CloudFront 10 GB × 0.085 + 1 × 0.01
    expect(monthly("aws_cloudfront_distribution.cdn", "")).toBeCloseTo(0.86, 6);
    // S3 100 GB × 0.023 + 1 × 0.005 + 1 × 0.0004
    expect(monthly("aws_s3_bucket.site", "")).toBeCloseTo(2.3054, 4);
    // DynamoDB 1 M writes 0.625 + 1 M reads 0.125 + 1 GB 0.25
    expect(monthly("aws_dynamodb_table.table", "")).toBeCloseTo(1.0, 6);
    expect(monthly("aws_route53_zone.zone", "")).toBeCloseTo(0.9, 6);
    expect(monthly("aws_secretsmanager_secret.secret", "")).toBeCloseTo(0.45, 6);
    // THEN the total is the sum: 68.68
    expect(result.total).toBe(68.68);
    expect(result).toMatchObject({ currency: "USD", region: "us-east-1", usage: "typical" });
    // AND free things are listed as free, unknown things as unpriced (never dropped)
    expect(result.items.find((i) => i.address === "aws_vpc.vpc")).toMatchObject({ free: true, monthly: 0 });
    expect(result.items.find((i) => i.address === "aws_cognito_user_pool.users")).toMatchObject({ free: true, monthly: 0 });
    expect(result.items.find((i) => i.address === "aws_made_up_thing.x")).toMatchObject({ unpriced: true, monthly: 0 });
    // AND every item has the JSON fields the issue asks for
    for (const item of result.items) expect(Object.keys(item)).toEqual(expect.arrayContaining(["address", "description", "quantity", "unit", "unitPrice", "monthly"]));
  });

  test("GIVEN an always-on cluster (min 0.5) with two instances THEN each instance bills 730 h × min(max, min + average above min)", () => {
    const stack = StackModel.fromSynth("fixture", {
      resource: {
        aws_rds_cluster: { db: { serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 4 } } },
        aws_rds_cluster_instance: {
          one: { cluster_identifier: "${aws_rds_cluster.db.id}", instance_class: "db.serverless" },
          two: { cluster_identifier: "${aws_rds_cluster.db.id}", instance_class: "db.serverless" },
        },
      },
    });
    const idle = estimate([stack], { environment: "x", region: "us-west-2", usage: { ...ROUND, auroraAverageAcuAboveMin: 0 } });
    const acu = idle.items.filter((i) => i.description.startsWith("Aurora Serverless"));
    // 730 × 0.5 × 0.12 = 43.80 per instance
    expect(acu.map((i) => i.monthly)).toEqual([43.8, 43.8]);
    const busy = estimate([stack], { environment: "x", region: "us-west-2", usage: ROUND });
    // 730 × (0.5 + 0.5) × 0.12 = 87.60 per instance
    expect(busy.items.filter((i) => i.description.startsWith("Aurora Serverless")).map((i) => i.monthly)).toEqual([87.6, 87.6]);
  });

  test("every price names its source and date, in both US regions; unknown regions are a clear error", () => {
    for (const region of ["us-east-1", "us-west-2"]) {
      for (const price of Object.values(PRICES[region])) {
        expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
        expect(price.asOf).toMatch(/^\d{4}-\d{2}$/);
        expect(price.usd).toBeGreaterThan(0);
      }
    }
    expect(() => estimate([everything()], { environment: "x", region: "eu-north-1", usage: USAGE.idle })).toThrow(/no prices for region eu-north-1/);
  });
});

describe("cost of the real environments", () => {
  let outdir: string;
  let stacks: Map<string, StackModel>;
  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), "twinstack-cost-test-"));
    const result = await synthesizeTo(outdir, { TWINSTACK_ENVIRONMENTS: "", PREVIEW_PR: "" });
    if (result.code !== 0) throw new Error(result.stderr);
    stacks = loadSynthDir(outdir);
  }, 120000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("GIVEN staging WHEN idle THEN the estimate is ≤ $6/month, with no NAT gateway and nothing unpriced", () => {
    const config = resolveEnvironment("staging");
    const result = estimate(stacksOf(config, stacks), { environment: "staging", region: config.region, usage: USAGE.idle });
    expect(result.total).toBeLessThanOrEqual(6);
    expect(result.items.filter((i) => i.description.startsWith("NAT"))).toEqual([]);
    expect(result.items.filter((i) => i.unpriced)).toEqual([]);
  });

  test("GIVEN production THEN idle < typical, and both are printed for the record", () => {
    const config = resolveEnvironment("production");
    const [idle, typical] = (["idle", "typical"] as const).map((u) => estimate(stacksOf(config, stacks), { environment: "production", region: config.region, usage: USAGE[u] }));
    expect(idle.total).toBeLessThan(typical.total);
    process.stdout.write(`production: idle ${idle.total} USD/month, typical ${typical.total} USD/month\n`);
  });
});
