import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import { EncryptionKey } from "../kms";
import { SecureBucket } from "../s3";

/** Where an account's Terraform state lives; both the bootstrap stack and every environment stack use this. */
export interface StateLocation {
  readonly bucket: string;
  readonly lockTable: string;
  readonly region: string;
}

export function stateLocation(project: string, accountId: string, region: string): StateLocation {
  return { bucket: `${project}-tfstate-${accountId}`, lockTable: `${project}-tflock`, region };
}

export interface StateBackendProps {
  /** The bucket, lock table and region to create. */
  readonly location: StateLocation;
  /** The account that owns the state (administers the KMS key). */
  readonly accountId: string;
  /** Prefix for the KMS alias, e.g. `twinstack`. */
  readonly project: string;
  /** Days to keep old (non-current) state versions. Default 90. */
  readonly noncurrentVersionExpirationDays?: number;
}

/**
 * The state bucket (versioned, KMS, public access blocked, TLS-only) and DynamoDB lock table
 * (on-demand, point-in-time recovery, encrypted) of one account. Applied once per account by
 * the bootstrap stack, with local state.
 */
export class StateBackend extends Construct {
  readonly bucket: SecureBucket;
  readonly lockTable: DynamodbTable;
  readonly key: EncryptionKey;

  constructor(scope: Construct, id: string, props: StateBackendProps) {
    super(scope, id);
    this.key = new EncryptionKey(this, "key", {
      alias: `${props.project}-tfstate`,
      description: `Encrypts ${props.project} Terraform state and locks`,
      accountId: props.accountId,
    });
    this.bucket = new SecureBucket(this, "bucket", {
      bucketName: props.location.bucket,
      kmsKeyArn: this.key.keyArn,
      versioned: true,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? 90,
    });
    this.lockTable = new DynamodbTable(this, "lock-table", {
      name: props.location.lockTable,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: this.key.keyArn },
      deletionProtectionEnabled: true,
    });
  }
}
