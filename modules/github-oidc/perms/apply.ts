/**
 * The apply role's deploy permissions: what the environment stacks create, by action list (the
 * way aws-cdk keeps action lists in perms.ts), scoped to `<project>-*` names.
 */
import type { PolicyStatement } from "../../iam/policy";
import type { Arns } from "../arns";

/**
 * What the environment stacks create, scoped to `<project>-*` names wherever the service puts
 * the name in the ARN. Where it does not (EC2 networking, API Gateway, CloudFront, Cognito
 * user pools, KMS key creation, X-Ray), the resource is `*`, limited by the account's region
 * (`aws:RequestedRegion`) and, for creation, by the `Project` tag the provider applies.
 */
export function applyStatements(project: string, arn: Arns): PolicyStatement[] {
  const p = `${project}-*`;
  const inRegion = { StringEquals: { "aws:RequestedRegion": [arn.region, "us-east-1"] } };
  return [
    {
      // EC2 networking ids are generated (vpc-…, subnet-…): no name in the ARN.
      Sid: "NetworkEc2ById",
      Effect: "Allow",
      Action: ["ec2:Create*", "ec2:Delete*", "ec2:Modify*", "ec2:Associate*", "ec2:Disassociate*", "ec2:Attach*", "ec2:Detach*", "ec2:Authorize*", "ec2:Revoke*", "ec2:Replace*", "ec2:UpdateSecurityGroupRuleDescriptions*"],
      Resource: "*",
      Condition: inRegion,
    },
    {
      Sid: "DatabaseRds",
      Effect: "Allow",
      Action: ["rds:Create*", "rds:Modify*", "rds:Delete*", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:EnableHttpEndpoint", "rds:DisableHttpEndpoint"],
      Resource: [
        arn.of("rds", `cluster:${p}`),
        arn.of("rds", `db:${p}`),
        arn.of("rds", `subgrp:${p}`),
        arn.of("rds", `cluster-pg:${p}`),
        arn.of("rds", `pg:${p}`),
        arn.of("rds", `cluster-snapshot:${p}`),
        arn.of("rds", "pg:default.*"),
        arn.of("rds", "og:default:*"),
      ],
    },
    {
      // RDS creates the managed master secret (`rds!cluster-<uuid>`): its name is not ours to choose.
      Sid: "RdsManagedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret", "secretsmanager:RotateSecret"],
      Resource: arn.of("secretsmanager", "secret:rds!*"),
    },
    {
      Sid: "ProjectSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret", "secretsmanager:PutSecretValue", "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"],
      Resource: arn.of("secretsmanager", `secret:${p}`),
    },
    {
      // CreateKey has no resource; the keys it makes are tagged Project by the provider.
      Sid: "KmsCreateKeys",
      Effect: "Allow",
      Action: ["kms:CreateKey"],
      Resource: "*",
      Condition: { StringEquals: { [`aws:RequestTag/Project`]: project } },
    },
    {
      Sid: "KmsManageProjectKeys",
      Effect: "Allow",
      Action: ["kms:TagResource", "kms:UntagResource", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
      Resource: arn.of("kms", "key/*"),
      Condition: { StringEquals: { "aws:ResourceTag/Project": project } },
    },
    {
      Sid: "KmsProjectAliases",
      Effect: "Allow",
      Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
      Resource: [arn.of("kms", `alias/${p}`), arn.of("kms", "key/*")],
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:AssociateKmsKey"],
      Resource: [
        arn.of("logs", `log-group:/aws/rds/cluster/${p}`),
        arn.of("logs", `log-group:/aws/lambda/${p}`),
        arn.of("logs", `log-group:/aws/vpc/${p}`),
        arn.of("logs", `log-group:/aws/apigateway/${p}`),
        arn.of("logs", `log-group:${p}`),
      ],
    },
    {
      Sid: "IamProjectRoles",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:TagPolicy"],
      Resource: [arn.global("iam", `role/${p}`), arn.global("iam", `policy/${p}`)],
    },
    {
      Sid: "IamPassProjectRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: arn.global("iam", `role/${p}`),
      Condition: { StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "rds.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com", "apigateway.amazonaws.com"] } },
    },
    {
      // Aurora, flow logs and RDS monitoring need their service-linked roles once per account.
      Sid: "IamServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: arn.global("iam", "role/aws-service-role/*"),
      Condition: { StringEquals: { "iam:AWSServiceName": ["rds.amazonaws.com", "ops.apigateway.amazonaws.com"] } },
    },
    {
      Sid: "S3ProjectBuckets",
      Effect: "Allow",
      Action: ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucket*", "s3:DeleteBucketPolicy", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutAccelerateConfiguration", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
      Resource: [arn.s3(p), arn.s3(`${p}/*`)],
    },
    {
      Sid: "LambdaProjectFunctions",
      Effect: "Allow",
      Action: ["lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias", "lambda:DeleteAlias", "lambda:AddPermission", "lambda:RemovePermission", "lambda:TagResource", "lambda:UntagResource", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"],
      Resource: [arn.of("lambda", `function:${p}`)],
    },
    {
      Sid: "ParametersAndTables",
      Effect: "Allow",
      Action: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive"],
      Resource: [arn.of("ssm", `parameter/${project}/*`), arn.of("dynamodb", `table/${p}`)],
    },
    {
      Sid: "AlarmsAndTopics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards", "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe", "sns:TagResource", "sns:UntagResource"],
      Resource: [arn.of("cloudwatch", `alarm:${p}`), arn.global("cloudwatch", `dashboard/${p}`), arn.of("sns", p)],
    },
    {
      // API Gateway ids, CloudFront distributions and OACs, Cognito pools, ACM certificates and
      // Route 53 records are addressed by generated ids: no name in the ARN to scope by.
      Sid: "EdgeAndIdentityById",
      Effect: "Allow",
      Action: [
        "apigateway:POST",
        "apigateway:PUT",
        "apigateway:PATCH",
        "apigateway:DELETE",
        "apigateway:TagResource",
        "apigateway:UntagResource",
        "cloudfront:CreateDistribution*",
        "cloudfront:UpdateDistribution",
        "cloudfront:DeleteDistribution",
        "cloudfront:TagResource",
        "cloudfront:UntagResource",
        "cloudfront:CreateOriginAccessControl",
        "cloudfront:UpdateOriginAccessControl",
        "cloudfront:DeleteOriginAccessControl",
        "cognito-idp:CreateUserPool*",
        "cognito-idp:UpdateUserPool*",
        "cognito-idp:DeleteUserPool*",
        "cognito-idp:SetUserPoolMfaConfig",
        "cognito-idp:TagResource",
        "cognito-idp:UntagResource",
        "acm:RequestCertificate",
        "acm:DeleteCertificate",
        "acm:AddTagsToCertificate",
        "route53:ChangeResourceRecordSets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ],
      Resource: "*",
      Condition: inRegion,
    },
  ];
}

