/**
 * Every identifier one refresh uses, derived from the two environments and the refresh id; the
 * live ones exactly as Terraform names them (modules/aurora).
 */
import type { EnvironmentConfig } from "../../../environments/config";
import { stackId } from "../../../environments/naming";

export interface DatabaseNames {
  live: string;
  liveInstances: string[];
  /** The temporary cluster the snapshot is restored into (unscrubbed until the scrub step). */
  newCluster: string;
  newInstances: string[];
  /** Where the live cluster goes during the swap, until delete-old. */
  oldCluster: string;
  oldInstances: string[];
  /** Manual snapshot in the source account. */
  snapshot: string;
  /** Copy of it under the source's customer-managed key, when the source uses `aws/rds`. */
  reencryptedSnapshot: string;
  targetKeyAlias: string;
  sourceKeyAlias: string;
  sourceCluster: string;
}

export function databaseNames(source: EnvironmentConfig, target: EnvironmentConfig, refreshId: string): DatabaseNames {
  const live = stackId(target);
  const range = Array.from({ length: target.database.instanceCount }, (_, i) => i + 1);
  const sourceCluster = stackId(source);
  return {
    live,
    liveInstances: range.map((i) => `${live}-${i}`),
    newCluster: `${live}-new-${refreshId}`,
    newInstances: range.map((i) => `${live}-new-${refreshId}-${i}`),
    oldCluster: `${live}-old-${refreshId}`,
    oldInstances: range.map((i) => `${live}-old-${refreshId}-${i}`),
    snapshot: `${sourceCluster}-refresh-${refreshId}`,
    reencryptedSnapshot: `${sourceCluster}-refresh-${refreshId}-cmk`,
    targetKeyAlias: `alias/${live}-database`,
    sourceKeyAlias: `alias/${sourceCluster}-database`,
    sourceCluster,
  };
}

/** The refresh id inside a temporary (`<live>-new-<id>`) or old (`<live>-old-<id>`) cluster identifier. */
export function refreshIdOf(live: string, clusterId: string): { kind: "new" | "old"; refreshId: string } | undefined {
  const match = new RegExp(`^${live}-(new|old)-(r\\d{12}-[0-9a-f]{4})$`).exec(clusterId);
  return match ? { kind: match[1] as "new" | "old", refreshId: match[2] } : undefined;
}

/** RDS identifiers: 1-63 characters, a letter first, letters/digits/single hyphens, no trailing hyphen. */
export function identifierProblem(id: string): string | undefined {
  if (id.length > 63) return `identifier ${id} is ${id.length} characters; RDS allows 63 (shorten the project or environment name)`;
  if (!/^[a-z](?:-?[a-z0-9])*$/.test(id)) return `identifier ${id} is not a valid RDS identifier`;
  return undefined;
}
