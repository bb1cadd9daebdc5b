/**
 * Unit test (no Terraform): a failed Terraform step must reach the reader whole. The error once
 * kept its stack name in a field called `stack`, which replaced Error.stack: Jest (which prints
 * `stack`) and every CLI that prints `error.stack` showed only `twinstack-bootstrap-111111111111`
 * and lost Terraform's message — how a bootstrap failure of the deploy test went unexplained.
 */
import { TerraformStepError } from "../../scripts/lib/deploy";

describe("TerraformStepError", () => {
  test("GIVEN a failed apply WHEN its stack trace is printed THEN it carries the step, the stack and Terraform's error; the stack's name stays readable", () => {
    // GIVEN / WHEN
    const error = new TerraformStepError("twinstack-bootstrap-111111111111", "apply", { code: 1, stdout: "", stderr: "Error: creating S3 Bucket: BucketAlreadyExists" });
    // THEN
    expect(error.stack).toContain("twinstack-bootstrap-111111111111: terraform apply failed (exit 1)");
    expect(error.stack).toContain("BucketAlreadyExists");
    expect(error.stack).toMatch(/\n\s+at /);
    expect(error.stackName).toBe("twinstack-bootstrap-111111111111");
  });
});
