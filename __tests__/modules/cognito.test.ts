/**
 * Unit tests (synthesis only, no AWS) of the Cognito module: pool policy, MFA, deletion
 * protection, groups, the public code-flow client, the hosted UI domain and adoption of an
 * existing pool through a Terraform `import` block.
 * The last suite is real Terraform (offline, provider from the local mirror): a small stack
 * with this module and the HTTP API module wired together passes `terraform validate`.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CognitoUser } from "@cdktf/provider-aws/lib/cognito-user";
import { CognitoUserGroup } from "@cdktf/provider-aws/lib/cognito-user-group";
import { CognitoUserInGroup } from "@cdktf/provider-aws/lib/cognito-user-in-group";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { CognitoUserPoolDomain } from "@cdktf/provider-aws/lib/cognito-user-pool-domain";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformOutput, TerraformStack, Testing } from "cdktf";
import { HttpApi } from "../../modules/api-gateway";
import { Authentication, AuthenticationProps, DEFAULT_GROUPS } from "../../modules/cognito";
import { terraform, writeTerraformCliConfig } from "../../scripts/lib/terraform";
import { describeWithTools } from "../helpers/requirements";

const baseProps: AuthenticationProps = {
  name: "twinstack-staging",
  region: "us-east-1",
  domainPrefix: "twinstack-staging",
  callbackUrls: ["https://app.staging.example.com/callback", "http://localhost:5173/callback"],
  logoutUrls: ["https://app.staging.example.com/"],
};

interface Synthesized {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  import?: Array<{ id: string; to: string; provider?: string }>;
}

function synth(props: Partial<AuthenticationProps> = {}): { json: string; parsed: Synthesized; auth: Authentication } {
  let auth: Authentication | undefined;
  const json = Testing.synthScope((scope) => {
    auth = new Authentication(scope, "auth", { ...baseProps, ...props });
  });
  return { json, parsed: JSON.parse(json) as Synthesized, auth: auth! };
}

function onlyResource(parsed: Synthesized, type: string): { address: string; values: Record<string, unknown> } {
  const entries = Object.entries(parsed.resource[type] ?? {});
  expect(entries).toHaveLength(1);
  return { address: `${type}.${entries[0][0]}`, values: entries[0][1] };
}

describe("Authentication (Cognito)", () => {
  test("the pool signs in by email, verifies it, and requires strong passwords", () => {
    // GIVEN / WHEN default props
    const { json } = synth();
    // THEN
    expect(json).toHaveResourceWithProperties(CognitoUserPool, {
      name: "twinstack-staging",
      username_attributes: ["email"],
      auto_verified_attributes: ["email"],
      password_policy: expect.objectContaining({
        minimum_length: 12,
        require_uppercase: true,
        require_lowercase: true,
        require_numbers: true,
        require_symbols: true,
      }),
      admin_create_user_config: { allow_admin_create_user_only: true },
    });
  });

  test("secure defaults: optional TOTP MFA, deletion protection on, advanced security off", () => {
    // GIVEN / WHEN default props
    const { json, parsed } = synth();
    // THEN
    expect(json).toHaveResourceWithProperties(CognitoUserPool, {
      mfa_configuration: "OPTIONAL",
      software_token_mfa_configuration: { enabled: true },
      deletion_protection: "ACTIVE",
      user_pool_add_ons: { advanced_security_mode: "OFF" },
    });
    // AND no feature plan is forced on the pool, and it may be destroyed by Terraform (deletion protection still guards it)
    const pool = onlyResource(parsed, "aws_cognito_user_pool").values;
    expect(pool.user_pool_tier).toBeUndefined();
    expect(pool.lifecycle).toBeUndefined();
  });

  test.each([
    ["ON", { enabled: true }],
    ["OPTIONAL", { enabled: true }],
    ["OFF", undefined],
  ] as const)("MFA %s configures software tokens accordingly", (mfa, softwareToken) => {
    // GIVEN / WHEN
    const { parsed } = synth({ mfa });
    // THEN
    const pool = onlyResource(parsed, "aws_cognito_user_pool").values;
    expect(pool.mfa_configuration).toBe(mfa);
    expect(pool.software_token_mfa_configuration).toEqual(softwareToken);
  });

  test("deletion protection and advanced security follow the props; advanced security selects the PLUS plan", () => {
    // GIVEN a caller that turns deletion protection off and enforces threat protection
    const { json } = synth({ deletionProtection: false, advancedSecurityMode: "ENFORCED" });
    // THEN
    expect(json).toHaveResourceWithProperties(CognitoUserPool, {
      deletion_protection: "INACTIVE",
      user_pool_add_ons: { advanced_security_mode: "ENFORCED" },
      user_pool_tier: "PLUS",
    });
    // AND a plan that cannot carry advanced security is refused, naming both fields
    expect(() => synth({ advancedSecurityMode: "AUDIT", featurePlan: "ESSENTIALS" })).toThrow(/advancedSecurityMode \(AUDIT\) needs featurePlan PLUS, not ESSENTIALS/);
  });

  test("creates the default groups with precedence in order, or the caller's list", () => {
    // GIVEN / WHEN default groups
    const { json, parsed } = synth();
    // THEN one group per role, super_admin first
    expect(Object.keys(parsed.resource.aws_cognito_user_group)).toHaveLength(DEFAULT_GROUPS.length);
    DEFAULT_GROUPS.forEach((name, precedence) => {
      expect(json).toHaveResourceWithProperties(CognitoUserGroup, { name, precedence });
    });
    // AND a caller's list replaces it
    const custom = synth({ groups: ["admin", "guest"] }).parsed;
    expect(Object.values(custom.resource.aws_cognito_user_group).map((group) => group.name)).toEqual(["admin", "guest"]);
  });

  test("the app client is public and allows only the authorization code flow", () => {
    // GIVEN / WHEN
    const { json } = synth({ accessTokenValidityMinutes: 30, idTokenValidityMinutes: 15, refreshTokenValidityDays: 7 });
    // THEN
    expect(json).toHaveResourceWithProperties(CognitoUserPoolClient, {
      generate_secret: false,
      allowed_oauth_flows: ["code"],
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_scopes: ["openid", "email", "profile"],
      supported_identity_providers: ["COGNITO"],
      callback_urls: baseProps.callbackUrls,
      logout_urls: baseProps.logoutUrls,
      access_token_validity: 30,
      id_token_validity: 15,
      refresh_token_validity: 7,
      token_validity_units: [{ access_token: "minutes", id_token: "minutes", refresh_token: "days" }],
      prevent_user_existence_errors: "ENABLED",
      explicit_auth_flows: ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
    });
  });

  test("the hosted UI domain and the typed outputs", () => {
    // GIVEN / WHEN the module, with its outputs exported
    const json = Testing.synthScope((scope) => {
      const auth = new Authentication(scope, "auth", baseProps);
      new TerraformOutput(scope, "issuer", { value: auth.issuerUrl });
      new TerraformOutput(scope, "hosted_ui", { value: auth.hostedUiUrl });
      new TerraformOutput(scope, "client_id", { value: auth.clientId });
    });
    const parsed = JSON.parse(json) as Synthesized & { output: Record<string, { value: string }> };
    // THEN the domain resource uses the prefix
    expect(json).toHaveResourceWithProperties(CognitoUserPoolDomain, { domain: "twinstack-staging" });
    // AND the outputs point at the pool, the client and the hosted UI
    const pool = onlyResource(parsed, "aws_cognito_user_pool").address;
    const client = onlyResource(parsed, "aws_cognito_user_pool_client").address;
    expect(parsed.output.issuer.value).toBe(`https://cognito-idp.us-east-1.amazonaws.com/\${${pool}.id}`);
    expect(parsed.output.hosted_ui.value).toBe("https://twinstack-staging.auth.us-east-1.amazoncognito.com");
    expect(parsed.output.client_id.value).toBe(`\${${client}.id}`);
  });

  test("refuses bad domain prefixes and callback URLs, naming the field", () => {
    expect(() => synth({ domainPrefix: "my-cognito-login" })).toThrow(/domainPrefix \("my-cognito-login"\) must not contain "aws", "amazon" or "cognito"/);
    expect(() => synth({ callbackUrls: ["http://app.example.com/callback"] })).toThrow(/callbackUrls \("http:\/\/app.example.com\/callback"\) must be https:\/\//);
    expect(() => synth({ callbackUrls: [] })).toThrow(/Authentication twinstack-staging: callbackUrls must list at least one URL/);
    expect(() => synth({ accessTokenValidityMinutes: 2 })).toThrow(/accessTokenValidityMinutes \(2\) must be an integer from 5 to 1440/);
  });

  test("existingUserPoolId adopts the pool with an import block instead of creating one", () => {
    // GIVEN an existing pool, one of whose groups already exists, with its hosted UI domain
    const { parsed } = synth({ existingUserPoolId: "us-east-1_Example1", existingGroups: ["admin"], existingDomain: true });
    // THEN the pool, that group and the domain are imported, at their own addresses
    const pool = onlyResource(parsed, "aws_cognito_user_pool");
    const domain = onlyResource(parsed, "aws_cognito_user_pool_domain");
    const adminAddress = Object.entries(parsed.resource.aws_cognito_user_group).find(([, group]) => group.name === "admin")![0];
    expect(parsed.import).toEqual([
      { id: "us-east-1_Example1", to: pool.address },
      { id: "us-east-1_Example1/admin", to: `aws_cognito_user_group.${adminAddress}` },
      { id: "twinstack-staging", to: domain.address },
    ]);
    // AND a plan that would destroy or replace the adopted pool fails instead
    expect(pool.values.lifecycle).toEqual({ prevent_destroy: true });
    // AND the other groups and the client are created in it
    expect(Object.keys(parsed.resource.aws_cognito_user_group)).toHaveLength(DEFAULT_GROUPS.length);
  });

  test("user name case sensitivity: insensitive by default, or left out for a pool created without it", () => {
    // GIVEN / WHEN / THEN the default is case-insensitive email sign-in
    expect(synth().json).toHaveResourceWithProperties(CognitoUserPool, { username_configuration: { case_sensitive: false } });
    // AND an adopted pool created without the setting does not get it (adding it would replace the pool)
    const pool = onlyResource(synth({ existingUserPoolId: "us-east-1_Example1", usernameCaseSensitivity: "unset" }).parsed, "aws_cognito_user_pool").values;
    expect(pool.username_configuration).toBeUndefined();
  });

  test("without existingUserPoolId nothing is imported, and import-only props are refused", () => {
    expect(synth().parsed.import).toBeUndefined();
    expect(() => synth({ existingGroups: ["admin"] })).toThrow(/existingGroups \/ existingDomain need existingUserPoolId/);
    expect(() => synth({ existingUserPoolId: "not-a-pool" })).toThrow(/existingUserPoolId \("not-a-pool"\) must be a user pool id/);
  });
});

describe("Authentication: invited users (a protected environment's baseline users)", () => {
  test("GIVEN invitedUsers WHEN synthesized THEN each is a Terraform user that Cognito invites by email, with no password anywhere, in its groups", () => {
    // GIVEN / WHEN
    const { json, parsed, auth } = synth({ invitedUsers: [{ email: "Owner@Example.com", groups: ["super_admin"] }, { email: "agent@example.com", groups: ["agent", "guest"] }] });
    // THEN
    expect(json).toHaveResourceWithProperties(CognitoUser, {
      username: "owner@example.com",
      attributes: { email: "owner@example.com", email_verified: "true" },
      desired_delivery_mediums: ["EMAIL"],
    });
    const users = Object.values(parsed.resource.aws_cognito_user);
    expect(users).toHaveLength(2);
    for (const user of users) {
      // No message_action (SUPPRESS would skip the invitation) and no password in the configuration (so none in the state).
      expect(Object.keys(user).filter((key) => /password|message_action/.test(key))).toEqual([]);
    }
    expect(Object.values(parsed.resource.aws_cognito_user_in_group).map((membership) => membership.group_name)).toHaveLength(3);
    expect(json).toHaveResourceWithProperties(CognitoUserInGroup, { group_name: expect.stringMatching(/^\$\{aws_cognito_user_group\.auth_group-super_admin_[0-9A-F]+\.name\}$/) });
    expect(Object.keys(auth.invitedUsers)).toEqual(["owner@example.com", "agent@example.com"]);
  });

  test("GIVEN a user removed from the middle of the list WHEN synthesized THEN the others keep their Terraform addresses (ids come from emails)", () => {
    const before = Object.keys(synth({ invitedUsers: [{ email: "a@example.com" }, { email: "b@example.com" }, { email: "c@example.com" }] }).parsed.resource.aws_cognito_user);
    const after = Object.keys(synth({ invitedUsers: [{ email: "a@example.com" }, { email: "c@example.com" }] }).parsed.resource.aws_cognito_user);
    expect(after).toEqual(before.filter((_, index) => index !== 1));
  });

  test("GIVEN no invitedUsers WHEN synthesized THEN no user resources", () => {
    expect(synth().parsed.resource.aws_cognito_user).toBeUndefined();
  });

  test("refuses a bad email, a duplicate and an unknown group, naming the field", () => {
    expect(() => synth({ invitedUsers: [{ email: "not-an-email" }, { email: "x@example.com", groups: ["billing"] }, { email: "X@example.com" }] })).toThrow(
      [
        'Authentication twinstack-staging: invitedUsers[0].email ("not-an-email") must be an email address',
        `Authentication twinstack-staging: invitedUsers[1].groups ("billing") must be one of groups (${DEFAULT_GROUPS.join(", ")})`,
        'Authentication twinstack-staging: invitedUsers[2].email ("X@example.com") is listed more than once',
      ].join("\n"),
    );
  });
});

describeWithTools("Authentication and HttpApi pass terraform validate", ["terraform", "provider-mirror"], () => {
  const work = mkdtempSync(join(tmpdir(), "twinstack-auth-validate-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test.each([
    ["a new pool", {}],
    ["an adopted pool", { existingUserPoolId: "us-east-1_Example1", existingGroups: ["admin"], existingDomain: true }],
  ] as const)("with %s", async (label, extra) => {
    // GIVEN a tiny stack: provider, the Cognito module and the API wired to it
    const app = new App({ outdir: join(work, "out") });
    const stack = new TerraformStack(app, "auth");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const auth = new Authentication(stack, "auth", { ...baseProps, ...extra, advancedSecurityMode: "AUDIT" });
    const functionArn = "arn:aws:lambda:us-east-1:111111111111:function:twinstack-staging-api";
    new HttpApi(stack, "api", {
      name: "twinstack-staging",
      functionArn,
      functionInvokeArn: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
      jwtIssuer: auth.issuerUrl,
      jwtAudience: [auth.clientId],
      corsAllowOrigins: ["https://app.staging.example.com"],
      customDomain: { domainName: "api.staging.example.com", certificateArn: "arn:aws:acm:us-east-1:111111111111:certificate/example" },
    });
    const cwd = join(work, label.replace(/\W+/g, "-"));
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, "main.tf.json"), Testing.synth(stack));
    const { cliConfigFile } = writeTerraformCliConfig(join(work, "terraform"));
    // WHEN
    const init = await terraform(["init", "-backend=false", "-no-color"], { cwd, cliConfigFile });
    expect(init.stderr).toBe("");
    const validate = await terraform(["validate", "-json", "-no-color"], { cwd, cliConfigFile });
    // THEN no error and no warning
    const report = JSON.parse(validate.stdout) as { valid: boolean; diagnostics: Array<{ severity: string; summary: string; detail?: string }> };
    expect(report.diagnostics.map((d) => `${d.severity}: ${d.summary} ${d.detail ?? ""}`)).toEqual([]);
    expect(report.valid).toBe(true);
  }, 180_000);
});
