/**
 * Unit tests of modules/monitoring (synthesis only, no AWS): the encrypted alerts topic, who may
 * publish to it and use its key, the subscriptions, and every alarm's metric, threshold and
 * actions in the Terraform JSON. The last suite runs real `terraform validate` with the real AWS
 * provider (offline mirror), because only the provider's schema can say whether a metric-math
 * alarm block is valid.
 */
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
import { Monitoring, MonitoringProps } from "../../modules/monitoring";
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
  test("the alerts topic is encrypted with its own key, which CloudWatch (our alarms only) may use", () => {
    // GIVEN no key ARN
    // WHEN synthesized
    const { synth: out, json } = synth();
    // THEN the topic uses the created key
    expect(out).toHaveResourceWithProperties(SnsTopic, {
      name: "twinstack-test-alerts",
      kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.[\w-]+\.arn\}$/),
    });
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

  test("only CloudWatch alarms of this account may publish to the topic", () => {
    // GIVEN / WHEN the default module
    const { json } = synth();
    // THEN the topic policy has a single statement: cloudwatch.amazonaws.com, sns:Publish, our account and alarms
    const policy = JSON.parse(Object.values(json.resource.aws_sns_topic_policy)[0].policy);
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: expect.stringMatching(TOPIC_ARN),
      Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
    });
  });

  test("each email in the props is subscribed", () => {
    // GIVEN two emails
    // WHEN synthesized
    const { synth: out, json } = synth();
    // THEN two email subscriptions to the topic
    for (const email of ["ops@example.com", "oncall@example.com"]) {
      expect(out).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: "email", endpoint: email, topic_arn: expect.stringMatching(TOPIC_ARN) });
    }
    expect(Object.keys(json.resource[SnsTopicSubscription.tfResourceType])).toHaveLength(2);
    // AND none without emails
    expect(synth({ alertEmails: [] }).json.resource[SnsTopicSubscription.tfResourceType]).toBeUndefined();
  });

  test("every alarm notifies the topic on ALARM and OK, treats missing data as fine and says what to do", () => {
    // GIVEN all three sections
    // WHEN synthesized
    const { json, monitoring } = synth();
    // THEN six alarms, each wired to the topic
    expect(alarms(json)).toHaveLength(6);
    for (const alarm of alarms(json)) {
      expect(alarm.alarm_actions).toEqual([expect.stringMatching(TOPIC_ARN)]);
      expect(alarm.ok_actions).toEqual([expect.stringMatching(TOPIC_ARN)]);
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
    expect(monitoring.topicArn).toMatch(/^\$\{TfToken\[/);
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
    const monitoring = build(stack);
    new TerraformOutput(stack, "topic_arn", { value: monitoring.topicArn });
    app.synth();
    const dir = join(outdir, "stacks", "monitoring");
    await expectValidTerraform(dir);
  }, 120000);
});
