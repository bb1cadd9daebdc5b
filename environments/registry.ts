/**
 * The environment registry: every named environment, validated together, and previews
 * derived from staging by pull-request number.
 */
import { isLoopbackEndpoint } from "./aws-target";
import { ConfigError, EnvironmentConfig, EnvironmentConfigInput, cidrsOverlap, parseEnvironmentConfig } from "./config";
import { stackId } from "./naming";
import { production } from "./production/config";
import { staging } from "./staging/config";

/** The long-lived environments, by name. */
export const namedEnvironments: Record<"staging" | "production", EnvironmentConfigInput> = { staging, production };

export type NamedEnvironment = keyof typeof namedEnvironments;

const PREVIEW_NAME = /^preview-pr-(.+)$/;

/**
 * Registries made by `inSingleAccount`: there an unprotected environment shares a protected
 * one's account by construction, so validateEnvironments does not refuse it. Kept beside the
 * object rather than in it, so the config schema stays what config files may declare.
 */
const singleAccountRegistries = new WeakSet<object>();

/**
 * The single-account topology of the emulator (the sandbox and tests; the emulator cannot restore
 * a snapshot shared from another account): every environment moves into `accountId`, keeping its
 * deploy role's name; nothing is shared across accounts. Reached through `environmentInputs` only
 * against a loopback emulator: on real AWS it would put staging beside production's data.
 */
export function inSingleAccount(inputs: Record<string, EnvironmentConfigInput>, accountId: string): Record<string, EnvironmentConfigInput> {
  const moved = Object.fromEntries(
    Object.entries(inputs).map(([key, input]) => [
      key,
      {
        ...input,
        accountId,
        deployRoleArn: input.deployRoleArn?.replace(/^arn:aws:iam::\d{12}:/, `arn:aws:iam::${accountId}:`),
        snapshotShareAccountIds: [],
      },
    ]),
  );
  singleAccountRegistries.add(moved);
  return moved;
}

/**
 * The registry as this process should see it: TWINSTACK_SINGLE_ACCOUNT=<account id> selects the
 * single-account topology, and only when AWS_ENDPOINT_URL is a loopback emulator endpoint.
 */
export function environmentInputs(env: NodeJS.ProcessEnv = process.env, inputs: Record<string, EnvironmentConfigInput> = namedEnvironments): Record<string, EnvironmentConfigInput> {
  const single = env.TWINSTACK_SINGLE_ACCOUNT?.trim();
  if (!single) return inputs;
  if (!/^\d{12}$/.test(single)) throw new ConfigError(`TWINSTACK_SINGLE_ACCOUNT (${JSON.stringify(single)}) must be a 12-digit AWS account id`);
  if (!isLoopbackEndpoint(env.AWS_ENDPOINT_URL)) {
    const endpoint = env.AWS_ENDPOINT_URL ? `AWS_ENDPOINT_URL is ${JSON.stringify(env.AWS_ENDPOINT_URL)}` : "AWS_ENDPOINT_URL is not set (real AWS)";
    throw new ConfigError(
      `TWINSTACK_SINGLE_ACCOUNT is allowed only against an emulator on this machine (AWS_ENDPOINT_URL=http://127.0.0.1:<port> or localhost), but ${endpoint}: ` +
        "on real AWS it would run unprotected environments in a protected environment's account; unset it and give each environment its own account",
    );
  }
  return inSingleAccount(inputs, single);
}

/**
 * Validates each environment and the rules between them (staging and production VPCs must
 * not overlap, so they can be peered later). Throws one ConfigError listing every problem.
 */
export function validateEnvironments(inputs: Record<string, EnvironmentConfigInput>): Record<string, EnvironmentConfig> {
  const problems: string[] = [];
  const valid: Record<string, EnvironmentConfig> = {};
  for (const [key, input] of Object.entries(inputs)) {
    try {
      const config = parseEnvironmentConfig(input, `environments/${key}`);
      if (config.name !== key) {
        throw new ConfigError(`environments/${key}: name (${JSON.stringify(config.name)}) must equal the folder name "${key}"`);
      }
      valid[key] = config;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (!singleAccountRegistries.has(inputs)) problems.push(...sharedAccountProblems(Object.values(valid)));
  problems.push(...protectedNamePrefixProblems(Object.values(valid)));
  const named = Object.values(valid).filter((config) => !PREVIEW_NAME.test(config.name));
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      const [a, b] = [named[i], named[j]];
      if (cidrsOverlap(a.network.cidr, b.network.cidr)) {
        problems.push(
          `environments/${b.name}: network.cidr (${JSON.stringify(b.network.cidr)}) must not overlap ${a.name}'s network.cidr (${a.network.cidr})`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
  return valid;
}

/**
 * An unprotected environment never lives in a protected environment's account: a write meant for
 * it (a refresh, a seed, an apply) would run with credentials that reach the protected data.
 * Previews are derived from staging and live in its (unprotected) account.
 */
function sharedAccountProblems(configs: EnvironmentConfig[]): string[] {
  const protectedByAccount = new Map<string, string>();
  for (const config of configs) if (config.protected && !protectedByAccount.has(config.accountId)) protectedByAccount.set(config.accountId, config.name);
  return configs
    .filter((config) => !config.protected && protectedByAccount.has(config.accountId))
    .map(
      (config) =>
        // The account id is shown by its last 4 digits only, like every operator-facing output.
        `environments/${config.name}: accountId (…${config.accountId.slice(-4)}) must not be the account of protected environment ${protectedByAccount.get(config.accountId)}: ` +
        "give each unprotected environment an account of its own (or mark it protected)",
    );
}

/**
 * The write guard takes any resource named `<project>-<protected name>-…` for the protected
 * environment's (scripts/lib/guard.ts), so an unprotected environment named that way could never
 * be written by a refresh or a seed. Refused here, where the name is chosen, instead of at every write.
 */
function protectedNamePrefixProblems(configs: EnvironmentConfig[]): string[] {
  const protectedConfigs = configs.filter((config) => config.protected);
  return configs.flatMap((config) => {
    if (config.protected) return [];
    const claimed = protectedConfigs.find((owner) => stackId(config).startsWith(`${stackId(owner)}-`));
    if (claimed === undefined) return [];
    return [
      `environments/${config.name}: name (${JSON.stringify(config.name)}) must not start with protected environment ${claimed.name}'s name and a dash: ` +
        `its resources (${stackId(config)}-…) would be taken for ${claimed.name}'s (${stackId(claimed)}-…) and every write to them refused; choose another name (or mark it protected)`,
    ];
  });
}

/** Parses a pull-request number as given in PREVIEW_PR or a `preview-pr-<n>` name. */
export function parsePullRequestNumber(raw: string, source = "PREVIEW_PR"): number {
  if (!/^[1-9]\d{0,8}$/.test(raw.trim())) {
    throw new ConfigError(`${source} (${JSON.stringify(raw)}) must be a positive integer pull-request number`);
  }
  return Number(raw.trim());
}

/**
 * A preview is staging's config with its own name (so its own resource names, VPC and state key),
 * in staging's account, with the cheapest database settings. Previews are never peered, so
 * reusing staging's CIDR is fine.
 */
export function previewConfig(pullRequest: number, base: EnvironmentConfigInput = staging): EnvironmentConfig {
  if (!Number.isInteger(pullRequest) || pullRequest < 1) {
    throw new ConfigError(`PREVIEW_PR (${JSON.stringify(pullRequest)}) must be a positive integer pull-request number`);
  }
  const name = `preview-pr-${pullRequest}`;
  return parseEnvironmentConfig(
    {
      ...base,
      name,
      protected: false,
      profile: "hobby",
      snapshotShareAccountIds: [],
      network: { ...base.network, interfaceEndpoints: [], flowLogRetentionDays: 3 },
      database: {
        ...base.database,
        minCapacity: 0,
        maxCapacity: 1,
        secondsUntilAutoPause: 300,
        instanceCount: 1,
        deletionProtection: false,
        backupRetentionDays: 1,
        finalSnapshot: false,
        performanceInsights: false,
      },
      api: { ...base.api, reservedConcurrency: 2 },
      auth: { ...base.auth, deletionProtection: false, existingUserPoolId: undefined },
      users: [],
      alerts: { ...base.alerts, emails: [] },
      alarmTiers: {},
      backup: { enabled: false },
      // Counted by its own Environment tag; the account's anomaly monitor belongs to staging.
      budget: { ...base.budget, scope: "tag", anomalyMonitor: false },
      tags: { ...base.tags, PullRequest: String(pullRequest) },
    },
    `environments/${name}`,
  );
}

/** Resolves `staging`, `production` or `preview-pr-<n>`; anything else is a clear error. */
export function resolveEnvironment(name: string, inputs: Record<string, EnvironmentConfigInput> = namedEnvironments): EnvironmentConfig {
  const preview = PREVIEW_NAME.exec(name);
  if (preview) {
    validateEnvironments(inputs);
    return previewConfig(parsePullRequestNumber(preview[1], `environment "${name}": pull-request number`), inputs.staging ?? staging);
  }
  if (!(name in inputs)) {
    throw new ConfigError(`unknown environment ${JSON.stringify(name)}: expected one of ${Object.keys(inputs).join(", ")}, preview-pr-<n>`);
  }
  return validateEnvironments(inputs)[name];
}

/**
 * Every environment to synthesize: all named ones (validated together, even when only some
 * are selected), plus a preview when PREVIEW_PR is set. TWINSTACK_ENVIRONMENTS (comma-separated
 * names) narrows the selection, e.g. for a plan of one environment.
 */
export function environmentsToSynthesize(
  env: NodeJS.ProcessEnv = process.env,
  inputs: Record<string, EnvironmentConfigInput> = namedEnvironments,
): EnvironmentConfig[] {
  inputs = environmentInputs(env, inputs);
  const all = validateEnvironments(inputs);
  const pr = env.PREVIEW_PR;
  const preview = pr !== undefined && pr !== "" ? previewConfig(parsePullRequestNumber(pr), inputs.staging ?? staging) : undefined;
  const selection = env.TWINSTACK_ENVIRONMENTS?.split(",").map((name) => name.trim()).filter(Boolean);
  if (!selection || selection.length === 0) return preview ? [...Object.values(all), preview] : Object.values(all);
  return selection.map((name) => (preview && name === preview.name ? preview : resolveEnvironment(name, inputs)));
}
