/**
 * The write guard: the one decision every command that writes to AWS makes before its first
 * write (the refresh, refresh:objects, users:seed, and any new one such as a DR drill).
 *
 *   const registry = guardRegistry(process.env);                     // every environment, protected ones too
 *   assertEnvironmentWritable({ registry, env: target, command });    // before any credentials are used
 *   await assertWriteTargets({ registry, env: target, command, targets: [bucketTarget(s3, bucket)] });
 *
 * A write is refused (RefusedError, exit 2) when:
 *   - the environment it is meant for is protected;
 *   - the resource is named like a protected environment's resources (`<project>-<env>`,
 *     `<project>-<env>-…`: cluster, uploads bucket, user pool) or names a protected environment's
 *     account (`…-222222222222`);
 *   - its `Environment` tag, read from AWS just before, is a protected environment, is missing
 *     (not classified means sensitive), names no environment of the registry, or names another
 *     environment than the command's target;
 *   - its tags cannot be read (the error names the permission to grant) or it does not exist.
 *
 * `guardWriteTarget` is pure (a decision from a request and observed tags); the `read…Tags`
 * functions are the thin AWS reads; `assertWriteTargets` runs the reads, then the decision.
 * docs/guardrails.md says how to classify a new command.
 */
import { CognitoIdentityProviderClient, DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DescribeDBClustersCommand, ListTagsForResourceCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetBucketTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import type { EnvironmentConfig } from "../../environments/config";
import { ENVIRONMENT_TAG, stackId } from "../../environments/naming";
import { environmentInputs, validateEnvironments } from "../../environments/registry";
import { RefusedError, maskAccounts, maskTail } from "../refresh/core";
import { tagRecord } from "./tags";

/** What a command writes to. */
export type WriteResourceKind = "s3-bucket" | "rds-cluster" | "cognito-user-pool";

/** A resource's tags as read from AWS just before the write. */
export type TagRead =
  /** Read; `aliases` are other names AWS gave for it (a user pool's name beside its id). */
  | { readonly state: "read"; readonly tags: Readonly<Record<string, string>>; readonly aliases?: readonly string[] }
  /** AWS says it does not exist (or these credentials cannot see it). */
  | { readonly state: "absent" }
  /** The read failed: `permission` is what the caller needs, `detail` the error code. */
  | { readonly state: "unreadable"; readonly permission: string; readonly detail: string };

export interface WriteResource {
  readonly kind: WriteResourceKind;
  /** What the command writes to: bucket name, cluster identifier, user pool id. */
  readonly name: string;
  readonly tags: TagRead;
  /**
   * The command itself (re)creates the resource under this name, so it may be absent now (the
   * refresh's swap renames a cluster into the target's identifier; a crash can leave it absent).
   * Absent is then judged by name alone. Default false: absent is refused.
   */
  readonly mayBeAbsent?: boolean;
}

export interface GuardRequest {
  /** Every environment of the registry, protected ones included (see `guardRegistry`). */
  readonly registry: Readonly<Record<string, EnvironmentConfig>>;
  /** The environment the command means to write, resolved from the registry. Omitted in a raw mode (bucket names): the resource's Environment tag then says which it is. */
  readonly env?: EnvironmentConfig;
  /** The resource about to be written; omitted to check the environment alone (before any AWS call). */
  readonly resource?: WriteResource;
  /** The command, for messages: `refresh:objects`, `users:seed`. */
  readonly command: string;
}

export type GuardDecision =
  /** `environment`: the (unprotected) environment the resource belongs to. */
  | { readonly allowed: true; readonly environment?: string }
  /** Every reason, each naming the resource, the rule and what to do. */
  | { readonly allowed: false; readonly reasons: readonly string[] };

const PREVIEW = /^preview-pr-[1-9]\d{0,8}$/;

/** A refused write: exit 2, nothing written. Messages have account ids masked. */
export class WriteRefusedError extends RefusedError {
  constructor(readonly reasons: readonly string[]) {
    super(maskAccounts(reasons.join("\n")));
    this.name = "WriteRefusedError";
  }
}

/** The registry the guard judges by: every named environment as this process sees it (TWINSTACK_SINGLE_ACCOUNT rules included). */
export function guardRegistry(env: NodeJS.ProcessEnv = process.env): Record<string, EnvironmentConfig> {
  return validateEnvironments(environmentInputs(env));
}

/** Pure: may `command` write `resource` (for `env`)? Every applicable reason is listed. */
export function guardWriteTarget(request: GuardRequest): GuardDecision {
  const { registry, env, resource, command } = request;
  const reasons: string[] = [];
  if (env && isProtected(registry, env.name, env)) reasons.push(`environments/${env.name} is protected: ${command} never writes to it`);
  if (!resource) return reasons.length > 0 ? { allowed: false, reasons } : { allowed: true, environment: env?.name };

  const what = `${describeKind(resource.kind)} ${resource.name}`;
  const names = [resource.name, ...(resource.tags.state === "read" ? (resource.tags.aliases ?? []) : [])];
  reasons.push(...nameReasons(registry, names, what));

  const tags = resource.tags;
  let environment = env?.name;
  if (tags.state === "absent") {
    if (!resource.mayBeAbsent) reasons.push(`${what} does not exist (or these credentials cannot see it): nothing for ${command} to write to; check the name`);
  } else if (tags.state === "unreadable") {
    reasons.push(`cannot read the tags of ${what} (${tags.detail}): grant ${tags.permission}; a resource whose tags cannot be read is treated as sensitive`);
  } else {
    const tagged = tags.tags[ENVIRONMENT_TAG];
    if (tagged === undefined || tagged === "") {
      reasons.push(
        `${what} has no ${ENVIRONMENT_TAG} tag: it is not classified, so it is treated as sensitive (every stack tags its resources ${ENVIRONMENT_TAG}=<environment>; tag it if it belongs to an unprotected environment)`,
      );
    } else if (isProtected(registry, tagged)) {
      reasons.push(`${what} is tagged ${ENVIRONMENT_TAG}=${tagged}, a protected environment: ${command} never writes to it`);
    } else if (!(tagged in registry) && !PREVIEW.test(tagged)) {
      reasons.push(`${what} is tagged ${ENVIRONMENT_TAG}=${tagged}, which is not an environment of the registry (${Object.keys(registry).join(", ")}, preview-pr-<n>): treated as sensitive`);
    } else if (env && tagged !== env.name) {
      reasons.push(`${what} is tagged ${ENVIRONMENT_TAG}=${tagged}, but ${command} targets environments/${env.name}: it belongs to another environment`);
    } else {
      environment = tagged;
    }
  }
  return reasons.length > 0 ? { allowed: false, reasons } : { allowed: true, environment };
}

/** Throws WriteRefusedError unless the decision allows the write. */
export function assertAllowed(decision: GuardDecision): string | undefined {
  if (!decision.allowed) throw new WriteRefusedError(decision.reasons);
  return decision.environment;
}

/** Refuses a protected target before any credentials are used. */
export function assertEnvironmentWritable(request: Omit<GuardRequest, "resource">): void {
  assertAllowed(guardWriteTarget(request));
}

/** One resource to check: what it is, and how to read its tags now. */
export interface WriteTargetCheck {
  readonly kind: WriteResourceKind;
  readonly name: string;
  readonly mayBeAbsent?: boolean;
  readonly read: () => Promise<TagRead>;
}

/**
 * Reads every target's tags, then decides: throws one WriteRefusedError listing every reason of
 * every target, or returns the environment each target belongs to (in order).
 */
export async function assertWriteTargets(options: { registry: GuardRequest["registry"]; env?: EnvironmentConfig; command: string; targets: readonly WriteTargetCheck[] }): Promise<Array<string | undefined>> {
  const { registry, env, command } = options;
  assertEnvironmentWritable({ registry, env, command });
  const reads = await Promise.all(options.targets.map((target) => target.read()));
  const decisions = options.targets.map((target, index) =>
    guardWriteTarget({ registry, env, command, resource: { kind: target.kind, name: target.name, mayBeAbsent: target.mayBeAbsent, tags: reads[index] } }),
  );
  const reasons = decisions.flatMap((decision) => (decision.allowed ? [] : decision.reasons));
  if (reasons.length > 0) throw new WriteRefusedError(reasons);
  return decisions.map((decision) => (decision.allowed ? decision.environment : undefined));
}

function describeKind(kind: WriteResourceKind): string {
  return { "s3-bucket": "bucket", "rds-cluster": "cluster", "cognito-user-pool": "user pool" }[kind];
}

/** Protected: a registry environment marked so (previews never are). */
function isProtected(registry: GuardRequest["registry"], name: string, config?: EnvironmentConfig): boolean {
  return Boolean(config?.protected || registry[name]?.protected);
}

/**
 * By name: a protected environment's prefix (`twinstack-production`, `twinstack-production-…`),
 * or a dash-separated part that is a protected environment's account id — unless an unprotected
 * environment shares that account (only the emulator's single-account topology can), where the
 * account says nothing about whose resource it is.
 */
function nameReasons(registry: GuardRequest["registry"], names: readonly string[], what: string): string[] {
  const configs = Object.values(registry);
  const sharedAccounts = new Set(configs.filter((config) => !config.protected).map((config) => config.accountId));
  const reasons: string[] = [];
  for (const config of configs.filter((candidate) => candidate.protected)) {
    const prefix = stackId(config);
    const byPrefix = names.find((name) => name === prefix || name.startsWith(`${prefix}-`));
    if (byPrefix !== undefined) {
      reasons.push(`${what} is named like protected environment ${config.name}'s resources (${prefix}-…): never written`);
      continue;
    }
    if (!sharedAccounts.has(config.accountId) && names.some((name) => name.split(/[^0-9A-Za-z]+/).includes(config.accountId))) {
      reasons.push(`${what} names protected environment ${config.name}'s account (${maskTail(config.accountId)}): never written`);
    }
  }
  return reasons;
}

// ---------------------------------------------------------------------------------------------
// Thin AWS reads: one call each, errors classified (never thrown), so the decision stays pure.

function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? "Error";
}

function unreadable(permission: string, error: unknown): TagRead {
  return { state: "unreadable", permission, detail: errorName(error) };
}

/** GetBucketTagging (s3:GetBucketTagging). A bucket without tags answers NoSuchTagSet: read, no tags. */
export async function readBucketTags(s3: S3Client, bucket: string): Promise<TagRead> {
  try {
    const result = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    return { state: "read", tags: tagRecord(result.TagSet) };
  } catch (error) {
    if (errorName(error) === "NoSuchTagSet") return { state: "read", tags: {} };
    if (errorName(error) === "NoSuchBucket") return { state: "absent" };
    return unreadable(`s3:GetBucketTagging on arn:aws:s3:::${bucket}`, error);
  }
}

/** DescribeDBClusters (its TagList), else ListTagsForResource on the cluster's ARN. */
export async function readClusterTags(rds: RDSClient, clusterId: string): Promise<TagRead> {
  let cluster;
  try {
    cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }))).DBClusters?.[0];
  } catch (error) {
    if (errorName(error) === "DBClusterNotFoundFault") return { state: "absent" };
    return unreadable(`rds:DescribeDBClusters on cluster ${clusterId}`, error);
  }
  if (!cluster) return { state: "absent" };
  if (cluster.TagList) return { state: "read", tags: tagRecord(cluster.TagList) };
  try {
    return { state: "read", tags: tagRecord((await rds.send(new ListTagsForResourceCommand({ ResourceName: cluster.DBClusterArn }))).TagList) };
  } catch (error) {
    return unreadable(`rds:ListTagsForResource on ${cluster.DBClusterArn ?? `cluster ${clusterId}`}`, error);
  }
}

/** DescribeUserPool (cognito-idp:DescribeUserPool): its tags, and its name as an alias. */
export async function readUserPoolTags(cognito: CognitoIdentityProviderClient, userPoolId: string): Promise<TagRead> {
  try {
    const pool = (await cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))).UserPool;
    if (!pool) return { state: "absent" };
    return { state: "read", tags: { ...(pool.UserPoolTags ?? {}) }, aliases: pool.Name ? [pool.Name] : [] };
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") return { state: "absent" };
    return unreadable(`cognito-idp:DescribeUserPool on user pool ${userPoolId}`, error);
  }
}

export function bucketTarget(s3: S3Client, bucket: string): WriteTargetCheck {
  return { kind: "s3-bucket", name: bucket, read: () => readBucketTags(s3, bucket) };
}

export function clusterTarget(rds: RDSClient, clusterId: string, options: { mayBeAbsent?: boolean } = {}): WriteTargetCheck {
  return { kind: "rds-cluster", name: clusterId, mayBeAbsent: options.mayBeAbsent, read: () => readClusterTags(rds, clusterId) };
}

export function userPoolTarget(cognito: CognitoIdentityProviderClient, userPoolId: string): WriteTargetCheck {
  return { kind: "cognito-user-pool", name: userPoolId, read: () => readUserPoolTags(cognito, userPoolId) };
}
