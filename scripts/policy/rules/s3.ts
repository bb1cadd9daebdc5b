/** S3: public access, versioning, encryption, ownership, lifecycle, ACLs, bucket policies. */
import { Rule, RuleContext, fail, pass } from "../engine";
import { Resource, asList, block, conditionValues, isPublicPrincipal, isTrue, stringList } from "../model";

const PAB = "aws_s3_bucket_public_access_block";

function companions(context: RuleContext, type: string, bucket: Resource): Resource[] {
  return context.stack.referencing(type, "bucket", bucket);
}

function pabFlag(id: string, flag: string, checkov: string, trivy: string): Rule {
  return {
    id,
    title: `S3 public access block sets ${flag}`,
    resourceTypes: [PAB],
    checkov: [checkov],
    trivy: [trivy],
    check: (r) => (isTrue(r.values[flag]) ? pass(`${flag} = true`) : fail(`${flag} is ${JSON.stringify(r.values[flag] ?? "unset")}; set it to true`)),
  };
}

/** The bucket's policy documents (aws_s3_bucket_policy resources and a legacy inline `policy`). */
function bucketPolicies(context: RuleContext, bucket: Resource) {
  const sources = [...companions(context, "aws_s3_bucket_policy", bucket).map((p) => p.values.policy), bucket.values.policy].filter((p) => p !== undefined);
  return sources.map((source) => context.stack.policyDocument(source));
}

export const s3Rules: Rule[] = [
  pabFlag("TS-S3-001", "block_public_acls", "CKV_AWS_53", "AVD-AWS-0086"),
  pabFlag("TS-S3-002", "block_public_policy", "CKV_AWS_54", "AVD-AWS-0087"),
  pabFlag("TS-S3-003", "ignore_public_acls", "CKV_AWS_55", "AVD-AWS-0091"),
  pabFlag("TS-S3-004", "restrict_public_buckets", "CKV_AWS_56", "AVD-AWS-0093"),
  {
    id: "TS-S3-005",
    title: "Every S3 bucket has a public access block",
    resourceTypes: ["aws_s3_bucket"],
    checkov: ["CKV2_AWS_6"],
    trivy: ["AVD-AWS-0094"],
    check: (bucket, context) => {
      const blocks = companions(context, PAB, bucket);
      return blocks.length > 0 ? pass(`public access block ${blocks[0].address}`) : fail("no aws_s3_bucket_public_access_block refers to this bucket");
    },
  },
  {
    id: "TS-S3-006",
    title: "S3 bucket versioning is enabled",
    resourceTypes: ["aws_s3_bucket"],
    checkov: ["CKV_AWS_21"],
    trivy: ["AVD-AWS-0090"],
    check: (bucket, context) => {
      const enabled = companions(context, "aws_s3_bucket_versioning", bucket).some((v) => block(v.values.versioning_configuration).status === "Enabled");
      const legacy = isTrue(block(bucket.values.versioning).enabled);
      return enabled || legacy ? pass("versioning Enabled") : fail("no aws_s3_bucket_versioning with status Enabled for this bucket");
    },
  },
  {
    id: "TS-S3-007",
    title: "S3 bucket has default encryption at rest configured",
    resourceTypes: ["aws_s3_bucket"],
    checkov: ["CKV_AWS_19"],
    trivy: ["AVD-AWS-0088"],
    check: (bucket, context) => {
      const algorithms = sseAlgorithms(context, bucket);
      return algorithms.length > 0 ? pass(`default encryption ${algorithms.join(", ")}`) : fail("no aws_s3_bucket_server_side_encryption_configuration for this bucket");
    },
  },
  {
    id: "TS-S3-008",
    title: "S3 bucket default encryption uses a customer-managed KMS key",
    resourceTypes: ["aws_s3_bucket"],
    checkov: ["CKV_AWS_145"],
    trivy: ["AVD-AWS-0132"],
    check: (bucket, context) => {
      if (context.env.bucketsRequireCustomerKey !== true) return undefined;
      const rules = sseRules(context, bucket);
      const cmk = rules.some((r) => String(r.sse_algorithm).startsWith("aws:kms") && typeof r.kms_master_key_id === "string" && r.kms_master_key_id !== "");
      return cmk ? pass("SSE-KMS with kms_master_key_id") : fail("default encryption is not aws:kms with a kms_master_key_id (customer-managed key)");
    },
  },
  {
    id: "TS-S3-009",
    title: "S3 object ownership is BucketOwnerEnforced (ACLs disabled)",
    resourceTypes: ["aws_s3_bucket"],
    checkov: ["CKV2_AWS_65"],
    check: (bucket, context) => {
      const owned = companions(context, "aws_s3_bucket_ownership_controls", bucket).some((o) => block(o.values.rule).object_ownership === "BucketOwnerEnforced");
      return owned ? pass("BucketOwnerEnforced") : fail("no aws_s3_bucket_ownership_controls with object_ownership BucketOwnerEnforced");
    },
  },
  {
    id: "TS-S3-010",
    title: "S3 lifecycle configuration aborts incomplete multipart uploads",
    resourceTypes: ["aws_s3_bucket"],
    checkov: ["CKV2_AWS_61", "CKV_AWS_300"],
    check: (bucket, context) => {
      const lifecycles = companions(context, "aws_s3_bucket_lifecycle_configuration", bucket);
      if (lifecycles.length === 0) return fail("no aws_s3_bucket_lifecycle_configuration for this bucket");
      const aborts = lifecycles.some((l) =>
        asList(l.values.rule).some((rule) => rule.status === "Enabled" && asList(rule.abort_incomplete_multipart_upload).some((a) => Number(a.days_after_initiation) > 0)),
      );
      return aborts ? pass("an Enabled rule has abort_incomplete_multipart_upload") : fail("lifecycle has no Enabled rule with abort_incomplete_multipart_upload.days_after_initiation");
    },
  },
  {
    id: "TS-S3-011",
    title: "No public S3 ACL (canned or grant to AllUsers / AuthenticatedUsers)",
    resourceTypes: ["aws_s3_bucket", "aws_s3_bucket_acl"],
    checkov: ["CKV_AWS_20", "CKV_AWS_57"],
    trivy: ["AVD-AWS-0092"],
    check: (r) => {
      const acl = r.values.acl;
      if (typeof acl === "string" && ["public-read", "public-read-write", "authenticated-read"].includes(acl)) return fail(`acl = ${acl}`);
      const grants = asList(block(r.values.access_control_policy).grant).flatMap((g) => asList(g.grantee));
      const publicGrant = grants.find((g) => /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/.test(String(g.uri ?? "")));
      if (publicGrant) return fail(`grant to ${publicGrant.uri}`);
      if (r.type === "aws_s3_bucket" && acl === undefined) return pass("no ACL set on the bucket");
      return pass(acl !== undefined ? `acl = ${acl}` : "no public grant");
    },
  },
  {
    id: "TS-S3-012",
    title: "S3 bucket policy denies requests without TLS (aws:SecureTransport false)",
    resourceTypes: ["aws_s3_bucket"],
    checkov: [],
    trivy: [],
    check: (bucket, context) => {
      const docs = bucketPolicies(context, bucket);
      if (docs.length === 0) return fail("no aws_s3_bucket_policy for this bucket: add a Deny on aws:SecureTransport false");
      const denies = docs.some((doc) =>
        (doc?.Statement ?? []).some(
          (s) =>
            s.Effect === "Deny" &&
            isPublicPrincipal(s.Principal) &&
            stringList(s.Action).some((a) => a === "s3:*" || a === "*") &&
            conditionValues(s, "aws:SecureTransport", ["Bool"]).some((c) => c.values.includes("false")),
        ),
      );
      return denies ? pass("Deny s3:* when aws:SecureTransport is false") : fail("bucket policy has no Deny of s3:* to * with Bool aws:SecureTransport false");
    },
  },
  {
    id: "TS-S3-013",
    title: "S3 bucket policy has no Allow to principal *",
    resourceTypes: ["aws_s3_bucket_policy"],
    checkov: ["CKV_AWS_70"],
    trivy: [],
    check: (r, context) => {
      const doc = context.stack.policyDocument(r.values.policy);
      if (!doc) return fail("policy is not a parseable policy document");
      const open = doc.Statement.find((s) => s.Effect === "Allow" && (isPublicPrincipal(s.Principal) || s.NotPrincipal !== undefined));
      return open ? fail(`statement ${open.Sid ?? "(no Sid)"} allows principal * (or uses NotPrincipal)`) : pass("no Allow to *");
    },
  },
  {
    id: "TS-S3-014",
    title: "S3 buckets of a protected environment are not force_destroy",
    resourceTypes: ["aws_s3_bucket"],
    check: (bucket, context) => {
      if (!context.env.protected) return undefined;
      return isTrue(bucket.values.force_destroy) ? fail("force_destroy = true in a protected environment") : pass("force_destroy is off");
    },
  },
];

function sseRules(context: RuleContext, bucket: Resource) {
  return companions(context, "aws_s3_bucket_server_side_encryption_configuration", bucket).flatMap((c) =>
    asList(c.values.rule).map((rule) => block(rule.apply_server_side_encryption_by_default)),
  );
}

function sseAlgorithms(context: RuleContext, bucket: Resource): string[] {
  return sseRules(context, bucket)
    .map((r) => r.sse_algorithm)
    .filter((a): a is string => typeof a === "string" && a !== "");
}
