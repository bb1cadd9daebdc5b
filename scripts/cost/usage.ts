/**
 * Usage profiles: every usage-dependent number the estimate needs, each written down.
 * `idle` is an environment nobody uses (staging between refreshes, a quiet preview);
 * `typical` is a small production workload.
 */

export interface UsageProfile {
  readonly name: "idle" | "typical";
  readonly description: string;
  /** Hours per month an auto-pausing (min 0 ACU) Aurora cluster is awake. */
  readonly auroraActiveHours: number;
  /** ACU an awake auto-pausing cluster runs at (capped at its max capacity). */
  readonly auroraActiveAcu: number;
  /** ACU above min capacity an always-on cluster averages (capped at its max). */
  readonly auroraAverageAcuAboveMin: number;
  /** Aurora cluster volume, GB. */
  readonly auroraStorageGb: number;
  /** Aurora I/O requests per month, millions. */
  readonly auroraIoMillions: number;
  /** GB ingested per month into each CloudWatch log group. */
  readonly logIngestGbPerGroup: number;
  /** KMS requests per key per month. */
  readonly kmsRequestsPerKey: number;
  /** Secrets Manager API calls per secret per month. */
  readonly secretCallsPerSecret: number;
  /** Lambda invocations per function per month, and average duration. */
  readonly lambdaRequests: number;
  readonly lambdaDurationMs: number;
  /** HTTP API requests per API per month. */
  readonly httpApiRequests: number;
  /** CloudFront data out (GB) and HTTPS requests per distribution per month. */
  readonly cloudfrontGb: number;
  readonly cloudfrontRequests: number;
  /** Per S3 bucket: stored GB, PUT-class and GET requests per month. */
  readonly s3StorageGb: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
  /** Per on-demand DynamoDB table: write and read request units per month, stored GB. */
  readonly dynamodbWrites: number;
  readonly dynamodbReads: number;
  readonly dynamodbStorageGb: number;
  /** GB processed per interface endpoint / NAT gateway per month. */
  readonly endpointGb: number;
  readonly natGb: number;
  /** DNS queries per hosted zone per month, millions. */
  readonly route53QueryMillions: number;
  /** Cognito monthly active users per user pool. */
  readonly cognitoMau: number;
  /** X-Ray traces per month (per traced function), millions. */
  readonly xrayTraceMillions: number;
}

export const USAGE: Record<UsageProfile["name"], UsageProfile> = {
  idle: {
    name: "idle",
    description: "nobody uses it: the database wakes ~8 h a month (a refresh, a smoke test), a few thousand requests",
    auroraActiveHours: 8,
    auroraActiveAcu: 1,
    auroraAverageAcuAboveMin: 0,
    auroraStorageGb: 1,
    auroraIoMillions: 0.05,
    logIngestGbPerGroup: 0.05,
    kmsRequestsPerKey: 2_000,
    secretCallsPerSecret: 100,
    lambdaRequests: 5_000,
    lambdaDurationMs: 100,
    httpApiRequests: 5_000,
    cloudfrontGb: 0.5,
    cloudfrontRequests: 5_000,
    s3StorageGb: 0.5,
    s3Puts: 1_000,
    s3Gets: 5_000,
    dynamodbWrites: 500,
    dynamodbReads: 500,
    dynamodbStorageGb: 0.001,
    endpointGb: 0.1,
    natGb: 1,
    route53QueryMillions: 0.01,
    cognitoMau: 5,
    xrayTraceMillions: 0.005,
  },
  typical: {
    name: "typical",
    description: "a small production day: business hours of traffic (~200 h awake), 1 M API requests, 20 GB database",
    auroraActiveHours: 200,
    auroraActiveAcu: 2,
    auroraAverageAcuAboveMin: 0.5,
    auroraStorageGb: 20,
    auroraIoMillions: 5,
    logIngestGbPerGroup: 2,
    kmsRequestsPerKey: 50_000,
    secretCallsPerSecret: 10_000,
    lambdaRequests: 1_000_000,
    lambdaDurationMs: 150,
    httpApiRequests: 1_000_000,
    cloudfrontGb: 50,
    cloudfrontRequests: 2_000_000,
    s3StorageGb: 10,
    s3Puts: 50_000,
    s3Gets: 1_000_000,
    dynamodbWrites: 20_000,
    dynamodbReads: 20_000,
    dynamodbStorageGb: 0.01,
    endpointGb: 10,
    natGb: 50,
    route53QueryMillions: 1,
    cognitoMau: 500,
    xrayTraceMillions: 1,
  },
};

/** Hours in the billing month AWS uses. */
export const HOURS_PER_MONTH = 730;
