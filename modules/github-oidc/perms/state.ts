/**
 * Terraform state access: the account's state bucket, lock table and key. Plan and apply roles
 * reach every state key of the account; the preview role only its own stacks' keys.
 */
import type { PolicyStatement } from "../../iam/policy";

/** The account's Terraform state, which plan, apply and preview roles use. */
export interface StateAccess {
  /** ARN of the state bucket. */
  readonly bucketArn: string;
  /** Name of the state bucket (the S3 backend's DynamoDB lock ids start with it). Required for the preview role. */
  readonly bucketName?: string;
  /** ARN of the DynamoDB lock table. */
  readonly lockTableArn: string;
  /** ARN of the KMS key that encrypts the state and the lock table. */
  readonly keyArn: string;
}

/**
 * The KMS encryption context of a saved plan handed from a plan job to an apply job
 * (.github/workflows/apply.yml): its data key comes from the state key under this context, and
 * only the apply role may decrypt it — roles that run pull-request code (plan, preview) may not.
 */
export const SAVED_PLAN_CONTEXT = { key: "purpose", value: "twinstack-saved-plan" } as const;

/** For roles that run pull-request code: they may make saved-plan data keys (plan jobs on main do) but never open one. */
export function denySavedPlanDecrypt(state: StateAccess): PolicyStatement {
  return {
    Sid: "DenySavedPlanDecrypt",
    Effect: "Deny",
    Action: "kms:Decrypt",
    Resource: state.keyArn,
    Condition: { StringEquals: { [`kms:EncryptionContext:${SAVED_PLAN_CONTEXT.key}`]: SAVED_PLAN_CONTEXT.value } },
  };
}

/** Uses of the state key (KMS) that reading and writing state (and lock items) need. */
const STATE_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"];
/** The S3 backend's lock table actions (lock, release, digest). */
const LOCK_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"];

/** State bucket read (write too for apply), lock-file write/delete, DynamoDB lock, state key use. */
export function stateStatements(state: StateAccess, write: boolean): PolicyStatement[] {
  return [
    { Sid: "StateBucketList", Effect: "Allow", Action: "s3:ListBucket", Resource: state.bucketArn },
    {
      Sid: write ? "StateObjectsReadWrite" : "StateObjectsRead",
      Effect: "Allow",
      Action: write ? ["s3:GetObject", "s3:PutObject"] : "s3:GetObject",
      Resource: `${state.bucketArn}/*`,
    },
    // use_lockfile: `<key>.tflock` next to the state object.
    { Sid: "StateLockFiles", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${state.bucketArn}/*.tflock` },
    { Sid: "StateLockTable", Effect: "Allow", Action: LOCK_TABLE_ACTIONS, Resource: state.lockTableArn },
    { Sid: "StateKey", Effect: "Allow", Action: STATE_KEY_ACTIONS, Resource: state.keyArn },
  ];
}

/**
 * State of the stacks whose ids start with `stackPrefix` (e.g. `twinstack-preview-pr-`) and of
 * nothing else: their keys `<stack>/terraform.tfstate` (and `.tflock`), their DynamoDB lock ids
 * `<bucket>/<stack>/terraform.tfstate[-md5]`, and listing under that prefix (the sweeper finds
 * previews from their state keys). The S3 backend also lists `env:/` (workspaces; none here).
 */
export function prefixedStateStatements(state: StateAccess, stackPrefix: string): PolicyStatement[] {
  if (!state.bucketName) throw new Error("modules/github-oidc: state.bucketName is required for a role limited to some state keys");
  return [
    {
      Sid: "StateBucketListOwnPrefix",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: state.bucketArn,
      Condition: { StringLike: { "s3:prefix": [`${stackPrefix}*`, "env:/*"] } },
    },
    {
      Sid: "StateObjectsOwnKeys",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `${state.bucketArn}/${stackPrefix}*`,
    },
    {
      Sid: "StateLockTableOwnKeys",
      Effect: "Allow",
      Action: LOCK_TABLE_ACTIONS,
      Resource: state.lockTableArn,
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${state.bucketName}/${stackPrefix}*`] } },
    },
    { Sid: "StateKey", Effect: "Allow", Action: STATE_KEY_ACTIONS, Resource: state.keyArn },
    {
      // ReadOnlyAccess would still read other stacks' lock items (holder, digest): not theirs to see.
      Sid: "DenyOtherLockItems",
      Effect: "Deny",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query"],
      Resource: state.lockTableArn,
      Condition: { "ForAnyValue:StringNotLike": { "dynamodb:LeadingKeys": [`${state.bucketName}/${stackPrefix}*`] } },
    },
    {
      // ReadOnlyAccess lists the whole bucket; other stacks' state keys are not the preview's to see.
      Sid: "DenyListingOtherStateKeys",
      Effect: "Deny",
      Action: "s3:ListBucket",
      Resource: state.bucketArn,
      Condition: { StringNotLike: { "s3:prefix": [`${stackPrefix}*`, "env:/*"] } },
    },
    // A scan names no key: it would read every stack's lock items.
    { Sid: "DenyLockTableScan", Effect: "Deny", Action: "dynamodb:Scan", Resource: state.lockTableArn },
  ];
}
