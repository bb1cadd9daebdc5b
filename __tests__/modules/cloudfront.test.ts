/**
 * Unit tests of modules/cloudfront (synthesis only, no AWS): what the distribution, its origin
 * access control, the site bucket's policy and the optional custom domain look like in the
 * Terraform JSON. The last suite runs real `terraform validate` with the real AWS provider
 * (offline mirror) on the same constructs, because the schema — not our reading of it — decides
 * whether a block is valid.
 */
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { App, TerraformOutput, TerraformStack, Testing } from "cdktf";
// Types of the cdktf jest matchers (toHaveResourceWithProperties…); erased at runtime.
import type {} from "cdktf/lib/testing/adapters/jest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Construct } from "constructs";
import { MANAGED_POLICY_IDS, SiteDistribution, SiteDistributionProps, apiDomainName } from "../../modules/cloudfront";
import { EncryptionKey } from "../../modules/kms";
import { SecureBucket } from "../../modules/s3";
import { describeWithTools } from "../helpers/requirements";
import { expectValidTerraform } from "../helpers/validate";

const API_ENDPOINT = "https://abc123.execute-api.eu-west-1.amazonaws.com";
const DOMAIN = { name: "app.example.com", hostedZoneId: "Z0000000000000000TEST" };

interface Synthesized {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  provider?: Record<string, Array<Record<string, unknown>>>;
}

/** Builds the site (bucket + distribution) in a scope; `withDomain` adds the us-east-1 provider and a domain. */
function buildSite(scope: Construct, options: { withDomain?: boolean; extra?: Partial<SiteDistributionProps> } = {}): SiteDistribution {
  const certificateProvider = options.withDomain ? new AwsProvider(scope, "aws-us-east-1", { region: "us-east-1", alias: "us_east_1" }) : undefined;
  const siteBucket = new SecureBucket(scope, "site-bucket", { bucketName: "twinstack-test-site" });
  return new SiteDistribution(scope, "cdn", {
    namePrefix: "twinstack-test",
    siteBucket,
    apiEndpoint: API_ENDPOINT,
    domain: options.withDomain ? DOMAIN : undefined,
    certificateProvider,
    ...options.extra,
  });
}

function only(json: Synthesized, type: string): Record<string, unknown> {
  const resources = Object.values(json.resource[type] ?? {});
  expect(resources).toHaveLength(1);
  return resources[0];
}

describe("SiteDistribution (unit: synthesized Terraform JSON)", () => {
  test("the site origin is reached through an always-signing sigv4 origin access control", () => {
    // GIVEN a site bucket and an API endpoint
    // WHEN the distribution is synthesized
    const synth = Testing.synthScope((scope) => buildSite(scope));
    // THEN the OAC signs every request with sigv4 and the S3 origin uses it
    expect(synth).toHaveResourceWithProperties(CloudfrontOriginAccessControl, {
      origin_access_control_origin_type: "s3",
      signing_behavior: "always",
      signing_protocol: "sigv4",
    });
    const distribution = only(JSON.parse(synth), CloudfrontDistribution.tfResourceType) as { origin: Array<Record<string, unknown>> };
    const site = distribution.origin.find((origin) => origin.origin_id === "site");
    expect(site?.origin_access_control_id).toMatch(/^\$\{aws_cloudfront_origin_access_control\.[\w-]+\.id\}$/);
    expect(site?.domain_name).toMatch(/bucket_regional_domain_name\}$/);
  });

  test("the bucket policy admits only this distribution, and still denies plain HTTP", () => {
    // GIVEN a SecureBucket behind the distribution
    // WHEN synthesized
    const json = JSON.parse(Testing.synthScope((scope) => buildSite(scope))) as Synthesized;
    // THEN the one bucket policy has exactly one Allow: cloudfront.amazonaws.com may GetObject, only for this distribution's ARN
    const policy = JSON.parse(only(json, "aws_s3_bucket_policy").policy as string) as { Statement: Array<Record<string, any>> };
    const allows = policy.Statement.filter((statement) => statement.Effect === "Allow");
    expect(allows).toHaveLength(1);
    const [allow] = allows;
    expect(allow.Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
    expect(allow.Action).toBe("s3:GetObject");
    expect(allow.Resource).toMatch(/^\$\{aws_s3_bucket\.[\w-]+\.arn\}\/\*$/);
    const distributionName = Object.keys(json.resource[CloudfrontDistribution.tfResourceType])[0];
    expect(allow.Condition).toEqual({ StringEquals: { "AWS:SourceArn": `\${aws_cloudfront_distribution.${distributionName}.arn}` } });
    // AND the TLS-only deny of SecureBucket is still there
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": false } } }),
    );
  });

  test("an SSE-KMS site bucket's key lets only this distribution decrypt", () => {
    // GIVEN the site bucket's key is passed in
    // WHEN synthesized
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        const siteBucketKey = new EncryptionKey(scope, "site-key", { alias: "twinstack-test-site", description: "site", accountId: "111111111111" });
        buildSite(scope, { extra: { siteBucketKey } });
      }),
    ) as Synthesized;
    // THEN the key policy gains a cloudfront kms:Decrypt statement conditioned on the distribution ARN
    const keyPolicy = JSON.parse(only(json, "aws_kms_key").policy as string) as { Statement: Array<Record<string, any>> };
    const grant = keyPolicy.Statement.find((statement) => statement.Sid === "AllowCloudFrontDistributionDecrypt");
    expect(grant).toMatchObject({ Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" }, Action: "kms:Decrypt" });
    expect(grant?.Condition.StringEquals["AWS:SourceArn"]).toMatch(/^\$\{aws_cloudfront_distribution\.[\w-]+\.arn\}$/);
  });

  test("every behaviour redirects to HTTPS and carries the managed security headers policy", () => {
    // GIVEN / WHEN the default distribution
    const synth = Testing.synthScope((scope) => buildSite(scope));
    // THEN the default (site) behaviour is cached with CachingOptimized, HTTPS only, security headers
    expect(synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      default_cache_behavior: expect.objectContaining({
        target_origin_id: "site",
        viewer_protocol_policy: "redirect-to-https",
        cache_policy_id: MANAGED_POLICY_IDS.cachingOptimized,
        response_headers_policy_id: "67f7725c-6f97-4210-82d7-5512b31e9d03",
      }),
    });
    // AND /api/* goes to the API uncached, with every viewer header but Host, HTTPS only
    expect(synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      ordered_cache_behavior: [
        expect.objectContaining({
          path_pattern: "/api/*",
          target_origin_id: "api",
          viewer_protocol_policy: "redirect-to-https",
          cache_policy_id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
          origin_request_policy_id: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
          response_headers_policy_id: "67f7725c-6f97-4210-82d7-5512b31e9d03",
        }),
      ],
    });
  });

  test("the API origin is the endpoint's host, HTTPS only with TLS 1.2", () => {
    // GIVEN an API endpoint URL
    // WHEN synthesized
    const distribution = only(JSON.parse(Testing.synthScope((scope) => buildSite(scope))), CloudfrontDistribution.tfResourceType) as {
      origin: Array<Record<string, unknown>>;
    };
    // THEN its origin is the bare host name, reached over https-only TLSv1.2
    expect(distribution.origin.find((origin) => origin.origin_id === "api")).toEqual({
      origin_id: "api",
      domain_name: "abc123.execute-api.eu-west-1.amazonaws.com",
      custom_origin_config: { http_port: 80, https_port: 443, origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] },
    });
  });

  test("apiDomainName strips the scheme from literal URLs and from Terraform references", () => {
    // GIVEN a literal URL, a URL with a trailing path, and an unresolved token
    // WHEN / THEN the host is extracted (in TypeScript, or by Terraform functions for tokens)
    expect(apiDomainName("https://abc.execute-api.us-east-1.amazonaws.com/")).toBe("abc.execute-api.us-east-1.amazonaws.com");
    expect(() => apiDomainName("http://insecure.example.com")).toThrow(/must be an https:\/\/ URL/);
    const synth = Testing.synthScope((scope) => {
      const other = new SecureBucket(scope, "other", { bucketName: "twinstack-test-other" });
      buildSite(scope, { extra: { apiEndpoint: `https://${other.bucketRegionalDomainName}` } });
    });
    expect(synth).toContain('element(split(\\"/\\", \\"https://${aws_s3_bucket.other_bucket');
  });

  test("SPA fallback, default root object, price class, HTTP/2+3 and IPv6", () => {
    // GIVEN a price class from the environment config
    // WHEN synthesized
    const synth = Testing.synthScope((scope) => buildSite(scope, { extra: { priceClass: "PriceClass_200" } }));
    // THEN 403 and 404 serve /index.html with 200, and the rest is as configured
    expect(synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      default_root_object: "index.html",
      price_class: "PriceClass_200",
      http_version: "http2and3",
      is_ipv6_enabled: true,
      custom_error_response: [
        expect.objectContaining({ error_code: 403, response_code: 200, response_page_path: "/index.html" }),
        expect.objectContaining({ error_code: 404, response_code: 200, response_page_path: "/index.html" }),
      ],
    });
  });

  test("without a domain: the default certificate, no ACM, no DNS, price class 100 by default", () => {
    // GIVEN no domain
    // WHEN synthesized
    const synth = Testing.synthScope((scope) => buildSite(scope));
    // THEN CloudFront's own certificate is used and nothing else is created for TLS
    expect(synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      price_class: "PriceClass_100",
      viewer_certificate: { cloudfront_default_certificate: true },
    });
    expect(synth).not.toHaveResource(AcmCertificate);
    expect(synth).not.toHaveResource(Route53Record);
    expect(only(JSON.parse(synth), CloudfrontDistribution.tfResourceType).aliases).toBeUndefined();
  });

  test("with a domain: a us-east-1 certificate, DNS validation, A/AAAA aliases and TLSv1.2_2021", () => {
    // GIVEN a domain and a us-east-1 provider
    // WHEN synthesized
    const synth = Testing.synthScope((scope) => buildSite(scope, { withDomain: true }));
    const json = JSON.parse(synth) as Synthesized;
    // THEN the certificate and its validation use the us-east-1 provider
    expect(synth).toHaveResourceWithProperties(AcmCertificate, { domain_name: "app.example.com", validation_method: "DNS", provider: "aws.us_east_1" });
    expect(synth).toHaveResourceWithProperties(AcmCertificateValidation, { provider: "aws.us_east_1" });
    // AND the validation CNAME lives in the zone, the validation waits for it
    const records = Object.entries(json.resource[Route53Record.tfResourceType]);
    const validationRecord = records.find(([, record]) => String(record.name).includes("domain_validation_options"));
    expect(validationRecord?.[1]).toMatchObject({ zone_id: DOMAIN.hostedZoneId, ttl: 300 });
    expect(only(json, AcmCertificateValidation.tfResourceType).validation_record_fqdns).toEqual([`\${aws_route53_record.${validationRecord?.[0]}.fqdn}`]);
    // AND A and AAAA aliases point at the distribution
    for (const type of ["A", "AAAA"]) {
      expect(synth).toHaveResourceWithProperties(Route53Record, {
        zone_id: DOMAIN.hostedZoneId,
        name: "app.example.com",
        type,
        alias: {
          evaluate_target_health: false,
          name: expect.stringMatching(/^\$\{aws_cloudfront_distribution\.[\w-]+\.domain_name\}$/),
          zone_id: expect.stringMatching(/^\$\{aws_cloudfront_distribution\.[\w-]+\.hosted_zone_id\}$/),
        },
      });
    }
    // AND the distribution serves the alias with the validated certificate, TLS 1.2 minimum, SNI
    const validationName = Object.keys(json.resource[AcmCertificateValidation.tfResourceType])[0];
    expect(synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      aliases: ["app.example.com"],
      viewer_certificate: {
        acm_certificate_arn: `\${aws_acm_certificate_validation.${validationName}.certificate_arn}`,
        minimum_protocol_version: "TLSv1.2_2021",
        ssl_support_method: "sni-only",
      },
    });
  });

  test("a domain without the us-east-1 provider is refused with a message saying why", () => {
    // GIVEN a domain but no certificate provider
    // WHEN / THEN construction fails naming the missing prop
    expect(() =>
      Testing.synthScope((scope) => {
        const siteBucket = new SecureBucket(scope, "site-bucket", { bucketName: "twinstack-test-site" });
        new SiteDistribution(scope, "cdn", { namePrefix: "twinstack-test", siteBucket, apiEndpoint: API_ENDPOINT, domain: DOMAIN });
      }),
    ).toThrow(/domain \(app\.example\.com\) needs certificateProvider, an AwsProvider in us-east-1/);
  });

  test("typed outputs reference the distribution; siteUrl is the custom domain when there is one", () => {
    // GIVEN both variants
    // WHEN built
    let plain!: SiteDistribution;
    let custom!: SiteDistribution;
    Testing.synthScope((scope) => {
      plain = buildSite(scope);
    });
    Testing.synthScope((scope) => {
      custom = buildSite(scope, { withDomain: true });
    });
    // THEN
    expect(custom.siteUrl).toBe("https://app.example.com");
    expect(plain.siteUrl).toMatch(/^https:\/\/\$\{TfToken\[/);
    expect(plain.certificate).toBeUndefined();
    expect(custom.certificate).toBeInstanceOf(AcmCertificate);
  });
});

describeWithTools("SiteDistribution (real terraform validate, AWS provider 5.100.0 from the offline mirror)", ["terraform", "provider-mirror"], () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "twinstack-cloudfront-validate-"));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test.each([
    ["default-certificate", false],
    ["custom-domain", true],
  ])("%s variant passes terraform validate", async (name, withDomain) => {
    // GIVEN a tiny stack: the provider(s), a site bucket and the distribution
    const app = new App({ outdir: join(outdir, name), stackTraces: false });
    const stack = new TerraformStack(app, "cloudfront");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const site = buildSite(stack, { withDomain });
    new TerraformOutput(stack, "site_url", { value: site.siteUrl });
    app.synth();
    const dir = join(outdir, name, "stacks", "cloudfront");
    await expectValidTerraform(dir);
  }, 120000);
});
