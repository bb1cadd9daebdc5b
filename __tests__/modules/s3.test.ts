/** Unit tests of modules/s3 (cdktf Testing, no AWS). */
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { SecureBucket, SecureBucketProps } from "../../modules/s3";

function synth(props: Partial<SecureBucketProps> = {}, configure?: (bucket: SecureBucket) => void) {
  const json = Testing.synthScope((scope) => {
    const bucket = new SecureBucket(scope, "bucket", { bucketName: "twinstack-test-uploads", ...props });
    configure?.(bucket);
  });
  const parsed = JSON.parse(json);
  const policy = JSON.parse((Object.values(parsed.resource.aws_s3_bucket_policy)[0] as { policy: string }).policy);
  return { json, parsed, policy };
}

describe("SecureBucket", () => {
  test("GIVEN defaults THEN all public access is blocked, ownership enforced, SSE-S3, versioned, TLS-only", () => {
    const { json, policy } = synth();
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(json).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(json).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, { rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] });
    expect(json).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": false } } }),
    ]);
  });

  test("GIVEN a KMS key THEN SSE-KMS with a bucket key", () => {
    const { json } = synth({ kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/abc" });
    expect(json).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "arn:aws:kms:us-east-1:111111111111:key/abc" }, bucket_key_enabled: true }],
    });
  });

  test("THEN lifecycle aborts incomplete multipart uploads after 7 days and expires old versions after N days", () => {
    const { json } = synth({ noncurrentVersionExpirationDays: 45 });
    expect(json).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: [
        expect.objectContaining({ abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }], status: "Enabled" }),
        expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 45 }] }),
      ],
    });
  });

  test("GIVEN an unversioned bucket THEN no versioning resource and no non-current rule", () => {
    const { parsed } = synth({ versioned: false });
    expect(parsed.resource.aws_s3_bucket_versioning).toBeUndefined();
    const rules = (Object.values(parsed.resource.aws_s3_bucket_lifecycle_configuration)[0] as { rule: unknown[] }).rule;
    expect(rules).toHaveLength(1);
  });

  test("WHEN a caller adds a statement later THEN the one bucket policy holds both", () => {
    const { policy, parsed } = synth({}, (bucket) =>
      bucket.addPolicyStatement({ Sid: "ReadForRefresh", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:role/refresh" }, Action: "s3:GetObject", Resource: `${bucket.bucketArn}/*` }),
    );
    expect(Object.keys(parsed.resource.aws_s3_bucket_policy)).toHaveLength(1);
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["DenyInsecureTransport", "ReadForRefresh"]);
    expect(policy.Statement[1].Resource).toMatch(/^\$\{aws_s3_bucket\.\S+\.arn\}\/\*$/);
  });
});
