import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { CloudfrontDistribution, CloudfrontDistributionViewerCertificate } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { EncryptionKey } from "../kms";
import { SecureBucket } from "../s3";

/**
 * AWS-managed policies, referenced by their fixed, documented ids (the same in every account).
 * We reference rather than create them: the emulator has no response-headers-policy API, and
 * the managed ones already carry what we need.
 */
export const MANAGED_POLICY_IDS = {
  /** Cache policy `Managed-CachingOptimized`: long TTLs, gzip/brotli, no cookies/headers/query in the key. */
  cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  /** Cache policy `Managed-CachingDisabled`: every request goes to the origin. */
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  /** Origin request policy `Managed-AllViewerExceptHostHeader`: all viewer headers, cookies and query strings, but not `Host` (API Gateway needs its own host). */
  allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
  /** Response headers policy `Managed-SecurityHeadersPolicy`: HSTS (max-age 1 year), X-Content-Type-Options, X-Frame-Options SAMEORIGIN, Referrer-Policy, X-XSS-Protection. */
  securityHeaders: "67f7725c-6f97-4210-82d7-5512b31e9d03",
} as const;

export type PriceClass = "PriceClass_100" | "PriceClass_200" | "PriceClass_All";

export interface SiteDomain {
  /** Fully qualified name the site is served on, e.g. `app.example.com`. */
  readonly name: string;
  /** Route 53 public hosted zone that holds `name` (for the certificate's DNS validation and the alias records). */
  readonly hostedZoneId: string;
}

export interface SiteDistributionProps {
  /** Name prefix, e.g. `twinstack-staging`: names the origin access control and the distribution's comment. */
  readonly namePrefix: string;
  /** The bucket holding the single-page app. Its policy gains one statement: CloudFront (this distribution only) may read objects. */
  readonly siteBucket: SecureBucket;
  /**
   * When the site bucket is SSE-KMS, its key: CloudFront (this distribution only) is allowed to
   * decrypt with it, or every object read fails with 403. Default none (the bucket uses SSE-S3).
   */
  readonly siteBucketKey?: EncryptionKey;
  /** The HTTP API's endpoint URL, e.g. `https://abc123.execute-api.us-east-1.amazonaws.com` (a token is fine). */
  readonly apiEndpoint: string;
  /** Path prefix of the API stage at the origin, e.g. `/v1`. Default none (the `$default` stage). */
  readonly apiOriginPath?: string;
  /** Path pattern routed to the API. Default `/api/*`. */
  readonly apiPathPattern?: string;
  /** Edge locations used (cost vs. latency). Default `PriceClass_100` (North America and Europe). */
  readonly priceClass?: PriceClass;
  /** Serve on a custom domain, with an ACM certificate and Route 53 aliases. Default none: the `*.cloudfront.net` name. */
  readonly domain?: SiteDomain;
  /**
   * An AWS provider in us-east-1 (CloudFront reads certificates only from there). Required when
   * `domain` is set; the stack creates it only then.
   */
  readonly certificateProvider?: AwsProvider;
  /** Response headers policy for every behaviour. Default the AWS-managed SecurityHeadersPolicy (includes HSTS). */
  readonly responseHeadersPolicyId?: string;
}

/**
 * The site's CloudFront distribution: the SPA from a private S3 bucket through Origin Access
 * Control, `/api/*` to the HTTP API uncached, HTTPS only with security headers, SPA fallback to
 * `/index.html`, HTTP/2 and HTTP/3, IPv6, and optionally a custom domain with its own certificate.
 */
export class SiteDistribution extends Construct {
  readonly distribution: CloudfrontDistribution;
  readonly originAccessControl: CloudfrontOriginAccessControl;
  readonly certificate?: AcmCertificate;
  readonly distributionId: string;
  readonly distributionArn: string;
  /** The distribution's own name, `dxxxxxxxx.cloudfront.net`. */
  readonly domainName: string;
  /** `https://<custom domain>` when one is configured, else `https://<distribution domain>`. */
  readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: SiteDistributionProps) {
    super(scope, id);
    if (props.domain && !props.certificateProvider) {
      throw new Error(
        `${this.node.path}: domain (${props.domain.name}) needs certificateProvider, an AwsProvider in us-east-1 (CloudFront only uses ACM certificates from us-east-1)`,
      );
    }
    const headersPolicyId = props.responseHeadersPolicyId ?? MANAGED_POLICY_IDS.securityHeaders;
    const siteOriginId = "site";
    const apiOriginId = "api";

    this.originAccessControl = new CloudfrontOriginAccessControl(this, "oac", {
      name: `${props.namePrefix}-site`,
      description: `${props.namePrefix}: CloudFront reads the site bucket, signing every request`,
      originAccessControlOriginType: "s3",
      // "always": CloudFront signs every origin request; the bucket admits nothing unsigned.
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });

    const custom = props.domain ? this.customCertificate(props.domain, props.certificateProvider!) : undefined;
    this.certificate = custom?.certificate;

    this.distribution = new CloudfrontDistribution(this, "distribution", {
      enabled: true,
      comment: `${props.namePrefix} site and API`,
      aliases: props.domain ? [props.domain.name] : undefined,
      defaultRootObject: "index.html",
      priceClass: props.priceClass ?? "PriceClass_100",
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      origin: [
        {
          originId: siteOriginId,
          domainName: props.siteBucket.bucketRegionalDomainName,
          originAccessControlId: this.originAccessControl.id,
        },
        {
          originId: apiOriginId,
          domainName: apiDomainName(props.apiEndpoint),
          originPath: props.apiOriginPath,
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "https-only",
            originSslProtocols: ["TLSv1.2"],
          },
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: siteOriginId,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        cachePolicyId: MANAGED_POLICY_IDS.cachingOptimized,
        responseHeadersPolicyId: headersPolicyId,
      },
      orderedCacheBehavior: [
        {
          pathPattern: props.apiPathPattern ?? "/api/*",
          targetOriginId: apiOriginId,
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
          cachedMethods: ["GET", "HEAD"],
          compress: true,
          cachePolicyId: MANAGED_POLICY_IDS.cachingDisabled,
          originRequestPolicyId: MANAGED_POLICY_IDS.allViewerExceptHostHeader,
          responseHeadersPolicyId: headersPolicyId,
        },
      ],
      // SPA fallback: a deep link (/orders/42) is no object in the bucket, so S3 answers 403
      // (OAC, no ListBucket) or 404; the app's index.html is served instead and routes client-side.
      // Custom error responses are distribution-wide: an API 403/404 becomes index.html too, so
      // API clients should rely on other status codes or the JSON body for "not found".
      customErrorResponse: [403, 404].map((errorCode) => ({
        errorCode,
        responseCode: 200,
        responsePagePath: "/index.html",
        errorCachingMinTtl: 10,
      })),
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: custom?.viewerCertificate ?? {
        // The default *.cloudfront.net certificate: CloudFront then accepts TLSv1 from viewers and
        // ignores minimum_protocol_version. Enforcing TLS 1.2 needs a custom certificate (`domain`).
        cloudfrontDefaultCertificate: true,
      },
    });

    this.distributionId = this.distribution.id;
    this.distributionArn = this.distribution.arn;
    this.domainName = this.distribution.domainName;
    this.siteUrl = props.domain ? `https://${props.domain.name}` : `https://${this.distribution.domainName}`;

    // Only this distribution may read the site's objects, and only through OAC-signed requests.
    props.siteBucket.addPolicyStatement({
      Sid: "AllowCloudFrontDistributionRead",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: `${props.siteBucket.bucketArn}/*`,
      Condition: { StringEquals: { "AWS:SourceArn": this.distributionArn } },
    });
    props.siteBucketKey?.addPolicyStatement({
      Sid: "AllowCloudFrontDistributionDecrypt",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "AWS:SourceArn": this.distributionArn } },
    });

    if (props.domain) {
      for (const type of ["A", "AAAA"]) {
        new Route53Record(this, `alias-${type.toLowerCase()}`, {
          zoneId: props.domain.hostedZoneId,
          name: props.domain.name,
          type,
          alias: { name: this.distribution.domainName, zoneId: this.distribution.hostedZoneId, evaluateTargetHealth: false },
        });
      }
    }
  }

  /** An ACM certificate in us-east-1 for the domain, DNS-validated in its zone; TLS 1.2 minimum, SNI. */
  private customCertificate(domain: SiteDomain, provider: AwsProvider): { certificate: AcmCertificate; viewerCertificate: CloudfrontDistributionViewerCertificate } {
    const certificate = new AcmCertificate(this, "certificate", {
      provider,
      domainName: domain.name,
      validationMethod: "DNS",
      lifecycle: { createBeforeDestroy: true },
    });
    // One name, so one validation record: element 0 of the (set-valued) validation options.
    const option = certificate.domainValidationOptions.get(0);
    const record = new Route53Record(this, "certificate-validation-record", {
      zoneId: domain.hostedZoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 300,
      // The same CNAME validates a reissued certificate; overwrite rather than fail.
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "certificate-validation", {
      provider,
      certificateArn: certificate.arn,
      validationRecordFqdns: [record.fqdn],
    });
    return {
      certificate,
      viewerCertificate: {
        // The validation's ARN, so the distribution waits until the certificate is issued.
        acmCertificateArn: validation.certificateArn,
        minimumProtocolVersion: "TLSv1.2_2021",
        sslSupportMethod: "sni-only",
      },
    };
  }
}

/** `https://abc.execute-api.us-east-1.amazonaws.com[/…]` → `abc.execute-api.us-east-1.amazonaws.com`, at synthesis or in Terraform. */
export function apiDomainName(endpoint: string): string {
  if (Token.isUnresolved(endpoint)) {
    // "https://host/…" split on "/" is ["https:", "", "host", …].
    return Fn.element(Fn.split("/", endpoint), 2);
  }
  const match = /^https:\/\/([^/]+)\/?/.exec(endpoint);
  if (!match) throw new Error(`apiEndpoint (${endpoint}) must be an https:// URL like https://abc123.execute-api.us-east-1.amazonaws.com`);
  return match[1];
}
