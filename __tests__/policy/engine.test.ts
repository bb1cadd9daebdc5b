/**
 * Unit tests of the policy engine (pure): suppressions (explicit, with a reason, stale ones are
 * errors), statuses, tolerant policy parsing and the plan-JSON model.
 */
import { Rule, evaluate, fail, pass } from "../../scripts/policy/engine";
import { StackModel, parsePolicy, quoteBareExpressions } from "../../scripts/policy/model";
import { ALL_RULES } from "../../scripts/policy/rules";
import { clone, s3Stack } from "./fixtures";

const env = { name: "staging", protected: false };
const versioning = ALL_RULES.filter((r) => r.id === "TS-S3-006");

function unversioned() {
  const doc = clone(s3Stack());
  delete doc.resource.aws_s3_bucket_versioning;
  (doc.resource.aws_s3_bucket.site as Record<string, unknown>)["//"] = { metadata: { path: "twinstack-staging/uploads/bucket", uniqueId: "site" } };
  return StackModel.fromSynth("twinstack-staging", doc);
}

describe("suppressions", () => {
  test("GIVEN a failing resource WHEN suppressed by address with a reason THEN it is reported suppressed and the report is ok", () => {
    const report = evaluate(versioning, [unversioned()], env, [{ rule: "TS-S3-006", resource: "aws_s3_bucket.site", reason: "scratch bucket, objects are rebuilt on every deploy" }]);
    expect(report.rules[0].status).toBe("suppressed");
    expect(report.rules[0].findings[0]).toMatchObject({ status: "suppressed", suppressedBecause: "scratch bucket, objects are rebuilt on every deploy" });
    expect(report.ok).toBe(true);
  });

  test("GIVEN a suppression by construct path (with or without the stack id) THEN it matches", () => {
    for (const resource of ["uploads/bucket", "twinstack-staging/uploads/bucket"]) {
      const report = evaluate(versioning, [unversioned()], env, [{ rule: "TS-S3-006", resource, reason: "scratch bucket, rebuilt on deploy" }]);
      expect(report.rules[0].status).toBe("suppressed");
    }
  });

  test("GIVEN no suppression THEN the failure makes the report not ok", () => {
    const report = evaluate(versioning, [unversioned()], env);
    expect(report.rules[0].status).toBe("fail");
    expect(report.ok).toBe(false);
    expect(report.counts.fail).toBe(1);
  });

  test("GIVEN a suppression with a short reason, an unknown rule, or one matching nothing THEN each is an error", () => {
    const report = evaluate(versioning, [StackModel.fromSynth("twinstack-staging", s3Stack())], env, [
      { rule: "TS-S3-006", resource: "aws_s3_bucket.site", reason: "because" },
      { rule: "TS-NOPE-001", resource: "aws_s3_bucket.site", reason: "a long enough reason" },
      { rule: "TS-S3-006", resource: "aws_s3_bucket.site", reason: "versioning was off once; now on" },
    ]);
    expect(report.suppressionErrors).toEqual([
      expect.stringContaining("policySuppressions[0].reason"),
      expect.stringContaining("policySuppressions[1].rule"),
      expect.stringContaining("stale suppression of TS-S3-006"),
    ]);
    expect(report.ok).toBe(false);
  });
});

describe("statuses", () => {
  test("GIVEN a rule with no matching resource THEN not-applicable; a throwing rule fails with its message", () => {
    const throwing: Rule = { id: "TS-X-001", title: "throws on purpose", resourceTypes: ["aws_s3_bucket"], check: () => { throw new Error("boom"); } };
    const none: Rule = { id: "TS-X-002", title: "checks nothing here", resourceTypes: ["aws_lambda_function"], check: () => pass("never") };
    const report = evaluate([throwing, none], [StackModel.fromSynth("s", s3Stack())], env);
    expect(report.rules.map((r) => r.status)).toEqual(["fail", "not-applicable"]);
    expect(report.rules[0].findings[0].reason).toContain("boom");
    expect(fail("x").pass).toBe(false);
  });
});

describe("policy parsing", () => {
  test("GIVEN interpolations inside strings THEN plain JSON parsing works", () => {
    const doc = parsePolicy('{"Statement":[{"Effect":"Allow","Resource":"${aws_s3_bucket.x.arn}/*"}]}');
    expect(doc?.Statement[0].Resource).toBe("${aws_s3_bucket.x.arn}/*");
  });

  test("GIVEN a bare interpolation THEN it is quoted and parsed", () => {
    const text = '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":${jsonencode([aws_s3_bucket.x.arn])}}]}';
    expect(quoteBareExpressions(text)).toContain('"Resource":"${jsonencode([aws_s3_bucket.x.arn])}"');
    expect(parsePolicy(text)?.Statement[0].Action).toBe("s3:GetObject");
  });

  test("GIVEN something that is not a policy THEN undefined (rules then fail closed)", () => {
    expect(parsePolicy("${data.external.x.result}")).toBeUndefined();
    expect(parsePolicy("not json")).toBeUndefined();
  });
});

describe("plan JSON", () => {
  test("GIVEN `terraform show -json` planned values THEN cross-resource rules match by resolved id", () => {
    // Plan values carry the bucket name where the synth JSON had ${aws_s3_bucket.site.id}.
    const plan = {
      planned_values: {
        root_module: {
          resources: [
            { address: "aws_s3_bucket.site", mode: "managed", type: "aws_s3_bucket", name: "site", values: { bucket: "twinstack-plan-site", id: "twinstack-plan-site" } },
            { address: "aws_s3_bucket_versioning.v", mode: "managed", type: "aws_s3_bucket_versioning", name: "v", values: { bucket: "twinstack-plan-site", versioning_configuration: [{ status: "Enabled" }] } },
          ],
          child_modules: [{ resources: [{ address: "module.x.aws_s3_bucket.other", mode: "managed", type: "aws_s3_bucket", name: "other", values: { bucket: "twinstack-plan-other" } }] }],
        },
      },
    };
    const report = evaluate(versioning, [StackModel.fromPlan("plan", plan)], env);
    expect(report.rules[0].findings.map((f) => [f.address, f.status])).toEqual([
      ["aws_s3_bucket.site", "pass"],
      ["module.x.aws_s3_bucket.other", "fail"],
    ]);
  });
});
