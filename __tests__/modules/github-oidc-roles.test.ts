/**
 * What the apply, drill and plan roles can and cannot do, decided on the synthesized policies.
 * Unit test over synthesized JSON (no AWS: the emulator does not enforce IAM policies): the real
 * bootstrap stacks of the registry's staging and production accounts are synthesized, each role's
 * policies read (inline and attached, tokens resolved; __tests__/support/oidc-policies.ts) and
 * requests decided by the test-only evaluator (__tests__/support/iam-evaluator.ts, AWS's
 * documented evaluation logic, refusing operators it does not know).
 *
 * The calls are not guessed: the SDK commands scripts/db and scripts/dr import are read from
 * their source, and each must have a request here — a new call fails this test until the role
 * (and this list) follow.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveEnvironment } from "../../environments/registry";
import { roleNames } from "../../modules/github-oidc";
import { synthBootstrap } from "../helpers/stacks";
import { PolicyDocument, Request, decide } from "../support/iam-evaluator";
import { READ_ONLY_MODEL, Target, resourcesOf, rolePolicies } from "../support/oidc-policies";

const staging = resolveEnvironment("staging");
const production = resolveEnvironment("production");
const names = roleNames("twinstack");
const DRILL_ROLE = "twinstack-github-dr-drill-production";
const [stagingAccount, productionAccount] = synthBootstrap([staging, production]).map((s) => s.parsed);
const REPO = join(__dirname, "..", "..");

const P = production.accountId;
const S = staging.accountId;
const R = production.region;

/** `XxxCommand` imports of a source file, as IAM actions (`rds:Xxx`), by SDK client. */
function sdkCalls(file: string): string[] {
  const text = readFileSync(join(REPO, file), "utf8");
  const prefixes: Record<string, string> = { "client-lambda": "lambda", "client-rds": "rds", "client-rds-data": "rds-data", "client-ssm": "ssm", "client-sts": "sts", "client-secrets-manager": "secretsmanager" };
  const calls: string[] = [];
  for (const match of text.matchAll(/import\s*\{([^}]+)\}\s*from\s*"@aws-sdk\/(client-[\w-]+)"/g)) {
    const prefix = prefixes[match[2]];
    if (!prefix) throw new Error(`${file}: no IAM prefix known for @aws-sdk/${match[2]}`);
    for (const name of match[1].split(",").map((n) => n.trim())) {
      const command = /^(\w+)Command$/.exec(name)?.[1];
      if (command) calls.push(`${prefix}:${command}`);
    }
  }
  return calls.sort();
}

function contextFor(target: Pick<Target, "arn" | "tags">, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const region = target.arn.split(":")[3] || "us-east-1";
  const context: Record<string, string | string[]> = { "aws:RequestedRegion": region, ...extra };
  for (const [key, value] of Object.entries(target.tags ?? {})) context[`aws:ResourceTag/${key}`] = value;
  return context;
}

const denied = (policies: PolicyDocument[], requests: Request[]) => requests.filter((r) => !decide(policies, r).allowed).map((r) => `${r.action} on ${r.resource}`);
const allowed = (policies: PolicyDocument[], requests: Request[]) => requests.map((r) => ({ r, d: decide(policies, r) })).filter(({ d }) => d.allowed).map(({ r, d }) => `${r.action} on ${r.resource} — ${d.by}`);

/** The writes Terraform makes for each resource type issue 12 and issue 15 added (and their parents). */
const TERRAFORM_WRITES: Record<string, string[]> = {
  aws_backup_vault: ["backup:CreateBackupVault", "backup:DeleteBackupVault", "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration", "backup:TagResource"],
  aws_backup_plan: ["backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:CreateBackupSelection", "backup:DeleteBackupSelection"],
  aws_budgets_budget: ["budgets:ModifyBudget", "budgets:TagResource"],
  aws_ce_anomaly_monitor: ["ce:UpdateAnomalyMonitor", "ce:DeleteAnomalyMonitor", "ce:TagResource"],
  aws_ce_anomaly_subscription: ["ce:UpdateAnomalySubscription", "ce:DeleteAnomalySubscription"],
  aws_cloudwatch_dashboard: ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"],
  aws_cloudwatch_log_metric_filter: ["logs:PutMetricFilter", "logs:DeleteMetricFilter"],
  aws_cognito_user: ["cognito-idp:AdminCreateUser", "cognito-idp:AdminDeleteUser", "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminRemoveUserFromGroup"],
  aws_cognito_user_pool: ["cognito-idp:CreateGroup", "cognito-idp:UpdateGroup", "cognito-idp:DeleteGroup"],
  aws_db_subnet_group: ["rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup"],
  aws_security_group: ["ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup"],
  aws_kms_key: ["kms:CreateGrant", "kms:RetireGrant", "kms:EnableKeyRotation", "kms:ScheduleKeyDeletion", "kms:TagResource"],
  aws_kms_alias: ["kms:CreateAlias", "kms:DeleteAlias"],
  aws_sns_topic: ["sns:CreateTopic", "sns:Subscribe", "sns:SetTopicAttributes"],
  aws_iam_role: ["iam:CreateRole", "iam:AttachRolePolicy", "iam:DeleteRole"],
};

describe("apply role: what issue 12 and issue 15 added to the stacks", () => {
  const accounts = [
    { config: staging, stack: stagingAccount },
    { config: production, stack: productionAccount },
  ];

  test.each(accounts.map((a) => [a.config.name, a] as const))("%s: every write Terraform makes for the new resource types is allowed", (_, { config, stack }) => {
    const { own } = rolePolicies(stack, names.apply, config);
    const { targets } = resourcesOf(config);
    const requests = targets
      .filter((t) => TERRAFORM_WRITES[t.type])
      .flatMap((t) => TERRAFORM_WRITES[t.type].map((action) => ({ action, resource: t.arn, context: contextFor(t) })));
    expect(requests.length).toBeGreaterThan(config.name === "production" ? 60 : 30);
    expect(denied(own, requests)).toEqual([]);
  });

  test("production: creates by generated id carry the Project tag; the copy region works; the backup role is passed to AWS Backup only", () => {
    const { own } = rolePolicies(productionAccount, names.apply, production);
    const tagged = { "aws:RequestTag/Project": "twinstack", "aws:TagKeys": ["Project", "Environment"] };
    const ok: Request[] = [
      { action: "backup:CreateBackupPlan", resource: `arn:aws:backup:${R}:${P}:backup-plan:new`, context: { "aws:RequestedRegion": R, ...tagged } },
      { action: "ce:CreateAnomalyMonitor", resource: "*", context: { "aws:RequestedRegion": "us-east-1", ...tagged } },
      { action: "ce:CreateAnomalySubscription", resource: "*", context: { "aws:RequestedRegion": "us-east-1", ...tagged } },
      { action: "backup-storage:MountCapsule", resource: "*", context: { "aws:RequestedRegion": "us-west-2" } },
      { action: "backup:CreateBackupVault", resource: `arn:aws:backup:us-west-2:${P}:backup-vault:twinstack-production` },
      { action: "kms:CreateAlias", resource: `arn:aws:kms:us-west-2:${P}:alias/twinstack-production-backup-copies` },
      { action: "kms:CreateKey", resource: "*", context: { "aws:RequestedRegion": "us-west-2", ...tagged } },
      { action: "iam:PassRole", resource: `arn:aws:iam::${P}:role/twinstack-production-backup`, context: { "iam:PassedToService": "backup.amazonaws.com" } },
    ];
    expect(denied(own, ok)).toEqual([]);
    const refused: Request[] = [
      { action: "backup:CreateBackupPlan", resource: `arn:aws:backup:${R}:${P}:backup-plan:new`, context: { "aws:RequestedRegion": R } },
      { action: "backup:DeleteBackupPlan", resource: `arn:aws:backup:${R}:${P}:backup-plan:someone-elses`, context: { "aws:ResourceTag/Project": "other" } },
      { action: "ce:DeleteAnomalyMonitor", resource: `arn:aws:ce::${P}:anomalymonitor/someone-elses`, context: { "aws:ResourceTag/Project": "other" } },
      { action: "backup:DeleteBackupVault", resource: `arn:aws:backup:${R}:${P}:backup-vault:Default` },
      { action: "budgets:ModifyBudget", resource: `arn:aws:budgets::${P}:budget/finance-team` },
      { action: "iam:PassRole", resource: `arn:aws:iam::${P}:role/twinstack-production-backup`, context: { "iam:PassedToService": "ec2.amazonaws.com" } },
      { action: "iam:PassRole", resource: `arn:aws:iam::${P}:role/twinstack-production-api`, context: { "iam:PassedToService": "backup.amazonaws.com" } },
      { action: "cognito-idp:AdminCreateUser", resource: `arn:aws:cognito-idp:${R}:${P}:userpool/${R}_other`, context: { "aws:ResourceTag/Project": "other" } },
    ];
    expect(allowed(own, refused)).toEqual([]);
  });

  test("IAM's size quotas hold: inline policies 10,240 characters in all, each managed policy 6,144", () => {
    for (const [config, stack] of [[staging, stagingAccount], [production, productionAccount]] as const) {
      for (const role of Object.values(stack.resource.aws_iam_role).map((r) => (r as { name: string }).name)) {
        const { inlineTexts, managedTexts } = rolePolicies(stack, role, config);
        expect({ role, inline: inlineTexts.join("").length < 10240 }).toEqual({ role, inline: true });
        for (const text of managedTexts) expect({ role, managed: text.length < 6144 }).toEqual({ role, managed: true });
      }
    }
  });
});

describe("apply role: npm run db:migrate after the apply (scripts/db)", () => {
  const calls = [...sdkCalls("scripts/db/cli.ts"), ...sdkCalls("scripts/db/data-api.ts")];

  test.each([[staging, stagingAccount], [production, productionAccount]] as const)("%#: each call the migration makes on the environment's cluster is allowed", (config, stack) => {
    const { withReadOnly } = rolePolicies(stack, names.apply, config);
    const cluster = `arn:aws:rds:${config.region}:${config.accountId}:cluster:twinstack-${config.name}`;
    const resourceOf: Record<string, string> = {
      "rds:DescribeDBClusters": cluster,
      "rds:EnableHttpEndpoint": cluster,
      "rds:DisableHttpEndpoint": cluster,
      "rds-data:ExecuteStatement": cluster,
      "rds-data:BeginTransaction": cluster,
      "rds-data:CommitTransaction": cluster,
      "rds-data:RollbackTransaction": cluster,
    };
    expect(calls.filter((call) => !(call in resourceOf))).toEqual([]);
    const requests: Request[] = [
      ...calls.map((action) => ({ action, resource: resourceOf[action] })),
      // The Data API reads the managed master secret with the caller's permissions.
      { action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:${config.region}:${config.accountId}:secret:rds!cluster-1234-AbCdEf`, context: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": cluster } },
    ];
    expect(denied(withReadOnly, requests)).toEqual([]);
  });

  test("no other cluster's statements or master secret (a preview's, a drill's scratch cluster, another project's)", () => {
    const { withReadOnly } = rolePolicies(stagingAccount, names.apply, staging);
    const others = ["twinstack-preview-pr-7", "twinstack-staging-new-r1", "other-staging"].map((id) => `arn:aws:rds:${staging.region}:${S}:cluster:${id}`);
    const requests: Request[] = others.flatMap((cluster) => [
      { action: "rds-data:ExecuteStatement", resource: cluster },
      { action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:${staging.region}:${S}:secret:rds!cluster-5678-AbCdEf`, context: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": cluster } },
    ]);
    expect(allowed(withReadOnly, requests)).toEqual([]);
    // Nor an application secret by name.
    expect(decide(withReadOnly, { action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:${staging.region}:${S}:secret:twinstack-staging-app-AbCdEf` }).allowed).toBe(false);
  });
});

describe("plan role: npm run smoke after the apply (scripts/smoke)", () => {
  test.each([[staging, stagingAccount], [production, productionAccount]] as const)("%#: reads the environment's settings under /<project>/<env>/", (config, stack) => {
    const { withReadOnly } = rolePolicies(stack, names.plan, config);
    expect(sdkCalls("scripts/smoke/cli.ts").filter((call) => call.startsWith("ssm:"))).toEqual(["ssm:GetParameters"]);
    const requests = ["api-url", "site-url", "version"].map((name) => ({ action: "ssm:GetParameters", resource: `arn:aws:ssm:${config.region}:${config.accountId}:parameter/twinstack/${config.name}/${name}` }));
    expect(denied(withReadOnly, requests)).toEqual([]);
  });
});

describe("restore-drill role (production account): scratch clusters only", () => {
  const live = "twinstack-production";
  const scratch = "twinstack-production-drill-20260131t120000z";
  const a = (resource: string) => `arn:aws:rds:${R}:${P}:${resource}`;
  const scratchCluster = a(`cluster:${scratch}`);
  const scratchInstance = a(`db:${scratch}-1`);
  const drill = () => rolePolicies(productionAccount, DRILL_ROLE, production);

  test("exists only in the production account, trusted only by the dr-drill-production GitHub environment, for 4-hour sessions", () => {
    expect(Object.values(stagingAccount.resource.aws_iam_role).map((r) => (r as { name: string }).name)).not.toContain(DRILL_ROLE);
    const { trust } = drill();
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:example-org/twinstack:environment:dr-drill-production" },
    });
    const role = Object.values(productionAccount.resource.aws_iam_role).find((r) => (r as { name: string }).name === DRILL_ROLE) as { max_session_duration: number };
    expect(role.max_session_duration).toBeGreaterThanOrEqual(14400); // dr-drill.yml asks for role-duration-seconds 14400
    expect(productionAccount.output).toHaveProperty("production_dr_drill_role_arn");
  });

  test("each call the drill makes is allowed on scratch names (and its reads)", () => {
    const { own } = drill();
    const calls = [...sdkCalls("scripts/dr/aws.ts"), ...sdkCalls("scripts/dr/verify.ts")];
    const requestsOf: Record<string, Request[]> = {
      "rds:DescribeDBClusters": [{ action: "rds:DescribeDBClusters", resource: a(`cluster:${live}`) }, { action: "rds:DescribeDBClusters", resource: "*" }],
      "rds:DescribeDBClusterSnapshots": [{ action: "rds:DescribeDBClusterSnapshots", resource: a(`cluster:${live}`) }],
      "rds:DescribeDBInstances": [{ action: "rds:DescribeDBInstances", resource: scratchInstance }],
      "rds:RestoreDBClusterFromSnapshot": [
        ...[scratchCluster, a("subgrp:twinstack-production-drill"), a("cluster-pg:default.aurora-postgresql16")].map((resource) => ({ action: "rds:RestoreDBClusterFromSnapshot", resource })),
        ...[`rds:${live}-2026-01-31-04-00`, "awsbackup:job-0123abcd", `${live}-before-upgrade`].map((id) => ({ action: "rds:RestoreDBClusterFromSnapshot", resource: a(`cluster-snapshot:${id}`) })),
      ],
      "rds:RestoreDBClusterToPointInTime": [scratchCluster, a(`cluster:${live}`), a("subgrp:twinstack-production-drill")].map((resource) => ({ action: "rds:RestoreDBClusterToPointInTime", resource })),
      "rds:CreateDBInstance": [scratchInstance, scratchCluster, a("pg:default.aurora-postgresql16"), a("og:default:aurora-postgresql-16")].map((resource) => ({ action: "rds:CreateDBInstance", resource })),
      "rds:ModifyDBCluster": [{ action: "rds:ModifyDBCluster", resource: scratchCluster }],
      "rds:EnableHttpEndpoint": [{ action: "rds:EnableHttpEndpoint", resource: scratchCluster }],
      "rds:DeleteDBInstance": [{ action: "rds:DeleteDBInstance", resource: scratchInstance }],
      "rds:DeleteDBCluster": [{ action: "rds:DeleteDBCluster", resource: scratchCluster }],
      "ssm:GetParameter": ["drill/subnet-group", "drill/security-group-id"].map((name) => ({ action: "ssm:GetParameter", resource: `arn:aws:ssm:${R}:${P}:parameter/twinstack/production/${name}` })),
      "rds-data:ExecuteStatement": [{ action: "rds-data:ExecuteStatement", resource: scratchCluster }],
    };
    expect(calls.filter((call) => !(call in requestsOf))).toEqual([]);
    const secret = `arn:aws:secretsmanager:${R}:${P}:secret:rds!cluster-9abc-AbCdEf`;
    const databaseKey = `arn:aws:kms:${R}:${P}:key/database-key`;
    const implied: Request[] = [
      // Restores and instances carry the drill's tags.
      { action: "rds:AddTagsToResource", resource: scratchCluster },
      { action: "rds:AddTagsToResource", resource: scratchInstance },
      // ManageMasterUserPassword: RDS creates the secret in the caller's name; the Data API reads it.
      { action: "secretsmanager:CreateSecret", resource: secret, context: { "aws:RequestTag/aws:rds:primaryDBClusterArn": scratchCluster } },
      { action: "secretsmanager:GetSecretValue", resource: secret, context: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": scratchCluster } },
      // The live database key, through RDS and Secrets Manager.
      ...["kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({
        action,
        resource: databaseKey,
        context: { "kms:ResourceAliases": ["alias/twinstack-production-database"], "kms:ViaService": `rds.${R}.amazonaws.com` },
      })),
      { action: "kms:Decrypt", resource: databaseKey, context: { "kms:ResourceAliases": ["alias/twinstack-production-database"], "kms:ViaService": `secretsmanager.${R}.amazonaws.com` } },
    ];
    expect(denied(own, [...calls.flatMap((call) => requestsOf[call]), ...implied])).toEqual([]);
  });

  test("cannot modify, delete, tag, snapshot or query the live cluster or its instances, nor use its secret or key directly", () => {
    const { own } = drill();
    const { targets } = resourcesOf(production);
    const named = own.flatMap((p) => p.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action ?? []].flat()));
    const dangerous = ["rds:ModifyDBCluster", "rds:ModifyDBInstance", "rds:DeleteDBCluster", "rds:DeleteDBInstance", "rds:FailoverDBCluster", "rds:RebootDBInstance", "rds:StopDBCluster", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:CreateDBClusterSnapshot", "rds:DeleteDBClusterSnapshot", "rds:EnableHttpEndpoint", "rds-data:ExecuteStatement", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret", "kms:Decrypt", "kms:CreateGrant", "ssm:PutParameter"];
    const actions = [...new Set([...named, ...dangerous])];
    // Reads (Describe*, the drill's own settings) and a point-in-time restore FROM the live cluster are the drill's job.
    const readsOrRestoreFrom = (action: string, arn: string) =>
      /:Describe/.test(action) || (action === "ssm:GetParameter" && arn.includes("/twinstack/production/drill/")) || (action === "rds:RestoreDBClusterToPointInTime" && arn === a(`cluster:${live}`));
    // The drill's own subnet group is named into restores (checked below); everything else is production's.
    const drillSubnets = a("subgrp:twinstack-production-drill");
    const live_ = targets.filter((t) => t.arn !== drillSubnets && (t.arn.split(":")[2] === "rds" || t.arn.includes(":secret:") || t.arn.includes(":kms:") || t.arn.includes(":ssm:")));
    expect(live_.map((t) => t.arn)).toEqual(expect.arrayContaining([a(`cluster:${live}`), a(`db:${live}-1`), a(`db:${live}-2`)]));
    const requests = live_.flatMap((t) =>
      actions
        .filter((action) => action.split(":")[0] === t.arn.split(":")[2] && !readsOrRestoreFrom(action, t.arn))
        .map((action) => ({ action, resource: t.arn, context: contextFor(t, { "kms:ResourceAliases": ["alias/twinstack-production-database"] }) })),
    );
    expect(requests.length).toBeGreaterThan(50);
    expect(allowed(own, requests)).toEqual([]);
    // Restoring INTO the live names, or an instance into the live cluster, is refused too.
    const intoLive: Request[] = [
      { action: "rds:RestoreDBClusterFromSnapshot", resource: a(`cluster:${live}`) },
      { action: "rds:CreateDBInstance", resource: a(`db:${live}-3`) },
      { action: "rds:DeleteDBClusterSnapshot", resource: a(`cluster-snapshot:awsbackup:job-0123abcd`) },
      { action: "rds:ModifyDBSubnetGroup", resource: drillSubnets },
      { action: "rds:DeleteDBSubnetGroup", resource: drillSubnets },
    ];
    expect(allowed(own, intoLive)).toEqual([]);
  });
});

describe("the ReadOnlyAccess model is no kinder than AWS's ReadOnlyAccess", () => {
  test("GIVEN only the model WHEN reading a secret's value THEN denied (ReadOnlyAccess lists secretsmanager:Describe*, GetResourcePolicy and List*, never GetSecretValue), while other reads stay allowed", () => {
    // GIVEN
    const secret = `arn:aws:secretsmanager:us-east-1:${S}:secret:twinstack-staging-app-AbCdEf`;
    // WHEN / THEN
    expect(decide([READ_ONLY_MODEL], { action: "secretsmanager:GetSecretValue", resource: secret }).allowed).toBe(false);
    expect(decide([READ_ONLY_MODEL], { action: "secretsmanager:DescribeSecret", resource: secret }).allowed).toBe(true);
    expect(decide([READ_ONLY_MODEL], { action: "secretsmanager:GetResourcePolicy", resource: secret }).allowed).toBe(true);
    expect(decide([READ_ONLY_MODEL], { action: "ssm:GetParameter", resource: `arn:aws:ssm:us-east-1:${S}:parameter/twinstack/staging/api-url` }).allowed).toBe(true);
  });
});
