import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { PolicyStatement, lazyPolicyJson } from "../iam/policy";

export interface SecureBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** KMS key ARN for SSE-KMS; omit for SSE-S3 (AES256). */
  readonly kmsKeyArn?: string;
  /** Keep every version of every object. Default true. */
  readonly versioned?: boolean;
  /** Days after which non-current versions expire (versioned buckets only). Default 30. */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days after which incomplete multipart uploads are aborted. Default 7. */
  readonly abortIncompleteMultipartUploadDays?: number;
  /** Let `terraform destroy` delete a non-empty bucket. Default false (never for state or uploads in production). */
  readonly forceDestroy?: boolean;
  /** Extra bucket policy statements (e.g. CloudFront or cross-account refresh grants). More can be added later with `addPolicyStatement`. */
  readonly policyStatements?: PolicyStatement[];
}

/**
 * One secure bucket: all four public-access-block flags, BucketOwnerEnforced, default
 * encryption, versioning, a TLS-only policy, and lifecycle rules for multipart uploads and
 * old versions. Used for the site, uploads and Terraform state buckets alike.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly bucketRegionalDomainName: string;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  private readonly statements: PolicyStatement[];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const versioned = props.versioned ?? true;
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.bucketRegionalDomainName = this.bucket.bucketRegionalDomainName;

    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: props.kmsKeyArn ? true : undefined,
        },
      ],
    });
    if (versioned) {
      new S3BucketVersioningA(this, "versioning", {
        bucket: this.bucket.id,
        versioningConfiguration: { status: "Enabled" },
      });
    }
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{}],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteMultipartUploadDays ?? 7 }],
        },
        ...(versioned
          ? [
              {
                id: "expire-noncurrent-versions",
                status: "Enabled",
                filter: [{}],
                noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays ?? 30 }],
              },
            ]
          : []),
      ],
    });

    this.statements = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        // A Deny to everyone is how S3 enforces TLS; no Allow statement ever names `*`.
        Principal: "*",
        Action: "s3:*",
        Resource: [this.bucketArn, `${this.bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": false } },
      },
      ...(props.policyStatements ?? []),
    ];
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: lazyPolicyJson(() => this.statements),
      // A policy cannot be attached until the public access block is in place.
      dependsOn: [this.publicAccessBlock],
    });
  }

  /** Adds a statement to the bucket's single policy. */
  addPolicyStatement(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}
