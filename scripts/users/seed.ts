/**
 * Seeds an environment's Cognito user pool with the users its config lists, idempotently.
 *
 *   TWINSTACK_SEED_PASSWORD='<temporary password>' npx tsx scripts/users/seed.ts staging
 *   npx tsx scripts/users/seed.ts staging --dry-run          # what would change; no password needed
 *   npx tsx scripts/users/seed.ts --help
 *
 * - Users come from `config.users` (`{ email, groups[] }[]`, default none); the pool id from
 *   `--user-pool-id` or the SSM parameter `/<project>/<env>/cognito/user-pool-id`.
 * - A missing user is created with the temporary password (never printed), email verified, no
 *   invitation message (`MessageAction: SUPPRESS`); Cognito asks for a new password at first sign-in.
 * - An existing user keeps everything (password, attributes, status); only its group membership
 *   is reconciled: added to missing groups, removed from groups not listed.
 * - Users in the pool that the config does not list are left alone.
 * - Emails in the output are masked: `***` + at most the last 4 characters (and never more than
 *   half) of the local part, then the domain: `jane.doe@example.com` → `***.doe@example.com`.
 *
 * - The write guard (scripts/lib/guard.ts) runs before any write: a protected environment is
 *   refused (production's baseline users are Terraform resources that Cognito invites by email:
 *   modules/cognito `invitedUsers`, docs/guardrails.md), and so is a pool that belongs to one by
 *   its name or its Environment tag, or whose tags cannot be read.
 *
 * Exit codes: 0 done, 1 failed (AWS error), 2 refused or bad usage (protected environment, another
 * account's credentials, bad arguments or config, missing password).
 *
 * Shape (see design.md): `planSeed` is pure (what to do, from observed state); `seedUsers`
 * observes through the Cognito client, plans, then acts; `main` is the thin CLI.
 */
import { useSandboxIfRunning } from "../lib/aws-context";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListGroupsCommand,
  UserNotFoundException,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { Command, CommanderError } from "commander";
import { isLoopbackEndpoint } from "../../environments/aws-target";
import { ConfigError, type EnvironmentConfig } from "../../environments/config";
import { resolveEnvironment } from "../../environments/registry";
import { USER_POOL_ID_SETTING, settingParameterName } from "../../environments/naming";
import { RefusedError, maskAccounts, maskTail } from "../refresh/core";
import { assertEnvironmentWritable, assertWriteTargets, guardRegistry, userPoolTarget } from "../lib/guard";

const COMMAND = "users:seed";

/** Environment variable holding the temporary password given to created users. */
export const SEED_PASSWORD_ENV = "TWINSTACK_SEED_PASSWORD";

/** SSM parameter (String) holding an environment's user pool id; `{project}` and `{env}` are replaced. */
export const USER_POOL_ID_PARAMETER = `/{project}/{env}/${USER_POOL_ID_SETTING}`;

/** `/twinstack/staging/cognito/user-pool-id`. */
export function userPoolIdParameterName(project: string, environment: string): string {
  return settingParameterName({ project, name: environment }, USER_POOL_ID_SETTING);
}

export interface SeedUser {
  /** Sign-in email (the pool uses email as the user name). */
  readonly email: string;
  /** Exact group membership wanted. */
  readonly groups: readonly string[];
}

export interface SeedInput {
  readonly userPoolId: string;
  readonly users: readonly SeedUser[];
  /** Given to created users only; never logged. */
  readonly temporaryPassword: string;
}

/** What is observed of one user: undefined when the user does not exist. */
export type ObservedUser = { readonly groups: readonly string[] } | undefined;

export interface UserPlan {
  /** Normalised (trimmed, lower-case) email. */
  readonly email: string;
  readonly create: boolean;
  readonly addTo: string[];
  readonly removeFrom: string[];
}

export type SeedOutcome = "created" | "unchanged" | "groups changed";

export interface SeedResult extends UserPlan {
  readonly outcome: SeedOutcome;
}

export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeedError";
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Checks the desired users (valid emails, each listed once, known groups); throws one SeedError listing every problem. */
export function validateUsers(users: readonly SeedUser[], poolGroups: ReadonlySet<string>, source = "users"): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  users.forEach((user, index) => {
    const email = normaliseEmail(user.email);
    if (!EMAIL.test(email)) problems.push(`${source}[${index}].email (${JSON.stringify(maskEmail(email))}) must be an email address`);
    if (seen.has(email)) problems.push(`${source}[${index}].email (${JSON.stringify(maskEmail(email))}) is listed more than once`);
    seen.add(email);
    for (const group of user.groups) {
      if (!poolGroups.has(group)) {
        problems.push(`${source}[${index}].groups (${JSON.stringify(group)}) is not a group of the user pool (it has: ${[...poolGroups].sort().join(", ") || "none"})`);
      }
    }
  });
  if (problems.length > 0) throw new SeedError(problems.join("\n"));
}

/** Pure: what to do for each desired user, given what exists. */
export function planSeed(users: readonly SeedUser[], observed: ReadonlyMap<string, ObservedUser>): UserPlan[] {
  return users.map((user) => {
    const email = normaliseEmail(user.email);
    const wanted = [...new Set(user.groups)].sort();
    const current = observed.get(email);
    if (current === undefined) return { email, create: true, addTo: wanted, removeFrom: [] };
    const have = new Set(current.groups);
    return {
      email,
      create: false,
      addTo: wanted.filter((group) => !have.has(group)),
      removeFrom: [...have].filter((group) => !wanted.includes(group)).sort(),
    };
  });
}

export function outcomeOf(plan: UserPlan): SeedOutcome {
  if (plan.create) return "created";
  return plan.addTo.length + plan.removeFrom.length > 0 ? "groups changed" : "unchanged";
}

/** `jane.doe@example.com` → `***.doe@example.com`: at most the last 4 characters, never more than half, of the local part. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 0) return "***";
  const local = email.slice(0, at);
  const keep = Math.min(4, Math.floor(local.length / 2));
  return `***${keep > 0 ? local.slice(-keep) : ""}${email.slice(at)}`;
}

async function listPoolGroups(client: CognitoIdentityProviderClient, userPoolId: string): Promise<Set<string>> {
  const groups = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListGroupsCommand({ UserPoolId: userPoolId, NextToken: nextToken, Limit: 60 }));
    for (const group of page.Groups ?? []) if (group.GroupName) groups.add(group.GroupName);
    nextToken = page.NextToken;
  } while (nextToken);
  return groups;
}

async function observeUser(client: CognitoIdentityProviderClient, userPoolId: string, email: string): Promise<ObservedUser> {
  try {
    await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }));
  } catch (error) {
    if (error instanceof UserNotFoundException || (error as { name?: string }).name === "UserNotFoundException") return undefined;
    throw error;
  }
  const groups: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: email, NextToken: nextToken, Limit: 60 }));
    for (const group of page.Groups ?? []) if (group.GroupName) groups.push(group.GroupName);
    nextToken = page.NextToken;
  } while (nextToken);
  return { groups };
}

export interface SeedOptions {
  /** Observe and plan only. Default false. */
  readonly dryRun?: boolean;
  /**
   * The environment the write guard cleared this pool for (`assertWriteTargets`, as the CLI does).
   * Without it, seedUsers writes only through a client with an explicit loopback endpoint: the
   * sandbox seeding production's sample users into the emulator (scripts/sandbox/up.ts).
   */
  readonly guardedFor?: string;
  /** Called with one line per user (emails masked). */
  readonly log?: (line: string) => void;
}

export function describeResult(result: SeedResult, dryRun = false): string {
  const changes = [...result.addTo.map((group) => `+${group}`), ...result.removeFrom.map((group) => `-${group}`)].join(" ");
  const verb = dryRun ? `would be ${result.outcome === "unchanged" ? "unchanged" : result.outcome === "created" ? "created" : "changed (groups)"}` : result.outcome;
  return `${maskEmail(result.email)}: ${verb}${changes ? ` (${changes})` : ""}`;
}

/**
 * Seeds the pool: validates the users against the pool's groups, observes each user, plans,
 * then creates missing users and reconciles group membership. Safe to run again: a second run
 * with the same input changes nothing. The temporary password never appears in errors.
 */
export async function seedUsers(client: CognitoIdentityProviderClient, input: SeedInput, options: SeedOptions = {}): Promise<SeedResult[]> {
  const { userPoolId, temporaryPassword } = input;
  if (!options.dryRun && temporaryPassword.length === 0) throw new SeedError(`temporaryPassword is empty: set ${SEED_PASSWORD_ENV}`);
  if (!options.dryRun && !options.guardedFor && !(await targetsLoopback(client))) {
    throw new SeedError("seedUsers writes directly only to an emulator on loopback (a client with an explicit http://127.0.0.1:<port> endpoint); for AWS run `npm run users:seed`, which runs the write guard first");
  }
  try {
    const poolGroups = await listPoolGroups(client, userPoolId);
    validateUsers(input.users, poolGroups);
    const observed = new Map<string, ObservedUser>();
    for (const user of input.users) {
      const email = normaliseEmail(user.email);
      observed.set(email, await observeUser(client, userPoolId, email));
    }
    const results: SeedResult[] = [];
    for (const plan of planSeed(input.users, observed)) {
      if (!options.dryRun) {
        if (plan.create) {
          await client.send(
            new AdminCreateUserCommand({
              UserPoolId: userPoolId,
              Username: plan.email,
              TemporaryPassword: temporaryPassword,
              MessageAction: "SUPPRESS",
              UserAttributes: [
                { Name: "email", Value: plan.email },
                { Name: "email_verified", Value: "true" },
              ],
            }),
          );
        }
        for (const group of plan.addTo) {
          await client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: plan.email, GroupName: group }));
        }
        for (const group of plan.removeFrom) {
          await client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: userPoolId, Username: plan.email, GroupName: group }));
        }
      }
      const result = { ...plan, outcome: outcomeOf(plan) };
      options.log?.(describeResult(result, options.dryRun));
      results.push(result);
    }
    return results;
  } catch (error) {
    throw redact(error, temporaryPassword);
  }
}

/** The client's explicit endpoint is on loopback (an emulator). No explicit endpoint means AWS. */
async function targetsLoopback(client: CognitoIdentityProviderClient): Promise<boolean> {
  const endpoint = client.config.endpoint ? await client.config.endpoint() : undefined;
  return endpoint !== undefined && isLoopbackEndpoint(`${endpoint.protocol}//${endpoint.hostname}`);
}

/** Cognito never accepts a password shorter than this, so a shorter "secret" is not one worth redacting (and would mangle messages). */
const MIN_COGNITO_PASSWORD_LENGTH = 6;

/** `text` with every occurrence of the secret replaced. */
export function redactSecret(text: string, secret: string): string {
  return secret.length >= MIN_COGNITO_PASSWORD_LENGTH ? text.split(secret).join("[redacted]") : text;
}

/** The same error with the secret redacted (AWS messages should not echo it; this makes sure). */
function redact(error: unknown, secret: string): unknown {
  if (!(error instanceof Error)) return error;
  error.message = redactSecret(error.message, secret);
  if (error.stack) error.stack = redactSecret(error.stack, secret);
  return error;
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface SeedCliDeps {
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
  /** Defaults to `resolveEnvironment` from environments/registry.ts. */
  readonly resolve?: (name: string) => EnvironmentConfig;
  /** AWS clients for a region; defaults to the SDK's (credentials and AWS_ENDPOINT_URL from the environment). */
  readonly clients?: (region: string) => { cognito: CognitoIdentityProviderClient; ssm: SSMClient; sts: STSClient };
}

/** `config.users`, once the config schema has it (`users: { email, groups[] }[]`, default []). */
function configuredUsers(config: EnvironmentConfig): SeedUser[] {
  const users = (config as EnvironmentConfig & { users?: SeedUser[] }).users;
  return users ?? [];
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], deps: SeedCliDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const out = deps.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = deps.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const program = new Command()
    .name("users:seed")
    .description(
      `Create the users listed in an environment's config in its Cognito user pool, and reconcile their groups.\n` +
        `Created users get the temporary password from ${SEED_PASSWORD_ENV} (never printed); existing users keep theirs.`,
    )
    .argument("<environment>", "staging or preview-pr-<n>: never a protected environment (production's users are invited by Terraform)")
    .option("--user-pool-id <id>", `user pool id (default: SSM parameter ${USER_POOL_ID_PARAMETER})`)
    .option("--dry-run", "show what would change; changes nothing and needs no password", false)
    .exitOverride()
    .configureOutput({ writeOut: (text) => out(text.trimEnd()), writeErr: (text) => err(text.trimEnd()) });

  let environmentName: string;
  let options: { userPoolId?: string; dryRun: boolean };
  try {
    program.parse(argv, { from: "user" });
    environmentName = program.args[0];
    options = program.opts();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }

  const password = env[SEED_PASSWORD_ENV] ?? "";
  if (!options.dryRun && password.length === 0) {
    err(`users:seed: ${SEED_PASSWORD_ENV} is not set: export ${SEED_PASSWORD_ENV} with the temporary password for created users (or use --dry-run)`);
    return 2;
  }

  try {
    const resolve = deps.resolve ?? ((name: string) => resolveEnvironment(name));
    const config = resolve(environmentName);
    const users = configuredUsers(config);
    // Refused before any credentials are used: a protected environment's users are Terraform's (invitations).
    const registry = guardRegistry(env);
    assertEnvironmentWritable({ registry, env: config, command: COMMAND });
    const clients = (deps.clients ?? defaultClients)(config.region);

    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account !== config.accountId) {
      const wanted = maskTail(config.accountId);
      throw new RefusedError(`environments/${config.name} lives in account ${wanted}, but these credentials are for ${identity.Account ? maskTail(identity.Account) : "an unknown account"}: use credentials for ${wanted}`);
    }

    let userPoolId = options.userPoolId;
    if (!userPoolId) {
      const parameter = userPoolIdParameterName(config.project, config.name);
      try {
        userPoolId = (await clients.ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
      } catch (error) {
        if ((error as { name?: string }).name !== "ParameterNotFound") throw error;
      }
      if (!userPoolId) {
        err(`users:seed: SSM parameter ${parameter} not found in ${config.region}: apply environments/${config.name} first, or pass --user-pool-id`);
        return 1;
      }
    }

    // The pool must be this environment's by name and Environment tag (read now), before any write.
    await assertWriteTargets({ registry, env: config, command: COMMAND, targets: [userPoolTarget(clients.cognito, userPoolId)] });

    if (users.length === 0) {
      out(`environments/${config.name}: no users configured (config.users is empty); nothing to do`);
      return 0;
    }
    out(`environments/${config.name}: ${options.dryRun ? "planning" : "seeding"} ${users.length} user(s) in ${userPoolId}`);
    const results = await seedUsers(clients.cognito, { userPoolId, users, temporaryPassword: password }, { dryRun: options.dryRun, log: out, guardedFor: config.name });
    const count = (outcome: SeedOutcome) => results.filter((result) => result.outcome === outcome).length;
    out(`${options.dryRun ? "would be: " : ""}${count("created")} created, ${count("groups changed")} groups changed, ${count("unchanged")} unchanged`);
    return 0;
  } catch (error) {
    if (error instanceof RefusedError || error instanceof ConfigError) {
      err(`${COMMAND}: refused: ${maskAccounts(redactSecret(error.message, password))}`);
      return 2;
    }
    const message = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
    err(`${COMMAND}: ${maskAccounts(redactSecret(message, password))}`);
    return 1;
  }
}

function defaultClients(region: string): { cognito: CognitoIdentityProviderClient; ssm: SSMClient; sts: STSClient } {
  return { cognito: new CognitoIdentityProviderClient({ region }), ssm: new SSMClient({ region }), sts: new STSClient({ region }) };
}

if (require.main === module) {
  const sandbox = useSandboxIfRunning();
  if (sandbox) process.stderr.write(`users:seed: using the sandbox at ${sandbox.endpoint}\n`);
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`users:seed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
