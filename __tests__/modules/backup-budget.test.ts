/**
 * Unit tests of modules/backup and modules/budget (synthesized Terraform JSON, no AWS): the
 * vault lock's two modes, the plan's rules and copies, the service role, the drill network,
 * the budget's notifications and filter, the anomaly monitor; and the props they refuse.
 */
import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { CeAnomalySubscription } from "@cdktf/provider-aws/lib/ce-anomaly-subscription";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Testing } from "cdktf";
import type {} from "cdktf/lib/testing/adapters/jest";
import { BackupProps, DatabaseBackup } from "../../modules/backup";
import { SpendGuardrail, SpendGuardrailProps } from "../../modules/budget";

const backupProps: BackupProps = {
  namePrefix: "twinstack-test",
  accountId: "111111111111",
  resourceArns: ["arn:aws:rds:us-east-1:111111111111:cluster:twinstack-test"],
  kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/abc",
  snapshotEveryHours: 6,
  startHourUtc: 2,
  retentionDays: 30,
};

const synthBackup = (props: Partial<BackupProps> = {}) => {
  const out = Testing.synthScope((scope) => new DatabaseBackup(scope, "backup", { ...backupProps, ...props }));
  return { out, json: JSON.parse(out) as { resource: Record<string, Record<string, Record<string, any>>> } };
};

describe("DatabaseBackup (unit)", () => {
  test("GIVEN governance THEN the lock has no cooling-off period; GIVEN compliance THEN it has one (that is AWS Backup's switch between the modes)", () => {
    const governance = synthBackup({ vaultLock: { mode: "governance", minRetentionDays: 7, maxRetentionDays: 90 } });
    expect(governance.out).toHaveResourceWithProperties(BackupVaultLockConfiguration, { min_retention_days: 7, max_retention_days: 90 });
    expect(Object.values(governance.json.resource.aws_backup_vault_lock_configuration)[0].changeable_for_days).toBeUndefined();
    expect(synthBackup({ vaultLock: { mode: "compliance", minRetentionDays: 7, maxRetentionDays: 90, coolingOffDays: 5 } }).out).toHaveResourceWithProperties(BackupVaultLockConfiguration, {
      changeable_for_days: 5,
    });
    expect(synthBackup().json.resource.aws_backup_vault_lock_configuration).toBeUndefined();
  });

  test("GIVEN a schedule and no copies THEN one snapshot rule at fixed hours, no continuous rule, a selection of the cluster and AWS's backup service role", () => {
    const { out, json } = synthBackup();
    expect(out).toHaveResourceWithProperties(BackupPlan, { name: "twinstack-test-database", rule: [expect.objectContaining({ rule_name: "snapshots", schedule: "cron(0 2,8,14,20 * * ? *)", lifecycle: { delete_after: 30 } })] });
    expect(Object.values(json.resource.aws_backup_selection)[0]).toMatchObject({ resources: backupProps.resourceArns });
    expect(out).toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" });
    const trust = JSON.parse(Object.values(json.resource.aws_iam_role)[0].assume_role_policy);
    expect(trust.Statement[0]).toMatchObject({ Principal: { Service: "backup.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } } });
    expect(synthBackup({ selection: false }).json.resource.aws_backup_selection).toBeUndefined();
  });

  test("GIVEN a drill network THEN a subnet group and a security group with no rules", () => {
    const { out, json } = synthBackup({ drillNetwork: { name: "twinstack-test-drill", vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"] } });
    expect(out).toHaveResourceWithProperties(SecurityGroup, { name: "twinstack-test-drill", vpc_id: "vpc-1" });
    const group = Object.values(json.resource.aws_security_group)[0];
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
    expect(Object.values(json.resource.aws_db_subnet_group)[0]).toMatchObject({ name: "twinstack-test-drill", subnet_ids: ["subnet-a", "subnet-b"] });
  });

  test("refuses a schedule that does not divide the day and continuous retention beyond 35 days", () => {
    expect(() => synthBackup({ snapshotEveryHours: 5 })).toThrow(/snapshotEveryHours \(5\) must divide 24/);
    expect(() => synthBackup({ continuousRetentionDays: 36 })).toThrow(/continuousRetentionDays \(36\) must be 1–35/);
  });
});

const budgetProps: SpendGuardrailProps = { name: "twinstack-test", monthlyLimitUsd: 42, topicArn: "arn:aws:sns:us-east-1:111111111111:twinstack-test-p1" };
const synthBudget = (props: Partial<SpendGuardrailProps> = {}) => Testing.synthScope((scope) => new SpendGuardrail(scope, "spend", { ...budgetProps, ...props }));

describe("SpendGuardrail (unit)", () => {
  test("GIVEN no tag filter THEN the whole account is counted; alerts at 80 and 100 % of actual and forecast to the topic", () => {
    const out = synthBudget();
    expect(out).toHaveResourceWithProperties(BudgetsBudget, { name: "twinstack-test", limit_amount: "42.00", limit_unit: "USD", time_unit: "MONTHLY", budget_type: "COST" });
    const budget = Object.values(JSON.parse(out).resource.aws_budgets_budget)[0] as { notification: Array<Record<string, unknown>>; cost_filter?: unknown };
    expect(budget.cost_filter).toBeUndefined();
    expect(budget.notification).toHaveLength(4);
    expect(budget.notification.every((n) => (n.subscriber_sns_topic_arns as string[])[0] === budgetProps.topicArn)).toBe(true);
  });

  test("GIVEN a tag filter and an anomaly monitor THEN the budget counts the tag and anomalies above the threshold go to the topic", () => {
    const out = synthBudget({ tagFilter: { key: "Environment", value: "staging" }, anomalyMonitor: { thresholdUsd: 25 } });
    expect(out).toHaveResourceWithProperties(BudgetsBudget, { cost_filter: [{ name: "TagKeyValue", values: ["user:Environment$staging"] }] });
    expect(out).toHaveResourceWithProperties(CeAnomalySubscription, {
      frequency: "IMMEDIATE",
      subscriber: [{ type: "SNS", address: budgetProps.topicArn }],
      threshold_expression: { dimension: { key: "ANOMALY_TOTAL_IMPACT_ABSOLUTE", match_options: ["GREATER_THAN_OR_EQUAL"], values: ["25"] } },
    });
  });

  test("refuses a limit that is not positive", () => {
    expect(() => synthBudget({ monthlyLimitUsd: 0 })).toThrow(/monthlyLimitUsd \(0\) must be > 0/);
  });
});
