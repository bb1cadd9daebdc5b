/**
 * Deploy permissions on resources whose ARN carries their name, as action lists (the way aws-cdk
 * keeps them in perms.ts), shared by the apply role (`<project>-*`) and the preview role
 * (`<project>-preview-*`): the same actions, a narrower name pattern.
 */
import type { PolicyStatement } from "../../iam/policy";
import type { Arns } from "../arns";

export const DEPLOY_ACTIONS = {
  rds: ["rds:Create*", "rds:Modify*", "rds:Delete*", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:EnableHttpEndpoint", "rds:DisableHttpEndpoint"],
  secrets: ["secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret", "secretsmanager:PutSecretValue", "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"],
  kmsKeys: ["kms:TagResource", "kms:UntagResource", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
  kmsAliases: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
  /** Log groups, and the metric filters on them (authorised on the log group: `aws_cloudwatch_log_metric_filter`). */
  logs: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:AssociateKmsKey", "logs:PutMetricFilter", "logs:DeleteMetricFilter"],
  iam: ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:TagPolicy"],
  passRoleToServices: ["lambda.amazonaws.com", "rds.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com", "apigateway.amazonaws.com"],
  serviceLinkedRoles: ["rds.amazonaws.com", "ops.apigateway.amazonaws.com"],
  s3: ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucket*", "s3:DeleteBucketPolicy", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutAccelerateConfiguration", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
  lambda: ["lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias", "lambda:DeleteAlias", "lambda:AddPermission", "lambda:RemovePermission", "lambda:TagResource", "lambda:UntagResource", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"],
  parametersAndTables: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive"],
  /** HTTP APIs and their children (API Gateway's IAM actions are the HTTP verbs). */
  apigateway: ["apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE", "apigateway:TagResource", "apigateway:UntagResource"],
  /** Changes to an existing distribution. */
  cloudfrontDistributions: ["cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:TagResource", "cloudfront:UntagResource"],
  /** Backup vaults (by name) and their lock and access policy. */
  backupVaults: ["backup:CreateBackupVault", "backup:DeleteBackupVault", "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration", "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy", "backup:TagResource", "backup:UntagResource"],
  /** Changes to an existing backup plan and its selections. */
  backupPlans: ["backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:CreateBackupSelection", "backup:DeleteBackupSelection", "backup:TagResource", "backup:UntagResource"],
  /** Changes to existing Cost Explorer anomaly monitors and subscriptions. */
  costAnomalies: ["ce:UpdateAnomalyMonitor", "ce:DeleteAnomalyMonitor", "ce:UpdateAnomalySubscription", "ce:DeleteAnomalySubscription", "ce:TagResource", "ce:UntagResource"],
  /** A pool's role groups and the users Terraform invites into them (Cognito sends the invitation). */
  cognitoUsersAndGroups: ["cognito-idp:CreateGroup", "cognito-idp:UpdateGroup", "cognito-idp:DeleteGroup", "cognito-idp:AdminCreateUser", "cognito-idp:AdminDeleteUser", "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminDeleteUserAttributes", "cognito-idp:AdminEnableUser", "cognito-idp:AdminDisableUser", "cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminRemoveUserFromGroup"],
  /** `aws_budgets_budget`: ModifyBudget covers create, update, delete and the notifications and subscribers; ViewBudget comes with ReadOnlyAccess. */
  budgets: ["budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource"],
  alarmsAndTopics: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards", "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe", "sns:TagResource", "sns:UntagResource"],
} as const;

export interface NameScope {
  /** Name pattern of the resources, e.g. `twinstack-*` or `twinstack-preview-*`. */
  readonly names: string;
  /** SSM parameter path pattern (after `parameter/`), e.g. `twinstack/*`. */
  readonly parameters: string;
  /** Word in the statement ids, e.g. `Project` or `Preview`. */
  readonly label: string;
}

export function namedResourceStatements(arn: Arns, scope: NameScope): PolicyStatement[] {
  const p = scope.names;
  const list = (actions: readonly string[]) => [...actions];
  return [
    {
      Sid: "DatabaseRds",
      Effect: "Allow",
      Action: list(DEPLOY_ACTIONS.rds),
      Resource: [
        arn.of("rds", `cluster:${p}`),
        arn.of("rds", `db:${p}`),
        arn.of("rds", `subgrp:${p}`),
        arn.of("rds", `cluster-pg:${p}`),
        arn.of("rds", `pg:${p}`),
        arn.of("rds", `cluster-snapshot:${p}`),
        // AWS's shared default groups, which an instance names; RDS refuses to change or delete them.
        arn.of("rds", "pg:default.*"),
        arn.of("rds", "og:default:*"),
      ],
    },
    { Sid: `${scope.label}Secrets`, Effect: "Allow", Action: list(DEPLOY_ACTIONS.secrets), Resource: arn.of("secretsmanager", `secret:${p}`) },
    { Sid: `Kms${scope.label}Aliases`, Effect: "Allow", Action: list(DEPLOY_ACTIONS.kmsAliases), Resource: arn.of("kms", `alias/${p}`) },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: list(DEPLOY_ACTIONS.logs),
      Resource: [
        arn.of("logs", `log-group:/aws/rds/cluster/${p}`),
        arn.of("logs", `log-group:/aws/lambda/${p}`),
        arn.of("logs", `log-group:/aws/vpc/${p}`),
        arn.of("logs", `log-group:/aws/apigateway/${p}`),
        arn.of("logs", `log-group:${p}`),
      ],
    },
    { Sid: `Iam${scope.label}Roles`, Effect: "Allow", Action: list(DEPLOY_ACTIONS.iam), Resource: [arn.global("iam", `role/${p}`), arn.global("iam", `policy/${p}`)] },
    {
      Sid: `IamPass${scope.label}Roles`,
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: arn.global("iam", `role/${p}`),
      Condition: { StringEquals: { "iam:PassedToService": list(DEPLOY_ACTIONS.passRoleToServices) } },
    },
    {
      // Aurora and API Gateway need their service-linked roles once per account; AWS refuses changes to them.
      Sid: "IamServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: arn.global("iam", "role/aws-service-role/*"),
      Condition: { StringEquals: { "iam:AWSServiceName": list(DEPLOY_ACTIONS.serviceLinkedRoles) } },
    },
    { Sid: `S3${scope.label}Buckets`, Effect: "Allow", Action: list(DEPLOY_ACTIONS.s3), Resource: [arn.s3(p), arn.s3(`${p}/*`)] },
    { Sid: `Lambda${scope.label}Functions`, Effect: "Allow", Action: list(DEPLOY_ACTIONS.lambda), Resource: [arn.of("lambda", `function:${p}`)] },
    { Sid: "ParametersAndTables", Effect: "Allow", Action: list(DEPLOY_ACTIONS.parametersAndTables), Resource: [arn.of("ssm", `parameter/${scope.parameters}`), arn.of("dynamodb", `table/${p}`)] },
    // Budgets are global: `arn:aws:budgets::<account>:budget/<name>`.
    { Sid: `Budgets${scope.label}`, Effect: "Allow", Action: list(DEPLOY_ACTIONS.budgets), Resource: arn.global("budgets", `budget/${p}`) },
    {
      Sid: "AlarmsAndTopics",
      Effect: "Allow",
      Action: list(DEPLOY_ACTIONS.alarmsAndTopics),
      Resource: [arn.of("cloudwatch", `alarm:${p}`), arn.global("cloudwatch", `dashboard/${p}`), arn.of("sns", p)],
    },
  ];
}
