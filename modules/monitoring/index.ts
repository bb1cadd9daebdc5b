import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { policyJson } from "../iam/policy";
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

export interface MonitoringProps {
  /** Name prefix, e.g. `twinstack-staging`: the topic is `<prefix>-alerts`, every alarm `<prefix>-<what>`. */
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
  /** Email addresses subscribed to the topic (each must confirm the subscription from the email). Default none. */
  readonly alertEmails?: string[];
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
}

/** Names of the alarms created (absent when the corresponding props section is). */
export interface MonitoringAlarmNames {
  readonly apiServerErrorRate?: string;
  readonly apiLatencyP99?: string;
  readonly lambdaErrors?: string;
  readonly lambdaThrottles?: string;
  readonly databaseCapacity?: string;
  readonly databaseCpu?: string;
}

/**
 * Alerting: one KMS-encrypted SNS topic that only CloudWatch alarms of this environment may
 * publish to, email subscriptions, and alarms on the API, its function and the database. Every
 * alarm notifies on ALARM and on OK, and treats missing data (no traffic, a paused database)
 * as fine.
 */
export class Monitoring extends Construct {
  readonly topic: SnsTopic;
  readonly topicArn: string;
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

    this.topic = new SnsTopic(this, "topic", {
      name: `${namePrefix}-alerts`,
      displayName: `${namePrefix} alerts`,
      kmsMasterKeyId: this.kmsKeyArn,
    });
    this.topicArn = this.topic.arn;
    new SnsTopicPolicy(this, "topic-policy", {
      arn: this.topic.arn,
      policy: policyJson([
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: this.topic.arn,
          Condition: fromOurAlarms,
        },
      ]),
    });
    (props.alertEmails ?? []).forEach((email, index) => {
      new SnsTopicSubscription(this, `email-${index}`, { topicArn: this.topic.arn, protocol: "email", endpoint: email });
    });

    const period = props.periodSeconds ?? 300;
    const evaluationPeriods = props.evaluationPeriods ?? 3;
    const names: Record<string, string> = {};
    const alarm = (key: keyof MonitoringAlarmNames, suffix: string, config: Omit<CloudwatchMetricAlarmConfig, "alarmName" | "evaluationPeriods">): void => {
      const alarmName = `${namePrefix}-${suffix}`;
      names[key] = alarmName;
      this.alarms.push(
        new CloudwatchMetricAlarm(this, suffix, {
          alarmName,
          evaluationPeriods,
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
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
    this.alarmNames = names;
  }
}

/** 0.7 × 3 is 2.0999999999999996 in floating point; thresholds and descriptions read 2.1. */
function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
