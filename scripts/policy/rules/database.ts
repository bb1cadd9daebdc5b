/** Aurora / RDS: encryption, deletion protection, IAM auth, backups, logs, exposure, credentials. */
import { Rule, fail, pass } from "../engine";
import { asList, asNumber, block, isExpression, isFalse, isTrue, stringList } from "../model";

const CLUSTER = "aws_rds_cluster";
const INSTANCES = ["aws_rds_cluster_instance", "aws_db_instance"];

export const databaseRules: Rule[] = [
  {
    id: "TS-RDS-001",
    title: "Aurora storage is encrypted",
    resourceTypes: [CLUSTER, "aws_db_instance"],
    checkov: ["CKV_AWS_96"],
    trivy: ["AVD-AWS-0079"],
    check: (r) => (isTrue(r.values.storage_encrypted) ? pass("storage_encrypted = true") : fail("storage_encrypted is not true")),
  },
  {
    id: "TS-RDS-002",
    title: "Aurora is encrypted with a customer-managed KMS key",
    resourceTypes: [CLUSTER, "aws_db_instance"],
    checkov: ["CKV_AWS_327"],
    check: (r) => (typeof r.values.kms_key_id === "string" && r.values.kms_key_id !== "" ? pass("kms_key_id set") : fail("kms_key_id unset: the AWS-managed aws/rds key cannot be shared for a refresh")),
  },
  {
    id: "TS-RDS-003",
    title: "Deletion protection is on in a protected environment",
    resourceTypes: [CLUSTER, "aws_db_instance"],
    checkov: ["CKV_AWS_139"],
    trivy: ["AVD-AWS-0177"],
    check: (r, { env }) => {
      if (!env.protected) return undefined;
      return isTrue(r.values.deletion_protection) ? pass("deletion_protection = true") : fail("deletion_protection is not true in a protected environment");
    },
  },
  {
    id: "TS-RDS-004",
    title: "IAM database authentication is enabled",
    resourceTypes: [CLUSTER],
    checkov: ["CKV_AWS_162"],
    trivy: ["AVD-AWS-0176"],
    check: (r) => (isTrue(r.values.iam_database_authentication_enabled) ? pass("iam_database_authentication_enabled = true") : fail("iam_database_authentication_enabled is not true")),
  },
  {
    id: "TS-RDS-005",
    title: "Backup retention ≥ 1 day (≥ 7 in a protected environment)",
    resourceTypes: [CLUSTER],
    checkov: ["CKV_AWS_133"],
    trivy: ["AVD-AWS-0077"],
    check: (r, { env }) => {
      const days = asNumber(r.values.backup_retention_period) ?? 1;
      const minimum = env.protected ? 7 : 1;
      return days >= minimum ? pass(`backup_retention_period ${days} ≥ ${minimum}`) : fail(`backup_retention_period ${days} < ${minimum}${env.protected ? " (protected environment)" : ""}`);
    },
  },
  {
    id: "TS-RDS-006",
    title: "Aurora exports its database log to CloudWatch",
    resourceTypes: [CLUSTER],
    checkov: ["CKV_AWS_324"],
    check: (r) => {
      const exports = stringList(r.values.enabled_cloudwatch_logs_exports);
      return exports.length > 0 ? pass(`exports ${exports.join(", ")}`) : fail("enabled_cloudwatch_logs_exports is empty");
    },
  },
  {
    id: "TS-RDS-007",
    title: "Aurora copies tags to snapshots",
    resourceTypes: [CLUSTER],
    checkov: ["CKV_AWS_313"],
    check: (r) => (isTrue(r.values.copy_tags_to_snapshot) ? pass("copy_tags_to_snapshot = true") : fail("copy_tags_to_snapshot is not true")),
  },
  {
    id: "TS-RDS-008",
    title: "Database instances are not publicly accessible",
    resourceTypes: INSTANCES,
    checkov: ["CKV_AWS_17"],
    trivy: ["AVD-AWS-0180"],
    check: (r) => (isTrue(r.values.publicly_accessible) ? fail("publicly_accessible = true") : pass("publicly_accessible is false")),
  },
  {
    id: "TS-RDS-009",
    title: "Performance Insights is on in a protected environment",
    resourceTypes: INSTANCES,
    checkov: ["CKV_AWS_353"],
    trivy: ["AVD-AWS-0133"],
    check: (r, { env }) => {
      if (!env.protected) return undefined;
      return isTrue(r.values.performance_insights_enabled) ? pass("performance_insights_enabled = true") : fail("performance_insights_enabled is not true in a protected environment");
    },
  },
  {
    id: "TS-RDS-010",
    title: "Database instances take automatic minor upgrades",
    resourceTypes: INSTANCES,
    checkov: ["CKV_AWS_226"],
    check: (r) => (isFalse(r.values.auto_minor_version_upgrade) ? fail("auto_minor_version_upgrade = false") : pass("auto_minor_version_upgrade on (provider default true)")),
  },
  {
    id: "TS-RDS-011",
    title: "The master password is managed by RDS in Secrets Manager (no password in configuration)",
    resourceTypes: [CLUSTER, "aws_db_instance"],
    checkov: ["CKV_AWS_161"],
    check: (r) => {
      if (r.values.master_password !== undefined || r.values.password !== undefined) return fail("a master password is set in the configuration (it ends up in state): use manage_master_user_password");
      if (r.values.snapshot_identifier !== undefined || r.values.replication_source_identifier !== undefined) return pass("restored or replica cluster; credentials come from the source");
      return isTrue(r.values.manage_master_user_password) ? pass("manage_master_user_password = true") : fail("manage_master_user_password is not true");
    },
  },
  {
    id: "TS-RDS-012",
    title: "Performance Insights data is encrypted with a customer-managed key",
    resourceTypes: INSTANCES,
    checkov: ["CKV_AWS_354"],
    check: (r) => {
      if (!isTrue(r.values.performance_insights_enabled)) return undefined;
      return r.values.performance_insights_kms_key_id ? pass("performance_insights_kms_key_id set") : fail("performance_insights_kms_key_id unset");
    },
  },
  {
    id: "TS-RDS-013",
    title: "Aurora PostgreSQL forces TLS (rds.force_ssl = 1 in its cluster parameter group)",
    resourceTypes: [CLUSTER],
    checkov: [],
    check: (r, { stack }) => {
      if (!String(r.values.engine ?? "").includes("postgres")) return undefined;
      const group = stack.resolve(r.values.db_cluster_parameter_group_name);
      if (!group) return fail("db_cluster_parameter_group_name does not name a parameter group of this stack (the default group allows plain connections)");
      const forced = asList(group.values.parameter).some((p) => p.name === "rds.force_ssl" && String(p.value) === "1");
      return forced ? pass(`${group.address} sets rds.force_ssl = 1`) : fail(`${group.address} does not set rds.force_ssl = 1`);
    },
  },
  {
    id: "TS-RDS-014",
    title: "A final snapshot is taken on destroy in a protected environment",
    resourceTypes: [CLUSTER],
    checkov: [],
    check: (r, { env }) => {
      if (!env.protected) return undefined;
      return isTrue(r.values.skip_final_snapshot) || r.values.skip_final_snapshot === undefined
        ? fail("skip_final_snapshot is true (provider default) in a protected environment")
        : pass("skip_final_snapshot = false");
    },
  },
  {
    id: "TS-RDS-015",
    title: "The managed master secret is encrypted with a customer-managed key",
    resourceTypes: [CLUSTER],
    checkov: ["CKV_AWS_149"],
    check: (r) => {
      if (!isTrue(r.values.manage_master_user_password)) return undefined;
      return r.values.master_user_secret_kms_key_id ? pass("master_user_secret_kms_key_id set") : fail("master_user_secret_kms_key_id unset (uses aws/secretsmanager)");
    },
  },
  {
    id: "TS-RDS-016",
    title: "Aurora Serverless v2 scaling has a maximum ≥ 1 ACU and ≥ its minimum",
    resourceTypes: [CLUSTER],
    checkov: [],
    check: (r) => {
      const scaling = block(r.values.serverlessv2_scaling_configuration);
      if (Object.keys(scaling).length === 0) return undefined;
      const min = asNumber(scaling.min_capacity);
      const max = asNumber(scaling.max_capacity);
      if (min === undefined || max === undefined) return isExpression(scaling.max_capacity) ? undefined : fail("min_capacity / max_capacity unset");
      return max >= 1 && max >= min ? pass(`${min}–${max} ACU`) : fail(`max_capacity ${max} must be ≥ 1 and ≥ min_capacity ${min}`);
    },
  },
];
