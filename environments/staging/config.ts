import type { EnvironmentConfigInput } from "../config";

/**
 * Staging: a cheap, scrubbed copy of production in its own AWS account.
 * Idle cost is near zero: Aurora pauses at 0 ACU, no NAT gateway, no interface endpoints.
 */
export const staging: EnvironmentConfigInput = {
  project: "twinstack",
  name: "staging",
  // Placeholder account ids: replace with your own (see README, "Adding an environment").
  accountId: "111111111111",
  region: "us-east-1",
  deployRoleArn: "arn:aws:iam::111111111111:role/twinstack-deploy",
  // Placeholder repository: the one whose GitHub Actions may deploy (OIDC trust).
  github: { owner: "example-org", repository: "twinstack" },
  protected: false,
  // The cheapest profile: Aurora pauses at 0 ACU, one instance (idle ≈ $5.4/month, `npm run cost -- staging`).
  profile: "hobby",
  network: {
    cidr: "10.20.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b"],
    interfaceEndpoints: [],
    flowLogRetentionDays: 14,
  },
  database: {
    engineVersion: "16.4",
    deletionProtection: false,
    finalSnapshot: false,
  },
  auth: {
    mfa: "OPTIONAL",
    deletionProtection: false,
    // Placeholder domain: replace with your staging site's URL.
    callbackUrls: ["https://staging.example.com/auth/callback", "http://localhost:5173/auth/callback"],
    logoutUrls: ["https://staging.example.com/", "http://localhost:5173/"],
  },
  users: [{ email: "qa-admin@example.com", groups: ["admin"] }],
  policySuppressions: [
    {
      rule: "TS-CF-002",
      resource: "aws_cloudfront_distribution.cdn_distribution_0B80AA6B",
      reason: "no custom domain configured yet: CloudFront's default certificate cannot enforce TLS 1.2; set site.domain and remove this",
    },
  ],
  tags: { CostCenter: "engineering" },
  // Staging is rebuilt from production by a refresh: Aurora's own point-in-time restore is enough.
  dr: { rpoMinutes: 5, rtoMinutes: 60 },
  // The staging account also holds the previews: count staging's own spend by its Environment tag.
  budget: { monthlyLimitUsd: 15, scope: "tag", anomalyMonitor: true },
};
