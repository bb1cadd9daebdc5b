/**
 * The restore drill's role (`npm run dr -- drill --env <env>`, .github/workflows/dr-drill.yml):
 * exactly the calls scripts/dr/aws.ts and scripts/dr/verify.ts make, writes only on the drill's
 * scratch names (`<project>-<env>-drill-…`, environments/naming.ts drillResourcesName), never on
 * the live cluster or its instances. The names and the SSM settings come from naming.ts, where
 * the drill itself reads them.
 */
import { DRILL_SETTINGS, drillResourcesName, stackId } from "../../../environments/naming";
import type { PolicyStatement } from "../../iam/policy";
import type { Arns } from "../arns";

/** One environment whose database the drill restores (its account's bootstrap makes the role). */
export interface DrillRoleProps {
  /** Environment name, e.g. `production`. */
  readonly environment: string;
  /** The GitHub environment whose jobs may assume the role. Default `dr-drill-<environment>`. */
  readonly githubEnvironment?: string;
  /** Maximum session length, seconds. Default 14400 (dr-drill.yml asks for 4 hours: a restore and its deletion take long). */
  readonly maxSessionDurationSeconds?: number;
}

export function drillStatements(project: string, arn: Arns, drill: DrillRoleProps): PolicyStatement[] {
  const env = { project, name: drill.environment };
  const live = stackId(env);
  const scratch = `${drillResourcesName(env)}-*`;
  const scratchClusters = arn.of("rds", `cluster:${scratch}`);
  const scratchInstances = arn.of("rds", `db:${scratch}`);
  return [
    {
      // Observe: the live cluster's settings, its recovery points, every cluster (leftover scratch
      // clusters are found by name and tag) and the scratch instances' status. Describe calls
      // without an identifier need `*`; they read settings, never data.
      Sid: "RdsDescribe",
      Effect: "Allow",
      Action: ["rds:DescribeDBClusters", "rds:DescribeDBInstances", "rds:DescribeDBClusterSnapshots"],
      Resource: "*",
    },
    {
      // The drill's subnet group and security group id, published by the stack (DRILL_SETTINGS).
      Sid: "DrillSettings",
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: Object.values(DRILL_SETTINGS).map((name) => arn.of("ssm", `parameter/${project}/${drill.environment}/${name}`)),
    },
    {
      // Restores create only scratch clusters, in the drill's subnet group, with the default
      // parameter and option groups AWS names (which RDS refuses to change through these calls).
      Sid: "RestoreIntoScratchClusters",
      Effect: "Allow",
      Action: ["rds:RestoreDBClusterFromSnapshot", "rds:RestoreDBClusterToPointInTime", "rds:CreateDBInstance", "rds:AddTagsToResource"],
      Resource: [
        scratchClusters,
        scratchInstances,
        arn.of("rds", `subgrp:${drillResourcesName(env)}`),
        arn.of("rds", "cluster-pg:default.*"),
        arn.of("rds", "pg:default.*"),
        arn.of("rds", "og:default:*"),
      ],
    },
    {
      // The recovery points of the live cluster: RDS's automated snapshots (`rds:<cluster>-…`),
      // AWS Backup's (`awsbackup:job-…`) and manual ones named after the cluster. A restore
      // reads a snapshot; it cannot change it.
      Sid: "RestoreFromRecoveryPoints",
      Effect: "Allow",
      Action: "rds:RestoreDBClusterFromSnapshot",
      Resource: [arn.of("rds", `cluster-snapshot:rds:${live}-*`), arn.of("rds", "cluster-snapshot:awsbackup:job-*"), arn.of("rds", `cluster-snapshot:${live}*`)],
    },
    {
      // A point-in-time restore is authorised on its source cluster too; it creates a new cluster
      // and leaves the source as it is. No other action is allowed on the live cluster.
      Sid: "PointInTimeFromLiveCluster",
      Effect: "Allow",
      Action: "rds:RestoreDBClusterToPointInTime",
      Resource: arn.of("rds", `cluster:${live}`),
    },
    {
      // Data API and managed password on the scratch cluster (ModifyDBCluster; EnableHttpEndpoint
      // is the call AWS documents for Serverless v2), then deletion of it and its instance.
      Sid: "ModifyAndDeleteScratchOnly",
      Effect: "Allow",
      Action: ["rds:ModifyDBCluster", "rds:EnableHttpEndpoint", "rds:DeleteDBCluster", "rds:DeleteDBInstance"],
      Resource: [scratchClusters, scratchInstances],
    },
    {
      // ManageMasterUserPassword: RDS creates the secret (`rds!cluster-<uuid>`) in the caller's
      // name, tagged with the scratch cluster's ARN; the Data API reads it with the caller's rights.
      Sid: "ScratchMasterSecretCreate",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
      Resource: arn.of("secretsmanager", "secret:rds!cluster-*"),
      Condition: { StringLike: { "aws:RequestTag/aws:rds:primaryDBClusterArn": scratchClusters } },
    },
    {
      Sid: "ScratchMasterSecretUse",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:RotateSecret", "secretsmanager:DeleteSecret"],
      Resource: arn.of("secretsmanager", "secret:rds!cluster-*"),
      Condition: { StringLike: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": scratchClusters } },
    },
    {
      // Verification: read-only queries (row counts, pgmigrations) through the Data API.
      Sid: "VerifyThroughDataApi",
      Effect: "Allow",
      Action: "rds-data:ExecuteStatement",
      Resource: scratchClusters,
    },
    {
      // The restore encrypts the scratch cluster (and its secret) with the live database key
      // (the snapshot's): grants for RDS and Secrets Manager, and data keys through them.
      Sid: "DatabaseKeyForRestore",
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey"],
      Resource: arn.of("kms", "key/*"),
      Condition: {
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": `alias/${live}-database` },
        StringEquals: { "kms:ViaService": [`rds.${arn.region}.amazonaws.com`, `secretsmanager.${arn.region}.amazonaws.com`] },
      },
    },
  ];
}
