/**
 * Emulator tests of scripts/users/seed.ts: the seeding runs against a real Cognito API
 * (moto_server on 127.0.0.1, started and stopped here through scripts/sandbox/emulator.ts),
 * so user lookup by email, creation and group membership are exercised over the wire, not
 * mocked. The pure planner and the email mask are unit-tested at the end (no AWS).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import {
  AdminAddUserToGroupCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolCommand,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { resolveEnvironment } from "../environments/registry";
import type { EnvironmentConfig } from "../environments/config";
import { EMULATOR_DEFAULT_ACCOUNT, Emulator, clientConfig, emulatorProcessEnv, startEmulator } from "../scripts/sandbox/emulator";
import { SEED_PASSWORD_ENV, SeedUser, main, maskEmail, planSeed, seedUsers, userPoolIdParameterName } from "../scripts/users/seed";
import { describeWithTools } from "./helpers/requirements";

const REPO = join(__dirname, "..");
// A fake temporary password, long enough for the pool policy; it must never be printed.
const PASSWORD = "Fake-Temporary-Passw0rd!";

async function groupsOf(client: CognitoIdentityProviderClient, userPoolId: string, email: string): Promise<string[]> {
  const page = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: email }));
  return (page.Groups ?? []).map((group) => group.GroupName as string).sort();
}

async function newPool(client: CognitoIdentityProviderClient, name: string, groups = ["admin", "agent", "guest"], tags: Record<string, string> = { Environment: "staging" }): Promise<string> {
  // Tagged as the stacks tag their pools: the write guard reads the Environment tag before any write.
  const pool = await client.send(new CreateUserPoolCommand({ PoolName: name, UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"], UserPoolTags: tags }));
  const userPoolId = pool.UserPool!.Id!;
  for (const group of groups) await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
  return userPoolId;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO, "node_modules", ".bin", "tsx"), [join(REPO, "scripts", "users", "seed.ts"), ...args], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

describeWithTools("users:seed against the emulator", ["moto_server"], () => {
  let emulator: Emulator;
  let cognito: CognitoIdentityProviderClient;

  beforeAll(async () => {
    emulator = await startEmulator();
    cognito = new CognitoIdentityProviderClient(clientConfig(emulator));
  }, 60_000);

  afterAll(async () => {
    cognito?.destroy();
    await emulator?.stop(); // stops only the pid it started
  });

  test("seeding twice creates the users once; the second run changes nothing", async () => {
    // GIVEN a pool with groups and two configured users
    const userPoolId = await newPool(cognito, "seed-twice");
    const users: SeedUser[] = [
      { email: "Jane.Doe@example.com", groups: ["admin", "agent"] },
      { email: "sam@example.com", groups: ["guest"] },
    ];
    // WHEN seeded
    const lines: string[] = [];
    const first = await seedUsers(cognito, { userPoolId, users, temporaryPassword: PASSWORD }, { log: (line) => lines.push(line) });
    // THEN both are created, email verified, in their groups, waiting for a new password
    expect(first.map((result) => result.outcome)).toEqual(["created", "created"]);
    expect(await groupsOf(cognito, userPoolId, "jane.doe@example.com")).toEqual(["admin", "agent"]);
    expect(await groupsOf(cognito, userPoolId, "sam@example.com")).toEqual(["guest"]);
    const jane = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: "jane.doe@example.com" }));
    expect(jane.UserStatus).toBe("FORCE_CHANGE_PASSWORD");
    expect(Object.fromEntries((jane.UserAttributes ?? []).map((a) => [a.Name, a.Value]))).toMatchObject({ email: "jane.doe@example.com", email_verified: "true" });
    // AND the log masks emails and never shows the password
    expect(lines).toEqual(["***.doe@example.com: created (+admin +agent)", "***m@example.com: created (+guest)"]);
    expect(lines.join("\n")).not.toContain(PASSWORD);

    // WHEN seeded again with the same input
    const second = await seedUsers(cognito, { userPoolId, users, temporaryPassword: PASSWORD });
    // THEN nothing changes: same users, same groups
    expect(second.map((result) => result.outcome)).toEqual(["unchanged", "unchanged"]);
    const listed = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }));
    expect(listed.Users).toHaveLength(2);
    expect(await groupsOf(cognito, userPoolId, "jane.doe@example.com")).toEqual(["admin", "agent"]);
  });

  test("a user's groups are reconciled: added to missing groups, removed from unlisted ones", async () => {
    // GIVEN a seeded user, later added by hand to another group
    const userPoolId = await newPool(cognito, "reconcile");
    await seedUsers(cognito, { userPoolId, users: [{ email: "pat@example.com", groups: ["admin", "agent"] }], temporaryPassword: PASSWORD });
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: "pat@example.com", GroupName: "guest" }));
    // WHEN the config now says agent and guest only
    const [result] = await seedUsers(cognito, { userPoolId, users: [{ email: "pat@example.com", groups: ["agent", "guest"] }], temporaryPassword: PASSWORD });
    // THEN admin is removed, nothing is added (guest is already there), and the user is not re-created
    expect(result).toMatchObject({ outcome: "groups changed", create: false, addTo: [], removeFrom: ["admin"] });
    expect(await groupsOf(cognito, userPoolId, "pat@example.com")).toEqual(["agent", "guest"]);
    const listed = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }));
    expect(listed.Users).toHaveLength(1);
  });

  test("an unknown group is refused before anything changes", async () => {
    // GIVEN a pool without a `billing` group
    const userPoolId = await newPool(cognito, "unknown-group");
    // WHEN / THEN the seeding fails naming the field and the group
    await expect(
      seedUsers(cognito, { userPoolId, users: [{ email: "a@example.com", groups: ["guest"] }, { email: "b@example.com", groups: ["billing"] }], temporaryPassword: PASSWORD }),
    ).rejects.toThrow(/users\[1\]\.groups \("billing"\) is not a group of the user pool \(it has: admin, agent, guest\)/);
    // AND no user was created
    const listed = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }));
    expect(listed.Users).toHaveLength(0);
  });

  test("the CLI reads the pool id from SSM, seeds config.users, masks emails and never prints the password", async () => {
    // GIVEN staging's config with users, in the emulator's account, and the pool id published in SSM
    const userPoolId = await newPool(cognito, "cli");
    const staging = resolveEnvironment("staging");
    const config = { ...staging, accountId: EMULATOR_DEFAULT_ACCOUNT, users: [{ email: "ops.lead@example.com", groups: ["admin"] }] } as EnvironmentConfig;
    const ssm = new SSMClient(clientConfig(emulator));
    await ssm.send(new PutParameterCommand({ Name: userPoolIdParameterName("twinstack", "staging"), Value: userPoolId, Type: "String" }));
    const output: string[] = [];
    const deps = {
      env: { [SEED_PASSWORD_ENV]: PASSWORD },
      stdout: (line: string) => output.push(line),
      stderr: (line: string) => output.push(line),
      resolve: () => config,
      clients: () => ({ cognito, ssm, sts: new STSClient(clientConfig(emulator)) }),
    };
    // WHEN run twice
    const first = await main(["staging"], deps);
    const second = await main(["staging"], deps);
    // THEN it created then left the user alone
    expect([first, second]).toEqual([0, 0]);
    expect(output).toContain("***lead@example.com: created (+admin)");
    expect(output).toContain("***lead@example.com: unchanged");
    expect(output).toContain("0 created, 0 groups changed, 1 unchanged");
    expect(output.join("\n")).not.toMatch(/ops\.lead@|Fake-Temporary/);
    expect(await groupsOf(cognito, userPoolId, "ops.lead@example.com")).toEqual(["admin"]);
  });

  test("the CLI refuses credentials for another account", async () => {
    // GIVEN staging's real config (account 111111111111) and emulator credentials (123456789012)
    const output: string[] = [];
    // WHEN
    const code = await main(["staging", "--user-pool-id", "us-east-1_Example1"], {
      env: { [SEED_PASSWORD_ENV]: PASSWORD },
      stdout: (line) => output.push(line),
      stderr: (line) => output.push(line),
      clients: () => ({ cognito, ssm: new SSMClient(clientConfig(emulator)), sts: new STSClient(clientConfig(emulator)) }),
    });
    // THEN refused (exit 2), the accounts masked
    expect(code).toBe(2);
    expect(output.join("\n")).toMatch(/environments\/staging lives in account \*{8}1111, but these credentials are for \*{8}9012/);
    expect(output.join("\n")).not.toMatch(/\d{12}/);
  });

  function cliDeps(config: EnvironmentConfig, output: string[]) {
    return {
      env: { [SEED_PASSWORD_ENV]: PASSWORD },
      stdout: (line: string) => output.push(line),
      stderr: (line: string) => output.push(line),
      resolve: () => config,
      clients: () => ({ cognito, ssm: new SSMClient(clientConfig(emulator)), sts: new STSClient(clientConfig(emulator)) }),
    };
  }

  test("GIVEN production (protected) with credentials for its account WHEN users:seed production runs THEN exit 2 and no user is created in its pool", async () => {
    // GIVEN production's config in the emulator's account, and its pool tagged as its stack tags it
    const userPoolId = await newPool(cognito, "twinstack-production", ["super_admin", "accounting", "agent"], { Environment: "production" });
    const production = { ...resolveEnvironment("production"), accountId: EMULATOR_DEFAULT_ACCOUNT } as EnvironmentConfig;
    const output: string[] = [];
    // WHEN
    const code = await main(["production", "--user-pool-id", userPoolId], cliDeps(production, output));
    // THEN
    expect(code).toBe(2);
    expect(output.join("\n")).toContain("environments/production is protected: users:seed never writes to it");
    expect((await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }))).Users).toHaveLength(0);
  });

  test.each([
    ["tagged Environment=production", "customers", { Environment: "production" }, "is tagged Environment=production, a protected environment"],
    ["named like production's (twinstack-production) but tagged staging", "twinstack-production", { Environment: "staging" }, "is named like protected environment production's resources"],
  ])("GIVEN staging's config but --user-pool-id naming a pool %s WHEN users:seed staging runs THEN exit 2 and no user is created there", async (_, name, tags, reason) => {
    // GIVEN
    const userPoolId = await newPool(cognito, name, ["admin"], tags);
    const staging = { ...resolveEnvironment("staging"), accountId: EMULATOR_DEFAULT_ACCOUNT, users: [{ email: "qa@example.com", groups: ["admin"] }] } as EnvironmentConfig;
    const output: string[] = [];
    // WHEN
    const code = await main(["staging", "--user-pool-id", userPoolId], cliDeps(staging, output));
    // THEN
    expect(code).toBe(2);
    expect(output.join("\n")).toContain(`user pool ${userPoolId} ${reason}`);
    expect((await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }))).Users).toHaveLength(0);
  });

  test("GIVEN a client for real AWS (no loopback endpoint) WHEN seedUsers is called directly, not through the CLI's guard THEN it refuses before any request", async () => {
    // GIVEN a client whose endpoint is AWS's own (nothing listens: any request would fail differently)
    const real = new CognitoIdentityProviderClient({ region: "us-east-1", endpoint: "https://cognito-idp.us-east-1.amazonaws.com", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example" } });
    const send = jest.spyOn(real, "send");
    // WHEN / THEN
    await expect(seedUsers(real, { userPoolId: "us-east-1_Example1", users: [{ email: "a@example.com", groups: [] }], temporaryPassword: PASSWORD })).rejects.toThrow(
      /seedUsers writes directly only to an emulator on loopback/,
    );
    expect(send).not.toHaveBeenCalled();
    real.destroy();
  });

  test("the CLI refuses to run without TWINSTACK_SEED_PASSWORD (exit 2), naming the variable", async () => {
    // GIVEN a process environment pointing at the emulator, without the password
    const env = emulatorProcessEnv(emulator);
    delete env[SEED_PASSWORD_ENV];
    // WHEN
    const result = await runCli(["staging", "--user-pool-id", "us-east-1_Example1"], env);
    // THEN
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/TWINSTACK_SEED_PASSWORD is not set/);
    expect(result.output).not.toContain(PASSWORD);
  }, 60_000);
});

describe("users:seed planning and masking (unit, no AWS)", () => {
  test("plans creation, reconciliation and no-ops from observed state", () => {
    // GIVEN one missing user, one with extra and missing groups, one exactly right
    const users: SeedUser[] = [
      { email: "new@example.com", groups: ["guest", "agent"] },
      { email: "drift@example.com", groups: ["agent"] },
      { email: "ok@example.com", groups: ["admin"] },
    ];
    const observed = new Map([
      ["drift@example.com", { groups: ["guest"] }],
      ["ok@example.com", { groups: ["admin"] }],
    ]);
    // WHEN / THEN
    expect(planSeed(users, observed)).toEqual([
      { email: "new@example.com", create: true, addTo: ["agent", "guest"], removeFrom: [] },
      { email: "drift@example.com", create: false, addTo: ["agent"], removeFrom: ["guest"] },
      { email: "ok@example.com", create: false, addTo: [], removeFrom: [] },
    ]);
  });

  test.each([
    ["jane.doe@example.com", "***.doe@example.com"],
    ["christopher@example.com", "***pher@example.com"],
    ["bo@example.com", "***o@example.com"],
    ["x@example.com", "***@example.com"],
  ])("masks %s as %s", (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });
});
