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
 * Tag keys the refresh writes on what it creates, and that IAM conditions (modules/github-oidc)
 * read: the tool's namespace, the same in every project.
 */
export const REFRESH_TAGS = {
  refreshId: "twinstack:refresh-id",
  sourceEnv: "twinstack:source-env",
  targetEnv: "twinstack:target-env",
  scrubbed: "twinstack:scrubbed",
  retiredBy: "twinstack:retired-by",
  deleteAfter: "twinstack:delete-after",
} as const;

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
