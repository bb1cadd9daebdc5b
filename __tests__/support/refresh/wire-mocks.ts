/**
 * Routes AWS SDK v3 clients to a FakeAws through aws-sdk-client-mock (a dev dependency: used
 * by the contract tests and the downtime model only). The account of a call is read from the
 * client's credentials (`ASIAFAKE<account>X<n>`, minted by the fake's AssumeRole), which the
 * fake also uses to refuse calls made with an expired session. Resolving the credentials goes
 * through the client's own provider, so a provider that refreshes itself (fromTemporaryCredentials)
 * does so here exactly as it would against AWS, and a refused AssumeRole fails the call.
 */
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import * as rds from "@aws-sdk/client-rds";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
// The STS client fromTemporaryCredentials uses internally (@aws-sdk/credential-providers).
import { AssumeRoleCommand as NestedAssumeRoleCommand, STSClient as NestedSTSClient } from "@aws-sdk/nested-clients/sts";
import { AwsStub, mockClient } from "aws-sdk-client-mock";
import type { FakeAws } from "./fake-aws";

const RDS_COMMANDS = [
  "DescribeDBClusters",
  "DescribeDBInstances",
  "DescribeDBClusterSnapshots",
  "DescribeDBClusterSnapshotAttributes",
  "DescribeAccountAttributes",
  "CreateDBClusterSnapshot",
  "CopyDBClusterSnapshot",
  "ModifyDBClusterSnapshotAttribute",
  "RestoreDBClusterFromSnapshot",
  "RestoreDBClusterToPointInTime",
  "CreateDBInstance",
  "ModifyDBCluster",
  "EnableHttpEndpoint",
  "DisableHttpEndpoint",
  "ModifyDBInstance",
  "AddTagsToResource",
  "DeleteDBInstance",
  "DeleteDBCluster",
  "DeleteDBClusterSnapshot",
] as const;

export function installFakeAws(fake: FakeAws, defaultAccount: string): { restore(): void; mocks: AwsStub<any, any, any>[] } {
  // A provider that fails (a refused AssumeRole, no credentials at all) fails the call before it
  // reaches the fake, as the SDK does against AWS. Keys the fake did not mint are the default account's.
  const callerOf = async (getClient: () => { config: { credentials?: unknown } }): Promise<{ account: string; accessKeyId?: string }> => {
    const provider = getClient().config.credentials as (() => Promise<{ accessKeyId: string }>) | undefined;
    const accessKeyId = typeof provider === "function" ? (await provider()).accessKeyId : undefined;
    const match = /^ASIAFAKE(\d{12})X\d+$/.exec(accessKeyId ?? "");
    return { account: match ? match[1] : defaultAccount, accessKeyId };
  };
  const route = (name: string) => async (input: unknown, getClient: () => any) => {
    const caller = await callerOf(getClient);
    return fake.handle(name, input, caller.account, caller.accessKeyId);
  };
  const mocks: AwsStub<any, any, any>[] = [];
  const rdsMock = mockClient(rds.RDSClient);
  for (const name of RDS_COMMANDS) {
    const command = (rds as unknown as Record<string, any>)[`${name}Command`];
    rdsMock.on(command).callsFake(route(name));
  }
  mocks.push(rdsMock);
  const sts = mockClient(STSClient);
  sts.on(GetCallerIdentityCommand).callsFake(route("GetCallerIdentity"));
  sts.on(AssumeRoleCommand).callsFake(route("AssumeRole"));
  // The provider signs AssumeRole with the caller's long-term credentials: no session to resolve.
  const nestedSts = mockClient(NestedSTSClient);
  nestedSts.on(NestedAssumeRoleCommand).callsFake(async (input: unknown) => fake.handle("AssumeRole", input, defaultAccount));
  const kms = mockClient(KMSClient);
  kms.on(DescribeKeyCommand).callsFake(route("DescribeKey"));
  const ddb = mockClient(DynamoDBClient);
  ddb.on(PutItemCommand).callsFake(route("PutItem"));
  ddb.on(GetItemCommand).callsFake(route("GetItem"));
  ddb.on(UpdateItemCommand).callsFake(route("UpdateItem"));
  ddb.on(DeleteItemCommand).callsFake(route("DeleteItem"));
  const cognito = mockClient(CognitoIdentityProviderClient);
  cognito.on(ListUsersCommand).callsFake(route("ListUsers"));
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).callsFake(route("GetParameter"));
  mocks.push(sts, nestedSts, kms, ddb, cognito, ssm);
  return { mocks, restore: () => mocks.forEach((m) => m.restore()) };
}
