/**
 * How the AWS provider and S3 backend reach AWS. Real AWS by default; when AWS_ENDPOINT_URL
 * points at an emulator (the sandbox, the integration tests), the same stacks get path-style
 * S3 and skip the EC2 metadata lookup. Modules never see this: only the stack-level provider
 * and backend do.
 */
export interface AwsTarget {
  /** Set when an emulated AWS is targeted (e.g. `http://127.0.0.1:5000`). */
  readonly endpointUrl?: string;
  /**
   * Use the caller's credentials as they are instead of assuming each environment's deploy
   * role: GitHub Actions already holds the right role through OIDC (TWINSTACK_USE_AMBIENT_CREDENTIALS=1).
   */
  readonly ambientCredentials?: boolean;
}

export function awsTargetFromEnv(env: NodeJS.ProcessEnv = process.env): AwsTarget {
  const endpointUrl = env.AWS_ENDPOINT_URL?.trim();
  const ambientCredentials = env.TWINSTACK_USE_AMBIENT_CREDENTIALS === "1" || env.TWINSTACK_USE_AMBIENT_CREDENTIALS === "true";
  return { ...(endpointUrl ? { endpointUrl } : {}), ...(ambientCredentials ? { ambientCredentials } : {}) };
}

/**
 * True when `url` reaches this machine only (127.0.0.0/8, ::1, localhost): an emulator, never
 * AWS. What may run only against an emulator (the single-account topology, the sandbox's direct
 * seeding) asks this, so pointing it at real AWS is refused rather than trusted.
 */
export function isLoopbackEndpoint(url: string | undefined): boolean {
  if (!url) return false;
  let host: string;
  try {
    host = new URL(url.trim()).hostname;
  } catch {
    return false;
  }
  if (host === "localhost" || host === "[::1]") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host.split(".").every((octet) => Number(octet) <= 255);
}

/**
 * Resource types the emulator (moto 5.2.1) cannot create or read back. A stack aimed at the emulator leaves
 * them out; real Terraform validates them, contract tests cover what the drill does with them,
 * and docs/operations.md names them.
 */
export const EMULATOR_MISSING_TYPES: readonly string[] = [
  // No CreateBackupSelection: the plan is there, what it backs up is not.
  "aws_backup_selection",
  // moto's Budgets lacks ListTagsForResource and DescribeSubscribersForNotification, which the
  // provider calls on every read of a budget (and retries the 500 for its whole timeout).
  "aws_budgets_budget",
  // Cost Explorer in moto has cost categories only.
  "aws_ce_anomaly_monitor",
  "aws_ce_anomaly_subscription",
];

/** Whether a resource type can be created on this target. */
export function targetSupports(target: AwsTarget, resourceType: string): boolean {
  return target.endpointUrl === undefined || !EMULATOR_MISSING_TYPES.includes(resourceType);
}
