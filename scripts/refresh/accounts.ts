/**
 * Credentials per account: assume the environment's deploy role (or use a named profile), then
 * prove with GetCallerIdentity that we are in the configured account before anything writes.
 * Assumed-role sessions refresh themselves (the SDK's temporary-credentials provider renews them
 * five minutes before they expire), so a refresh longer than one session never meets an expired
 * token. Clients honour AWS_ENDPOINT_URL (the emulator) on their own.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { createSyncClient } from "./objects/client";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { RDSClient } from "@aws-sdk/client-rds";
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-provider-ini";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import type { EnvironmentConfig } from "../../environments/config";
import { Clock, RefusedError, maskAccounts, maskTail } from "./core";
import { SDK_MAX_ATTEMPTS, withRetries } from "./retry";

/** One assumed-role session; the provider assumes the role again before it ends. */
export const SESSION_SECONDS = 3600;

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
  /** Length of each assumed-role session (default SESSION_SECONDS; 900 is STS's minimum). */
  sessionSeconds?: number;
}

/** Obtains credentials for one environment's account and verifies the account id. Refuses (exit 2) on mismatch. */
export async function connectAccount(config: EnvironmentConfig, options: ConnectOptions): Promise<AccountClients> {
  const region = config.region;
  let credentials: AwsCredentialIdentityProvider | undefined;
  if (options.profile) {
    credentials = fromIni({ profile: options.profile });
  } else if (config.deployRoleArn && !options.noAssumeRole) {
    credentials = fromTemporaryCredentials({
      params: { RoleArn: config.deployRoleArn, RoleSessionName: options.sessionName ?? `${config.project}-refresh-${config.name}`, DurationSeconds: options.sessionSeconds ?? SESSION_SECONDS },
      clientConfig: { region, maxAttempts: SDK_MAX_ATTEMPTS },
    });
  }
  const common = { region, credentials, maxAttempts: SDK_MAX_ATTEMPTS };
  const sts = new STSClient(common);
  // The first call resolves the credentials: a role that cannot be assumed fails here, before anything writes.
  const identity = await withRetries(() => sts.send(new GetCallerIdentityCommand({})), { what: "sts:GetCallerIdentity", clock: options.clock }).catch((error: Error) => {
    const how = options.profile ? `profile ${options.profile}` : config.deployRoleArn && !options.noAssumeRole ? `assuming ${maskAccounts(config.deployRoleArn)}` : "the caller's credentials";
    throw new RefusedError(
      `environments/${config.name}: cannot identify the caller with ${how}: ${maskAccounts(error.message)} (check your credentials, or pass --${config.protected ? "source" : "target"}-profile)`,
    );
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

