/** CloudFront: viewer protocol, TLS, origin access control, security headers, root object, origin TLS. */
import { Rule, fail, pass } from "../engine";
import { Attributes, Resource, StackModel, asList, block, isTrue, stringList } from "../model";

const DIST = "aws_cloudfront_distribution";
/** AWS-managed response headers policies that send Strict-Transport-Security. */
export const MANAGED_HSTS_POLICIES: Record<string, string> = {
  "67f7725c-6f97-4210-82d7-5512b31e9d03": "Managed-SecurityHeadersPolicy",
  "eaab4381-ed33-4a86-88ca-d9558dc6cd63": "Managed-CORS-with-preflight-and-SecurityHeadersPolicy",
  "e61eb60c-9c35-4d20-a928-2b84e02af89c": "Managed-CORS-and-SecurityHeadersPolicy",
};

function behaviours(dist: Resource): Attributes[] {
  return [block(dist.values.default_cache_behavior), ...asList(dist.values.ordered_cache_behavior)];
}

function isS3Origin(origin: Attributes): boolean {
  const domain = String(origin.domain_name ?? "");
  return /\baws_s3_bucket\.[^.]+\.bucket_(regional_)?domain_name/.test(domain) || /\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.test(domain) || origin.s3_origin_config !== undefined;
}

function headersPolicyHasHsts(id: unknown, stack: StackModel): boolean {
  if (typeof id !== "string" || id === "") return false;
  if (MANAGED_HSTS_POLICIES[id]) return true;
  const policy = stack.resolve(id);
  if (!policy || policy.type !== "aws_cloudfront_response_headers_policy") return false;
  const hsts = block(block(policy.values.security_headers_config).strict_transport_security);
  return Number(hsts.access_control_max_age_sec) > 0;
}

export const cloudfrontRules: Rule[] = [
  {
    id: "TS-CF-001",
    title: "CloudFront behaviours do not allow plain HTTP (viewer_protocol_policy ≠ allow-all)",
    resourceTypes: [DIST],
    checkov: ["CKV_AWS_34"],
    trivy: ["AVD-AWS-0012"],
    check: (dist) => {
      const bad = behaviours(dist).filter((b) => b.viewer_protocol_policy === "allow-all" || b.viewer_protocol_policy === undefined);
      return bad.length === 0 ? pass("every behaviour redirects to or requires HTTPS") : fail(`${bad.length} behaviour(s) with viewer_protocol_policy allow-all (or unset)`);
    },
  },
  {
    id: "TS-CF-002",
    title: "CloudFront uses a custom certificate with minimum TLS 1.2",
    resourceTypes: [DIST],
    checkov: ["CKV_AWS_174"],
    trivy: ["AVD-AWS-0013"],
    check: (dist) => {
      const cert = block(dist.values.viewer_certificate);
      if (isTrue(cert.cloudfront_default_certificate) || (!cert.acm_certificate_arn && !cert.iam_certificate_id)) {
        return fail("uses the default *.cloudfront.net certificate (viewers may negotiate TLS 1.0): give it a domain and an ACM certificate");
      }
      const version = String(cert.minimum_protocol_version ?? "");
      return /^TLSv1\.[23]_/.test(version) ? pass(`minimum_protocol_version ${version}`) : fail(`minimum_protocol_version ${version || "unset"}; use TLSv1.2_2021`);
    },
  },
  {
    id: "TS-CF-003",
    title: "CloudFront S3 origins use origin access control (not OAI, not public)",
    resourceTypes: [DIST],
    checkov: ["CKV2_AWS_46"],
    check: (dist, context) => {
      const s3 = asList(dist.values.origin).filter(isS3Origin);
      if (s3.length === 0) return undefined;
      const bad = s3.filter((o) => {
        const oac = context.stack.resolve(o.origin_access_control_id);
        const hasOac = typeof o.origin_access_control_id === "string" && o.origin_access_control_id !== "" && (!oac || oac.values.origin_access_control_origin_type === "s3");
        return !hasOac || block(o.s3_origin_config).origin_access_identity;
      });
      return bad.length === 0 ? pass(`${s3.length} S3 origin(s) with OAC`) : fail(`S3 origin(s) ${bad.map((o) => o.origin_id).join(", ")} without origin_access_control_id`);
    },
  },
  {
    id: "TS-CF-004",
    title: "CloudFront behaviours attach a response headers policy with HSTS",
    resourceTypes: [DIST],
    checkov: ["CKV2_AWS_32", "CKV_AWS_259"],
    check: (dist, context) => {
      const bad = behaviours(dist).filter((b) => !headersPolicyHasHsts(b.response_headers_policy_id, context.stack));
      return bad.length === 0 ? pass("every behaviour sends Strict-Transport-Security") : fail(`${bad.length} behaviour(s) without a response headers policy that sets HSTS`);
    },
  },
  {
    id: "TS-CF-005",
    title: "CloudFront has a default root object",
    resourceTypes: [DIST],
    checkov: ["CKV_AWS_305"],
    check: (dist) => (typeof dist.values.default_root_object === "string" && dist.values.default_root_object !== "" ? pass(`default_root_object ${dist.values.default_root_object}`) : fail("default_root_object is unset")),
  },
  {
    id: "TS-CF-006",
    title: "CloudFront custom origins are https-only with TLS 1.2",
    resourceTypes: [DIST],
    checkov: ["CKV2_AWS_72"],
    trivy: ["AVD-AWS-0013"],
    check: (dist) => {
      const custom = asList(dist.values.origin).filter((o) => o.custom_origin_config !== undefined);
      if (custom.length === 0) return undefined;
      const bad = custom.filter((o) => {
        const c = block(o.custom_origin_config);
        const protocols = stringList(c.origin_ssl_protocols);
        return c.origin_protocol_policy !== "https-only" || protocols.length === 0 || protocols.some((p) => p !== "TLSv1.2");
      });
      return bad.length === 0 ? pass(`${custom.length} custom origin(s) https-only, TLSv1.2`) : fail(`origin(s) ${bad.map((o) => o.origin_id).join(", ")} not https-only with origin_ssl_protocols [TLSv1.2]`);
    },
  },
];
