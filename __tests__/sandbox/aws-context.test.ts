/**
 * Unit tests (no AWS, no processes): how the sandbox's commands resolve environments. The
 * registry honours TWINSTACK_SINGLE_ACCOUNT only with a loopback AWS_ENDPOINT_URL; `npm start`
 * and `npm run sandbox:status` used to pass the account alone and so failed before deploying
 * anything ("AWS_ENDPOINT_URL is not set (real AWS)").
 */
import { CONFLICTING_CREDENTIAL_ENV, sandboxCommandEnv, sandboxEnvironment, sandboxProcessEnv, useSandboxIfRunning } from "../../scripts/lib/aws-context";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SANDBOX = { endpoint: "http://127.0.0.1:45123", region: "us-east-1", accountId: "123456789012", deployment: { gitSha: "abc", deployedAt: "2026-01-01T00:00:00Z" } };

describe("the sandbox's environments", () => {
  test("GIVEN a running sandbox WHEN staging and production are resolved for it THEN both live in the sandbox's one account", () => {
    // WHEN
    const staging = sandboxEnvironment("staging", SANDBOX);
    const production = sandboxEnvironment("production", SANDBOX);
    // THEN
    expect(staging.accountId).toBe(SANDBOX.accountId);
    expect(production.accountId).toBe(SANDBOX.accountId);
  });

  test("GIVEN a sandbox WHEN a command's environment is built THEN it carries the loopback endpoint with the single account", () => {
    // WHEN
    const env = sandboxCommandEnv(SANDBOX);
    // THEN
    expect(env).toMatchObject({ AWS_ENDPOINT_URL: SANDBOX.endpoint, TWINSTACK_SINGLE_ACCOUNT: SANDBOX.accountId, GIT_SHA: "abc", DEPLOYED_AT: "2026-01-01T00:00:00Z" });
  });

  test("GIVEN a sandbox state file of a live process WHEN an operator command adopts the sandbox THEN its environment is the same", () => {
    // GIVEN: this test's own pid stands for the emulator's
    const file = join(mkdtempSync(join(tmpdir(), "twinstack-state-")), "state.json");
    writeFileSync(file, JSON.stringify({ ...SANDBOX, pid: process.pid, startedAt: "2026-01-01T00:00:00Z" }));
    const env: NodeJS.ProcessEnv = { AWS_PROFILE: "real" };
    // WHEN
    useSandboxIfRunning(env, file);
    // THEN
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env).toMatchObject(sandboxCommandEnv(SANDBOX));
  });

  test("GIVEN a shell with real credentials of every kind WHEN a sandbox child's environment is built THEN none of them reaches it and the rest does", () => {
    // GIVEN: a profile, a session, OIDC web identity and container credentials — any would win over the emulator's keys
    const base: NodeJS.ProcessEnv = { ...Object.fromEntries(CONFLICTING_CREDENTIAL_ENV.map((name) => [name, "real"])), PATH: "/bin", HOME: "/home/operator" };
    // WHEN
    const env = sandboxProcessEnv(base, SANDBOX);
    // THEN
    expect(env).toEqual({ PATH: "/bin", HOME: "/home/operator", ...sandboxCommandEnv(SANDBOX) });
  });

  test("GIVEN an operator command in a CI job with web identity credentials WHEN it adopts the sandbox THEN the web identity no longer applies", () => {
    // GIVEN
    const file = join(mkdtempSync(join(tmpdir(), "twinstack-state-")), "state.json");
    writeFileSync(file, JSON.stringify({ ...SANDBOX, pid: process.pid, startedAt: "2026-01-01T00:00:00Z" }));
    const env: NodeJS.ProcessEnv = { AWS_ROLE_ARN: "arn:aws:iam::111111111111:role/ci", AWS_WEB_IDENTITY_TOKEN_FILE: "/tmp/token", PATH: "/bin" };
    // WHEN
    useSandboxIfRunning(env, file);
    // THEN
    expect(env).toEqual({ PATH: "/bin", ...sandboxCommandEnv(SANDBOX) });
  });
});
