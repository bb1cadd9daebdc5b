/**
 * Unit tests of modules/monitoring (synthesis only, no AWS): the encrypted P0 and P1 topics, who
 * may publish to them and use their key, the subscriptions per tier, every alarm's metric,
 * threshold, tier and actions, the database-connectivity alarm and the dashboard, in the
 * Terraform JSON. The last suite runs real `terraform validate` with the real AWS
 * provider (offline mirror), because only the provider's schema can say whether a metric-math
 * alarm block is valid.
 */
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { App, TerraformOutput, TerraformStack, Testing } from "cdktf";
// Types of the cdktf jest matchers (toHaveResourceWithProperties…); erased at runtime.
import type {} from "cdktf/lib/testing/adapters/jest";
import { Construct } from "constructs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EncryptionKey } from "../../modules/kms";
import { DEFAULT_CONNECTIVITY_PATTERN, Monitoring, MonitoringProps } from "../../modules/monitoring";
import { describeWithTools } from "../helpers/requirements";
import { expectValidTerraform } from "../helpers/validate";

const baseProps: MonitoringProps = {
  namePrefix: "twinstack-test",
  accountId: "111111111111",
  region: "eu-west-1",
  alertEmails: ["ops@example.com", "oncall@example.com"],
  api: { apiId: "abc123", serverErrorRateThreshold: 0.02, minimumRequests: 50, latencyP99ThresholdMs: 1500 },
  lambda: { functionName: "twinstack-test-api", errorsThreshold: 3, throttlesThreshold: 1 },
  database: { clusterIdentifier: "twinstack-test", maxCapacity: 8, capacityThresholdFraction: 0.75, cpuThresholdPercent: 70 },
};

interface Synthesized {
  resource: Record<string, Record<string, Record<string, any>>>;
}

function build(scope: Construct, props: Partial<MonitoringProps> = {}): Monitoring {
  return new Monitoring(scope, "monitoring", { ...baseProps, ...props });
}

function synth(props: Partial<MonitoringProps> = {}): { synth: string; json: Synthesized; monitoring: Monitoring } {
  let monitoring!: Monitoring;
  const out = Testing.synthScope((scope) => {
    monitoring = build(scope, props);
  });
  return { synth: out, json: JSON.parse(out) as Synthesized, monitoring };
}

function alarms(json: Synthesized): Array<Record<string, any>> {
  return Object.values(json.resource[CloudwatchMetricAlarm.tfResourceType] ?? {});
}

function alarmNamed(json: Synthesized, name: string): Record<string, any> {
  const found = alarms(json).find((alarm) => alarm.alarm_name === name);
  if (!found) throw new Error(`no alarm ${name}; have ${alarms(json).map((alarm) => alarm.alarm_name).join(", ")}`);
  return found;
}

const TOPIC_ARN = /^\$\{aws_sns_topic\.[\w-]+\.arn\}$/;

describe("Monitoring (unit: synthesized Terraform JSON)", () => {
  test("the P0 and P1 topics are encrypted with the module's own key, which CloudWatch (our alarms only) may use", () => {
    // GIVEN no key ARN
    // WHEN synthesized
    const { synth: out, json } = synth();
    // THEN both topics use the created key
    for (const name of ["twinstack-test-p0", "twinstack-test-p1"]) {
      expect(out).toHaveResourceWithProperties(SnsTopic, { name, kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.[\w-]+\.arn\}$/) });
    }
    // AND the key policy lets cloudwatch.amazonaws.com decrypt and generate data keys, for our alarms only
    const key = Object.values(json.resource.aws_kms_key)[0];
    const statements = JSON.parse(key.policy).Statement as Array<Record<string, any>>;
    expect(statements.find((statement) => statement.Sid === "CloudWatchAlarmsPublishToEncryptedTopic")).toEqual({
      Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": "111111111111" },
        ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:twinstack-test-*" },
      },
    });
    // AND no Allow in the key policy names `*` as principal
    for (const statement of statements.filter((s) => s.Effect === "Allow")) expect(statement.Principal).not.toBe("*");
  });

  test("the environment's key is used instead of a new one, and gets the CloudWatch statement", () => {
    // GIVEN an environment key WHEN synthesized with it
    let monitoring: Monitoring | undefined;
    const out = Testing.synthScope((scope) => {
      const topicKey = new EncryptionKey(scope, "env-key", { alias: "env", description: "environment key", accountId: "111111111111" });
      monitoring = new Monitoring(scope, "monitoring", { namePrefix: "twinstack-test", accountId: "111111111111", region: "us-east-1", topicKey });
    });
    const json = JSON.parse(out);
    // THEN only that key exists, the topic uses it, and its policy lets CloudWatch alarms use it
    expect(Object.keys(json.resource.aws_kms_key)).toHaveLength(1);
    expect(out).toHaveResourceWithProperties(SnsTopic, { kms_master_key_id: expect.stringContaining("aws_kms_key.env-key_") });
    expect(monitoring?.key).toBeUndefined();
    const policy = JSON.parse((Object.values(json.resource.aws_kms_key)[0] as { policy: string }).policy);
    expect(policy.Statement.map((statement: { Sid: string }) => statement.Sid)).toContain("CloudWatchAlarmsPublishToEncryptedTopic");
  });

  test("only CloudWatch alarms of this account may publish to P0; P1 also takes this account's budget and anomaly alerts", () => {
    // GIVEN / WHEN the default module
    const { json } = synth();
    const policies = Object.values(json.resource.aws_sns_topic_policy).map((p) => JSON.parse(p.policy).Statement as Array<Record<string, any>>);
    const [p0, p1] = [policies.find((s) => s.length === 1), policies.find((s) => s.length === 2)];
    // THEN P0's policy has a single statement: cloudwatch.amazonaws.com, sns:Publish, our account and alarms
    const cloudwatch = {
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: expect.stringMatching(TOPIC_ARN),
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    };
    expect(p0?.[0]).toMatchObject(cloudwatch);
    // AND P1's adds AWS Budgets and Cost Anomaly Detection, for this account only
    expect(p1?.[0]).toMatchObject(cloudwatch);
    expect(p1?.[1]).toMatchObject({
      Principal: { Service: ["budgets.amazonaws.com", "costalerts.amazonaws.com"] },
      Action: "sns:Publish",
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
  });

  test("alertEmails get both tiers; tier recipients only theirs", () => {
    // GIVEN two emails for both tiers, a pager endpoint for P0 and a team address for P1
    // WHEN synthesized
    const { json } = synth({ tiers: { p0: { httpsEndpoints: ["https://pager.example.com/sns"] }, p1: { emails: ["team@example.com"] } } });
    const subscriptions = Object.values(json.resource[SnsTopicSubscription.tfResourceType]);
    const to = (tier: string) => subscriptions.filter((s) => String(s.topic_arn).includes(`topic-${tier}`)).map((s) => `${s.protocol}:${s.endpoint}`).sort();
    // THEN P0: both emails and the pager; P1: both emails and the team
    expect(to("p0")).toEqual(["email:oncall@example.com", "email:ops@example.com", "https:https://pager.example.com/sns"]);
    expect(to("p1")).toEqual(["email:oncall@example.com", "email:ops@example.com", "email:team@example.com"]);
    // AND none without emails
    expect(synth({ alertEmails: [] }).json.resource[SnsTopicSubscription.tfResourceType]).toBeUndefined();
  });

  test("every alarm notifies its tier's topic on ALARM and OK, treats missing data as fine and says what to do", () => {
    // GIVEN all three sections
    // WHEN synthesized
    const { json, monitoring } = synth();
    // THEN six alarms, each wired to its tier: the 5xx rate pages (P0), the rest are P1
    expect(alarms(json)).toHaveLength(6);
    for (const alarm of alarms(json)) {
      const tier = alarm.alarm_name === "twinstack-test-api-5xx-rate" ? "p0" : "p1";
      expect(alarm.alarm_actions).toEqual([expect.stringMatching(new RegExp(`topic-${tier}`))]);
      expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
      expect(alarm.alarm_actions).toEqual([expect.stringMatching(TOPIC_ARN)]);
      expect(alarm.treat_missing_data).toBe("notBreaching");
      expect(alarm.alarm_description.length).toBeGreaterThan(60);
      expect(alarm.alarm_name).toMatch(/^twinstack-test-/);
    }
    // AND the typed outputs name them
    expect(monitoring.alarmNames).toEqual({
      apiServerErrorRate: "twinstack-test-api-5xx-rate",
      apiLatencyP99: "twinstack-test-api-latency-p99",
      lambdaErrors: "twinstack-test-lambda-errors",
      lambdaThrottles: "twinstack-test-lambda-throttles",
      databaseCapacity: "twinstack-test-database-capacity",
      databaseCpu: "twinstack-test-database-cpu",
    });
    expect(monitoring.topicArns.p0).toMatch(/^\$\{TfToken\[/);
  });

  test("API 5xx rate: metric math of 5xx / Count for the API, threshold and minimum requests from props", () => {
    // GIVEN a 2 % threshold and 50 minimum requests
    // WHEN synthesized
    const alarm = alarmNamed(synth().json, "twinstack-test-api-5xx-rate");
    // THEN
    expect(alarm).toMatchObject({ comparison_operator: "GreaterThanThreshold", threshold: 0.02, evaluation_periods: 3 });
    const byId = Object.fromEntries((alarm.metric_query as Array<Record<string, any>>).map((query) => [query.id, query]));
    expect(byId.errors.metric).toEqual({ namespace: "AWS/ApiGateway", metric_name: "5xx", dimensions: { ApiId: "abc123" }, period: 300, stat: "Sum" });
    expect(byId.requests.metric).toEqual({ namespace: "AWS/ApiGateway", metric_name: "Count", dimensions: { ApiId: "abc123" }, period: 300, stat: "Sum" });
    expect(byId.rate).toMatchObject({ expression: "IF(requests >= 50, errors / requests, 0)", return_data: true });
    expect(byId.errors.return_data).toBe(false);
  });

  test("API p99 latency, Lambda errors and throttles, Aurora capacity and CPU: thresholds from props", () => {
    // GIVEN the thresholds in baseProps
    // WHEN synthesized
    const { synth: out } = synth();
    // THEN each alarm watches the right metric with the configured threshold
    expect(out).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "twinstack-test-api-latency-p99",
      namespace: "AWS/ApiGateway",
      metric_name: "Latency",
      extended_statistic: "p99",
      dimensions: { ApiId: "abc123" },
      threshold: 1500,
    });
    expect(out).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "twinstack-test-lambda-errors",
      namespace: "AWS/Lambda",
      metric_name: "Errors",
      statistic: "Sum",
      dimensions: { FunctionName: "twinstack-test-api" },
      threshold: 3,
    });
    expect(out).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "twinstack-test-lambda-throttles",
      metric_name: "Throttles",
      dimensions: { FunctionName: "twinstack-test-api" },
      threshold: 1,
    });
    // 0.75 × 8 ACU
    expect(out).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "twinstack-test-database-capacity",
      namespace: "AWS/RDS",
      metric_name: "ServerlessDatabaseCapacity",
      statistic: "Maximum",
      comparison_operator: "GreaterThanOrEqualToThreshold",
      dimensions: { DBClusterIdentifier: "twinstack-test" },
      threshold: 6,
    });
    expect(out).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "twinstack-test-database-cpu",
      metric_name: "CPUUtilization",
      statistic: "Average",
      dimensions: { DBClusterIdentifier: "twinstack-test" },
      threshold: 70,
    });
  });

  test("defaults: 5 % errors, 3 s p99, any Lambda error or throttle, 90 % of max ACU, 80 % CPU; a stage narrows the API alarms", () => {
    // GIVEN sections with only the required fields, and a stage
    // WHEN synthesized
    const { json } = synth({
      api: { apiId: "abc123", stage: "live" },
      lambda: { functionName: "fn" },
      database: { clusterIdentifier: "db", maxCapacity: 4 },
    });
    // THEN
    const threshold = (name: string) => alarmNamed(json, `twinstack-test-${name}`).threshold;
    expect(threshold("api-5xx-rate")).toBe(0.05);
    expect(threshold("api-latency-p99")).toBe(3000);
    expect(threshold("lambda-errors")).toBe(0);
    expect(threshold("lambda-throttles")).toBe(0);
    expect(threshold("database-capacity")).toBe(3.6);
    // 0.7 × 3 ACU is 2.0999999999999996 in floating point: rounded to 2.1
    expect(alarmNamed(synth({ database: { clusterIdentifier: "db", maxCapacity: 3, capacityThresholdFraction: 0.7 } }).json, "twinstack-test-database-capacity").threshold).toBe(2.1);
    expect(threshold("database-cpu")).toBe(80);
    expect(alarmNamed(json, "twinstack-test-api-latency-p99").dimensions).toEqual({ ApiId: "abc123", Stage: "live" });
    expect(alarmNamed(json, "twinstack-test-api-5xx-rate").metric_query[2].expression).toBe("IF(requests >= 20, errors / requests, 0)");
  });

  test("sections left out create no alarms", () => {
    // GIVEN only the database section
    // WHEN synthesized
    const { json, monitoring } = synth({ api: undefined, lambda: undefined });
    // THEN only the two database alarms
    expect(alarms(json).map((alarm) => alarm.alarm_name).sort()).toEqual(["twinstack-test-database-capacity", "twinstack-test-database-cpu"]);
    expect(monitoring.alarmNames.apiServerErrorRate).toBeUndefined();
  });
});

describe("Monitoring: database connectivity (P0) and the dashboard (unit: synthesized Terraform JSON)", () => {
  test("GIVEN the API function's log group WHEN synthesized THEN failed connections become a metric whose alarm pages (P0) after two bad periods", () => {
    const { synth: out, json, monitoring } = synth({ databaseConnectivity: { logGroupName: "/aws/lambda/twinstack-test-api" } });
    expect(out).toHaveResourceWithProperties(CloudwatchLogMetricFilter, {
      log_group_name: "/aws/lambda/twinstack-test-api",
      pattern: DEFAULT_CONNECTIVITY_PATTERN,
      metric_transformation: { name: "DatabaseConnectionFailures", namespace: "Twinstack/twinstack-test", value: "1", unit: "Count" },
    });
    const alarm = alarmNamed(json, "twinstack-test-database-connectivity");
    expect(alarm).toMatchObject({ namespace: "Twinstack/twinstack-test", metric_name: "DatabaseConnectionFailures", threshold: 0, datapoints_to_alarm: 2, evaluation_periods: 3, treat_missing_data: "notBreaching" });
    expect(alarm.alarm_actions).toEqual([expect.stringMatching(/topic-p0/)]);
    expect(monitoring.alarmNames.databaseConnectivity).toBe("twinstack-test-database-connectivity");
    // AND the pattern catches what node-postgres reports when the cluster is unreachable or refuses the login
    for (const message of ["connect ECONNREFUSED 10.0.0.1:5432", "Connection terminated unexpectedly", 'PAM authentication failed for user "app_api"', "the database system is starting up"]) {
      const terms = DEFAULT_CONNECTIVITY_PATTERN.match(/\?("[^"]+"|\S+)/g)?.map((term) => term.slice(1).replace(/"/g, "")) ?? [];
      expect(terms.some((term) => message.includes(term))).toBe(true);
    }
  });

  test("GIVEN every section WHEN synthesized THEN one dashboard shows the alarms, API, function, Aurora and CloudFront, within the free tier's 50 metrics", () => {
    const { synth: out, json, monitoring } = synth({ databaseConnectivity: { logGroupName: "/aws/lambda/x" }, distributionId: "E2EXAMPLE" });
    expect(out).toHaveResourceWithProperties(CloudwatchDashboard, { dashboard_name: "twinstack-test" });
    expect(monitoring.dashboardName).toBe("twinstack-test");
    const body = JSON.parse(Object.values(json.resource[CloudwatchDashboard.tfResourceType])[0].dashboard_body);
    const titles = body.widgets.map((w: { properties: { title: string } }) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining(["API requests", "API errors", "API latency (ms)", "Function errors and throttles", "Function duration (ms)", "Aurora capacity (ACU)", "Aurora connections", "Aurora CPU (%)", "CloudFront requests", "CloudFront error rate (%)"]),
    );
    const metrics = body.widgets.flatMap((w: { properties: { metrics?: unknown[] } }) => w.properties.metrics ?? []);
    expect(metrics.length).toBeLessThanOrEqual(50);
    // AND CloudFront's widgets read us-east-1, where its metrics are
    expect(body.widgets.filter((w: { properties: { title: string } }) => w.properties.title.startsWith("CloudFront")).map((w: { properties: { region: string } }) => w.properties.region)).toEqual(["us-east-1", "us-east-1"]);
    // AND the alarm widget lists all seven alarms
    expect(body.widgets[0]).toMatchObject({ type: "alarm" });
    expect(body.widgets[0].properties.alarms).toHaveLength(7);
    // AND no dashboard when asked for none
    expect(synth({ dashboard: false }).json.resource[CloudwatchDashboard.tfResourceType]).toBeUndefined();
  });
});

describeWithTools("Monitoring (real terraform validate, AWS provider 5.100.0 from the offline mirror)", ["terraform", "provider-mirror"], () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "twinstack-monitoring-validate-"));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("the full module passes terraform validate", async () => {
    // GIVEN a tiny stack: the provider and the module with every section
    const app = new App({ outdir, stackTraces: false });
    const stack = new TerraformStack(app, "monitoring");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const monitoring = build(stack, { databaseConnectivity: { logGroupName: "/aws/lambda/twinstack-test-api" }, distributionId: "E2EXAMPLE", tiers: { p0: { httpsEndpoints: ["https://pager.example.com/sns"] } } });
    new TerraformOutput(stack, "topic_arn", { value: monitoring.topicArns.p1 });
    app.synth();
    const dir = join(outdir, "stacks", "monitoring");
    await expectValidTerraform(dir);
  }, 120000);
});
