import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AuroraDatabase } from "../modules/aurora";
import { EncryptionKey } from "../modules/kms";
import { stateLocation } from "../modules/state-backend";
import { Network } from "../modules/vpc";
import type { AwsTarget } from "./aws-target";
import type { EnvironmentConfig } from "./config";
import { stackId } from "./naming";

export interface EnvironmentStackProps {
  readonly config: EnvironmentConfig;
  /** Release version, applied as the Version tag. */
  readonly version: string;
  /** Real AWS, or an emulator endpoint. */
  readonly target: AwsTarget;
}

/** Provider settings shared by environment and bootstrap stacks. */
export function configureAws(
  scope: Construct,
  options: { region: string; accountId: string; roleArn?: string; sessionName: string; tags: Record<string, string>; target: AwsTarget },
): AwsProvider {
  const emulated = options.target.endpointUrl !== undefined;
  return new AwsProvider(scope, "aws", {
    region: options.region,
    // Terraform refuses to touch any other account: a wrong profile cannot deploy staging into production.
    allowedAccountIds: [options.accountId],
    assumeRole: options.roleArn ? [{ roleArn: options.roleArn, sessionName: options.sessionName }] : undefined,
    defaultTags: [{ tags: options.tags }],
    // The endpoint itself comes from AWS_ENDPOINT_URL, which the provider honours.
    s3UsePathStyle: emulated ? true : undefined,
    skipMetadataApiCheck: emulated ? "true" : undefined,
  });
}

/**
 * The one stack class every environment uses: provider, state backend and modules, all
 * decided by the config.
 */
export class EnvironmentStack extends TerraformStack {
  readonly config: EnvironmentConfig;
  readonly network: Network;
  readonly database: AuroraDatabase;
  /** Encrypts every log group of the environment. */
  readonly logsKey: EncryptionKey;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const { config, target } = props;
    const id = stackId(config);
    super(scope, id);
    this.config = config;

    configureAws(this, {
      region: config.region,
      accountId: config.accountId,
      roleArn: config.deployRoleArn,
      sessionName: `${id}-terraform`,
      tags: {
        ...config.tags,
        Project: config.project,
        Environment: config.name,
        ManagedBy: "cdktf",
        Version: props.version,
      },
      target,
    });

    const state = stateLocation(config.project, config.accountId, config.region);
    new S3Backend(this, {
      bucket: state.bucket,
      key: `${id}/terraform.tfstate`,
      region: state.region,
      encrypt: true,
      dynamodbTable: state.lockTable,
      assumeRole: config.deployRoleArn ? { roleArn: config.deployRoleArn, sessionName: `${id}-state` } : undefined,
      usePathStyle: target.endpointUrl ? true : undefined,
    });
    // Native S3 locking (Terraform ≥ 1.10); S3Backend has no prop for it. The DynamoDB table stays for OpenTofu and older Terraform.
    this.addOverride("terraform.backend.s3.use_lockfile", true);

    this.logsKey = new EncryptionKey(this, "logs-key", {
      alias: `${id}-logs`,
      description: `Encrypts the log groups of ${id}`,
      accountId: config.accountId,
    });
    this.logsKey.allowCloudWatchLogs(config.region, config.accountId);

    this.network = new Network(this, "network", {
      namePrefix: id,
      cidr: config.network.cidr,
      availabilityZones: config.network.availabilityZones,
      region: config.region,
      accountId: config.accountId,
      interfaceEndpoints: config.network.interfaceEndpoints,
      flowLogRetentionDays: config.network.flowLogRetentionDays,
      logsKmsKeyArn: this.logsKey.keyArn,
    });

    const db = config.database;
    this.database = new AuroraDatabase(this, "database", {
      identifier: id,
      vpcId: this.network.vpcId,
      subnetIds: this.network.subnetIds.isolated,
      accountId: config.accountId,
      engineVersion: db.engineVersion,
      minCapacity: db.minCapacity,
      maxCapacity: db.maxCapacity,
      secondsUntilAutoPause: db.secondsUntilAutoPause,
      instanceCount: db.instanceCount,
      deletionProtection: db.deletionProtection,
      backupRetentionDays: db.backupRetentionDays,
      finalSnapshot: db.finalSnapshot,
      databaseName: db.databaseName,
      masterUsername: db.masterUsername,
      snapshotShareAccountIds: config.snapshotShareAccountIds,
      performanceInsights: db.performanceInsights,
      logsKmsKeyArn: this.logsKey.keyArn,
    });

    new TerraformOutput(this, "vpc_id", { value: this.network.vpcId });
    new TerraformOutput(this, "database_cluster_identifier", { value: this.database.clusterIdentifier });
    new TerraformOutput(this, "database_endpoint", { value: this.database.endpoint });
    new TerraformOutput(this, "database_kms_key_arn", { value: this.database.kmsKeyArn });
    new TerraformOutput(this, "database_secret_arn", { value: this.database.secretArn });
  }
}
