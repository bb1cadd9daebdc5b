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
  // Two always-on Aurora instances (Multi-AZ), Performance Insights, 14 days of automated backups.
  profile: "standard",
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
    deletionProtection: true,
    finalSnapshot: true,
  },
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
  backup: {
    enabled: true,
    snapshotEveryHours: 4,
    continuous: true,
    retentionDays: 35,
    // Governance: an administrator can still lift it (compliance mode cannot be undone after its cooling-off days).
    vaultLock: { mode: "governance", minRetentionDays: 7, maxRetentionDays: 365 },
    regionCopy: { region: "us-west-2", retentionDays: 35 },
    // A separate backup account (placeholder id): set it to yours, or remove the copy (docs/operations.md).
    accountCopy: { accountId: "333333333333", vaultName: "twinstack-production-copies", retentionDays: 35 },
  },
  // In place: continuous backup (5 min). After losing the account or region: a 4-hourly copy plus an hour of copying.
  dr: { rpoMinutes: 15, rtoMinutes: 60, disasterRpoMinutes: 300 },
  budget: { monthlyLimitUsd: 250, scope: "account", anomalyMonitor: true },
  // Paging and working-hours recipients (placeholders); alerts.emails above receive both tiers.
  alarmTiers: { p0: { emails: ["oncall@example.com"] }, p1: { emails: ["team@example.com"] } },
};
