/** Backups and spend: encrypted and (in a protected environment) locked vaults, the database in a backup plan, a budget that alerts. */
import { ENVIRONMENT_TAG } from "../../../environments/naming";
import { Rule, fail, pass } from "../engine";
import { PROVIDER_TYPE, asList, block, isExpression, refersTo, stringList } from "../model";

export const resilienceRules: Rule[] = [
  {
    id: "TS-BAK-001",
    title: "Backup vaults are encrypted with a customer-managed KMS key",
    resourceTypes: ["aws_backup_vault"],
    checkov: ["CKV_AWS_166"],
    check: (r) => (typeof r.values.kms_key_arn === "string" && r.values.kms_key_arn !== "" ? pass("kms_key_arn set") : fail("kms_key_arn unset: recovery points would use the AWS-managed backup key, which cannot be shared or governed")),
  },
  {
    id: "TS-BAK-002",
    title: "A protected environment's backup vaults are locked (governance or compliance)",
    resourceTypes: ["aws_backup_vault"],
    checkov: [],
    check: (r, { env, stack }) => {
      if (!env.protected) return undefined;
      const lock = stack.ofType("aws_backup_vault_lock_configuration").find((l) => refersTo(l.values.backup_vault_name, r) || l.values.backup_vault_name === r.values.name);
      if (!lock) return fail("no aws_backup_vault_lock_configuration: anyone with delete rights can remove the recovery points");
      return pass(lock.values.changeable_for_days !== undefined ? "locked, compliance mode" : "locked, governance mode");
    },
  },
  {
    id: "TS-BAK-003",
    title: "A protected environment's database is in an AWS Backup plan",
    resourceTypes: ["aws_rds_cluster"],
    checkov: [],
    check: (r, { env, stack }) => {
      if (!env.protected) return undefined;
      const selection = stack.ofType("aws_backup_selection").find((s) => asList<unknown>(s.values.resources).some((arn) => refersTo(arn, r)) || refersTo(s.values.resources, r));
      if (!selection) return fail("no aws_backup_selection names this cluster: its only backups are its own (same account, same region)");
      const plan = stack.resolve(selection.values.plan_id);
      return plan ? pass(`selected by ${selection.address} into ${plan.address}`) : fail(`${selection.address} names a plan that is not in this stack`);
    },
  },
  {
    id: "TS-BUD-001",
    title: "Every environment has a monthly budget whose alerts reach someone",
    resourceTypes: [PROVIDER_TYPE],
    checkov: [],
    check: (r, { stack }) => {
      // The environment's own (default) AWS provider; account bootstrap stacks are tagged Environment=account.
      if (!r.name.startsWith("aws.") || r.values.alias !== undefined) return undefined;
      const environment = ((block(r.values.default_tags).tags ?? {}) as Record<string, string>)[ENVIRONMENT_TAG];
      if (!environment || environment === "account") return undefined;
      const budgets = stack.ofType("aws_budgets_budget");
      if (budgets.length === 0) return fail(`no aws_budgets_budget for environment ${environment}: overspending goes unnoticed until the bill`);
      const alerting = budgets.filter((b) =>
        asList(b.values.notification).some((n) => isExpression(n.subscriber_sns_topic_arns) || stringList(n.subscriber_sns_topic_arns).length > 0 || stringList(n.subscriber_email_addresses).length > 0),
      );
      return alerting.length > 0 ? pass(`${alerting.map((b) => b.address).join(", ")} alerts`) : fail("the budget has no notification with a subscriber");
    },
  },
];
