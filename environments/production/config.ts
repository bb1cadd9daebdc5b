import type { EnvironmentConfigInput } from "../config";

/** Production: its own AWS account, protected (never a refresh target), deletion protection on. */
export const production: EnvironmentConfigInput = {
  project: "twinstack",
  name: "production",
  // Placeholder account ids: replace with your own (see README, "Adding an environment").
  accountId: "222222222222",
  region: "us-east-1",
  deployRoleArn: "arn:aws:iam::222222222222:role/twinstack-deploy",
  // Placeholder repository: the one whose GitHub Actions may deploy (OIDC trust).
  github: { owner: "example-org", repository: "twinstack" },
  protected: true,
  // Staging restores production snapshots during a refresh: its account may use the database key.
  snapshotShareAccountIds: ["111111111111"],
  network: {
    cidr: "10.10.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    interfaceEndpoints: [],
    flowLogRetentionDays: 90,
  },
  database: {
    engineVersion: "16.4",
    minCapacity: 0.5,
    maxCapacity: 4,
    instanceCount: 2,
    deletionProtection: true,
    backupRetentionDays: 14,
    finalSnapshot: true,
    performanceInsights: true,
  },
  api: { reservedConcurrency: 50, logRetentionDays: 90 },
  auth: {
    mfa: "ON",
    deletionProtection: true,
    // Placeholder domain: replace with your production site's URL.
    callbackUrls: ["https://app.example.com/auth/callback"],
    logoutUrls: ["https://app.example.com/"],
  },
  users: [
    { email: "owner@example.com", groups: ["super_admin"] },
    { email: "accounts@example.com", groups: ["accounting"] },
    { email: "agent@example.com", groups: ["agent"] },
  ],
  // Placeholder address: the on-call list that receives production alarms.
  alerts: { emails: ["alerts@example.com"] },
  policySuppressions: [
    {
      rule: "TS-CF-002",
      resource: "aws_cloudfront_distribution.cdn_distribution_0B80AA6B",
      reason: "no custom domain configured yet: CloudFront's default certificate cannot enforce TLS 1.2; set site.domain and remove this",
    },
  ],
  tags: { CostCenter: "engineering" },
};
