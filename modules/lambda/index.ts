/**
 * The API function: a Node.js 22 (arm64) Lambda in the private subnets, packaged from a folder
 * (by default functions/api bundled with its dependencies at synth, functions/api/bundle.ts), traced by X-Ray, logging to its own retained log group, with a security
 * group and an execution role that allow exactly what it needs and nothing else.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { AssetType, TerraformAsset, Token } from "cdktf";
import { Construct } from "constructs";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { apiBundleDir } from "../../functions/api/bundle";
import { policyJson, serviceTrustPolicy, type PolicyStatement } from "../iam/policy";

/** The repository's API (functions/api) bundled with its dependencies: the default code of the function. */
export function defaultApiCodePath(): string {
  return apiBundleDir();
}
/** The repository's VERSION file, the default `APP_VERSION`. */
export const VERSION_FILE = resolve(__dirname, "..", "..", "VERSION");

/**
 * Runtime and architecture are fixed: the handler is plain Node.js JavaScript, Graviton is cheaper.
 * nodejs22.x is the newest runtime AWS provider 5.100 accepts (it rejects nodejs24.x); AWS blocks
 * creating functions on it from 2027-06-01 (scripts/policy/runtime-lifecycle.ts, rule TS-LMB-004).
 */
export const RUNTIME = "nodejs22.x";
export const ARCHITECTURE = "arm64";
/** The CA bundle of the Lambda Node.js runtimes, which includes the Amazon RDS certificate authorities. */
export const LAMBDA_CA_BUNDLE = "/var/runtime/ca-cert.pem";

/** The database the function connects to, with IAM authentication. */
export interface ApiFunctionDatabase {
  /** Writer endpoint host name (e.g. `AuroraDatabase.endpoint`); becomes `DB_HOST`. */
  readonly host: string;
  /** PostgreSQL port; becomes `DB_PORT` and the only non-HTTPS egress port. */
  readonly port: number;
  /** Database name; becomes `DB_NAME`. */
  readonly name: string;
  /** Database user the function logs in as with an IAM token (`rds-db:connect`); becomes `DB_USER`. */
  readonly user: string;
  /** Cluster resource id (`cluster-ABC…`, e.g. `AuroraDatabase.clusterResourceId`), for the `rds-db:connect` ARN. */
  readonly clusterResourceId: string;
  /** Security group of the database: the function may reach it on `port`, nothing else in the VPC but HTTPS. */
  readonly securityGroupId: string;
}

export interface ApiFunctionProps {
  /** Name prefix, e.g. `twinstack-staging`; the function, its role and security group are `<prefix>-<name>`. */
  readonly namePrefix: string;
  /** Short name of the function after the prefix. Default `api`. */
  readonly name?: string;
  /** Region of the function (ARNs of its log group, parameters and database user). */
  readonly region: string;
  /** Account of the function: scopes the role's trust and every ARN it may use. */
  readonly accountId: string;
  /** ARN partition. Default `aws`. */
  readonly partition?: string;
  /** VPC of the function's security group. */
  readonly vpcId: string;
  /** Subnets the function runs in: the private tier (no route to the internet; AWS through endpoints). */
  readonly subnetIds: string[];
  /**
   * Destinations of HTTPS (443) egress, one rule each. Pass the VPC CIDR: the interface
   * endpoints (SSM, STS, X-Ray…) live there and the VPC has no NAT, so nothing beyond it is
   * reachable anyway. `0.0.0.0/0` only makes sense with a NAT. At least one.
   */
  readonly httpsEgressCidrs: string[];
  /** The database the function connects to. */
  readonly database: ApiFunctionDatabase;
  /**
   * SSM parameter path the function may read, e.g. `/twinstack/staging` (leading `/`, no
   * trailing `/`): itself and everything below it, nothing else.
   */
  readonly ssmPrefix: string;
  /** Environment name; becomes `ENVIRONMENT` and the `X-Environment` header. */
  readonly environmentName: string;
  /** Release version; becomes `APP_VERSION`. Default: the repository's VERSION file. */
  readonly version?: string;
  /** Commit deployed; becomes `GIT_SHA`. Default `unknown`. */
  readonly gitSha?: string;
  /**
   * Deploy time (ISO 8601); becomes `DEPLOYED_AT`. Default `unknown`. Pass a value fixed for
   * the whole deploy (e.g. from CI): a value that changes every synth updates the function on every apply.
   */
  readonly deployedAt?: string;
  /** Retention of the function's log group, days (a CloudWatch-allowed value). Default 30. */
  readonly logRetentionDays?: number;
  /** KMS key ARN encrypting the log group; its key policy must allow `logs.<region>.amazonaws.com`. Default: CloudWatch's own encryption. */
  readonly logsKmsKeyArn?: string;
  /**
   * Reserved concurrency (≥ 1, required): a ceiling on concurrent executions that protects the
   * database's connections and the bill. It is taken from the account's pool, and Lambda keeps
   * 100 unreserved executions per account (new accounts may have a quota of only 10 in all),
   * so an apply fails when the reservations of all functions leave less than that.
   */
  readonly reservedConcurrency: number;
  /**
   * Customer-managed KMS key ARN for the environment variables at rest. Default: Lambda's
   * `aws/lambda` key. The deploying principal needs kms:Encrypt and kms:CreateGrant on it;
   * Lambda grants the execution role decryption itself, so the role gets no KMS statement.
   */
  readonly environmentKmsKeyArn?: string;
  /** Memory, MB (128–10240). Default 256. */
  readonly memoryMb?: number;
  /** Timeout, seconds (1–900; API Gateway gives up after 30). Default 10. */
  readonly timeoutSeconds?: number;
  /** Folder packaged as the function's code (zipped at synth). Default: the repository's `functions/api`, bundled (`defaultApiCodePath()`). */
  readonly codePath?: string;
  /** Handler, `<file>.<export>`. Default `index.handler`. */
  readonly handler?: string;
}

/**
 * One API function. Egress: the database's port to the database's security group, HTTPS to
 * the given CIDRs; no ingress (Lambda is invoked through its API, not the network). Role: its
 * own log streams, X-Ray segments, its VPC network interfaces, `rds-db:connect` as one
 * database user, and reading one SSM path; no managed policies.
 */
export class ApiFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly securityGroup: SecurityGroup;
  readonly logGroup: CloudwatchLogGroup;
  readonly asset: TerraformAsset;
  readonly functionName: string;
  readonly functionArn: string;
  /** For API Gateway integrations (`integration_uri`). */
  readonly invokeArn: string;
  readonly securityGroupId: string;
  readonly roleArn: string;
  readonly roleName: string;
  readonly logGroupName: string;
  readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    validate(this.node.path, props);
    const partition = props.partition ?? "aws";
    const { region, accountId, database } = props;
    const functionName = `${props.namePrefix}-${props.name ?? "api"}`;
    const logGroupName = apiFunctionLogGroupName(props.namePrefix, props.name);

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? 30,
      kmsKeyId: props.logsKmsKeyArn,
    });

    this.securityGroup = new SecurityGroup(this, "sg", {
      name: functionName,
      description: `Lambda ${functionName}: PostgreSQL to the database and HTTPS egress only`,
      vpcId: props.vpcId,
      tags: { Name: functionName },
      // No inline rules: Terraform removes the default allow-all egress on create, and the
      // separate rules below are the only ones.
    });
    new VpcSecurityGroupEgressRule(this, "egress-postgresql", {
      securityGroupId: this.securityGroup.id,
      description: "PostgreSQL to the database security group (IAM auth over TLS)",
      ipProtocol: "tcp",
      fromPort: database.port,
      toPort: database.port,
      referencedSecurityGroupId: database.securityGroupId,
    });
    props.httpsEgressCidrs.forEach((cidr, index) => {
      new VpcSecurityGroupEgressRule(this, `egress-https-${index}`, {
        securityGroupId: this.securityGroup.id,
        description: "HTTPS to AWS APIs through the interface endpoints in the VPC (no NAT: nothing else is reachable)",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
      });
    });

    this.role = new IamRole(this, "role", {
      name: functionName,
      description: `Execution role of the Lambda function ${functionName}`,
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", accountId),
    });
    const policy = new IamRolePolicy(this, "policy", {
      name: "api-function",
      role: this.role.id,
      policy: policyJson(
        executionRoleStatements({
          partition,
          region,
          accountId,
          logGroupName,
          clusterResourceId: database.clusterResourceId,
          databaseUser: database.user,
          ssmPrefix: props.ssmPrefix,
        }),
      ),
    });

    this.asset = new TerraformAsset(this, "code", {
      path: props.codePath ?? defaultApiCodePath(),
      type: AssetType.ARCHIVE,
    });

    this.function = new LambdaFunction(this, "function", {
      functionName,
      description: `${props.environmentName} API`,
      role: this.role.arn,
      runtime: RUNTIME,
      architectures: [ARCHITECTURE],
      handler: props.handler ?? "index.handler",
      filename: this.asset.path,
      // Content hash of the folder: the code is updated exactly when a file changes.
      sourceCodeHash: this.asset.assetHash,
      memorySize: props.memoryMb ?? 256,
      timeout: props.timeoutSeconds ?? 10,
      reservedConcurrentExecutions: props.reservedConcurrency,
      kmsKeyArn: props.environmentKmsKeyArn,
      tracingConfig: { mode: "Active" },
      vpcConfig: { subnetIds: props.subnetIds, securityGroupIds: [this.securityGroup.id] },
      environment: {
        variables: {
          ENVIRONMENT: props.environmentName,
          APP_VERSION: props.version ?? readVersionFile(),
          GIT_SHA: props.gitSha ?? "unknown",
          DEPLOYED_AT: props.deployedAt ?? "unknown",
          DB_HOST: database.host,
          DB_PORT: String(database.port),
          DB_NAME: database.name,
          DB_USER: database.user,
          SSM_PREFIX: props.ssmPrefix,
          // Node.js ≥ 20 runtimes load Amazon's CA bundle (RDS included) only when asked: the
          // database connection verifies the server's certificate against it.
          NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
        },
      },
      // The log group exists (with its retention) before Lambda could create it without one;
      // the role's permissions exist before Lambda checks them (it creates the VPC interfaces
      // with them when the function is created).
      dependsOn: [this.logGroup, policy],
    });

    this.functionName = this.function.functionName;
    this.functionArn = this.function.arn;
    this.invokeArn = this.function.invokeArn;
    this.securityGroupId = this.securityGroup.id;
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.logGroupName = this.logGroup.name;
    this.logGroupArn = this.logGroup.arn;
  }
}

/** Everything the function's role may do: one statement per need, each scoped as far as AWS allows. */
export function executionRoleStatements(scope: {
  partition: string;
  region: string;
  accountId: string;
  logGroupName: string;
  clusterResourceId: string;
  databaseUser: string;
  ssmPrefix: string;
}): PolicyStatement[] {
  const { partition, region, accountId } = scope;
  const logGroupArn = `arn:${partition}:logs:${region}:${accountId}:log-group:${scope.logGroupName}`;
  const parameterArn = `arn:${partition}:ssm:${region}:${accountId}:parameter${scope.ssmPrefix}`;
  return [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      // No logs:CreateLogGroup: the group is created by Terraform, with its retention.
      Resource: [logGroupArn, `${logGroupArn}:*`],
    },
    {
      Sid: "WriteTraces",
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      // X-Ray has no resource-level permissions for these actions: "*" is the only Resource it accepts.
      Resource: "*",
    },
    {
      Sid: "ManageOwnNetworkInterfaces",
      Effect: "Allow",
      Action: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
      // Lambda creates and deletes the function's VPC interfaces with this role. Scoped to the
      // account and region (the form AWS documents for DeleteNetworkInterface); the interface
      // ids are not known before Lambda creates them.
      Resource: `arn:${partition}:ec2:${region}:${accountId}:*/*`,
    },
    {
      Sid: "DescribeNetworkInterfaces",
      Effect: "Allow",
      Action: "ec2:DescribeNetworkInterfaces",
      // EC2 Describe* actions have no resource-level permissions: they work only with "*". Read-only.
      Resource: "*",
    },
    {
      Sid: "ConnectAsDatabaseUser",
      Effect: "Allow",
      Action: "rds-db:connect",
      Resource: `arn:${partition}:rds-db:${region}:${accountId}:dbuser:${scope.clusterResourceId}/${scope.databaseUser}`,
    },
    {
      Sid: "ReadOwnParameters",
      Effect: "Allow",
      Action: ["ssm:GetParametersByPath", "ssm:GetParameter"],
      Resource: [parameterArn, `${parameterArn}/*`],
    },
  ];
}

/**
 * The key-policy statement that lets CloudWatch Logs use a customer-managed key for the named
 * log groups only (add it with `EncryptionKey.addPolicyStatement` before passing the key as
 * `logsKmsKeyArn`). Names are literal, e.g. `apiFunctionLogGroupName("twinstack-staging")`.
 */
export function logsKeyPolicyStatement(scope: { region: string; accountId: string; partition?: string; logGroupNames: string[] }): PolicyStatement {
  const partition = scope.partition ?? "aws";
  return {
    Sid: "CloudWatchLogsEncryptsNamedGroups",
    Effect: "Allow",
    Principal: { Service: `logs.${scope.region}.amazonaws.com` },
    Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
    // In a key policy, "*" is the key itself.
    Resource: "*",
    Condition: {
      ArnEquals: {
        "kms:EncryptionContext:aws:logs:arn": scope.logGroupNames.map((name) => `arn:${partition}:logs:${scope.region}:${scope.accountId}:log-group:${name}`),
      },
    },
  };
}

/** The log group name of the function `ApiFunction` creates for a prefix (and short name). */
export function apiFunctionLogGroupName(namePrefix: string, name = "api"): string {
  return `/aws/lambda/${namePrefix}-${name}`;
}

/** The repository's VERSION file, trimmed, with a clear error when it is missing or empty. */
export function readVersionFile(path = VERSION_FILE): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new Error(`ApiFunction: cannot read the version from ${path} (${(error as Error).message}); pass props.version or restore the VERSION file`);
  }
  if (text === "") throw new Error(`ApiFunction: ${path} is empty; write the release version in it (e.g. 0.1.0) or pass props.version`);
  return text;
}

/** Security group and rule descriptions allow only these characters (EC2 API). */
const SG_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;

function validate(path: string, props: ApiFunctionProps): void {
  const problems: string[] = [];
  const known = (value: unknown) => !Token.isUnresolved(value);
  if (known(props.ssmPrefix) && !/^\/[A-Za-z0-9_.\-/]*[A-Za-z0-9_.\-]$/.test(props.ssmPrefix)) {
    problems.push(`ssmPrefix (${JSON.stringify(props.ssmPrefix)}) must start with "/" and not end with "/", e.g. /twinstack/staging`);
  }
  if (known(props.subnetIds) && props.subnetIds.length === 0) problems.push("subnetIds ([]) must list at least one private subnet");
  if (props.httpsEgressCidrs.length === 0) problems.push("httpsEgressCidrs ([]) must list at least one CIDR (the VPC CIDR)");
  for (const cidr of props.httpsEgressCidrs) {
    if (known(cidr) && !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) problems.push(`httpsEgressCidrs (${JSON.stringify(cidr)}) must be IPv4 CIDRs like 10.0.0.0/16`);
  }
  const { port } = props.database;
  if (known(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) problems.push(`database.port (${port}) must be a port number`);
  if (known(props.database.user) && !/^[a-z_][a-z0-9_]{0,62}$/.test(props.database.user)) {
    problems.push(`database.user (${JSON.stringify(props.database.user)}) must be a lowercase PostgreSQL identifier`);
  }
  const { reservedConcurrency, memoryMb, timeoutSeconds } = props;
  if (known(reservedConcurrency) && (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1)) {
    problems.push(`reservedConcurrency (${reservedConcurrency}) must be a whole number ≥ 1 (0 would stop the function)`);
  }
  if (memoryMb !== undefined && (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240)) problems.push(`memoryMb (${memoryMb}) must be a whole number from 128 to 10240`);
  if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900)) {
    problems.push(`timeoutSeconds (${timeoutSeconds}) must be a whole number from 1 to 900`);
  }
  const name = `${props.namePrefix}-${props.name ?? "api"}`;
  if (known(name) && (!/^[a-zA-Z0-9-_]+$/.test(name) || name.length > 64 || !SG_DESCRIPTION.test(name))) {
    problems.push(`function name (${JSON.stringify(name)}, from namePrefix and name) must be letters, digits, "-" and "_", at most 64 characters`);
  }
  if (problems.length > 0) throw new Error(problems.map((problem) => `${path}: ${problem}`).join("\n"));
}
