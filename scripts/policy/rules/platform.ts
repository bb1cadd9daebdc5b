/** KMS, logs, secrets, IAM, DynamoDB, alarms, SNS, Terraform state and provider. */
import { Rule, RuleContext, fail, pass } from "../engine";
import { Attributes, BACKEND_TYPE, PROVIDER_TYPE, PolicyDocument, Resource, asList, asNumber, block, conditionValues, isExpression, isPublicPrincipal, isTrue, principalValues, stringList } from "../model";

/** Identity policies (what a principal may do), by resource type and attribute. */
const IDENTITY_POLICY_TYPES = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"];

function identityPolicies(r: Resource, context: RuleContext): { label: string; doc: PolicyDocument | undefined }[] {
  if (r.type === "aws_iam_role") {
    return asList(r.values.inline_policy)
      .filter((p) => p.policy !== undefined)
      .map((p, i) => ({ label: `inline_policy[${i}]`, doc: context.stack.policyDocument(p.policy) }));
  }
  return [{ label: "policy", doc: context.stack.policyDocument(r.values.policy) }];
}

/** Runs `test` on every Allow statement of a resource's identity policies; undefined when it has none. */
function checkAllowStatements(r: Resource, context: RuleContext, test: (actions: string[], resources: string[]) => string | undefined, okReason: string) {
  const policies = identityPolicies(r, context);
  if (policies.length === 0) return undefined;
  const problems: string[] = [];
  for (const { label, doc } of policies) {
    if (!doc) {
      problems.push(`${label} is not a parseable policy document`);
      continue;
    }
    for (const s of doc.Statement) {
      if (s.Effect !== "Allow") continue;
      if (s.NotAction !== undefined) {
        problems.push(`${label} ${s.Sid ?? ""}: Allow with NotAction grants everything else`.trim());
        continue;
      }
      const problem = test(stringList(s.Action), stringList(s.Resource));
      if (problem) problems.push(`${label}${s.Sid ? ` ${s.Sid}` : ""}: ${problem}`);
    }
  }
  return problems.length === 0 ? pass(okReason) : fail(problems.join("; "));
}

function trustDocument(r: Resource, context: RuleContext) {
  return context.stack.policyDocument(r.values.assume_role_policy);
}

const ADMIN_POLICIES = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];
const SECRET_ATTRIBUTE = /(^|_)(password|secret_string|secret_key|secret_access_key|private_key)$/;

function literalSecrets(values: unknown, path = ""): string[] {
  if (Array.isArray(values)) return values.flatMap((v, i) => literalSecrets(v, `${path}[${i}]`));
  if (!values || typeof values !== "object") return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(values as Attributes)) {
    const here = path ? `${path}.${key}` : key;
    if (key === "lifecycle" || key === "depends_on") continue;
    if (SECRET_ATTRIBUTE.test(key) && typeof value === "string" && value !== "" && !isExpression(value)) found.push(here);
    else if (typeof value === "object") found.push(...literalSecrets(value, here));
  }
  return found;
}

export const platformRules: Rule[] = [
  {
    id: "TS-KMS-001",
    title: "KMS key rotation is enabled (symmetric keys)",
    resourceTypes: ["aws_kms_key"],
    checkov: ["CKV_AWS_7"],
    trivy: ["AVD-AWS-0065"],
    check: (r) => {
      const spec = String(r.values.customer_master_key_spec ?? "SYMMETRIC_DEFAULT");
      if (spec !== "SYMMETRIC_DEFAULT") return undefined;
      return isTrue(r.values.enable_key_rotation) ? pass("enable_key_rotation = true") : fail("enable_key_rotation is not true");
    },
  },
  {
    id: "TS-KMS-002",
    title: "KMS key policies do not Allow principal *",
    resourceTypes: ["aws_kms_key", "aws_kms_key_policy"],
    checkov: ["CKV_AWS_33"],
    check: (r, context) => {
      if (r.values.policy === undefined) return pass("default key policy (account root only)");
      const doc = context.stack.policyDocument(r.values.policy);
      if (!doc) return fail("policy is not a parseable policy document");
      const open = doc.Statement.filter((s) => s.Effect === "Allow" && (isPublicPrincipal(s.Principal) || s.NotPrincipal !== undefined));
      return open.length === 0 ? pass(`${doc.Statement.length} statement(s), no * principal`) : fail(`statement(s) ${open.map((s) => s.Sid ?? "(no Sid)").join(", ")} allow principal *`);
    },
  },
  {
    id: "TS-KMS-003",
    title: "KMS keys of a protected environment have a 30-day deletion window",
    resourceTypes: ["aws_kms_key"],
    checkov: [],
    check: (r, { env }) => {
      if (!env.protected) return undefined;
      const days = asNumber(r.values.deletion_window_in_days) ?? 30;
      return days >= 30 ? pass(`deletion_window_in_days ${days}`) : fail(`deletion_window_in_days ${days} < 30 in a protected environment`);
    },
  },
  {
    id: "TS-LOG-001",
    title: "CloudWatch log groups have a retention period",
    resourceTypes: ["aws_cloudwatch_log_group"],
    checkov: ["CKV_AWS_66"],
    check: (r) => {
      const days = asNumber(r.values.retention_in_days);
      return days !== undefined && days > 0 ? pass(`retention_in_days ${days}`) : fail("retention_in_days unset (logs kept forever, billed forever)");
    },
  },
  {
    id: "TS-LOG-002",
    title: "CloudWatch log groups are encrypted with a customer-managed KMS key",
    resourceTypes: ["aws_cloudwatch_log_group"],
    checkov: ["CKV_AWS_158"],
    trivy: ["AVD-AWS-0017"],
    check: (r) => (typeof r.values.kms_key_id === "string" && r.values.kms_key_id !== "" ? pass("kms_key_id set") : fail("kms_key_id unset")),
  },
  {
    id: "TS-SEC-001",
    title: "Secrets Manager secrets use a customer-managed KMS key",
    resourceTypes: ["aws_secretsmanager_secret"],
    checkov: ["CKV_AWS_149"],
    trivy: ["AVD-AWS-0098"],
    check: (r) => (r.values.kms_key_id ? pass("kms_key_id set") : fail("kms_key_id unset (uses aws/secretsmanager, which cannot be shared)")),
  },
  {
    id: "TS-SEC-002",
    title: "No literal password or secret in any resource attribute",
    resourceTypes: ["*"],
    checkov: ["CKV_AWS_41", "CKV_SECRET_6"],
    check: (r) => {
      const found = literalSecrets(r.values);
      return found.length === 0 ? pass("no literal secret attributes") : fail(`literal secret value in ${found.join(", ")} (it is stored in state and in git)`);
    },
  },
  {
    id: "TS-IAM-001",
    title: "IAM policies do not Allow action * or *:*",
    resourceTypes: IDENTITY_POLICY_TYPES,
    checkov: ["CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_286"],
    trivy: ["AVD-AWS-0057"],
    check: (r, context) => checkAllowStatements(r, context, (actions) => (actions.some((a) => a === "*" || a === "*:*") ? "Allow of action *" : undefined), "no * action"),
  },
  {
    id: "TS-IAM-002",
    title: "IAM policies do not Allow a whole service (service:*)",
    resourceTypes: IDENTITY_POLICY_TYPES,
    checkov: ["CKV_AWS_355", "CKV_AWS_290"],
    check: (r, context) =>
      checkAllowStatements(
        r,
        context,
        (actions) => {
          const wide = actions.filter((a) => /^[a-z0-9-]+:\*$/i.test(a));
          return wide.length > 0 ? `Allow of ${wide.join(", ")}` : undefined;
        },
        "actions are listed explicitly",
      ),
  },
  {
    id: "TS-IAM-003",
    title: "iam:PassRole is scoped to named roles",
    resourceTypes: IDENTITY_POLICY_TYPES,
    checkov: ["CKV_AWS_287"],
    check: (r, context) =>
      checkAllowStatements(
        r,
        context,
        (actions, resources) => {
          const passes = actions.some((a) => /^iam:(PassRole|Pass\*|\*)$/i.test(a) || a === "iam:Pass*");
          if (!passes) return undefined;
          const wide = resources.filter((res) => res === "*" || /:role\/\*$/.test(res));
          return wide.length > 0 ? `iam:PassRole on ${wide.join(", ")}` : undefined;
        },
        "no unscoped iam:PassRole",
      ),
  },
  {
    id: "TS-IAM-004",
    title: "Role trust policies are not open to principal *",
    resourceTypes: ["aws_iam_role"],
    checkov: ["CKV_AWS_60", "CKV_AWS_61"],
    check: (r, context) => {
      const doc = trustDocument(r, context);
      if (!doc) return fail("assume_role_policy is not a parseable policy document");
      const open = doc.Statement.filter((s) => s.Effect === "Allow" && (isPublicPrincipal(s.Principal) || s.NotPrincipal !== undefined));
      return open.length === 0 ? pass(`trusted: ${doc.Statement.flatMap((s) => principalValues(s.Principal).map((p) => p.value)).join(", ")}`) : fail("trust policy allows principal *");
    },
  },
  {
    id: "TS-IAM-005",
    title: "OIDC (web identity) trust pins the audience and an exact subject",
    resourceTypes: ["aws_iam_role"],
    checkov: ["CKV_AWS_358"],
    check: (r, context) => {
      const doc = trustDocument(r, context);
      const oidc = (doc?.Statement ?? []).filter((s) => s.Effect === "Allow" && (stringList(s.Action).includes("sts:AssumeRoleWithWebIdentity") || principalValues(s.Principal).some((p) => p.kind === "Federated")));
      if (oidc.length === 0) return undefined;
      const problems: string[] = [];
      for (const s of oidc) {
        const keys = Object.values(s.Condition ?? {}).flatMap((entries) => Object.keys(entries ?? {}));
        const audKey = keys.find((k) => k.endsWith(":aud"));
        const subKey = keys.find((k) => k.endsWith(":sub"));
        const aud = audKey ? conditionValues(s, audKey, ["StringEquals"]) : [];
        if (aud.length === 0) problems.push("no StringEquals on :aud");
        const sub = subKey ? conditionValues(s, subKey) : [];
        if (sub.length === 0) problems.push("no condition on :sub");
        else if (sub.some((c) => c.values.some((v) => /[*?]/.test(v)) || !["StringEquals", "ForAnyValue:StringEquals"].includes(c.operator))) problems.push(`:sub is not exact (${sub.map((c) => `${c.operator} ${c.values.join(" ")}`).join("; ")})`);
      }
      return problems.length === 0 ? pass("aud and exact sub pinned") : fail(problems.join("; "));
    },
  },
  {
    id: "TS-IAM-006",
    title: "No administrator-level AWS managed policy is attached",
    resourceTypes: ["aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_role"],
    checkov: ["CKV_AWS_274"],
    check: (r) => {
      const arns = r.type === "aws_iam_role" ? stringList(r.values.managed_policy_arns) : stringList(r.values.policy_arn);
      if (r.type === "aws_iam_role" && arns.length === 0) return undefined;
      const admin = arns.filter((a) => ADMIN_POLICIES.some((p) => a.endsWith(`:policy/${p}`)));
      return admin.length === 0 ? pass(arns.join(", ")) : fail(`attaches ${admin.join(", ")}`);
    },
  },
  {
    id: "TS-IAM-007",
    title: "OIDC providers accept only the STS audience",
    resourceTypes: ["aws_iam_openid_connect_provider"],
    checkov: [],
    check: (r) => {
      const clients = stringList(r.values.client_id_list);
      const url = String(r.values.url ?? "");
      if (!url.startsWith("https://")) return fail(`url ${url} is not https`);
      return clients.length === 1 && clients[0] === "sts.amazonaws.com" ? pass("client_id_list [sts.amazonaws.com]") : fail(`client_id_list ${JSON.stringify(clients)}; expected ["sts.amazonaws.com"]`);
    },
  },
  {
    id: "TS-DDB-001",
    title: "DynamoDB tables have point-in-time recovery",
    resourceTypes: ["aws_dynamodb_table"],
    checkov: ["CKV_AWS_28"],
    trivy: ["AVD-AWS-0024"],
    check: (r) => (isTrue(block(r.values.point_in_time_recovery).enabled) ? pass("point_in_time_recovery enabled") : fail("point_in_time_recovery not enabled")),
  },
  {
    id: "TS-DDB-002",
    title: "DynamoDB tables are encrypted with a customer-managed KMS key",
    resourceTypes: ["aws_dynamodb_table"],
    checkov: ["CKV_AWS_119"],
    trivy: ["AVD-AWS-0025"],
    check: (r) => {
      const sse = block(r.values.server_side_encryption);
      return isTrue(sse.enabled) && sse.kms_key_arn ? pass("server_side_encryption with kms_key_arn") : fail("server_side_encryption not enabled with a kms_key_arn");
    },
  },
  {
    id: "TS-DDB-003",
    title: "DynamoDB tables of a protected account have deletion protection",
    resourceTypes: ["aws_dynamodb_table"],
    checkov: [],
    check: (r, { env }) => {
      if (!env.protected) return undefined;
      return isTrue(r.values.deletion_protection_enabled) ? pass("deletion_protection_enabled") : fail("deletion_protection_enabled is not true");
    },
  },
  {
    id: "TS-CW-001",
    title: "CloudWatch alarms have actions",
    resourceTypes: ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"],
    checkov: ["CKV_AWS_319"],
    check: (r) => {
      if (r.values.actions_enabled === false) return fail("actions_enabled = false");
      const actions = r.values.alarm_actions;
      return isExpression(actions) || stringList(actions).length > 0 ? pass("alarm_actions set") : fail("no alarm_actions: nobody is told");
    },
  },
  {
    id: "TS-SNS-001",
    title: "SNS topics are encrypted with KMS",
    resourceTypes: ["aws_sns_topic"],
    checkov: ["CKV_AWS_26"],
    trivy: ["AVD-AWS-0095"],
    check: (r) => (r.values.kms_master_key_id ? pass("kms_master_key_id set") : fail("kms_master_key_id unset")),
  },
  {
    id: "TS-STATE-001",
    title: "The S3 state backend encrypts and locks",
    resourceTypes: [BACKEND_TYPE],
    checkov: [],
    check: (r) => {
      if (r.name !== "s3") return undefined;
      const problems: string[] = [];
      if (!isTrue(r.values.encrypt)) problems.push("encrypt is not true");
      if (!isTrue(r.values.use_lockfile) && !r.values.dynamodb_table) problems.push("no use_lockfile and no dynamodb_table");
      return problems.length === 0 ? pass(`encrypted, locked (${isTrue(r.values.use_lockfile) ? "use_lockfile" : "dynamodb"})`) : fail(problems.join("; "));
    },
  },
  {
    id: "TS-PRV-001",
    title: "The AWS provider is pinned to the environment's account (allowed_account_ids)",
    resourceTypes: [PROVIDER_TYPE],
    checkov: [],
    check: (r) => {
      if (!r.name.startsWith("aws.")) return undefined;
      const ids = stringList(r.values.allowed_account_ids);
      return ids.length > 0 ? pass(`allowed_account_ids ${ids.join(", ")}`) : fail("allowed_account_ids unset: a wrong profile would apply into another account");
    },
  },
  {
    id: "TS-PRV-002",
    title: "The AWS provider applies Project and Environment default tags",
    resourceTypes: [PROVIDER_TYPE],
    checkov: [],
    check: (r) => {
      if (!r.name.startsWith("aws.")) return undefined;
      const tags = (block(r.values.default_tags).tags ?? {}) as Record<string, string>;
      const missing = ["Project", "Environment"].filter((t) => !tags[t]);
      return missing.length === 0 ? pass(`default tags ${Object.keys(tags).join(", ")}`) : fail(`default_tags missing ${missing.join(", ")}`);
    },
  },
];
