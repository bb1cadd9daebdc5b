/**
 * Unit tests (no AWS): which accounts the registry lets environments live in. The single-account
 * topology (TWINSTACK_SINGLE_ACCOUNT) exists for the emulator only; pointed at real AWS it ran
 * staging with production's role in production's account. And a config that puts an unprotected
 * environment in a protected environment's account is refused by validation.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesize } from "../app";
import { isLoopbackEndpoint } from "../environments/aws-target";
import { ConfigError } from "../environments/config";
import { environmentInputs, namedEnvironments, resolveEnvironment, validateEnvironments } from "../environments/registry";

const { staging, production } = namedEnvironments;
const PRODUCTION_ACCOUNT = "222222222222";

describe("TWINSTACK_SINGLE_ACCOUNT is for the emulator only", () => {
  test("GIVEN production's account id and no AWS_ENDPOINT_URL (real AWS) WHEN the registry is read THEN it is refused, naming both variables", () => {
    // WHEN
    const read = () => environmentInputs({ TWINSTACK_SINGLE_ACCOUNT: PRODUCTION_ACCOUNT });
    // THEN
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/TWINSTACK_SINGLE_ACCOUNT is allowed only against an emulator on this machine .*AWS_ENDPOINT_URL is not set \(real AWS\)/);
  });

  test.each(["https://s3.us-east-1.amazonaws.com", "http://10.0.0.5:5000", "http://127.0.0.1.attacker.example.com:5000", "not a url"])(
    "GIVEN AWS_ENDPOINT_URL=%s (not loopback) WHEN the registry is read THEN TWINSTACK_SINGLE_ACCOUNT is refused",
    (endpoint) => {
      expect(() => environmentInputs({ TWINSTACK_SINGLE_ACCOUNT: PRODUCTION_ACCOUNT, AWS_ENDPOINT_URL: endpoint })).toThrow(/allowed only against an emulator/);
    },
  );

  test.each(["http://127.0.0.1:5000", "http://localhost:4566", "http://[::1]:5000", "http://127.1.2.3:80/"])(
    "GIVEN AWS_ENDPOINT_URL=%s (loopback) WHEN the registry is read THEN every environment moves into the one account",
    (endpoint) => {
      const inputs = environmentInputs({ TWINSTACK_SINGLE_ACCOUNT: "123456789012", AWS_ENDPOINT_URL: endpoint });
      expect(resolveEnvironment("staging", inputs).accountId).toBe("123456789012");
      expect(resolveEnvironment("production", inputs).accountId).toBe("123456789012");
    },
  );

  test("GIVEN no TWINSTACK_SINGLE_ACCOUNT WHEN any endpoint is set THEN the registry is as checked in", () => {
    expect(environmentInputs({ AWS_ENDPOINT_URL: "https://example.com" })).toBe(namedEnvironments);
  });

  test("GIVEN TWINSTACK_SINGLE_ACCOUNT against real AWS WHEN synthesizing THEN synthesis fails and writes nothing", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "twinstack-synth-")), "out");
    expect(() => synthesize({ outdir, env: { TWINSTACK_SINGLE_ACCOUNT: PRODUCTION_ACCOUNT } })).toThrow(/allowed only against an emulator/);
    expect(existsSync(outdir)).toBe(false);
  });

  test("GIVEN the emulator's single-account topology WHEN synthesizing THEN one bootstrap serves both environments", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "twinstack-synth-")), "out");
    synthesize({ outdir, env: { TWINSTACK_SINGLE_ACCOUNT: "123456789012", AWS_ENDPOINT_URL: "http://127.0.0.1:5000" } });
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["twinstack-bootstrap-123456789012", "twinstack-production", "twinstack-staging"]);
  });

  test("isLoopbackEndpoint: only 127.0.0.0/8, ::1 and localhost", () => {
    expect(isLoopbackEndpoint(undefined)).toBe(false);
    expect(isLoopbackEndpoint("")).toBe(false);
    expect(isLoopbackEndpoint("http://127.0.0.1:5000")).toBe(true);
    expect(isLoopbackEndpoint("http://127.0.0.256:5000")).toBe(false);
    expect(isLoopbackEndpoint("http://localhost.example.com")).toBe(false);
  });
});

describe("an unprotected environment never shares a protected environment's account", () => {
  test("GIVEN staging configured in production's account WHEN validated THEN refused, naming the field, the protected environment, and the account masked", () => {
    // GIVEN
    const inputs = { staging: { ...staging, accountId: PRODUCTION_ACCOUNT, deployRoleArn: `arn:aws:iam::${PRODUCTION_ACCOUNT}:role/twinstack-deploy` }, production };
    // WHEN / THEN
    expect(() => validateEnvironments(inputs)).toThrow(
      "environments/staging: accountId (…2222) must not be the account of protected environment production: give each unprotected environment an account of its own (or mark it protected)",
    );
  });

  test("GIVEN two protected environments in one account WHEN validated THEN allowed (nothing unprotected runs there)", () => {
    const second = { ...production, name: "production-eu", network: { ...production.network, cidr: "10.30.0.0/16" } };
    expect(Object.keys(validateEnvironments({ staging, production, "production-eu": second }))).toEqual(["staging", "production", "production-eu"]);
  });

  test("GIVEN the checked-in registry WHEN a preview is resolved THEN it lives in staging's (unprotected) account and is allowed", () => {
    const preview = resolveEnvironment("preview-pr-12");
    expect(preview.accountId).toBe(resolveEnvironment("staging").accountId);
    expect(preview.protected).toBe(false);
  });

  test("GIVEN the emulator's single-account topology WHEN validated THEN staging beside production is allowed", () => {
    const inputs = environmentInputs({ TWINSTACK_SINGLE_ACCOUNT: "111111111111", AWS_ENDPOINT_URL: "http://127.0.0.1:5000" });
    expect(Object.keys(validateEnvironments(inputs))).toEqual(["staging", "production"]);
  });
});

describe("an unprotected environment's name never claims a protected environment's resource names", () => {
  test("GIVEN an unprotected environment named production-scratch WHEN validated THEN refused, naming the field, the protected environment and why", () => {
    // GIVEN: its resources would be named twinstack-production-scratch-…, which the write guard
    // takes for production's (twinstack-production-…) and refuses at every write.
    const scratch = { ...staging, name: "production-scratch", accountId: "333333333333", deployRoleArn: "arn:aws:iam::333333333333:role/twinstack-deploy", network: { ...staging.network, cidr: "10.40.0.0/16" } };
    // WHEN / THEN
    expect(() => validateEnvironments({ staging, production, "production-scratch": scratch })).toThrow(
      'environments/production-scratch: name ("production-scratch") must not start with protected environment production\'s name and a dash: ' +
        "its resources (twinstack-production-scratch-…) would be taken for production's (twinstack-production-…) and every write to them refused; choose another name (or mark it protected)",
    );
  });

  test("GIVEN an unprotected environment whose name only shares letters with production (productionish) WHEN validated THEN allowed", () => {
    const other = { ...staging, name: "productionish", accountId: "333333333333", deployRoleArn: "arn:aws:iam::333333333333:role/twinstack-deploy", network: { ...staging.network, cidr: "10.40.0.0/16" } };
    expect(Object.keys(validateEnvironments({ staging, production, productionish: other }))).toEqual(["staging", "production", "productionish"]);
  });
});
