/**
 * Emulator integration test (real Terraform + the real AWS provider 5.100 against moto): a
 * protected environment's baseline users are Terraform resources that Cognito invites by email
 * (`users:seed` refuses protected environments). A small stack — the Cognito module with
 * `invitedUsers` — is applied; then the users exist waiting for their first sign-in, sit in their
 * groups, no password is in the Terraform state, and a second plan is empty.
 */
import { AdminGetUserCommand, AdminListGroupsForUserCommand, CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Authentication } from "../../modules/cognito";
import { StackRunner, changesOf } from "../../scripts/lib/deploy";
import { writeTerraformCliConfig } from "../../scripts/lib/terraform";
import { Emulator, EMULATOR_REGION, clientConfig, emulatorProcessEnv, startEmulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";

jest.setTimeout(300_000);

describeWithTools("invited users: Terraform creates a protected environment's users, Cognito invites them", ["terraform", "provider-mirror", "moto_server"], () => {
  let emulator: Emulator;
  const work = mkdtempSync(join(tmpdir(), "twinstack-invitations-"));

  beforeAll(async () => {
    emulator = await startEmulator({ logFile: join(work, "moto.log") });
  });
  afterAll(async () => {
    await emulator?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("GIVEN two invited users WHEN applied THEN they wait for their first sign-in in their groups, no password is in the state, and a second plan is empty", async () => {
    // GIVEN a stack with the pool and two invited users (local state)
    const outdir = join(work, "out");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "invitations");
    // The endpoint comes from AWS_ENDPOINT_URL (emulator), as for the environment stacks.
    new AwsProvider(stack, "aws", { region: EMULATOR_REGION, skipMetadataApiCheck: "true", defaultTags: [{ tags: { Environment: "production" } }] });
    const auth = new Authentication(stack, "auth", {
      name: "twinstack-production",
      region: EMULATOR_REGION,
      domainPrefix: "twinstack-production",
      callbackUrls: ["https://app.example.com/auth/callback"],
      deletionProtection: false,
      invitedUsers: [
        { email: "owner@example.com", groups: ["super_admin"] },
        { email: "agent@example.com", groups: ["agent", "guest"] },
      ],
    });
    new TerraformOutput(stack, "user_pool_id", { value: auth.userPoolId });
    app.synth();
    const { cliConfigFile } = writeTerraformCliConfig(join(work, "terraform"));
    const runner = new StackRunner("invitations", outdir, cliConfigFile, emulatorProcessEnv(emulator));

    // WHEN
    await runner.init();
    await runner.applyAuto();

    // THEN the users exist, created by an administrator and not yet signed in (the invitation's temporary password)
    const userPoolId = String((await runner.outputs()).user_pool_id.value);
    const cognito = new CognitoIdentityProviderClient(clientConfig(emulator));
    try {
      const owner = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: "owner@example.com" }));
      expect(owner.UserStatus).toBe("FORCE_CHANGE_PASSWORD");
      const groups = async (email: string) =>
        ((await cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: email }))).Groups ?? []).map((group) => group.GroupName).sort();
      expect(await groups("owner@example.com")).toEqual(["super_admin"]);
      expect(await groups("agent@example.com")).toEqual(["agent", "guest"]);
    } finally {
      cognito.destroy();
    }
    // AND the state holds no password for them
    const state = JSON.parse((await runner.run("state pull", ["state", "pull"])).stdout) as { resources: Array<{ type: string; instances: Array<{ attributes: Record<string, unknown> }> }> };
    const users = state.resources.filter((resource) => resource.type === "aws_cognito_user").flatMap((resource) => resource.instances);
    expect(users).toHaveLength(2);
    for (const user of users) {
      expect(user.attributes.password ?? null).toBeNull();
      expect(user.attributes.temporary_password ?? null).toBeNull();
    }
    // AND a second plan changes nothing
    const replan = await runner.replan();
    expect(changesOf(replan.plan)).toEqual([]);
  });
});
