/**
 * How the AWS provider and S3 backend reach AWS. Real AWS by default; when AWS_ENDPOINT_URL
 * points at an emulator (the sandbox, the integration tests), the same stacks get path-style
 * S3 and skip the EC2 metadata lookup. Modules never see this: only the stack-level provider
 * and backend do.
 */
export interface AwsTarget {
  /** Set when an emulated AWS is targeted (e.g. `http://127.0.0.1:5000`). */
  readonly endpointUrl?: string;
}

export function awsTargetFromEnv(env: NodeJS.ProcessEnv = process.env): AwsTarget {
  const endpointUrl = env.AWS_ENDPOINT_URL?.trim();
  return endpointUrl ? { endpointUrl } : {};
}
