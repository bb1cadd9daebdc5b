/** Unit tests of modules/aurora (cdktf Testing, no AWS). */
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Testing } from "cdktf";
import { AuroraDatabase, AuroraProps } from "../../modules/aurora";

const baseProps: AuroraProps = {
  identifier: "twinstack-test",
  vpcId: "vpc-123",
  subnetIds: ["subnet-a", "subnet-b"],
  accountId: "222222222222",
  engineVersion: "16.4",
  minCapacity: 0,
  maxCapacity: 1,
  deletionProtection: false,
  backupRetentionDays: 1,
  finalSnapshot: false,
};

function synth(props: Partial<AuroraProps> = {}, configure?: (db: AuroraDatabase) => void) {
  const json = Testing.synthScope((scope) => {
    const db = new AuroraDatabase(scope, "database", { ...baseProps, ...props });
    configure?.(db);
  });
  return { json, parsed: JSON.parse(json) };
}

function keyPolicy(parsed: { resource: Record<string, Record<string, { policy: string }>> }) {
  return JSON.parse(Object.values(parsed.resource.aws_kms_key)[0].policy);
}

describe("AuroraDatabase", () => {
  test("GIVEN min 0 WHEN synthesized THEN Serverless v2 auto-pauses, encrypted with its own rotating key, managed password, IAM auth", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(RdsCluster, {
      engine_mode: "provisioned",
      engine_version: "16.4",
      serverlessv2_scaling_configuration: { min_capacity: 0, max_capacity: 1, seconds_until_auto_pause: 300 },
      storage_encrypted: true,
      manage_master_user_password: true,
      iam_database_authentication_enabled: true,
      copy_tags_to_snapshot: true,
      enabled_cloudwatch_logs_exports: ["postgresql"],
      skip_final_snapshot: true,
      lifecycle: { ignore_changes: ["snapshot_identifier", "master_password", "final_snapshot_identifier"] },
    });
    expect(json).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
    expect(json).toHaveResourceWithProperties(RdsClusterInstance, { identifier: "twinstack-test-1", instance_class: "db.serverless", publicly_accessible: false });
  });

  test("GIVEN a share account THEN the key policy lets that account (by root ARN, never *) use the key for restores", () => {
    const { parsed } = synth({ snapshotShareAccountIds: ["111111111111"] });
    const statements = keyPolicy(parsed).Statement as Array<{ Sid: string; Principal: unknown; Action: unknown }>;
    expect(statements.map((s) => s.Sid)).toEqual(["AccountAdministersKey", "SnapshotTargetAccountsUseKey", "SnapshotTargetAccountsCreateGrantsForRds"]);
    expect(statements[1].Principal).toEqual({ AWS: ["arn:aws:iam::111111111111:root"] });
    expect(statements[0].Principal).toEqual({ AWS: "arn:aws:iam::222222222222:root" });
    expect(JSON.stringify(statements)).not.toContain('"Principal":"*"');
  });

  test("GIVEN no share account THEN only the owner account is in the key policy", () => {
    expect(keyPolicy(synth().parsed).Statement).toHaveLength(1);
  });

  test("GIVEN production settings THEN deletion protection and a uniquely named final snapshot", () => {
    const { json } = synth({ minCapacity: 0.5, maxCapacity: 4, deletionProtection: true, finalSnapshot: true, instanceCount: 2, performanceInsights: true });
    expect(json).toHaveResourceWithProperties(RdsCluster, {
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: expect.stringMatching(/^twinstack-test-final-\$\{formatdate\("YYYYMMDDhhmmss", timestamp\(\)\)\}$/),
      serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 4 },
    });
    expect(json).toHaveResourceWithProperties(RdsClusterInstance, { identifier: "twinstack-test-2", performance_insights_enabled: true, promotion_tier: 1 });
  });

  test("GIVEN no clients THEN the security group admits nothing; allowConnectionsFrom admits 5432 from that group only", () => {
    expect(synth().parsed.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    const { json } = synth({}, (db) => db.allowConnectionsFrom("api", "sg-api", "API function"));
    expect(json).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      from_port: 5432,
      to_port: 5432,
      ip_protocol: "tcp",
      referenced_security_group_id: "sg-api",
      description: "API function",
    });
  });
});
