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
