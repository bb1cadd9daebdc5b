import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { PolicyStatement, policyJson } from "../iam/policy";
import { EncryptionKey } from "../kms";

export interface ApiAlarmProps {
  /** HTTP API id (the `ApiId` metric dimension). */
  readonly apiId: string;
  /** Stage name, to alarm on one stage only (the `Stage` dimension). Default: the whole API (all stages). */
  readonly stage?: string;
  /** Alarm when 5xx responses / all requests exceeds this fraction over a period. Default 0.05 (5 %). */
  readonly serverErrorRateThreshold?: number;
  /** Periods with fewer requests than this count as a rate of 0 (one failed request out of two is no outage). Default 20. */
  readonly minimumRequests?: number;
  /** Alarm when the p99 of `Latency` exceeds this many milliseconds. Default 3000. */
  readonly latencyP99ThresholdMs?: number;
}

export interface LambdaAlarmProps {
  /** Function name (the `FunctionName` dimension). */
  readonly functionName: string;
  /** Alarm when `Errors` (sum per period) exceeds this. Default 0: any error. */
  readonly errorsThreshold?: number;
  /** Alarm when `Throttles` (sum per period) exceeds this. Default 0: any throttle. */
  readonly throttlesThreshold?: number;
}

export interface DatabaseAlarmProps {
  /** Aurora cluster identifier (the `DBClusterIdentifier` dimension). */
  readonly clusterIdentifier: string;
  /** The cluster's Serverless v2 maximum capacity, ACU. */
  readonly maxCapacity: number;
  /** Alarm when `ServerlessDatabaseCapacity` (maximum) reaches this fraction of `maxCapacity`. Default 0.9. */
  readonly capacityThresholdFraction?: number;
  /** Alarm when `CPUUtilization` (average) exceeds this percentage. Default 80. */
  readonly cpuThresholdPercent?: number;
}

export interface DatabaseConnectivityProps {
  /** Log group of the function that connects to the database (the API function's). */
  readonly logGroupName: string;
  /**
   * CloudWatch Logs filter pattern of a failed connection. Default: the errors node-postgres
   * and the network report when the cluster cannot be reached or refuses the login.
   */
  readonly filterPattern?: string;
  /** Failed connections per period above which the P0 alarm fires. Default 0: any. */
  readonly threshold?: number;
}

/** Who one alarm tier notifies. */
export interface TierRecipients {
  /** Email addresses (each confirms the subscription from the email). Default none. */
  readonly emails?: string[];
  /** HTTPS endpoints (a paging service's SNS integration). Default none. */
  readonly httpsEndpoints?: string[];
}

/** The two tiers: P0 pages (the site or the database is down), P1 is degraded (read in working hours). */
export type AlarmTier = "p0" | "p1";

export interface MonitoringProps {
  /** Name prefix, e.g. `twinstack-staging`: the topics are `<prefix>-p0` and `<prefix>-p1`, every alarm `<prefix>-<what>`. */
  readonly namePrefix: string;
  /** Account of the alarms, for the confused-deputy conditions on the topic and key policies. */
  readonly accountId: string;
  /** Region of the alarms, for the same conditions. */
  readonly region: string;
  /** AWS partition. Default `aws`. */
  readonly partition?: string;
  /**
   * An existing key of the environment for the topic (one key less to pay for); the module adds
   * the statement letting this environment's alarms use it. Default: a key of the topic's own.
   */
  readonly topicKey?: EncryptionKey;
  /** Email addresses subscribed to both tiers (each must confirm the subscription from the email). Default none. */
  readonly alertEmails?: string[];
  /** Recipients of one tier only, on top of `alertEmails`. Default none. */
  readonly tiers?: Partial<Record<AlarmTier, TierRecipients>>;
  /** Alarm period, seconds. Default 300. */
  readonly periodSeconds?: number;
  /** Consecutive breaching periods before an alarm fires. Default 3. */
  readonly evaluationPeriods?: number;
  /** Alarms on the HTTP API. Default none. */
  readonly api?: ApiAlarmProps;
  /** Alarms on the API's Lambda function. Default none. */
  readonly lambda?: LambdaAlarmProps;
  /** Alarms on the Aurora cluster. Default none. */
  readonly database?: DatabaseAlarmProps;
  /** The P0 database-connectivity alarm, from the connecting function's log. Default none. */
  readonly databaseConnectivity?: DatabaseConnectivityProps;
  /** CloudFront distribution shown on the dashboard (its metrics live in us-east-1). Default none. */
  readonly distributionId?: string;
  /** A dashboard `<prefix>` of every section given. Default true. */
  readonly dashboard?: boolean;
}

/** Names of the alarms created (absent when the corresponding props section is). */
export interface MonitoringAlarmNames {
  readonly apiServerErrorRate?: string;
  readonly apiLatencyP99?: string;
  readonly lambdaErrors?: string;
  readonly lambdaThrottles?: string;
  readonly databaseCapacity?: string;
  readonly databaseCpu?: string;
  readonly databaseConnectivity?: string;
}

/**
 * node-postgres and the network, when the cluster cannot be reached or refuses the login: refused
 * or timed-out connections, a dropped connection, a failed (IAM) authentication, a cluster
 * starting up or shutting down.
 */
export const DEFAULT_CONNECTIVITY_PATTERN =
  '?ECONNREFUSED ?ETIMEDOUT ?ENOTFOUND ?"Connection terminated" ?"timeout expired" ?"authentication failed" ?"database system is starting up" ?"database system is shutting down"';

/** Which tier each alarm pages: P0 when the site or the database is down, P1 when degraded. */
export const ALARM_TIERS: Record<keyof MonitoringAlarmNames, AlarmTier> = {
  apiServerErrorRate: "p0",
  databaseConnectivity: "p0",
  apiLatencyP99: "p1",
  lambdaErrors: "p1",
  lambdaThrottles: "p1",
  databaseCapacity: "p1",
  databaseCpu: "p1",
};

/**
 * Alerting and a dashboard: two KMS-encrypted SNS topics, P0 (paging) and P1 (degraded), that
 * only CloudWatch alarms of this environment (and AWS Budgets and Cost Anomaly Detection for
 * this account, on P1) may publish to; their subscriptions; alarms on the API, its function and
 * the database, each sent to its tier; and one dashboard of requests, errors, latency, capacity
 * and CloudFront. Every alarm notifies on ALARM and on OK, and treats missing data (no traffic,
 * a paused database) as fine.
 */
export class Monitoring extends Construct {
  readonly topics: Record<AlarmTier, SnsTopic>;
  readonly topicArns: Record<AlarmTier, string>;
  readonly dashboard?: CloudwatchDashboard;
  readonly dashboardName?: string;
  /** The topic's own key (absent when `topicKey` was given). */
  readonly key?: EncryptionKey;
  readonly kmsKeyArn: string;
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly alarmNames: MonitoringAlarmNames;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const partition = props.partition ?? "aws";
    const { namePrefix, accountId } = props;
    // Only alarms named `<prefix>-…` in this account and region: CloudWatch acting for anyone else is refused.
    const alarmArnPattern = `arn:${partition}:cloudwatch:${props.region}:${accountId}:alarm:${namePrefix}-*`;
    const fromOurAlarms = {
      StringEquals: { "aws:SourceAccount": accountId },
      ArnLike: { "aws:SourceArn": alarmArnPattern },
    };

    const key =
      props.topicKey ??
      new EncryptionKey(this, "key", {
        alias: `${namePrefix}-alerts`,
        description: `${namePrefix}: encrypts the alerts topic`,
        accountId,
        partition,
      });
    if (!props.topicKey) this.key = key;
    // SNS encrypts with the publisher's permissions: CloudWatch must be able to use the key,
    // or alarms on an encrypted topic are dropped without an error.
    key.addPolicyStatement({
      Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: fromOurAlarms,
    });
    this.kmsKeyArn = key.keyArn;

    // Budgets and Cost Anomaly Detection publish spend alerts to P1 (and must use the key, as CloudWatch does).
    const fromThisAccount = { StringEquals: { "aws:SourceAccount": accountId } };
    const spendServices = ["budgets.amazonaws.com", "costalerts.amazonaws.com"];
    key.addPolicyStatement({
      Sid: "SpendAlertsPublishToEncryptedTopic",
      Effect: "Allow",
      Principal: { Service: spendServices },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: fromThisAccount,
    });

    const describe: Record<AlarmTier, string> = { p0: "P0 (paging: the site or the database is down)", p1: "P1 (degraded; spend alerts)" };
    const topics = {} as Record<AlarmTier, SnsTopic>;
    for (const tier of ["p0", "p1"] as const) {
      const topic = new SnsTopic(this, `topic-${tier}`, {
        name: `${namePrefix}-${tier}`,
        displayName: `${namePrefix} ${describe[tier]}`,
        kmsMasterKeyId: this.kmsKeyArn,
      });
      topics[tier] = topic;
      const statements: PolicyStatement[] = [
        { Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: topic.arn, Condition: fromOurAlarms },
      ];
      if (tier === "p1") {
        statements.push({ Sid: "SpendAlertsPublish", Effect: "Allow", Principal: { Service: spendServices }, Action: "sns:Publish", Resource: topic.arn, Condition: fromThisAccount });
      }
      new SnsTopicPolicy(this, `topic-policy-${tier}`, { arn: topic.arn, policy: policyJson(statements) });
      const recipients = props.tiers?.[tier] ?? {};
      [...(props.alertEmails ?? []), ...(recipients.emails ?? [])].forEach((email, index) => {
        new SnsTopicSubscription(this, `${tier}-email-${index}`, { topicArn: topic.arn, protocol: "email", endpoint: email });
      });
      (recipients.httpsEndpoints ?? []).forEach((endpoint, index) => {
        new SnsTopicSubscription(this, `${tier}-https-${index}`, { topicArn: topic.arn, protocol: "https", endpoint });
      });
    }
    this.topics = topics;
    this.topicArns = { p0: topics.p0.arn, p1: topics.p1.arn };

    const period = props.periodSeconds ?? 300;
    const evaluationPeriods = props.evaluationPeriods ?? 3;
    const names: Record<string, string> = {};
    const alarm = (key: keyof MonitoringAlarmNames, suffix: string, config: Omit<CloudwatchMetricAlarmConfig, "alarmName" | "evaluationPeriods">): void => {
      const alarmName = `${namePrefix}-${suffix}`;
      names[key] = alarmName;
      const topicArn = this.topicArns[ALARM_TIERS[key]];
      this.alarms.push(
        new CloudwatchMetricAlarm(this, suffix, {
          alarmName,
          evaluationPeriods,
          alarmActions: [topicArn],
          okActions: [topicArn],
          // No data means no traffic or a paused database, not an outage.
          treatMissingData: "notBreaching",
          ...config,
        }),
      );
    };

    if (props.api) {
      const api = props.api;
      const dimensions = { ApiId: api.apiId, ...(api.stage ? { Stage: api.stage } : {}) };
      const minimumRequests = api.minimumRequests ?? 20;
      const rate = api.serverErrorRateThreshold ?? 0.05;
      // A rate, not a count: 5 errors is an outage at 10 requests and noise at 100,000.
      alarm("apiServerErrorRate", "api-5xx-rate", {
        alarmDescription:
          `More than ${round2(rate * 100)}% of requests to the HTTP API ${api.apiId} returned 5xx (periods with fewer than ${minimumRequests} requests count as 0). ` +
          `Check the function's Errors alarm and its logs, then the database; roll back the last deploy if it started with it.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: rate,
        metricQuery: [
          { id: "errors", metric: { namespace: "AWS/ApiGateway", metricName: "5xx", dimensions, period, stat: "Sum" }, returnData: false },
          { id: "requests", metric: { namespace: "AWS/ApiGateway", metricName: "Count", dimensions, period, stat: "Sum" }, returnData: false },
          { id: "rate", expression: `IF(requests >= ${minimumRequests}, errors / requests, 0)`, label: "5xx rate", returnData: true },
        ],
      });
      const latency = api.latencyP99ThresholdMs ?? 3000;
      alarm("apiLatencyP99", "api-latency-p99", {
        alarmDescription:
          `p99 latency of the HTTP API ${api.apiId} is above ${latency} ms. Compare with IntegrationLatency: if it is the function, ` +
          `check its duration and cold starts; if the database, its capacity and CPU alarms (a paused cluster takes seconds to resume).`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: latency,
        namespace: "AWS/ApiGateway",
        metricName: "Latency",
        dimensions,
        period,
        extendedStatistic: "p99",
      });
    }

    if (props.lambda) {
      const fn = props.lambda;
      const dimensions = { FunctionName: fn.functionName };
      alarm("lambdaErrors", "lambda-errors", {
        alarmDescription:
          `The function ${fn.functionName} failed more than ${fn.errorsThreshold ?? 0} times per ${period} s. ` +
          `Read its CloudWatch Logs (and X-Ray traces) for the error; roll back the last deploy if it started with it.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: fn.errorsThreshold ?? 0,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions,
        period,
        statistic: "Sum",
      });
      alarm("lambdaThrottles", "lambda-throttles", {
        alarmDescription:
          `The function ${fn.functionName} was throttled more than ${fn.throttlesThreshold ?? 0} times per ${period} s. ` +
          `Check its reserved concurrency and the account's concurrency quota (Service Quotas); raise one or find the traffic spike.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: fn.throttlesThreshold ?? 0,
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        dimensions,
        period,
        statistic: "Sum",
      });
    }

    if (props.database) {
      const db = props.database;
      const dimensions = { DBClusterIdentifier: db.clusterIdentifier };
      const fraction = db.capacityThresholdFraction ?? 0.9;
      const capacity = round2(fraction * db.maxCapacity);
      alarm("databaseCapacity", "database-capacity", {
        alarmDescription:
          `Aurora cluster ${db.clusterIdentifier} is at ≥ ${capacity} ACU (${round2(fraction * 100)}% of its ${db.maxCapacity} ACU maximum). ` +
          `Look for expensive queries (Performance Insights, pg_stat_statements); if the load is real, raise database.maxCapacity in the environment config.`,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: capacity,
        namespace: "AWS/RDS",
        metricName: "ServerlessDatabaseCapacity",
        dimensions,
        period,
        statistic: "Maximum",
      });
      const cpu = db.cpuThresholdPercent ?? 80;
      alarm("databaseCpu", "database-cpu", {
        alarmDescription:
          `CPU of Aurora cluster ${db.clusterIdentifier} is above ${cpu}%. At maximum capacity this means queries queue: ` +
          `find the expensive queries (Performance Insights, pg_stat_statements), add an index or raise database.maxCapacity.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: cpu,
        namespace: "AWS/RDS",
        metricName: "CPUUtilization",
        dimensions,
        period,
        statistic: "Average",
      });
    }
    if (props.databaseConnectivity) {
      const connectivity = props.databaseConnectivity;
      const { namespace, metricName } = connectivityMetric(namePrefix);
      // No default value: the metric has data only when a connection fails (no cost, no noise otherwise).
      new CloudwatchLogMetricFilter(this, "database-connection-failures", {
        name: `${namePrefix}-database-connection-failures`,
        logGroupName: connectivity.logGroupName,
        pattern: connectivity.filterPattern ?? DEFAULT_CONNECTIVITY_PATTERN,
        metricTransformation: { name: metricName, namespace, value: "1", unit: "Count" },
      });
      const threshold = connectivity.threshold ?? 0;
      alarm("databaseConnectivity", "database-connectivity", {
        alarmDescription:
          `The API could not connect to the database more than ${threshold} times per ${period} s in ${Math.min(2, evaluationPeriods)} of ${evaluationPeriods} periods (log ${connectivity.logGroupName}). ` +
          `Check the cluster's status (paused clusters resume in seconds), its security group, the app_api login (rds_iam grant) and Secrets Manager; restore with docs/operations.md if the cluster is gone.`,
        comparisonOperator: "GreaterThanThreshold",
        threshold,
        namespace,
        metricName,
        period,
        statistic: "Sum",
        // Two failing periods page; one could be a cluster resuming from pause.
        datapointsToAlarm: Math.min(2, evaluationPeriods),
      });
    }
    this.alarmNames = names;

    if (props.dashboard ?? true) {
      this.dashboardName = namePrefix;
      this.dashboard = new CloudwatchDashboard(this, "dashboard", {
        dashboardName: namePrefix,
        dashboardBody: JSON.stringify(dashboardBody(props, names, period)),
      });
    }
  }
}

type Widget = Record<string, unknown>;

/**
 * One row per part, newest problems first: the alarms, then the API, its function, the
 * database and CloudFront. Rows without props are left out. Stays under 50 metrics (the
 * free tier's limit per dashboard).
 */
export function dashboardBody(props: MonitoringProps, alarmNames: MonitoringAlarmNames, period: number): { widgets: Widget[] } {
  const widgets: Widget[] = [];
  let y = 0;
  const row = (cells: Widget[]): void => {
    const width = Math.floor(24 / cells.length);
    cells.forEach((cell, index) => widgets.push({ x: index * width, y, width, height: 6, ...cell }));
    y += 6;
  };
  const graph = (title: string, metrics: unknown[][], options: Record<string, unknown> = {}): Widget => ({
    type: "metric",
    properties: { title, view: "timeSeries", stacked: false, region: props.region, period, metrics, ...options },
  });

  const alarmArns = Object.values(alarmNames).map((name) => `arn:${props.partition ?? "aws"}:cloudwatch:${props.region}:${props.accountId}:alarm:${name}`);
  if (alarmArns.length > 0) {
    widgets.push({ type: "alarm", x: 0, y, width: 24, height: 3, properties: { title: `${props.namePrefix}: alarms (P0 pages, P1 degraded)`, alarms: alarmArns } });
    y += 3;
  }
  if (props.api) {
    const api = ["AWS/ApiGateway", "", "ApiId", props.api.apiId];
    const m = (metric: string, stat: string, label: string) => [api[0], metric, api[2], api[3], { stat, label }];
    row([
      graph("API requests", [m("Count", "Sum", "requests")]),
      graph("API errors", [m("5xx", "Sum", "5xx"), m("4xx", "Sum", "4xx")]),
      graph("API latency (ms)", [m("Latency", "p50", "p50"), m("Latency", "p99", "p99"), m("IntegrationLatency", "p99", "function p99")]),
    ]);
  }
  if (props.lambda) {
    const m = (metric: string, stat: string, label: string) => ["AWS/Lambda", metric, "FunctionName", props.lambda?.functionName, { stat, label }];
    row([
      graph("Function errors and throttles", [m("Errors", "Sum", "errors"), m("Throttles", "Sum", "throttles")]),
      graph("Function duration (ms)", [m("Duration", "p50", "p50"), m("Duration", "p99", "p99")]),
      graph("Function concurrency", [m("ConcurrentExecutions", "Maximum", "concurrent"), m("Invocations", "Sum", "invocations")]),
    ]);
  }
  if (props.database) {
    const m = (metric: string, stat: string, label: string) => ["AWS/RDS", metric, "DBClusterIdentifier", props.database?.clusterIdentifier, { stat, label }];
    const failures = connectivityMetric(props.namePrefix);
    const connectivity = props.databaseConnectivity ? [[failures.namespace, failures.metricName, { stat: "Sum", label: "failed connections (API)" }]] : [];
    row([
      graph("Aurora capacity (ACU)", [m("ServerlessDatabaseCapacity", "Maximum", "ACU")], { yAxis: { left: { min: 0, max: props.database.maxCapacity } } }),
      graph("Aurora connections", [m("DatabaseConnections", "Maximum", "connections"), ...connectivity]),
      graph("Aurora CPU (%)", [m("CPUUtilization", "Average", "CPU")], { yAxis: { left: { min: 0, max: 100 } } }),
    ]);
  }
  if (props.distributionId) {
    // CloudFront publishes its metrics in us-east-1 only, with Region=Global.
    const m = (metric: string, stat: string, label: string) => ["AWS/CloudFront", metric, "DistributionId", props.distributionId, "Region", "Global", { stat, label }];
    row([
      graph("CloudFront requests", [m("Requests", "Sum", "requests")], { region: "us-east-1" }),
      graph("CloudFront error rate (%)", [m("4xxErrorRate", "Average", "4xx"), m("5xxErrorRate", "Average", "5xx")], { region: "us-east-1" }),
    ]);
  }
  return { widgets };
}

/** 0.7 × 3 is 2.0999999999999996 in floating point; thresholds and descriptions read 2.1. */
/** The metric the connectivity filter writes, and the dashboard graphs: named once so they cannot drift apart. */
function connectivityMetric(namePrefix: string): { namespace: string; metricName: string } {
  return { namespace: `Twinstack/${namePrefix}`, metricName: "DatabaseConnectionFailures" };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
