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
  protected: false,
  network: {
    cidr: "10.20.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b"],
    interfaceEndpoints: [],
    flowLogRetentionDays: 14,
  },
  database: {
    engineVersion: "16.4",
    minCapacity: 0,
    maxCapacity: 1,
    secondsUntilAutoPause: 300,
    instanceCount: 1,
    deletionProtection: false,
    backupRetentionDays: 1,
    finalSnapshot: false,
  },
  tags: { CostCenter: "engineering" },
};
