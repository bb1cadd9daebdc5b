/**
 * Credentials per account: assume the environment's deploy role (or use a named profile), then
 * prove with GetCallerIdentity that we are in the configured account before anything writes.
 * Clients honour AWS_ENDPOINT_URL (the emulator) on their own.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { createSyncClient } from "./objects/client";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { RDSClient } from "@aws-sdk/client-rds";
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-provider-ini";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import type { EnvironmentConfig } from "../../environments/config";
import { Clock, RefusedError, maskTail, withRetries } from "./core";

export interface AccountClients {
  config: EnvironmentConfig;
  /** S3 tuned for many server-side copies (the objects half). */
  s3: S3Client;
  rds: RDSClient;
  kms: KMSClient;
  dynamodb: DynamoDBClient;
  cognito: CognitoIdentityProviderClient;
  ssm: SSMClient;
  rdsData: RDSDataClient;
}

export interface ConnectOptions {
  /** Named profile (`~/.aws/config`) instead of assuming `deployRoleArn`. */
  profile?: string;
  /** Skip AssumeRole and use the caller's credentials as they are. */
  noAssumeRole?: boolean;
  clock: Clock;
  /** Session name shown in CloudTrail. */
  sessionName?: string;
}

/** Obtains credentials for one environment's account and verifies the account id. Refuses (exit 2) on mismatch. */
export async function connectAccount(config: EnvironmentConfig, options: ConnectOptions): Promise<AccountClients> {
  const region = config.region;
  let credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  if (options.profile) {
    credentials = fromIni({ profile: options.profile });
  } else if (config.deployRoleArn && !options.noAssumeRole) {
    const sts = new STSClient({ region });
    const assumed = await withRetries(
      "sts:AssumeRole",
      () => sts.send(new AssumeRoleCommand({ RoleArn: config.deployRoleArn, RoleSessionName: options.sessionName ?? `twinstack-refresh-${config.name}`, DurationSeconds: 3600 })),
      { clock: options.clock },
    ).catch((error: Error) => {
      throw new RefusedError(`environments/${config.name}: cannot assume ${maskRole(config.deployRoleArn!)}: ${error.message} (check your credentials, or pass --${config.protected ? "source" : "target"}-profile)`);
    });
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new RefusedError(`environments/${config.name}: AssumeRole returned no credentials`);
    credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }
  const common = { region, credentials };
  const sts = new STSClient(common);
  const identity = await withRetries("sts:GetCallerIdentity", () => sts.send(new GetCallerIdentityCommand({})), { clock: options.clock }).catch((error: Error) => {
    throw new RefusedError(`environments/${config.name}: cannot identify the caller: ${error.message}`);
  });
  if (identity.Account !== config.accountId) {
    throw new RefusedError(
      `environments/${config.name}: credentials are for account ${maskTail(identity.Account ?? "?")}, but accountId is ${maskTail(config.accountId)}: use credentials for that account (deployRoleArn or --${config.protected ? "source" : "target"}-profile)`,
    );
  }
  return {
    config,
    // Keep-alive sockets for the copy concurrency (64) plus listings; AWS_ENDPOINT_URL (emulator) needs path-style.
    s3: createSyncClient({ region, credentials, endpoint: process.env.AWS_ENDPOINT_URL || undefined, maxSockets: 72 }),
    rds: new RDSClient(common),
    kms: new KMSClient(common),
    dynamodb: new DynamoDBClient(common),
    cognito: new CognitoIdentityProviderClient(common),
    ssm: new SSMClient(common),
    rdsData: new RDSDataClient(common),
  };
}

function maskRole(arn: string): string {
  return arn.replace(/::(\d{12}):/, (_, account: string) => `::${maskTail(account)}:`);
}
