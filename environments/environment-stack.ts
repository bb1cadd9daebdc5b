import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { HttpApi } from "../modules/api-gateway";
import { PublishedSettings } from "../modules/app-config";
import { AuroraDatabase } from "../modules/aurora";
import { DatabaseBackup } from "../modules/backup";
import { SpendGuardrail } from "../modules/budget";
import { SiteDistribution } from "../modules/cloudfront";
import { Authentication } from "../modules/cognito";
import { EncryptionKey } from "../modules/kms";
import { ApiFunction } from "../modules/lambda";
import { refreshReadGrantStatement, roleArn, roleNames } from "../modules/github-oidc";
import { Monitoring } from "../modules/monitoring";
import { SecureBucket } from "../modules/s3";
import { stateLocation } from "../modules/state-backend";
import { Network } from "../modules/vpc";
import { type AwsTarget, targetSupports } from "./aws-target";
import type { EnvironmentConfig } from "./config";
import { DRILL_SETTINGS, ENVIRONMENT_TAG, REFRESH_TAG_PREFIX, USER_POOL_ID_SETTING, drillResourcesName, settingsPrefix, stackId, uploadsBucketName } from "./naming";

export interface EnvironmentStackProps {
  readonly config: EnvironmentConfig;
  /** Release version, applied as the Version tag. */
  readonly version: string;
  /** Real AWS, or an emulator endpoint. */
  readonly target: AwsTarget;
  /** Commit being deployed (the pipeline sets GIT_SHA). Default `unknown`. */
  readonly gitSha?: string;
  /** When the pipeline deployed it (DEPLOYED_AT). Default `unknown`. */
  readonly deployedAt?: string;
}

/** Provider settings shared by environment and bootstrap stacks. */
export function configureAws(
  scope: Construct,
  options: { region: string; accountId: string; roleArn?: string; sessionName: string; tags: Record<string, string>; target: AwsTarget; alias?: string },
): AwsProvider {
  const emulated = options.target.endpointUrl !== undefined;
  return new AwsProvider(scope, options.alias ? `aws-${options.alias}` : "aws", {
    alias: options.alias,
    region: options.region,
    // Terraform refuses to touch any other account: a wrong profile cannot deploy staging into production.
    allowedAccountIds: [options.accountId],
    assumeRole: options.roleArn && !options.target.ambientCredentials ? [{ roleArn: options.roleArn, sessionName: options.sessionName }] : undefined,
    defaultTags: [{ tags: options.tags }],
    // The refresh's own tags (refresh id, scrubbed, retired-by…) are not Terraform's: a plan or apply after a refresh keeps them.
    ignoreTags: [{ keyPrefixes: [REFRESH_TAG_PREFIX] }],
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
  /** Encrypts every log group of the environment, the API function's environment variables and the alerts topic. */
  readonly logsKey: EncryptionKey;
  readonly apiFunction: ApiFunction;
  readonly api: HttpApi;
  readonly auth: Authentication;
  readonly siteBucket: SecureBucket;
  readonly uploadsBucket: SecureBucket;
  readonly site: SiteDistribution;
  readonly monitoring: Monitoring;
  /** AWS Backup of the database (when `backup.enabled`). */
  readonly backup?: DatabaseBackup;
  readonly spend: SpendGuardrail;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const { config, target } = props;
    const id = stackId(config);
    super(scope, id);
    this.config = config;

    const tags = { ...config.tags, Project: config.project, [ENVIRONMENT_TAG]: config.name, ScaleProfile: config.profile, ManagedBy: "cdktf", Version: props.version };
    const awsOptions = { region: config.region, accountId: config.accountId, roleArn: config.deployRoleArn, sessionName: `${id}-terraform`, tags, target };
    configureAws(this, awsOptions);
    // CloudFront reads certificates only from us-east-1: a second provider, only when a domain is configured.
    const certificateProvider = config.site.domain ? configureAws(this, { ...awsOptions, region: "us-east-1", alias: "us_east_1" }) : undefined;

    const state = stateLocation(config.project, config.accountId, config.region);
    new S3Backend(this, {
      bucket: state.bucket,
      key: `${id}/terraform.tfstate`,
      region: state.region,
      encrypt: true,
      dynamodbTable: state.lockTable,
      assumeRole: config.deployRoleArn && !target.ambientCredentials ? { roleArn: config.deployRoleArn, sessionName: `${id}-state` } : undefined,
      usePathStyle: target.endpointUrl ? true : undefined,
    });
    // Native S3 locking (Terraform ≥ 1.10); S3Backend has no prop for it. The DynamoDB table stays for OpenTofu and older Terraform.
    this.addOverride("terraform.backend.s3.use_lockfile", true);

    this.logsKey = new EncryptionKey(this, "logs-key", {
      alias: `${id}-logs`,
      description: `Encrypts the log groups of ${id}, its API function's environment and its alerts topic`,
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
      // The backup account copies recovery points encrypted with this key: it must be able to use it.
      snapshotShareAccountIds: [...config.snapshotShareAccountIds, ...(config.backup.enabled && config.backup.accountCopy ? [config.backup.accountCopy.accountId] : [])],
      performanceInsights: db.performanceInsights,
      dataApi: db.dataApi,
      logsKmsKeyArn: this.logsKey.keyArn,
    });

    this.auth = new Authentication(this, "auth", {
      name: id,
      region: config.region,
      domainPrefix: id,
      callbackUrls: config.auth.callbackUrls,
      logoutUrls: config.auth.logoutUrls,
      mfa: config.auth.mfa,
      deletionProtection: config.auth.deletionProtection,
      advancedSecurityMode: config.auth.advancedSecurity,
      groups: config.auth.groups,
      accessTokenValidityMinutes: config.auth.tokenValidityMinutes,
      idTokenValidityMinutes: config.auth.tokenValidityMinutes,
      refreshTokenValidityDays: config.auth.refreshTokenValidityDays,
      existingUserPoolId: config.auth.existingUserPoolId,
      // users:seed refuses a protected environment (the write guard), so its configured users are Terraform's, invited by Cognito's email.
      invitedUsers: config.protected ? config.users : undefined,
    });

    const ssmPrefix = settingsPrefix(config);
    this.apiFunction = new ApiFunction(this, "api-function", {
      namePrefix: id,
      region: config.region,
      accountId: config.accountId,
      vpcId: this.network.vpcId,
      subnetIds: this.network.subnetIds.private,
      // No NAT: HTTPS can only reach interface endpoints inside the VPC anyway.
      httpsEgressCidrs: [this.network.cidr],
      database: {
        host: this.database.endpoint,
        port: this.database.port,
        name: this.database.databaseName,
        user: config.api.databaseUser,
        clusterResourceId: this.database.clusterResourceId,
        securityGroupId: this.database.securityGroupId,
      },
      ssmPrefix,
      environmentName: config.name,
      version: props.version,
      gitSha: props.gitSha,
      deployedAt: props.deployedAt,
      logRetentionDays: config.api.logRetentionDays,
      logsKmsKeyArn: this.logsKey.keyArn,
      environmentKmsKeyArn: this.logsKey.keyArn,
      reservedConcurrency: config.api.reservedConcurrency,
      memoryMb: config.api.memoryMb,
      timeoutSeconds: config.api.timeoutSeconds,
    });
    this.database.allowConnectionsFrom("api", this.apiFunction.securityGroupId, "PostgreSQL from the API function");

    this.api = new HttpApi(this, "api", {
      name: id,
      functionArn: this.apiFunction.functionArn,
      functionInvokeArn: this.apiFunction.invokeArn,
      jwtIssuer: this.auth.issuerUrl,
      jwtAudience: [this.auth.clientId],
      publicRoutes: config.api.publicRoutes,
      throttlingRateLimit: config.api.throttlingRateLimit,
      throttlingBurstLimit: config.api.throttlingBurstLimit,
      accessLogRetentionDays: config.api.logRetentionDays,
      accessLogKmsKeyArn: this.logsKey.keyArn,
      corsAllowOrigins: config.api.corsAllowOrigins,
    });

    this.siteBucket = new SecureBucket(this, "site-bucket", { bucketName: `${id}-site-${config.accountId}`, forceDestroy: !config.protected });
    this.uploadsBucket = new SecureBucket(this, "uploads-bucket", { bucketName: uploadsBucketName(config), forceDestroy: !config.protected });
    // The refresh copies these objects into the target accounts' buckets, server-side, with the target's refresh role.
    for (const account of config.snapshotShareAccountIds) {
      this.uploadsBucket.addPolicyStatement(
        refreshReadGrantStatement({ bucketArn: this.uploadsBucket.bucketArn, refreshRoleArn: roleArn(account, roleNames(config.project).refresh) }),
      );
    }
    this.site = new SiteDistribution(this, "cdn", {
      namePrefix: id,
      siteBucket: this.siteBucket,
      apiEndpoint: this.api.apiEndpoint,
      priceClass: config.site.priceClass,
      domain: config.site.domain,
      certificateProvider,
    });

    const backup = config.backup;
    if (backup.enabled) {
      const copyProvider = backup.regionCopy ? configureAws(this, { ...awsOptions, region: backup.regionCopy.region, alias: "backup_copy" }) : undefined;
      const accountCopy = backup.accountCopy;
      this.backup = new DatabaseBackup(this, "backup", {
        namePrefix: id,
        accountId: config.accountId,
        resourceArns: [this.database.clusterArn],
        kmsKeyArn: this.database.kmsKeyArn,
        snapshotEveryHours: backup.snapshotEveryHours,
        startHourUtc: backup.startHourUtc,
        retentionDays: backup.retentionDays,
        continuousRetentionDays: backup.continuous ? backup.continuousRetentionDays : undefined,
        vaultLock: backup.vaultLock,
        regionCopy: backup.regionCopy && copyProvider ? { provider: copyProvider, region: backup.regionCopy.region, retentionDays: backup.regionCopy.retentionDays } : undefined,
        accountCopy: accountCopy
          ? { vaultArn: `arn:aws:backup:${accountCopy.region ?? config.region}:${accountCopy.accountId}:backup-vault:${accountCopy.vaultName}`, retentionDays: accountCopy.retentionDays }
          : undefined,
        selection: targetSupports(target, "aws_backup_selection"),
        drillNetwork: { name: drillResourcesName(config), vpcId: this.network.vpcId, subnetIds: this.network.subnetIds.isolated },
        recoveryPointTags: { [ENVIRONMENT_TAG]: config.name },
      });
    }

    const alerts = config.alerts;
    this.monitoring = new Monitoring(this, "monitoring", {
      namePrefix: id,
      accountId: config.accountId,
      region: config.region,
      alertEmails: alerts.emails,
      tiers: config.alarmTiers,
      topicKey: this.logsKey,
      api: { apiId: this.api.apiId, serverErrorRateThreshold: alerts.apiServerErrorRate, minimumRequests: alerts.apiMinimumRequests, latencyP99ThresholdMs: alerts.apiLatencyP99Ms },
      lambda: { functionName: this.apiFunction.functionName, errorsThreshold: alerts.lambdaErrors, throttlesThreshold: alerts.lambdaThrottles },
      // The identifier, not a reference: it is what the refresh's swap keeps.
      database: { clusterIdentifier: id, maxCapacity: db.maxCapacity, capacityThresholdFraction: alerts.databaseCapacityFraction, cpuThresholdPercent: alerts.databaseCpuPercent },
      databaseConnectivity: { logGroupName: this.apiFunction.logGroupName },
      distributionId: this.site.distributionId,
    });

    const budget = config.budget;
    const anomalyMonitor = budget.anomalyMonitor && targetSupports(target, "aws_ce_anomaly_monitor");
    this.spend = new SpendGuardrail(this, "spend", {
      name: id,
      monthlyLimitUsd: budget.monthlyLimitUsd,
      tagFilter: budget.scope === "tag" ? { key: ENVIRONMENT_TAG, value: config.name } : undefined,
      alertPercentages: budget.alertPercentages,
      topicArn: this.monitoring.topicArns.p1,
      anomalyMonitor: anomalyMonitor ? { thresholdUsd: budget.anomalyThresholdUsd } : undefined,
      budget: targetSupports(target, "aws_budgets_budget"),
    });

    const published: Record<string, string> = {
      "site-url": this.site.siteUrl,
      "api-url": this.api.apiEndpoint,
      [USER_POOL_ID_SETTING]: this.auth.userPoolId,
      "cognito/client-id": this.auth.clientId,
      "cognito/hosted-ui-domain": this.auth.domain,
      "database/endpoint": this.database.endpoint,
      "database/name": this.database.databaseName,
      "database/secret-arn": this.database.secretArn,
      "buckets/site": this.siteBucket.bucketName,
      "buckets/uploads": this.uploadsBucket.bucketName,
      version: props.version,
      "scale-profile": config.profile,
    };
    if (this.backup?.drillSubnetGroupName && this.backup.drillSecurityGroupId) {
      published[DRILL_SETTINGS.subnetGroup] = this.backup.drillSubnetGroupName;
      published[DRILL_SETTINGS.securityGroupId] = this.backup.drillSecurityGroupId;
    }
    new PublishedSettings(this, "settings", { prefix: ssmPrefix, settings: published });

    const outputs: Record<string, string> = {
      site_url: this.site.siteUrl,
      api_url: this.api.apiEndpoint,
      user_pool_id: this.auth.userPoolId,
      user_pool_client_id: this.auth.clientId,
      hosted_ui_domain: this.auth.domain,
      database_cluster_identifier: this.database.clusterIdentifier,
      database_endpoint: this.database.endpoint,
      database_kms_key_arn: this.database.kmsKeyArn,
      database_secret_arn: this.database.secretArn,
      site_bucket: this.siteBucket.bucketName,
      uploads_bucket: this.uploadsBucket.bucketName,
      api_function_name: this.apiFunction.functionName,
      alerts_p0_topic_arn: this.monitoring.topicArns.p0,
      alerts_p1_topic_arn: this.monitoring.topicArns.p1,
      dashboard_name: this.monitoring.dashboardName ?? "",
      budget_name: this.spend.budgetName,
      backup_vault_name: this.backup?.vaultName ?? "",
      vpc_id: this.network.vpcId,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }
}
