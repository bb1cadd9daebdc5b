import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { EncryptionKey } from "../kms";

export interface AuroraProps {
  /** Cluster identifier and name prefix, e.g. `twinstack-staging`; instances are `<prefix>-1`, `<prefix>-2`… */
  readonly identifier: string;
  /** VPC of the database security group. */
  readonly vpcId: string;
  /** Subnets of the subnet group: the isolated (no route out) tier. */
  readonly subnetIds: string[];
  /** Account that owns the cluster and administers its key. */
  readonly accountId: string;
  /** Aurora PostgreSQL `major.minor`; auto-pause needs ≥ 13.15, 14.12, 15.7 or 16.3. */
  readonly engineVersion: string;
  /** Serverless v2 minimum ACU; 0 turns on auto-pause. */
  readonly minCapacity: number;
  /** Serverless v2 maximum ACU. */
  readonly maxCapacity: number;
  /** Seconds idle before pausing (used only when minCapacity is 0). Default 300. */
  readonly secondsUntilAutoPause?: number;
  /** Number of `db.serverless` instances. Default 1. */
  readonly instanceCount?: number;
  /** Refuse deletion of the cluster. */
  readonly deletionProtection: boolean;
  /** Automated backup retention, days. */
  readonly backupRetentionDays: number;
  /** Take a uniquely named final snapshot on destroy. */
  readonly finalSnapshot: boolean;
  /** Initial database name. Default `app`. */
  readonly databaseName?: string;
  /** Master user name; the password is managed by RDS in Secrets Manager. Default `twinstack_admin`. */
  readonly masterUsername?: string;
  /** Accounts allowed to use the key (to copy or restore shared snapshots). Default none. */
  readonly snapshotShareAccountIds?: string[];
  /** Performance Insights on the instances. Default false. */
  readonly performanceInsights?: boolean;
  /** The RDS Data API (HTTP endpoint). Default false. */
  readonly dataApi?: boolean;
  /** Retention of the exported PostgreSQL log group, days. Default 30. */
  readonly logRetentionDays?: number;
  /** KMS key for the PostgreSQL log group. Default: CloudWatch's own encryption. */
  readonly logsKmsKeyArn?: string;
}

/**
 * Aurora PostgreSQL Serverless v2, encrypted with its own customer-managed key (shareable
 * with the refresh's target account, unlike `aws/rds`), managed master password, IAM
 * authentication, and a security group that admits PostgreSQL only from groups the caller
 * names with `allowConnectionsFrom`.
 */
export class AuroraDatabase extends Construct {
  readonly cluster: RdsCluster;
  readonly instances: RdsClusterInstance[];
  readonly key: EncryptionKey;
  readonly securityGroup: SecurityGroup;
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
  readonly clusterResourceId: string;
  readonly endpoint: string;
  readonly readerEndpoint: string;
  readonly port = 5432;
  readonly databaseName: string;
  readonly masterUsername: string;
  readonly securityGroupId: string;
  readonly kmsKeyArn: string;
  readonly secretArn: string;
  readonly subnetGroupName: string;
  readonly parameterGroupName: string;
  readonly instanceIdentifiers: string[];

  constructor(scope: Construct, id: string, props: AuroraProps) {
    super(scope, id);
    const name = props.identifier;
    this.databaseName = props.databaseName ?? "app";
    this.masterUsername = props.masterUsername ?? "twinstack_admin";

    this.key = new EncryptionKey(this, "key", {
      alias: `${name}-database`,
      description: `Encrypts the ${name} Aurora cluster, its snapshots and master secret`,
      accountId: props.accountId,
    });
    const shareAccounts = props.snapshotShareAccountIds ?? [];
    if (shareAccounts.length > 0) {
      // The refresh restores this cluster's snapshots in these accounts: they need to use the key.
      const principals = shareAccounts.map((account) => `arn:aws:iam::${account}:root`);
      this.key.addPolicyStatement({
        Sid: "SnapshotTargetAccountsUseKey",
        Effect: "Allow",
        Principal: { AWS: principals },
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext"],
        Resource: "*",
      });
      this.key.addPolicyStatement({
        Sid: "SnapshotTargetAccountsCreateGrantsForRds",
        Effect: "Allow",
        Principal: { AWS: principals },
        Action: "kms:CreateGrant",
        Resource: "*",
        Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
      });
    }
    this.kmsKeyArn = this.key.keyArn;

    this.securityGroup = new SecurityGroup(this, "sg", {
      name: `${name}-database`,
      description: `PostgreSQL clients of ${name}`,
      vpcId: props.vpcId,
      tags: { Name: `${name}-database` },
    });
    this.securityGroupId = this.securityGroup.id;

    const subnetGroup = new DbSubnetGroup(this, "subnets", {
      name: `${name}-database`,
      description: `Isolated subnets of ${name}`,
      subnetIds: props.subnetIds,
    });
    this.subnetGroupName = subnetGroup.name;

    const major = props.engineVersion.split(".")[0];
    const parameterGroup = new RdsClusterParameterGroup(this, "params", {
      name: `${name}-aurora-postgresql${major}`,
      family: `aurora-postgresql${major}`,
      description: `Cluster parameters of ${name}`,
      parameter: [{ name: "rds.force_ssl", value: "1" }],
    });
    this.parameterGroupName = parameterGroup.name;

    const logGroup = new CloudwatchLogGroup(this, "postgresql-logs", {
      name: `/aws/rds/cluster/${name}/postgresql`,
      retentionInDays: props.logRetentionDays ?? 30,
      kmsKeyId: props.logsKmsKeyArn,
    });

    const autoPause = props.minCapacity === 0;
    this.cluster = new RdsCluster(this, "cluster", {
      clusterIdentifier: name,
      engine: "aurora-postgresql",
      engineMode: "provisioned",
      engineVersion: props.engineVersion,
      databaseName: this.databaseName,
      masterUsername: this.masterUsername,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: this.key.keyArn,
      storageEncrypted: true,
      kmsKeyId: this.key.keyArn,
      iamDatabaseAuthenticationEnabled: true,
      enableHttpEndpoint: props.dataApi ?? false,
      serverlessv2ScalingConfiguration: {
        minCapacity: props.minCapacity,
        maxCapacity: props.maxCapacity,
        secondsUntilAutoPause: autoPause ? (props.secondsUntilAutoPause ?? 300) : undefined,
      },
      dbSubnetGroupName: subnetGroup.name,
      dbClusterParameterGroupName: parameterGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      backupRetentionPeriod: props.backupRetentionDays,
      preferredBackupWindow: "03:00-04:00",
      copyTagsToSnapshot: true,
      enabledCloudwatchLogsExports: ["postgresql"],
      deletionProtection: props.deletionProtection,
      skipFinalSnapshot: !props.finalSnapshot,
      // Unique per destroy; ignored afterwards so it never shows up as a diff.
      finalSnapshotIdentifier: props.finalSnapshot
        ? `${name}-final-${Fn.formatdate("YYYYMMDDhhmmss", Fn.timestamp())}`
        : undefined,
      dependsOn: [logGroup],
      lifecycle: {
        // A refresh restores staging from a snapshot and rotates its credentials: neither may
        // make Terraform replace the cluster.
        ignoreChanges: ["snapshot_identifier", "master_password", "final_snapshot_identifier"],
      },
    });
    this.clusterIdentifier = this.cluster.clusterIdentifier;
    this.clusterArn = this.cluster.arn;
    this.clusterResourceId = this.cluster.clusterResourceId;
    this.endpoint = this.cluster.endpoint;
    this.readerEndpoint = this.cluster.readerEndpoint;
    this.secretArn = this.cluster.masterUserSecret.get(0).secretArn;

    this.instances = [];
    for (let index = 1; index <= (props.instanceCount ?? 1); index++) {
      this.instances.push(
        new RdsClusterInstance(this, `instance-${index}`, {
          identifier: `${name}-${index}`,
          clusterIdentifier: this.cluster.id,
          instanceClass: "db.serverless",
          engine: "aurora-postgresql",
          engineVersion: this.cluster.engineVersion,
          dbSubnetGroupName: subnetGroup.name,
          publiclyAccessible: false,
          autoMinorVersionUpgrade: true,
          performanceInsightsEnabled: props.performanceInsights ?? false,
          performanceInsightsKmsKeyId: props.performanceInsights ? this.key.keyArn : undefined,
          promotionTier: index - 1,
        }),
      );
    }
    this.instanceIdentifiers = this.instances.map((instance) => instance.identifier);
  }

  /** Admits PostgreSQL (5432) from one security group: the only way in. */
  allowConnectionsFrom(id: string, securityGroupId: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, `ingress-${id}`, {
      securityGroupId: this.securityGroup.id,
      description,
      ipProtocol: "tcp",
      fromPort: this.port,
      toPort: this.port,
      referencedSecurityGroupId: securityGroupId,
    });
  }
}
