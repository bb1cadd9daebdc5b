/**
 * Unit tests of environment validation: each bad config fails synthesis with an error that
 * names the environment, the field and what is allowed, and writes nothing.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesize } from "../app";
import type { EnvironmentConfigInput } from "../environments/config";
import { namedEnvironments, previewConfig, resolveEnvironment } from "../environments/registry";
import { synthesizeTo } from "../scripts/lib/synth";

const { staging, production } = namedEnvironments;

function freshOutdir(): string {
  return join(mkdtempSync(join(tmpdir(), "twinstack-synth-")), "out");
}

/** Synthesizes the given inputs and returns the error message; asserts nothing was written. */
function synthError(inputs: Record<string, EnvironmentConfigInput>, env: NodeJS.ProcessEnv = {}): string {
  const outdir = freshOutdir();
  let message = "";
  try {
    synthesize({ outdir, inputs, env });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(existsSync(outdir)).toBe(false);
  return message;
}

describe("environment validation", () => {
  test("the checked-in environments are valid and synthesize every stack", () => {
    // GIVEN the registry as checked in
    const outdir = freshOutdir();
    // WHEN it is synthesized
    synthesize({ outdir, env: {} });
    // THEN both environments and both account bootstraps are written
    for (const stack of ["twinstack-staging", "twinstack-production", "twinstack-bootstrap-111111111111", "twinstack-bootstrap-222222222222"]) {
      expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json"))).toBe(true);
    }
  });

  test("max capacity below min capacity names the field and the minimum", () => {
    const bad = { ...staging, database: { ...staging.database, minCapacity: 2, maxCapacity: 1 } };
    expect(synthError({ staging: bad, production })).toBe("environments/staging: database.maxCapacity (1) must be ≥ minCapacity (2)");
  });

  test("overlapping staging and production VPC CIDRs are refused", () => {
    const bad = { ...production, network: { ...production.network, cidr: "10.20.128.0/17" } };
    expect(synthError({ staging, production: bad })).toBe(
      `environments/production: network.cidr ("10.20.128.0/17") must not overlap staging's network.cidr (10.20.0.0/16)`,
    );
  });

  test("GIVEN no refresh settings WHEN validated THEN the objects mirror is the whole bucket, exact (delete on), 64 copies at a time", () => {
    expect(resolveEnvironment("staging").refresh.objects).toEqual({ include: [], exclude: [], delete: true, concurrency: 64 });
  });

  test("refresh.objects settings out of range or empty are refused, naming the field", () => {
    const bad = { ...staging, refresh: { objects: { concurrency: 0, include: [""] } } };
    expect(synthError({ staging: bad, production })).toBe(
      "environments/staging: refresh.objects.include.0 (\"\") must not be empty (leave the list empty to take the whole bucket)\n" +
        "environments/staging: refresh.objects.concurrency (0) must be ≥ 1",
    );
  });

  test("a 13-digit account id is refused", () => {
    const bad = { ...staging, accountId: "1234567890123" };
    expect(synthError({ staging: bad, production })).toBe(`environments/staging: accountId ("1234567890123") must be a 12-digit AWS account id`);
  });

  test("production without deletion protection is refused", () => {
    const bad = { ...production, database: { ...production.database, deletionProtection: false } };
    expect(synthError({ staging, production: bad })).toBe(
      "environments/production: database.deletionProtection (false) must be true for a protected environment",
    );
  });

  test.each(["abc", "0", "-3", "1.5", "42abc"])("PREVIEW_PR=%s is not a pull-request number", (value) => {
    expect(synthError({ staging, production }, { PREVIEW_PR: value })).toBe(
      `PREVIEW_PR (${JSON.stringify(value)}) must be a positive integer pull-request number`,
    );
  });

  test("an unknown environment name lists the known ones", () => {
    expect(() => resolveEnvironment("prod")).toThrow(`unknown environment "prod": expected one of staging, production, preview-pr-<n>`);
    expect(synthError({ staging, production }, { TWINSTACK_ENVIRONMENTS: "prod" })).toBe(
      `unknown environment "prod": expected one of staging, production, preview-pr-<n>`,
    );
  });

  test("a deploy role in another account is refused", () => {
    const bad = { ...staging, deployRoleArn: "arn:aws:iam::222222222222:role/twinstack-deploy" };
    expect(synthError({ staging: bad, production })).toBe(
      `environments/staging: deployRoleArn ("arn:aws:iam::222222222222:role/twinstack-deploy") must be a role in the environment's account (111111111111)`,
    );
  });

  test("several problems are all reported at once", () => {
    const bad = { ...staging, region: "mars", database: { ...staging.database, backupRetentionDays: 0 } };
    expect(synthError({ staging: bad, production }).split("\n")).toEqual([
      `environments/staging: region ("mars") must be a region name like us-east-1`,
      "environments/staging: database.backupRetentionDays (0) must be ≥ 1",
    ]);
  });

  test("main.ts exits 1 with the error and writes nothing", async () => {
    // GIVEN a bad PREVIEW_PR WHEN the real entry point runs
    const outdir = freshOutdir();
    const result = await synthesizeTo(outdir, { PREVIEW_PR: "abc" });
    // THEN it names the problem, exits 1 and wrote no output
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`PREVIEW_PR ("abc") must be a positive integer pull-request number`);
    expect(existsSync(outdir)).toBe(false);
  });
});

describe("preview environments", () => {
  test("a preview is staging's account with its own name and the cheapest database", () => {
    // WHEN a preview for pull request 42 is derived
    const preview = previewConfig(42);
    // THEN it lives in staging's account with its own name and a paused-when-idle database
    expect(preview.name).toBe("preview-pr-42");
    expect(preview.accountId).toBe(staging.accountId);
    expect(preview.network.cidr).toBe(staging.network.cidr);
    expect(preview.database).toMatchObject({ minCapacity: 0, maxCapacity: 1, deletionProtection: false, instanceCount: 1, finalSnapshot: false });
    expect(preview.protected).toBe(false);
  });

  test("resolveEnvironment accepts preview-pr-<n>", () => {
    expect(resolveEnvironment("preview-pr-7").name).toBe("preview-pr-7");
    expect(() => resolveEnvironment("preview-pr-x")).toThrow(`environment "preview-pr-x": pull-request number ("x") must be a positive integer pull-request number`);
  });
});

describe("single-account topology", () => {
  test("TWINSTACK_SINGLE_ACCOUNT moves every environment into one account, sharing nothing", () => {
    // GIVEN the checked-in two-account registry WHEN the single-account topology is selected (against an emulator: see registry-accounts.test.ts)
    const outdir = freshOutdir();
    synthesize({ outdir, env: { TWINSTACK_SINGLE_ACCOUNT: "123456789012", AWS_ENDPOINT_URL: "http://127.0.0.1:5000" } });
    // THEN one bootstrap serves both environments
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["twinstack-bootstrap-123456789012", "twinstack-production", "twinstack-staging"]);
  });

  test("a malformed TWINSTACK_SINGLE_ACCOUNT is refused", () => {
    expect(synthError({ staging, production }, { TWINSTACK_SINGLE_ACCOUNT: "12345" })).toBe(`TWINSTACK_SINGLE_ACCOUNT ("12345") must be a 12-digit AWS account id`);
  });
});
