import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { PolicyStatement, lazyPolicyJson } from "../iam/policy";

export interface EncryptionKeyProps {
  /** Alias without the `alias/` prefix, e.g. `twinstack-staging-database`. */
  readonly alias: string;
  /** What the key protects; shown in the console. */
  readonly description: string;
  /** The account that owns and administers the key (its root principal, governed by IAM). */
  readonly accountId: string;
  /** AWS partition. Default `aws`. */
  readonly partition?: string;
  /** Days before a scheduled deletion happens (7-30). Default 30. */
  readonly deletionWindowDays?: number;
  /** Provider of another region (e.g. a backup copy's). Default: the stack's default provider. */
  readonly provider?: TerraformProvider;
}

/**
 * A customer-managed KMS key with yearly rotation and a key policy that names principals
 * explicitly (never `*`). Callers add statements, e.g. to let another account use the key.
 */
export class EncryptionKey extends Construct {
  readonly key: KmsKey;
  readonly keyArn: string;
  readonly keyId: string;
  readonly aliasName: string;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const partition = props.partition ?? "aws";
    this.statements.push({
      Sid: "AccountAdministersKey",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${props.accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    });
    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: lazyPolicyJson(() => this.statements),
      provider: props.provider,
    });
    this.keyArn = this.key.arn;
    this.keyId = this.key.keyId;
    this.aliasName = `alias/${props.alias}`;
    new KmsAlias(this, "alias", { name: this.aliasName, targetKeyId: this.key.keyId, provider: props.provider });
  }

  /** Lets CloudWatch Logs in this region use the key for this account's log groups (needed for encrypted log groups). */
  allowCloudWatchLogs(region: string, accountId: string): void {
    this.addPolicyStatement({
      Sid: "CloudWatchLogsUseKey",
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${accountId}:log-group:*` } },
    });
  }

  /** Adds a statement to the key policy (e.g. a cross-account grant or a service principal). */
  addPolicyStatement(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}
