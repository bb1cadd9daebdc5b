import { BudgetsBudget, BudgetsBudgetNotification } from "@cdktf/provider-aws/lib/budgets-budget";
import { CeAnomalyMonitor } from "@cdktf/provider-aws/lib/ce-anomaly-monitor";
import { CeAnomalySubscription } from "@cdktf/provider-aws/lib/ce-anomaly-subscription";
import { Construct } from "constructs";

export interface BudgetTagFilter {
  /** Cost allocation tag key (user-defined tags are activated once per account, in Billing). */
  readonly key: string;
  readonly value: string;
}

export interface AnomalyMonitorProps {
  /** Report anomalies whose total impact is at least this many USD. */
  readonly thresholdUsd: number;
}

export interface SpendGuardrailProps {
  /** Budget name, e.g. `twinstack-staging`; the monitor is `<name>-services`. */
  readonly name: string;
  /** Monthly limit, USD. */
  readonly monthlyLimitUsd: number;
  /** Count only costs with this tag (e.g. Environment=staging). Default: everything the account spends. */
  readonly tagFilter?: BudgetTagFilter;
  /** Percentages of the limit that alert, each for actual and for forecast spend. Default 80 and 100. */
  readonly alertPercentages?: number[];
  /** SNS topic the alerts go to (its policy must let budgets.amazonaws.com and costalerts.amazonaws.com publish). */
  readonly topicArn: string;
  /** A Cost Anomaly Detection monitor of the account's services, reporting to the topic. Default none. */
  readonly anomalyMonitor?: AnomalyMonitorProps;
  /** Create the budget. Default true; false only where the API is missing (the emulator): the anomaly monitor may still be made. */
  readonly budget?: boolean;
}

/**
 * Spend guardrails: a monthly cost budget alerting the topic at each percentage of actual and
 * of forecast spend, and optionally an anomaly monitor of the account's services. Budgets
 * without actions cost nothing; Cost Anomaly Detection costs nothing.
 */
export class SpendGuardrail extends Construct {
  readonly budget?: BudgetsBudget;
  readonly budgetName: string;
  readonly anomalyMonitor?: CeAnomalyMonitor;
  readonly anomalySubscription?: CeAnomalySubscription;

  constructor(scope: Construct, id: string, props: SpendGuardrailProps) {
    super(scope, id);
    const percentages = props.alertPercentages ?? [80, 100];
    if (!(props.monthlyLimitUsd > 0)) throw new Error(`${this.node.path}: monthlyLimitUsd (${props.monthlyLimitUsd}) must be > 0`);
    if (percentages.length === 0 || percentages.some((p) => !(p > 0))) throw new Error(`${this.node.path}: alertPercentages must be positive numbers`);

    const notification: BudgetsBudgetNotification[] = percentages.flatMap((threshold) =>
      (["ACTUAL", "FORECASTED"] as const).map((notificationType) => ({
        notificationType,
        comparisonOperator: "GREATER_THAN",
        threshold,
        thresholdType: "PERCENTAGE",
        subscriberSnsTopicArns: [props.topicArn],
      })),
    );
    if (props.budget ?? true) {
      this.budget = new BudgetsBudget(this, "budget", {
        name: props.name,
        budgetType: "COST",
        limitAmount: props.monthlyLimitUsd.toFixed(2),
        limitUnit: "USD",
        timeUnit: "MONTHLY",
        // Budgets' filter syntax for a cost allocation tag: `user:<key>$<value>`.
        costFilter: props.tagFilter ? [{ name: "TagKeyValue", values: [`user:${props.tagFilter.key}$${props.tagFilter.value}`] }] : undefined,
        notification,
      });
    }
    this.budgetName = props.name;

    if (props.anomalyMonitor) {
      this.anomalyMonitor = new CeAnomalyMonitor(this, "anomaly-monitor", {
        name: `${props.name}-services`,
        monitorType: "DIMENSIONAL",
        monitorDimension: "SERVICE",
      });
      this.anomalySubscription = new CeAnomalySubscription(this, "anomaly-subscription", {
        name: `${props.name}-anomalies`,
        // SNS subscribers take each anomaly as it is found.
        frequency: "IMMEDIATE",
        monitorArnList: [this.anomalyMonitor.arn],
        subscriber: [{ type: "SNS", address: props.topicArn }],
        thresholdExpression: {
          dimension: { key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE", matchOptions: ["GREATER_THAN_OR_EQUAL"], values: [String(props.anomalyMonitor.thresholdUsd)] },
        },
      });
    }
  }
}
