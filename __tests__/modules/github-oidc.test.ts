/**
 * modules/github-oidc.
 * Unit tests (cdktf Testing, no AWS): the trust policies are asserted EXACTLY (parsed JSON),
 * because a trust policy one condition too loose lets another repository, branch or fork deploy.
 * Real-Terraform tests (terraform + the local provider mirror): a bootstrap-like stack per
 * account with this module passes `terraform validate`, and applies into the emulated AWS
 * (moto_server) — real provider schemas and real IAM API calls, not our reading of them.
 */
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { App, LocalBackend, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configureAws } from "../../environments/environment-stack";
import {
  GITHUB_OIDC_URL,
  GithubOidc,
  GithubOidcProps,
  refreshReadGrantStatement,
  roleArn,
  roleNames,
} from "../../modules/github-oidc";
import { StateBackend, stateLocation } from "../../modules/state-backend";
import { terraform, writeTerraformCliConfig } from "../../scripts/lib/terraform";
import { Emulator, startEmulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";
import { PolicyDocument, decide } from "../support/iam-evaluator";

const STAGING = "111111111111";
const PRODUCTION = "222222222222";
const github = { owner: "example-org", repository: "twinstack" };
const names = roleNames("twinstack");

type Json = Record<string, any>;

/** A bootstrap-like stack: provider, state backend and the OIDC roles of one account. */
class AccountStack extends TerraformStack {
  readonly oidc: GithubOidc;
  constructor(scope: Construct, id: string, account: "staging" | "production", endpointUrl?: string) {
    super(scope, id);
    const accountId = account === "staging" ? STAGING : PRODUCTION;
    configureAws(this, { region: "us-east-1", accountId, sessionName: id, tags: { Project: "twinstack" }, target: { endpointUrl } });
    new LocalBackend(this, { path: "terraform.tfstate" });
    const state = new StateBackend(this, "state", { project: "twinstack", accountId, location: stateLocation("twinstack", accountId, "us-east-1") });
    this.oidc = new GithubOidc(this, "github", oidcProps(account, state));
  }
}

function oidcProps(account: "staging" | "production", state: StateBackend): GithubOidcProps {
  const common = {
    project: "twinstack",
    region: "us-east-1",
    github,
    state: { bucketArn: state.bucket.bucketArn, bucketName: state.bucket.bucketName, lockTableArn: state.lockTable.arn, keyArn: state.key.keyArn },
  };
  if (account === "staging") {
    return {
      ...common,
      accountId: STAGING,
      applyEnvironments: ["staging"],
      planEnvironments: ["staging-plan"],
      preview: {},
      refresh: {
        target: "staging",
        source: "production",
        sourceAccountId: PRODUCTION,
        lockTableArn: state.lockTable.arn,
        lockTableKeyArn: state.key.keyArn,
        sourceUploadsBucketName: "twinstack-production-uploads",
        targetUploadsBucketName: "twinstack-staging-uploads",
        sourceRoleArn: roleArn(PRODUCTION, names.refreshSource),
      },
    };
  }
  return {
    ...common,
    accountId: PRODUCTION,
    applyEnvironments: ["production"],
    planEnvironments: ["production-plan"],
    refreshSource: { source: "production", refreshRoleArn: roleArn(STAGING, names.refresh), shareWithAccountIds: [STAGING] },
  };
}

function synth(account: "staging" | "production"): { json: string; parsed: Json } {
  const app = Testing.app();
  const stack = new AccountStack(app, `bootstrap-${account}`, account);
  const json = Testing.synth(stack);
  return { json, parsed: JSON.parse(json) };
}

function roleByName(parsed: Json, name: string): Json {
  const role = Object.values(parsed.resource.aws_iam_role as Record<string, Json>).find((r) => r.name === name);
  if (!role) throw new Error(`no role ${name}`);
  return role;
}

function inlinePolicies(parsed: Json, roleName: string): Json[] {
  const roleKey = Object.entries(parsed.resource.aws_iam_role as Record<string, Json>).find(([, r]) => r.name === roleName)![0];
  return Object.values(parsed.resource.aws_iam_role_policy as Record<string, Json>)
    .filter((p) => p.role === `\${aws_iam_role.${roleKey}.id}`)
    .map((p) => JSON.parse(p.policy));
}

/** Customer-managed policies attached to the role (parsed), e.g. the apply role's `-deploy-<n>`. */
function managedPolicies(parsed: Json, roleName: string): Json[] {
  const roleKey = Object.entries(parsed.resource.aws_iam_role as Record<string, Json>).find(([, r]) => r.name === roleName)![0];
  return Object.values(parsed.resource.aws_iam_role_policy_attachment as Record<string, Json>)
    .filter((a) => a.role === `\${aws_iam_role.${roleKey}.name}`)
    .map((a) => /^\$\{aws_iam_policy\.([\w-]+)\.arn\}$/.exec(a.policy_arn)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => JSON.parse(parsed.resource.aws_iam_policy[name].policy));
}

const PROVIDER_TOKEN = expect.stringMatching(/^\$\{aws_iam_openid_connect_provider\.[\w-]+\.arn\}$/);

function trustFor(subjects: string | string[]): Json {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GithubActionsAssumeRole",
        Effect: "Allow",
        Principal: { Federated: PROVIDER_TOKEN },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subjects,
          },
        },
      },
    ],
  };
}

describe("github-oidc: staging account", () => {
  const { json, parsed } = synth("staging");

  test("creates the GitHub OIDC provider for the STS audience", () => {
    // GIVEN a bootstrap-like staging stack WHEN synthesized THEN one provider for GitHub's issuer
    expect(json).toHaveResourceWithProperties(IamOpenidConnectProvider, { url: GITHUB_OIDC_URL, client_id_list: ["sts.amazonaws.com"] });
    expect(Object.keys(parsed.resource.aws_iam_openid_connect_provider)).toHaveLength(1);
  });

  test("plan role trusts exactly pull requests and the staging-plan environment of this repository", () => {
    // GIVEN planEnvironments ["staging-plan"] WHEN synthesized THEN the trust policy is exactly this
    expect(JSON.parse(roleByName(parsed, names.plan).assume_role_policy)).toEqual(
      trustFor(["repo:example-org/twinstack:pull_request", "repo:example-org/twinstack:environment:staging-plan"]),
    );
  });

  test("apply role trusts exactly the staging environment: previews have their own role", () => {
    expect(JSON.parse(roleByName(parsed, names.apply).assume_role_policy)).toEqual(trustFor("repo:example-org/twinstack:environment:staging"));
  });

  test("preview role trusts exactly the preview environment", () => {
    expect(JSON.parse(roleByName(parsed, names.preview).assume_role_policy)).toEqual(trustFor("repo:example-org/twinstack:environment:preview"));
  });

  test("refresh role trusts exactly environment refresh-staging", () => {
    expect(JSON.parse(roleByName(parsed, names.refresh).assume_role_policy)).toEqual(trustFor("repo:example-org/twinstack:environment:refresh-staging"));
  });

  test("no trust policy uses StringLike or a wildcard subject", () => {
    for (const role of Object.values(parsed.resource.aws_iam_role as Record<string, Json>)) {
      const policy = role.assume_role_policy as string;
      expect(policy).not.toContain("StringLike");
      for (const statement of JSON.parse(policy).Statement) {
        const subjects = [statement.Condition?.StringEquals?.["token.actions.githubusercontent.com:sub"] ?? []].flat();
        for (const subject of subjects) expect(subject).not.toMatch(/[*?]/);
      }
    }
  });

  test("plan role: ReadOnlyAccess, state read, lock files and lock table, state key, and data reads denied", () => {
    expect(json).toHaveResourceWithProperties(IamRolePolicyAttachment, { policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    const [policy] = inlinePolicies(parsed, names.plan);
    const bySid = Object.fromEntries(policy.Statement.map((s: Json) => [s.Sid, s]));
    expect(bySid.StateBucketList).toEqual({ Sid: "StateBucketList", Effect: "Allow", Action: "s3:ListBucket", Resource: expect.stringMatching(/aws_s3_bucket\..+\.arn/) });
    expect(bySid.StateObjectsRead.Action).toBe("s3:GetObject");
    expect(bySid.StateLockFiles.Action).toEqual(["s3:PutObject", "s3:DeleteObject"]);
    expect(bySid.StateLockFiles.Resource).toMatch(/\/\*\.tflock$/);
    expect(bySid.StateLockTable.Action).toEqual(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]);
    expect(bySid.StateKey.Action).toEqual(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]);
    // A plan role may never write state itself: only the lock file next to it.
    const writes = policy.Statement.filter((s: Json) => s.Effect === "Allow" && [s.Action].flat().includes("s3:PutObject"));
    expect(writes.map((s: Json) => s.Resource)).toEqual([expect.stringMatching(/\/\*\.tflock$/)]);
    expect(bySid.DenyObjectReadsOutsideState.Effect).toBe("Deny");
    expect(bySid.DenySecretValues).toMatchObject({ Effect: "Deny", Action: expect.arrayContaining(["secretsmanager:GetSecretValue"]) });
    // Pull requests plan with this role: they may not open a saved plan handed to an apply job.
    expect(bySid.DenySavedPlanDecrypt).toMatchObject({ Effect: "Deny", Action: "kms:Decrypt", Condition: { StringEquals: { "kms:EncryptionContext:purpose": "twinstack-saved-plan" } } });
    const applyKeyUse = inlinePolicies(parsed, names.apply).flatMap((p) => p.Statement).filter((s: Json) => s.Effect === "Deny");
    expect(applyKeyUse).toEqual([]); // the apply role decrypts saved plans
  });

  test("apply role writes are scoped to twinstack-* wherever the ARN carries a name", () => {
    const inline = inlinePolicies(parsed, names.apply);
    const managed = managedPolicies(parsed, names.apply);
    expect(managed.length).toBeGreaterThanOrEqual(1);
    const statements: Json[] = [...inline, ...managed].flatMap((p) => p.Statement);
    for (const sid of ["DatabaseRds", "LambdaProjectFunctions", "S3ProjectBuckets", "IamProjectRoles", "ProjectSecrets"]) {
      const statement = statements.find((s) => s.Sid === sid)!;
      for (const resource of [statement.Resource].flat()) expect(resource).toMatch(/twinstack-\*|default[.:]\*/);
    }
    // Every `*` resource is either read-free region-bound or tag-bound: named in the module's doc.
    for (const statement of statements.filter((s) => s.Resource === "*")) expect(statement.Condition).toBeDefined();
    // IAM's quotas: inline policies of a role 10,240 characters in all, each managed policy 6,144.
    expect(JSON.stringify(inline).length).toBeLessThan(10240);
    for (const policy of managed) expect(JSON.stringify(policy).length).toBeLessThan(6144);
  });

  test("refresh role: exactly the refresh's actions, on staging names, and assumes only the production source role", () => {
    const [policy] = inlinePolicies(parsed, names.refresh);
    const bySid: Record<string, Json> = Object.fromEntries(policy.Statement.map((s: Json) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(
      [
        "AssumeOnlyTheSourceRole",
        "ManagedMasterSecret",
        "RdsDescribe",
        "RdsRestoreFromSharedSourceSnapshot",
        "RdsRestoreSwapCleanupTarget",
        "RefreshLockItem",
        "RefreshLockTableKey",
        "ScrubThroughDataApi",
        "SourceDatabaseKeyForRestore",
        "SourceUploadsRead",
        "TargetDatabaseKey",
        "TargetParameters",
        "TargetUploadsMirror",
        "TargetUserPoolListUsers",
      ].sort(),
    );
    expect(bySid.RdsRestoreSwapCleanupTarget.Resource).toEqual([
      "arn:aws:rds:us-east-1:111111111111:cluster:twinstack-staging*",
      "arn:aws:rds:us-east-1:111111111111:db:twinstack-staging*",
      "arn:aws:rds:us-east-1:111111111111:cluster-snapshot:twinstack-staging*",
      "arn:aws:rds:us-east-1:111111111111:subgrp:twinstack-staging*",
      "arn:aws:rds:us-east-1:111111111111:cluster-pg:twinstack-staging*",
      "arn:aws:rds:us-east-1:111111111111:pg:default.*",
      "arn:aws:rds:us-east-1:111111111111:og:default:*",
    ]);
    expect(bySid.RdsRestoreFromSharedSourceSnapshot.Resource).toBe("arn:aws:rds:us-east-1:222222222222:cluster-snapshot:twinstack-production*");
    expect(bySid.TargetDatabaseKey.Condition).toEqual({ "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/twinstack-staging-database" } });
    expect(bySid.SourceUploadsRead).toMatchObject({
      Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
      Resource: ["arn:aws:s3:::twinstack-production-uploads", "arn:aws:s3:::twinstack-production-uploads/*"],
    });
    expect(bySid.TargetUploadsMirror.Resource).toEqual(["arn:aws:s3:::twinstack-staging-uploads", "arn:aws:s3:::twinstack-staging-uploads/*"]);
    // The Data API of the restored (Serverless v2) cluster: on for the scrub, off again after it (EnableHttpEndpoint / DisableHttpEndpoint).
    for (const action of ["rds:EnableHttpEndpoint", "rds:DisableHttpEndpoint"]) {
      expect(decide([policy as PolicyDocument], { action, resource: "arn:aws:rds:us-east-1:111111111111:cluster:twinstack-staging-new-r202501311200-ab12" }).allowed).toBe(true);
      expect(decide([policy as PolicyDocument], { action, resource: "arn:aws:rds:us-east-1:222222222222:cluster:twinstack-production" }).allowed).toBe(false);
    }
    // The write guard (scripts/lib/guard.ts) reads the target bucket's Environment tag before any write.
    expect(decide([policy as PolicyDocument], { action: "s3:GetBucketTagging", resource: "arn:aws:s3:::twinstack-staging-uploads" }).allowed).toBe(true);
    expect(decide([policy as PolicyDocument], { action: "s3:PutBucketTagging", resource: "arn:aws:s3:::twinstack-staging-uploads" }).allowed).toBe(false);
    expect(bySid.TargetUserPoolListUsers).toMatchObject({ Action: "cognito-idp:ListUsers", Condition: { StringEquals: { "aws:ResourceTag/Environment": "staging", "aws:ResourceTag/Project": "twinstack" } } });
    expect(bySid.TargetParameters.Resource).toEqual(["arn:aws:ssm:us-east-1:111111111111:parameter/twinstack/staging", "arn:aws:ssm:us-east-1:111111111111:parameter/twinstack/staging/*"]);
    expect(bySid.RefreshLockItem.Condition).toEqual({ "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["twinstack-refresh/staging"] } });
    expect(bySid.AssumeOnlyTheSourceRole).toEqual({ Sid: "AssumeOnlyTheSourceRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::222222222222:role/twinstack-refresh-source" });
    // No other statement grants sts:* and no statement writes to production.
    const stsGrants = policy.Statement.filter((s: Json) => [s.Action].flat().some((a: string) => a.startsWith("sts:")));
    expect(stsGrants).toHaveLength(1);
    const productionWrites = policy.Statement.filter((s: Json) => JSON.stringify(s.Resource).includes("production") && [s.Action].flat().some((a: string) => /Put|Delete|Modify|Create/.test(a)));
    expect(productionWrites).toEqual([]);
  });
});

describe("github-oidc: production account", () => {
  const { parsed } = synth("production");

  test("plan role trusts exactly pull requests and production-plan", () => {
    expect(JSON.parse(roleByName(parsed, names.plan).assume_role_policy)).toEqual(
      trustFor(["repo:example-org/twinstack:pull_request", "repo:example-org/twinstack:environment:production-plan"]),
    );
  });

  test("apply role trusts exactly environment production (a single subject)", () => {
    expect(JSON.parse(roleByName(parsed, names.apply).assume_role_policy)).toEqual(trustFor("repo:example-org/twinstack:environment:production"));
  });

  test("no refresh role in production; the refresh source role trusts exactly staging's refresh role", () => {
    expect(() => roleByName(parsed, names.refresh)).toThrow();
    expect(JSON.parse(roleByName(parsed, names.refreshSource).assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "StagingRefreshAssumesRole", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:role/twinstack-github-refresh-staging" }, Action: "sts:AssumeRole" },
      ],
    });
    const [policy] = inlinePolicies(parsed, names.refreshSource);
    expect(policy.Statement.map((s: Json) => s.Sid)).toEqual(["RdsDescribe", "SnapshotSource", "ShareSnapshotWithTarget", "DeleteRefreshSnapshots"]);
    expect(policy.Statement[3].Condition).toEqual({ Null: { "aws:ResourceTag/twinstack:refresh-id": "false" } });
  });

  test("the uploads bucket grant helper names only the staging refresh role", () => {
    // GIVEN production's uploads bucket WHEN the integrator adds the helper's statement THEN it is exactly this
    expect(refreshReadGrantStatement({ bucketArn: "arn:aws:s3:::twinstack-production-uploads", refreshRoleArn: roleArn(STAGING, names.refresh) })).toEqual({
      Sid: "StagingRefreshReadsObjects",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111111111111:role/twinstack-github-refresh-staging" },
      Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
      Resource: ["arn:aws:s3:::twinstack-production-uploads", "arn:aws:s3:::twinstack-production-uploads/*"],
    });
  });
});

describe("github-oidc: refusals", () => {
  const make = (override: Partial<GithubOidcProps>) => () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "s");
    new GithubOidc(stack, "github", {
      project: "twinstack",
      accountId: STAGING,
      region: "us-east-1",
      github,
      state: { bucketArn: "arn:aws:s3:::b", lockTableArn: "arn:aws:dynamodb:us-east-1:111111111111:table/t", keyArn: "arn:aws:kms:us-east-1:111111111111:key/k" },
      applyEnvironments: ["staging"],
      ...override,
    });
  };
  test.each([
    ["a wildcard owner", { github: { owner: "*", repository: "twinstack" } }, /github.owner/],
    ["a wildcard repository", { github: { owner: "example-org", repository: "twin*" } }, /github.repository/],
    ["a wildcard environment", { applyEnvironments: ["*"] }, /GitHub environment/],
    ["no apply environment", { applyEnvironments: [] }, /at least one/],
    ["the preview environment on the apply role", { applyEnvironments: ["staging", "preview"], preview: {} }, /must not include the preview environment "preview"/],
    ["an existing provider without its ARN", { createProvider: false }, /providerArn/],
  ])("refuses %s", (_, override, message) => {
    expect(make(override as Partial<GithubOidcProps>)).toThrow(message);
  });

  test("uses an existing provider when told to", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "s");
    new GithubOidc(stack, "github", {
      project: "twinstack",
      accountId: STAGING,
      region: "us-east-1",
      github,
      state: { bucketArn: "arn:aws:s3:::b", lockTableArn: "arn:aws:dynamodb:us-east-1:111111111111:table/t", keyArn: "arn:aws:kms:us-east-1:111111111111:key/k" },
      applyEnvironments: ["staging"],
      createProvider: false,
      providerArn: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
    });
    const json = Testing.synth(stack);
    expect(JSON.parse(json).resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(json).toHaveResourceWithProperties(IamRole, {
      assume_role_policy: expect.stringContaining('"Federated":"arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"'),
    });
  });
});

// ---- real Terraform ------------------------------------------------------------------------------

function synthToDir(account: "staging" | "production", endpointUrl?: string): { outdir: string; dir: string } {
  const outdir = mkdtempSync(join(tmpdir(), "twinstack-oidc-"));
  const app = new App({ outdir });
  new AccountStack(app, `bootstrap-${account}`, account, endpointUrl);
  app.synth();
  return { outdir, dir: join(outdir, "stacks", `bootstrap-${account}`) };
}

describeWithTools("github-oidc: real terraform validate", ["terraform", "provider-mirror"], () => {
  const { cliConfigFile } = writeTerraformCliConfig();
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test.each(["staging", "production"] as const)("the %s bootstrap-like stack validates", async (account) => {
    // GIVEN the stack synthesized to disk WHEN terraform init + validate (offline) THEN valid
    const { outdir, dir } = synthToDir(account);
    made.push(outdir);
    const init = await terraform(["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, cliConfigFile });
    expect(init.stderr).toBe("");
    const validate = await terraform(["validate", "-json", "-no-color"], { cwd: dir, cliConfigFile });
    const result = JSON.parse(validate.stdout);
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  }, 120000);
});

describeWithTools("github-oidc: apply into the emulator", ["terraform", "provider-mirror", "moto_server"], () => {
  const { cliConfigFile } = writeTerraformCliConfig();
  let emulator: Emulator | undefined;
  const made: string[] = [];
  beforeAll(async () => {
    // moto's default account is 123456789012; the stack is pinned (allowed_account_ids) to ours.
    emulator = await startEmulator({ env: { MOTO_ACCOUNT_ID: STAGING } });
  }, 30000);
  afterAll(async () => {
    await emulator?.stop(); // only the pid this test started
    made.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  test("the staging bootstrap-like stack applies: provider and roles exist with the exact trust", async () => {
    const { outdir, dir } = synthToDir("staging", emulator!.endpoint);
    made.push(outdir);
    const env = {
      AWS_ENDPOINT_URL: emulator!.endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    };
    const init = await terraform(["init", "-input=false", "-no-color"], { cwd: dir, cliConfigFile, env });
    expect(init.code).toBe(0);
    const apply = await terraform(["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: dir, cliConfigFile, env });
    if (apply.code !== 0) throw new Error(apply.stderr);
    const show = await terraform(["show", "-json", "-no-color"], { cwd: dir, cliConfigFile, env });
    const resources: Json[] = JSON.parse(show.stdout).values.root_module.resources;
    const roles = resources.filter((r) => r.type === "aws_iam_role").map((r) => r.values.name).sort();
    expect(roles).toEqual([names.apply, names.plan, names.preview, names.refresh].sort());
    const refresh = resources.find((r) => r.type === "aws_iam_role" && r.values.name === names.refresh)!;
    expect(JSON.parse(refresh.values.assume_role_policy).Statement[0].Condition.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": "repo:example-org/twinstack:environment:refresh-staging",
    });
  }, 240000);
});
