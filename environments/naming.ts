import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EnvironmentConfig } from "./config";

/** `twinstack-staging`: the stack id, and the prefix of every resource name in it. */
export function stackId(config: Pick<EnvironmentConfig, "project" | "name">): string {
  return `${config.project}-${config.name}`;
}

/** `twinstack-bootstrap-111111111111`: the one bootstrap stack of an account. */
export function bootstrapStackId(project: string, accountId: string): string {
  return `${project}-bootstrap-${accountId}`;
}

/** The release version, from the VERSION file at the repository root. */
export function readVersion(root = join(__dirname, "..")): string {
  return readFileSync(join(root, "VERSION"), "utf8").trim();
}

/** `twinstack-production-uploads-222222222222`: the uploads bucket (also named by the other account's refresh grants). */
export function uploadsBucketName(config: Pick<EnvironmentConfig, "project" | "name" | "accountId">): string {
  return `${stackId(config)}-uploads-${config.accountId}`;
}

/**
 * The tag key that names a resource's environment: every stack applies it (default tags), and the
 * write guard (scripts/lib/guard.ts) reads it before any write to tell whose resource it is.
 */
export const ENVIRONMENT_TAG = "Environment";

/**
 * The namespace of the refresh's tags: the same in every project. Terraform leaves tags under it
 * alone (the provider's `ignore_tags`), so converging staging after a refresh keeps them.
 */
export const REFRESH_TAG_PREFIX = "twinstack:";

/**
 * Tag keys the refresh writes on what it creates, and that IAM conditions (modules/github-oidc)
 * read.
 */
export const REFRESH_TAGS = {
  refreshId: `${REFRESH_TAG_PREFIX}refresh-id`,
  sourceEnv: `${REFRESH_TAG_PREFIX}source-env`,
  targetEnv: `${REFRESH_TAG_PREFIX}target-env`,
  scrubbed: `${REFRESH_TAG_PREFIX}scrubbed`,
  retiredBy: `${REFRESH_TAG_PREFIX}retired-by`,
  deleteAfter: `${REFRESH_TAG_PREFIX}delete-after`,
  /** The refresh id whose swap the target stack was converged (Terraform-applied) after. */
  converged: `${REFRESH_TAG_PREFIX}converged`,
} as const;

/** `/twinstack/staging`: the SSM prefix of an environment's non-secret settings (modules/app-config). */
export function settingsPrefix(config: Pick<EnvironmentConfig, "project" | "name">): string {
  return `/${config.project}/${config.name}`;
}

/** The setting that names an environment's Cognito user pool id (read by users:seed and the scrub's Cognito remap). */
export const USER_POOL_ID_SETTING = "cognito/user-pool-id";

/** `/twinstack/staging/cognito/user-pool-id`: one setting's SSM parameter name. */
export function settingParameterName(config: Pick<EnvironmentConfig, "project" | "name">, setting: string): string {
  return `${settingsPrefix(config)}/${setting}`;
}

/** `twinstack-refresh/staging`: the refresh lock's key in the target account's lock table (and its IAM `dynamodb:LeadingKeys`). */
export function refreshLockKey(config: Pick<EnvironmentConfig, "project" | "name">): string {
  return `${config.project}-refresh/${config.name}`;
}

/** `twinstack-production-drill`: the subnet group and security group of restore drills, and the prefix of their scratch clusters. */
export function drillResourcesName(config: Pick<EnvironmentConfig, "project" | "name">): string {
  return `${stackId(config)}-drill`;
}

/** SSM settings (under `/<project>/<env>/`) that name the drill's subnet group and security group for `npm run dr`. */
export const DRILL_SETTINGS = { subnetGroup: "drill/subnet-group", securityGroupId: "drill/security-group-id" } as const;
