/**
 * The apply role's deploy permissions: what the environment stacks create, by action list (the
 * way aws-cdk keeps action lists in perms.ts), scoped to `<project>-*` names.
 */
import type { PolicyStatement } from "../../iam/policy";
import type { Arns } from "../arns";
import { DEPLOY_ACTIONS, namedResourceStatements } from "./named";

/**
 * What the environment stacks create, scoped to `<project>-*` names wherever the service puts
 * the name in the ARN. Where it does not (EC2 networking, API Gateway, CloudFront, Cognito
 * user pools, KMS key creation, X-Ray), the resource is `*`, limited by the account's region
 * (`aws:RequestedRegion`) and, for creation, by the `Project` tag the provider applies.
 */
export interface ApplyScope {
  /** The environments this role applies (`staging`, `production`): their clusters are the ones `npm run db:migrate` reaches. */
  readonly environments: string[];
  /** Regions besides the account's region the stacks deploy into (a backup copy region). Default none. */
  readonly additionalRegions?: string[];
}

export function applyStatements(project: string, arn: Arns, scope: ApplyScope): PolicyStatement[] {
  const p = `${project}-*`;
  const regions = [...new Set([arn.region, "us-east-1", ...(scope.additionalRegions ?? [])])];
  const inRegion = { StringEquals: { "aws:RequestedRegion": regions } };
  /** The same resource in every region the stacks deploy into. */
  const everyRegion = (service: string, resource: string) => [...new Set([arn.region, ...(scope.additionalRegions ?? [])])].map((region) => arn.of(service, resource, { region }));
  const tagged = { StringEquals: { "aws:ResourceTag/Project": project } };
  const createsTagged = { StringEquals: { "aws:RequestTag/Project": project } };
  return [
    ...namedResourceStatements(arn, { names: p, parameters: `${project}/*`, label: "Project" }),
    {
      // EC2 networking ids are generated (vpc-…, subnet-…): no name in the ARN.
      Sid: "NetworkEc2ById",
      Effect: "Allow",
      Action: ["ec2:Create*", "ec2:Delete*", "ec2:Modify*", "ec2:Associate*", "ec2:Disassociate*", "ec2:Attach*", "ec2:Detach*", "ec2:Authorize*", "ec2:Revoke*", "ec2:Replace*", "ec2:UpdateSecurityGroupRuleDescriptions*"],
      Resource: "*",
      Condition: inRegion,
    },
    {
      // RDS creates the managed master secret (`rds!cluster-<uuid>`): its name is not ours to choose.
      Sid: "RdsManagedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret", "secretsmanager:RotateSecret"],
      Resource: arn.of("secretsmanager", "secret:rds!*"),
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
      // RetireGrant: a backup vault's grant on its key is retired when the vault goes.
      Sid: "KmsManageProjectKeys",
      Effect: "Allow",
      Action: [...DEPLOY_ACTIONS.kmsKeys, ...DEPLOY_ACTIONS.kmsAliases, "kms:RetireGrant"],
      Resource: everyRegion("kms", "key/*"),
      Condition: tagged,
    },
    ...(scope.additionalRegions?.length
      ? [{ Sid: "KmsProjectAliasesOtherRegions", Effect: "Allow" as const, Action: [...DEPLOY_ACTIONS.kmsAliases], Resource: everyRegion("kms", `alias/${p}`).filter((a) => !a.includes(`:${arn.region}:`)) }]
      : []),
    {
      // Vaults carry their name in the ARN (`backup-vault:<name>`), here and in the copy region.
      Sid: "BackupVaults",
      Effect: "Allow",
      Action: [...DEPLOY_ACTIONS.backupVaults],
      Resource: everyRegion("backup", `backup-vault:${p}`),
    },
    {
      // Plans are addressed by a generated id: created with the Project tag, changed only when they carry it.
      Sid: "BackupPlansCreateTagged",
      Effect: "Allow",
      Action: ["backup:CreateBackupPlan", "backup:TagResource"],
      Resource: everyRegion("backup", "backup-plan:*"),
      Condition: createsTagged,
    },
    {
      // A selection is a child of its plan (authorised on the plan).
      Sid: "BackupPlansOwn",
      Effect: "Allow",
      Action: [...DEPLOY_ACTIONS.backupPlans],
      Resource: everyRegion("backup", "backup-plan:*"),
      Condition: tagged,
    },
    {
      // CreateBackupVault also needs backup-storage:MountCapsule, which has no resource type (AWS Backup's guide, "Create a backup vault").
      Sid: "BackupStorageForVaults",
      Effect: "Allow",
      Action: "backup-storage:MountCapsule",
      Resource: "*",
      Condition: inRegion,
    },
    {
      // The selection hands AWS Backup the environment's backup service role (`<project>-<env>-backup`).
      Sid: "IamPassBackupRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: arn.global("iam", `role/${p}-backup`),
      Condition: { StringEquals: { "iam:PassedToService": "backup.amazonaws.com" } },
    },
    {
      // Cost Explorer creates anomaly monitors and subscriptions under generated ids (no resource type on create).
      Sid: "CostAnomalyCreateTagged",
      Effect: "Allow",
      Action: ["ce:CreateAnomalyMonitor", "ce:CreateAnomalySubscription", "ce:TagResource"],
      Resource: "*",
      Condition: createsTagged,
    },
    {
      Sid: "CostAnomalyOwn",
      Effect: "Allow",
      Action: [...DEPLOY_ACTIONS.costAnomalies],
      Resource: [arn.global("ce", "anomalymonitor/*"), arn.global("ce", "anomalysubscription/*")],
      Condition: tagged,
    },
    {
      // Role groups and the invited users (aws_cognito_user_group, aws_cognito_user, aws_cognito_user_in_group):
      // pools have generated ids, so only pools tagged with the project.
      Sid: "CognitoGroupsAndInvitedUsers",
      Effect: "Allow",
      Action: [...DEPLOY_ACTIONS.cognitoUsersAndGroups],
      Resource: arn.of("cognito-idp", "userpool/*"),
      Condition: tagged,
    },
    ...migrateStatements(project, arn, scope.environments),
    {
      // API Gateway ids, CloudFront distributions and OACs, Cognito pools, ACM certificates and
      // Route 53 records are addressed by generated ids: no name in the ARN to scope by.
      Sid: "EdgeAndIdentityById",
      Effect: "Allow",
      Action: [
        ...DEPLOY_ACTIONS.apigateway,
        "cloudfront:CreateDistribution*",
        ...DEPLOY_ACTIONS.cloudfrontDistributions,
        "cloudfront:CreateOriginAccessControl",
        "cloudfront:UpdateOriginAccessControl",
        "cloudfront:DeleteOriginAccessControl",
        // CreateUserPool* is also CreateUserPoolClient and CreateUserPoolDomain (children of a pool).
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


/**
 * `npm run db:migrate -- <env>` after each apply (scripts/db/cli.ts), with the apply role: it
 * reads the cluster (DescribeDBClusters, in ReadOnlyAccess), switches its Data API on and off
 * (rds:EnableHttpEndpoint / DisableHttpEndpoint, in DEPLOY_ACTIONS.rds), runs statements and
 * transactions through the Data API as the master user, whose password the Data API reads from
 * the cluster's managed secret with the caller's permissions (and the database key, tagged Project).
 */
export function migrateStatements(project: string, arn: Arns, environments: string[]): PolicyStatement[] {
  const clusters = environments.map((env) => arn.of("rds", `cluster:${project}-${env}`));
  return [
    {
      Sid: "MigrateThroughDataApi",
      Effect: "Allow",
      Action: ["rds-data:ExecuteStatement", "rds-data:BeginTransaction", "rds-data:CommitTransaction", "rds-data:RollbackTransaction"],
      Resource: clusters,
    },
    {
      // RDS names the secret (`rds!cluster-<uuid>`) and tags it with its cluster's ARN: only these clusters' secrets.
      Sid: "MigrateReadsMasterSecret",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: arn.of("secretsmanager", "secret:rds!cluster-*"),
      Condition: { StringEquals: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": clusters } },
    },
  ];
}
