/**
 * In-place diffs a second `terraform plan` shows after an apply into the emulator (moto 5.2.1)
 * that are emulator artefacts, not drift in our code (used by the emulator tests and by the
 * sandbox's "plan of staging is clean" step). One entry per resource type and
 * top-level attribute, each with why. Anything not listed fails the convergence check, and
 * so does any replacement or destroy.
 */
export interface EmulatorQuirk {
  readonly type: string;
  readonly attribute: string;
  readonly reason: string;
}

export const EMULATOR_QUIRKS: EmulatorQuirk[] = [
  {
    type: "aws_cloudfront_distribution",
    attribute: "default_cache_behavior",
    reason: "moto fills forwarded_values defaults into behaviours that use cache policies; AWS returns none",
  },
  {
    type: "aws_cloudfront_distribution",
    attribute: "ordered_cache_behavior",
    reason: "moto fills forwarded_values defaults into behaviours that use cache policies; AWS returns none",
  },
  {
    type: "aws_cloudfront_distribution",
    attribute: "viewer_certificate",
    reason: "moto reports ssl_support_method sni-only for the default CloudFront certificate; AWS returns none",
  },
  {
    type: "aws_vpc_security_group_ingress_rule",
    attribute: "description",
    reason: "moto drops the description of a rule that references another security group; AWS keeps it",
  },
  {
    type: "aws_vpc_security_group_egress_rule",
    attribute: "description",
    reason: "moto drops the description of a rule that references another security group; AWS keeps it",
  },
  {
    type: "aws_rds_cluster_instance",
    attribute: "performance_insights_enabled",
    reason: "moto does not return PerformanceInsightsEnabled for cluster instances; AWS does (production turns it on)",
  },
  {
    type: "aws_rds_cluster_instance",
    attribute: "performance_insights_kms_key_id",
    reason: "moto does not return PerformanceInsightsKMSKeyId for cluster instances; AWS does",
  },
  {
    type: "aws_backup_vault",
    attribute: "tags_all",
    reason:
      "moto's Backup ListTags reads the ARN from the path's second-to-last segment (`/tags/<arn>/`); the provider calls `/tags/<arn>` without the trailing slash, so moto answers no tags and the default tags look missing; AWS returns the tags given at creation",
  },
  {
    type: "aws_backup_plan",
    attribute: "tags_all",
    reason: "the same ListTags path defect as aws_backup_vault: moto answers no tags for `/tags/<arn>`; AWS returns the plan's tags",
  },
];

export function isQuirk(type: string, attribute: string): EmulatorQuirk | undefined {
  return EMULATOR_QUIRKS.find((quirk) => quirk.type === type && quirk.attribute === attribute);
}
