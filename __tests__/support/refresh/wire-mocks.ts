/**
 * Routes AWS SDK v3 clients to a FakeAws through aws-sdk-client-mock (a dev dependency: used
 * by the contract tests and the downtime model only). The account of a call is read from the
 * client's credentials (`ASIAFAKE<account>`, minted by the fake's AssumeRole).
 */
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import * as rds from "@aws-sdk/client-rds";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
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
  "CreateDBInstance",
  "ModifyDBCluster",
  "ModifyDBInstance",
  "AddTagsToResource",
  "DeleteDBInstance",
  "DeleteDBCluster",
  "DeleteDBClusterSnapshot",
] as const;

export function installFakeAws(fake: FakeAws, defaultAccount: string): { restore(): void; mocks: AwsStub<any, any, any>[] } {
  const accountOf = async (getClient: () => { config: { credentials?: unknown } }): Promise<string> => {
    try {
      const provider = getClient().config.credentials as (() => Promise<{ accessKeyId: string }>) | undefined;
      const creds = typeof provider === "function" ? await provider() : undefined;
      const match = /^ASIAFAKE(\d{12})$/.exec(creds?.accessKeyId ?? "");
      return match ? match[1] : defaultAccount;
    } catch {
      return defaultAccount;
    }
  };
  const route = (name: string) => async (input: unknown, getClient: () => any) => fake.handle(name, input, await accountOf(getClient));
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
  const kms = mockClient(KMSClient);
  kms.on(DescribeKeyCommand).callsFake(route("DescribeKey"));
  const ddb = mockClient(DynamoDBClient);
  ddb.on(PutItemCommand).callsFake(route("PutItem"));
  ddb.on(GetItemCommand).callsFake(route("GetItem"));
  ddb.on(DeleteItemCommand).callsFake(route("DeleteItem"));
  const cognito = mockClient(CognitoIdentityProviderClient);
  cognito.on(ListUsersCommand).callsFake(route("ListUsers"));
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).callsFake(route("GetParameter"));
  mocks.push(sts, kms, ddb, cognito, ssm);
  return { mocks, restore: () => mocks.forEach((m) => m.restore()) };
}
