/**
 * The staging refresh role (target account) and the production role it assumes (source
 * account): exactly what `npm run refresh -- run` does, nothing else. The lock key and the
 * refresh's tag keys come from environments/naming.ts, where the refresh itself reads them.
 */
import { ENVIRONMENT_TAG, REFRESH_TAGS, refreshLockKey } from "../../../environments/naming";
import type { PolicyStatement } from "../../iam/policy";
import type { Arns } from "../arns";

/** The staging refresh role: exactly what `npm run refresh -- run` does in the target account. */
export interface RefreshRoleProps {
  /** Target environment name, e.g. `staging`; the role trusts only `environment:refresh-<target>`. */
  readonly target: string;
  /** Source environment name, e.g. `production`. */
  readonly source: string;
  /** The source (production) account id, where the shared snapshots and the uploads bucket live. */
  readonly sourceAccountId: string;
  /** The lock table that holds the refresh lock item (the account's state lock table). */
  readonly lockTableArn: string;
  /** The key encrypting the lock table (the state key). */
  readonly lockTableKeyArn: string;
  /** Partition key values (`LockID`) of the refresh lock items (`dynamodb:LeadingKeys`). Default `["<project>-refresh/<target>"]`, as scripts/refresh/lock.ts writes it. */
  readonly lockKeys?: string[];
  /** Production's uploads bucket name (read: list and get). */
  readonly sourceUploadsBucketName: string;
  /** Staging's uploads bucket name (write: put and delete). */
  readonly targetUploadsBucketName: string;
  /** Maximum session length of the refresh role, seconds. Default 14400 (4 hours). */
  readonly maxSessionDurationSeconds?: number;
  /** ARN of the role in the source account that snapshots and shares the source database (see `RefreshSourceRoleProps`); the only role this one may assume. Omit when the operator provides source credentials otherwise. */
  readonly sourceRoleArn?: string;
}

export function refreshStatements(project: string, arn: Arns, refresh: RefreshRoleProps): PolicyStatement[] {
  const target = `${project}-${refresh.target}`;
  const source = `${project}-${refresh.source}`;
  const databaseKeyAlias = `alias/${target}-database`;
  const statements: PolicyStatement[] = [
    {
      // Describe* and ListTagsForResource do not support resource-level scoping well; read only.
      Sid: "RdsDescribe",
      Effect: "Allow",
      Action: ["rds:DescribeDBClusters", "rds:DescribeDBInstances", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshotAttributes", "rds:DescribeDBSubnetGroups", "rds:DescribeDBClusterParameterGroups", "rds:DescribeAccountAttributes", "rds:DescribeOrderableDBInstanceOptions", "rds:ListTagsForResource"],
      Resource: "*",
    },
    {
      Sid: "RdsRestoreSwapCleanupTarget",
      Effect: "Allow",
      Action: [
        "rds:RestoreDBClusterFromSnapshot",
        "rds:CreateDBInstance",
        "rds:ModifyDBCluster",
        "rds:ModifyDBInstance",
        "rds:EnableHttpEndpoint",
        "rds:DisableHttpEndpoint",
        "rds:DeleteDBCluster",
        "rds:DeleteDBInstance",
        "rds:CreateDBClusterSnapshot",
        "rds:DeleteDBClusterSnapshot",
        "rds:AddTagsToResource",
      ],
      Resource: [
        arn.of("rds", `cluster:${target}*`),
        arn.of("rds", `db:${target}*`),
        arn.of("rds", `cluster-snapshot:${target}*`),
        arn.of("rds", `subgrp:${target}*`),
        arn.of("rds", `cluster-pg:${target}*`),
        arn.of("rds", "pg:default.*"),
        arn.of("rds", "og:default:*"),
      ],
    },
    {
      // The shared snapshot lives in the source account; the target only restores from it.
      Sid: "RdsRestoreFromSharedSourceSnapshot",
      Effect: "Allow",
      Action: ["rds:RestoreDBClusterFromSnapshot", "rds:DescribeDBClusterSnapshots"],
      Resource: arn.of("rds", `cluster-snapshot:${source}*`, { account: refresh.sourceAccountId }),
    },
    {
      // Restore re-encrypts with the target's database key and switches the master password to a managed secret under it.
      Sid: "TargetDatabaseKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey", "kms:CreateGrant"],
      Resource: arn.of("kms", "key/*"),
      Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": databaseKeyAlias } },
    },
    {
      // The source database key's policy admits the target account (modules/aurora snapshotShareAccountIds); IAM must allow it too.
      Sid: "SourceDatabaseKeyForRestore",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom", "kms:CreateGrant"],
      Resource: arn.of("kms", "key/*", { account: refresh.sourceAccountId }),
      Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
    },
    {
      Sid: "RefreshLockItem",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      Resource: refresh.lockTableArn,
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": refresh.lockKeys ?? [refreshLockKey({ project, name: refresh.target })] } },
    },
    { Sid: "RefreshLockTableKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: refresh.lockTableKeyArn },
    {
      Sid: "SourceUploadsRead",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
      Resource: [arn.s3(refresh.sourceUploadsBucketName), arn.s3(`${refresh.sourceUploadsBucketName}/*`)],
    },
    {
      Sid: "TargetUploadsMirror",
      Effect: "Allow",
      // GetBucketTagging: the write guard reads the bucket's Environment tag before the first write.
      Action: ["s3:GetBucketTagging", "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"],
      Resource: [arn.s3(refresh.targetUploadsBucketName), arn.s3(`${refresh.targetUploadsBucketName}/*`)],
    },
    {
      // The managed master secret is named by RDS (`rds!cluster-<uuid>`); scope by the cluster it belongs to.
      Sid: "ManagedMasterSecret",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret"],
      Resource: arn.of("secretsmanager", "secret:rds!cluster-*"),
    },
    {
      Sid: "ScrubThroughDataApi",
      Effect: "Allow",
      Action: ["rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement", "rds-data:BeginTransaction", "rds-data:CommitTransaction", "rds-data:RollbackTransaction"],
      Resource: arn.of("rds", `cluster:${target}*`),
    },
    {
      // User pool ids are generated; the pool is the one tagged with the target environment.
      Sid: "TargetUserPoolListUsers",
      Effect: "Allow",
      Action: "cognito-idp:ListUsers",
      Resource: arn.of("cognito-idp", "userpool/*"),
      Condition: { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: refresh.target, "aws:ResourceTag/Project": project } },
    },
    {
      Sid: "TargetParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
      Resource: [arn.of("ssm", `parameter/${project}/${refresh.target}`), arn.of("ssm", `parameter/${project}/${refresh.target}/*`)],
    },
  ];
  if (refresh.sourceRoleArn) {
    statements.push({ Sid: "AssumeOnlyTheSourceRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: refresh.sourceRoleArn });
  }
  return statements;
}

/** Snapshot and share the source database, and clean up the refresh's own snapshots; nothing else. */
export function refreshSourceStatements(project: string, arn: Arns, source: { source: string }): PolicyStatement[] {
  const prefix = `${project}-${source.source}`;
  return [
    {
      Sid: "RdsDescribe",
      Effect: "Allow",
      Action: ["rds:DescribeDBClusters", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshotAttributes", "rds:DescribeAccountAttributes", "rds:ListTagsForResource"],
      Resource: "*",
    },
    {
      Sid: "SnapshotSource",
      Effect: "Allow",
      Action: ["rds:CreateDBClusterSnapshot", "rds:AddTagsToResource"],
      Resource: [arn.of("rds", `cluster:${prefix}`), arn.of("rds", `cluster-snapshot:${prefix}*`)],
    },
    {
      // IAM has no condition key on the accounts a snapshot is shared with; what bounds the share
      // is the database key, whose policy admits only `shareWithAccountIds` (modules/aurora).
      Sid: "ShareSnapshotWithTarget",
      Effect: "Allow",
      Action: "rds:ModifyDBClusterSnapshotAttribute",
      Resource: arn.of("rds", `cluster-snapshot:${prefix}*`),
    },
    {
      // Only snapshots this tool tagged.
      Sid: "DeleteRefreshSnapshots",
      Effect: "Allow",
      Action: "rds:DeleteDBClusterSnapshot",
      Resource: arn.of("rds", `cluster-snapshot:${prefix}*`),
      Condition: { Null: { [`aws:ResourceTag/${REFRESH_TAGS.refreshId}`]: "false" } },
    },
  ];
}

/** The bucket-policy statement production's uploads bucket needs so staging's refresh role can read it (add it with `SecureBucket.addPolicyStatement`). */
export function refreshReadGrantStatement(options: { bucketArn: string; refreshRoleArn: string }): PolicyStatement {
  return {
    Sid: "StagingRefreshReadsObjects",
    Effect: "Allow",
    Principal: { AWS: options.refreshRoleArn },
    Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
    Resource: [options.bucketArn, `${options.bucketArn}/*`],
  };
}
