/**
 * Unit tests of the synthesized environment and bootstrap stacks (cdktf Testing, no AWS):
 * what every environment must contain, and what it must never contain.
 */
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { EMULATOR_MISSING_TYPES } from "../environments/aws-target";
import type { EnvironmentConfig } from "../environments/config";
import { namedEnvironments, previewConfig, validateEnvironments } from "../environments/registry";
import { resourcesOfType, synthBootstrap, synthEnvironment } from "./helpers/stacks";

const environments = validateEnvironments(namedEnvironments);
const all: EnvironmentConfig[] = [environments.staging, environments.production, previewConfig(42)];

describe.each(all.map((config) => [config.name, config] as const))("environment %s", (name, config) => {
  const { json, parsed } = synthEnvironment(config);

  test("has no NAT gateway and an S3 gateway endpoint", () => {
    expect(resourcesOfType(parsed, "aws_nat_gateway")).toHaveLength(0);
    expect(json).toHaveResourceWithProperties(VpcEndpoint, { vpc_endpoint_type: "Gateway", service_name: `com.amazonaws.${config.region}.s3` });
  });

  test("runs Aurora Serverless v2 with the configured scaling, a customer key and IAM auth", () => {
    const scaling: Record<string, unknown> = { min_capacity: config.database.minCapacity, max_capacity: config.database.maxCapacity };
    if (config.database.minCapacity === 0) scaling.seconds_until_auto_pause = config.database.secondsUntilAutoPause;
    expect(json).toHaveResourceWithProperties(RdsCluster, {
      cluster_identifier: `twinstack-${name}`,
      engine: "aurora-postgresql",
      engine_mode: "provisioned",
      storage_encrypted: true,
      kms_key_id: expect.stringContaining("aws_kms_key."),
      iam_database_authentication_enabled: true,
      manage_master_user_password: true,
      serverlessv2_scaling_configuration: scaling,
      deletion_protection: config.database.deletionProtection,
    });
    const instances = resourcesOfType(parsed, "aws_rds_cluster_instance");
    expect(instances.map((instance) => instance.identifier)).toEqual(
      Array.from({ length: config.database.instanceCount }, (_, i) => `twinstack-${name}-${i + 1}`),
    );
    expect(instances.every((instance) => instance.instance_class === "db.serverless")).toBe(true);
  });

  test("keeps state in its account's bucket with both lockfile and DynamoDB locking", () => {
    expect(parsed.terraform.backend?.s3).toMatchObject({
      bucket: `twinstack-tfstate-${config.accountId}`,
      key: `twinstack-${name}/terraform.tfstate`,
      encrypt: true,
      use_lockfile: true,
      dynamodb_table: "twinstack-tflock",
    });
  });

  test("assumes its deploy role, only in its account, with default tags", () => {
    expect(parsed.provider.aws[0]).toMatchObject({
      region: config.region,
      allowed_account_ids: [config.accountId],
      assume_role: [{ role_arn: config.deployRoleArn }],
      default_tags: [{ tags: expect.objectContaining({ Project: "twinstack", Environment: name, ManagedBy: "cdktf", Version: "9.9.9" }) }],
    });
  });
});

describe("environment differences are data", () => {
  test("staging pauses at 0 ACU; production keeps 0.5 ACU, deletion protection and a final snapshot", () => {
    // GIVEN staging and production WHEN synthesized
    const staging = synthEnvironment(environments.staging).json;
    const production = synthEnvironment(environments.production).json;
    // THEN staging auto-pauses and production is protected
    expect(staging).toHaveResourceWithProperties(RdsCluster, {
      serverlessv2_scaling_configuration: { min_capacity: 0, max_capacity: 1, seconds_until_auto_pause: 300 },
      skip_final_snapshot: true,
    });
    expect(production).toHaveResourceWithProperties(RdsCluster, {
      serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 4 },
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: expect.stringContaining("twinstack-production-final-"),
    });
  });

  test("a protected environment's configured users are Terraform's, invited by Cognito's email (users:seed refuses it); staging's are seeded, not in its stack", () => {
    const production = resourcesOfType(synthEnvironment(environments.production).parsed, "aws_cognito_user");
    expect(production.map((user) => user.username).sort()).toEqual(environments.production.users.map((user) => user.email).sort());
    expect(production.every((user) => JSON.stringify(user.desired_delivery_mediums) === '["EMAIL"]' && user.message_action === undefined && user.temporary_password === undefined)).toBe(true);
    expect(resourcesOfType(synthEnvironment(environments.staging).parsed, "aws_cognito_user")).toHaveLength(0);
  });

  test("a preview has its own names and state key in staging's account", () => {
    const { parsed } = synthEnvironment(previewConfig(42));
    expect(parsed.terraform.backend?.s3).toMatchObject({ key: "twinstack-preview-pr-42/terraform.tfstate", bucket: "twinstack-tfstate-111111111111" });
    expect(resourcesOfType(parsed, "aws_rds_cluster")[0]).toMatchObject({ cluster_identifier: "twinstack-preview-pr-42", deletion_protection: false });
  });

  test("with an emulator endpoint, provider and backend use path-style S3, the types the emulator lacks are left out, and nothing else changes", () => {
    const real = synthEnvironment(environments.staging).parsed;
    const emulated = synthEnvironment(environments.staging, { endpointUrl: "http://127.0.0.1:5000" }).parsed;
    expect(emulated.provider.aws[0]).toMatchObject({ s3_use_path_style: true });
    expect(emulated.terraform.backend?.s3).toMatchObject({ use_path_style: true });
    const supported = Object.fromEntries(Object.entries(real.resource).filter(([type]) => !EMULATOR_MISSING_TYPES.includes(type)));
    expect(emulated.resource).toEqual(supported);
  });
});

describe("bootstrap stacks", () => {
  const stacks = synthBootstrap(Object.values(environments));

  test("one per account, each with its state bucket and lock table", () => {
    expect(stacks).toHaveLength(2);
    for (const { json, parsed } of stacks) {
      const accountId = (parsed.provider.aws[0].allowed_account_ids as string[])[0];
      expect(resourcesOfType(parsed, "aws_s3_bucket")[0]).toMatchObject({ bucket: `twinstack-tfstate-${accountId}`, force_destroy: false });
      expect(json).toHaveResourceWithProperties(DynamodbTable, {
        name: "twinstack-tflock",
        billing_mode: "PAY_PER_REQUEST",
        hash_key: "LockID",
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true, kms_key_arn: expect.stringContaining("aws_kms_key.") },
      });
      expect(parsed.terraform.backend?.local).toEqual({ path: expect.stringMatching(/terraform\.twinstack-bootstrap-\d{12}\.tfstate$/) });
    }
  });

  test("a single-account topology gets a single bootstrap", () => {
    const sameAccount = { ...environments.production, accountId: "111111111111", deployRoleArn: environments.staging.deployRoleArn, snapshotShareAccountIds: [] };
    expect(synthBootstrap([environments.staging, sameAccount])).toHaveLength(1);
  });
});

describe("bootstrap stacks carry the GitHub OIDC roles", () => {
  const [staging, production] = synthBootstrap([environments.staging, environments.production]).map((stack) => stack.parsed);
  const roleNamesOf = (stack: typeof staging) => resourcesOfType(stack, "aws_iam_role").map((role) => role.name).sort();

  test("the staging account has plan, apply, preview and the refresh role; production has plan, apply, the refresh source and the restore drill's", () => {
    expect(roleNamesOf(staging)).toEqual(["twinstack-github-apply", "twinstack-github-plan", "twinstack-github-preview", "twinstack-github-refresh-staging"]);
    expect(roleNamesOf(production)).toEqual(["twinstack-github-apply", "twinstack-github-dr-drill-production", "twinstack-github-plan", "twinstack-refresh-source"]);
  });

  test("production's uploads bucket lets only staging's refresh role list and read it", () => {
    const { parsed } = synthEnvironment(environments.production);
    const policies = resourcesOfType(parsed, "aws_s3_bucket_policy").map((policy) => JSON.parse(policy.policy as string));
    const allows = policies.flatMap((policy) => policy.Statement).filter((statement: { Effect: string }) => statement.Effect === "Allow");
    expect(allows).toEqual(
      expect.arrayContaining([expect.objectContaining({ Principal: { AWS: "arn:aws:iam::111111111111:role/twinstack-github-refresh-staging" } })]),
    );
    expect(JSON.stringify(allows)).not.toContain('"Principal":"*"');
  });

  test("with ambient credentials (GitHub OIDC) neither provider nor backend assumes the deploy role", () => {
    const { parsed } = synthEnvironment(environments.staging, { ambientCredentials: true });
    expect(parsed.provider.aws[0].assume_role).toBeUndefined();
    expect((parsed.terraform.backend?.s3 as Record<string, unknown>).assume_role).toBeUndefined();
  });
});
