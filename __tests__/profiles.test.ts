/**
 * Unit tests (no AWS, no terraform) of scale profiles and the operations config: presets fill
 * what an environment leaves unset, a single field overrides within what the profile allows,
 * errors name the field and the allowed range; the RPO a backup schedule can keep, vault lock
 * retention, protected environments' backups; and the synthesized stacks: the ScaleProfile tag
 * on every stack, the SSM setting, production's backup plan (copies, lock), and every
 * environment's dashboard, budget and P0/P1 topics.
 */
import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { ConfigError, EnvironmentConfigInput, parseEnvironmentConfig } from "../environments/config";
import { achievableDisasterRpoMinutes, achievableRpoMinutes } from "../environments/operations";
import { PROFILES, PROFILE_NAMES, profileViolations } from "../environments/profiles";
import { namedEnvironments, previewConfig, resolveEnvironment, validateEnvironments } from "../environments/registry";
import { snapshotSchedule } from "../modules/backup";
import { resourcesOfType, synthBootstrap, synthEnvironment } from "./helpers/stacks";

const { staging, production } = namedEnvironments;
const parseError = (input: EnvironmentConfigInput): string => {
  try {
    parseEnvironmentConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
};

describe("scale profiles", () => {
  test("GIVEN each preset THEN it satisfies its own limits (a profile never rejects its own values)", () => {
    for (const name of PROFILE_NAMES) {
      const config = parseEnvironmentConfig({ ...production, profile: name });
      expect(profileViolations(config)).toEqual([]);
      expect(config.database).toMatchObject(PROFILES[name].values.database);
      expect(config.api).toMatchObject(PROFILES[name].values.api);
      expect(config.alerts).toMatchObject(PROFILES[name].values.alerts);
    }
  });

  test("GIVEN staging on hobby and production on standard THEN their sizes are what they were before profiles (production's defaults unchanged)", () => {
    expect(resolveEnvironment("staging")).toMatchObject({
      profile: "hobby",
      database: { minCapacity: 0, maxCapacity: 1, secondsUntilAutoPause: 300, instanceCount: 1, performanceInsights: false, backupRetentionDays: 1 },
      api: { reservedConcurrency: 5, logRetentionDays: 14, memoryMb: 256, throttlingRateLimit: 50, throttlingBurstLimit: 100 },
    });
    expect(resolveEnvironment("production")).toMatchObject({
      profile: "standard",
      database: { minCapacity: 0.5, maxCapacity: 4, instanceCount: 2, performanceInsights: true, backupRetentionDays: 14 },
      api: { reservedConcurrency: 50, logRetentionDays: 90, memoryMb: 256 },
    });
    expect(previewConfig(7).profile).toBe("hobby");
  });

  test("GIVEN a single field set in the config WHEN parsed THEN it overrides the preset and the rest stays the profile's", () => {
    const config = parseEnvironmentConfig({ ...production, database: { ...production.database, maxCapacity: 8 }, api: { memoryMb: 512 } });
    expect(config.database).toMatchObject({ maxCapacity: 8, minCapacity: 0.5, instanceCount: 2 });
    expect(config.api).toMatchObject({ memoryMb: 512, reservedConcurrency: 50, logRetentionDays: 90 });
  });

  test("GIVEN an override outside what the profile allows THEN the error names the field, the value, the range and the profile that allows it", () => {
    expect(parseError({ ...staging, database: { ...staging.database, maxCapacity: 8 } })).toBe(
      "environments/staging: database.maxCapacity (8) must be ≤ 2 under profile hobby (profile standard or enterprise allows it): change the profile or the override",
    );
    expect(parseError({ ...production, profile: "enterprise", database: { ...production.database, instanceCount: 1 } })).toBe(
      "environments/production: database.instanceCount (1) must be ≥ 2 under profile enterprise (profile hobby or standard allows it): change the profile or the override",
    );
  });

  test("GIVEN a profile that does not exist, or none, THEN the error names the field and the three allowed", () => {
    expect(parseError({ ...staging, profile: "huge" as never })).toContain('environments/staging: profile ("huge") must be one of hobby, standard, enterprise');
    const { profile: _omitted, ...withoutProfile } = staging;
    expect(parseError(withoutProfile as EnvironmentConfigInput)).toContain("environments/staging: profile (missing) must be one of hobby, standard, enterprise");
  });
});

describe("backups, recovery objectives and budgets (config)", () => {
  test("GIVEN production THEN the schedule keeps its promises: 5 min in place (continuous), 4 h + 1 h after losing the account or region", () => {
    const config = resolveEnvironment("production");
    expect(achievableRpoMinutes(config.backup)).toBe(5);
    expect(achievableDisasterRpoMinutes(config.backup)).toBe(300);
    expect(config.dr).toEqual({ rpoMinutes: 15, rtoMinutes: 60, disasterRpoMinutes: 300 });
  });

  test("GIVEN a promised RPO the schedule cannot meet THEN validation fails naming the field and what would", () => {
    const withoutContinuous = { ...production, backup: { ...production.backup, continuous: false } };
    expect(parseError(withoutContinuous)).toBe(
      "environments/production: dr.rpoMinutes (15) cannot be met: a snapshot every 4 h without continuous backup loses up to 240 minutes (turn on backup.continuous or promise ≥ 240)",
    );
    const daily = { ...production, backup: { ...production.backup, snapshotEveryHours: 24 } };
    expect(parseError(daily)).toBe(
      "environments/production: dr.disasterRpoMinutes (300) cannot be met: copies leave every 24 h plus up to 60 minutes of copying (snapshot more often or promise ≥ 1500)",
    );
    const noCopies = { ...production, backup: { ...production.backup, regionCopy: undefined, accountCopy: undefined } };
    expect(parseError(noCopies)).toContain("dr.disasterRpoMinutes (300) cannot be met: no recovery point leaves the account or region");
    expect(parseError({ ...production, backup: { ...production.backup, snapshotEveryHours: 5 } })).toContain("backup.snapshotEveryHours (5) must be one of 1, 2, 3, 4, 6, 8, 12, 24");
  });

  test("GIVEN a protected environment without backups or without a vault lock THEN validation fails; retention outside the lock fails", () => {
    expect(parseError({ ...production, backup: { enabled: false }, dr: { rpoMinutes: 15, rtoMinutes: 60 } })).toBe("environments/production: backup.enabled (false) must be true for a protected environment");
    expect(parseError({ ...production, backup: { ...production.backup, vaultLock: undefined } })).toBe(
      "environments/production: backup.vaultLock (missing) must be set (governance or compliance) for a protected environment",
    );
    expect(parseError({ ...production, backup: { ...production.backup, retentionDays: 400 } })).toBe("environments/production: backup.retentionDays (400) must be within the vault lock's 7–365 days");
    expect(parseError({ ...production, backup: { ...production.backup, regionCopy: { region: "us-east-1" } } })).toBe(
      "environments/production: backup.regionCopy.region (\"us-east-1\") must differ from the environment's region (us-east-1)",
    );
  });

  test("GIVEN a snapshot interval THEN the cron lists the same hours every day, from the start hour", () => {
    expect(snapshotSchedule(4, 5)).toBe("cron(0 1,5,9,13,17,21 * * ? *)");
    expect(snapshotSchedule(24, 5)).toBe("cron(0 5 * * ? *)");
    expect(snapshotSchedule(1, 0)).toBe(`cron(0 ${Array.from({ length: 24 }, (_, h) => h).join(",")} * * ? *)`);
  });
});

const environments = validateEnvironments(namedEnvironments);
const all = [environments.staging, environments.production, previewConfig(42)];

describe.each(all.map((config) => [config.name, config] as const))("synthesized %s", (name, config) => {
  const { json, parsed } = synthEnvironment(config);

  test("carries its ScaleProfile as a default tag and publishes it in SSM", () => {
    for (const provider of parsed.provider.aws) expect(provider).toMatchObject({ default_tags: [{ tags: expect.objectContaining({ ScaleProfile: config.profile }) }] });
    expect(json).toHaveResourceWithProperties(SsmParameter, { name: `/twinstack/${name}/scale-profile`, value: config.profile });
  });

  test("has a dashboard, P0 and P1 topics, a database-connectivity alarm and a budget alerting P1 at 80 % and 100 % of actual and forecast spend", () => {
    expect(resourcesOfType(parsed, "aws_cloudwatch_dashboard").map((d) => d.dashboard_name)).toEqual([`twinstack-${name}`]);
    expect(resourcesOfType(parsed, "aws_sns_topic").map((t) => t.name).sort()).toEqual([`twinstack-${name}-p0`, `twinstack-${name}-p1`]);
    expect(resourcesOfType(parsed, "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name)).toContain(`twinstack-${name}-database-connectivity`);
    const [budget] = resourcesOfType(parsed, "aws_budgets_budget");
    expect(budget).toMatchObject({ name: `twinstack-${name}`, budget_type: "COST", time_unit: "MONTHLY", limit_amount: config.budget.monthlyLimitUsd.toFixed(2), limit_unit: "USD" });
    const notifications = budget.notification as Array<Record<string, unknown>>;
    expect(notifications.map((n) => `${n.notification_type}@${n.threshold}`).sort()).toEqual(["ACTUAL@100", "ACTUAL@80", "FORECASTED@100", "FORECASTED@80"]);
    for (const n of notifications) expect(n.subscriber_sns_topic_arns).toEqual([expect.stringMatching(/aws_sns_topic\.monitoring_topic-p1_/)]);
    if (config.budget.scope === "tag") expect(budget.cost_filter).toEqual([{ name: "TagKeyValue", values: [`user:Environment$${name}`] }]);
    else expect(budget.cost_filter).toBeUndefined();
    expect(resourcesOfType(parsed, "aws_ce_anomaly_monitor")).toHaveLength(config.budget.anomalyMonitor ? 1 : 0);
  });

  test(config.backup.enabled ? "has a locked, encrypted vault, a plan with continuous backup and copies to the second region and the backup account" : "has no backup plan (backup.enabled is false)", () => {
    if (!config.backup.enabled) {
      expect(resourcesOfType(parsed, "aws_backup_plan")).toHaveLength(0);
      return;
    }
    const vaults = resourcesOfType(parsed, "aws_backup_vault");
    expect(vaults).toHaveLength(2);
    for (const vault of vaults) expect(vault.kms_key_arn).toMatch(/aws_kms_key\./);
    expect(json).toHaveResourceWithProperties(BackupVaultLockConfiguration, { min_retention_days: 7, max_retention_days: 365 });
    expect(resourcesOfType(parsed, "aws_backup_vault_lock_configuration")).toHaveLength(2);
    expect(json).toHaveResourceWithProperties(BackupPlan, { name: `twinstack-${name}-database` });
    const [plan] = resourcesOfType(parsed, "aws_backup_plan");
    const rules = plan.rule as Array<Record<string, any>>;
    const snapshots = rules.find((r) => r.rule_name === "snapshots");
    expect(snapshots?.schedule).toBe("cron(0 1,5,9,13,17,21 * * ? *)");
    expect(snapshots?.copy_action.map((c: { destination_vault_arn: string }) => c.destination_vault_arn)).toEqual([
      expect.stringMatching(/aws_backup_vault\.backup_copy-vault_/),
      `arn:aws:backup:us-east-1:333333333333:backup-vault:twinstack-production-copies`,
    ]);
    expect(rules.find((r) => r.rule_name === "continuous")).toMatchObject({ enable_continuous_backup: true, lifecycle: { delete_after: 35 } });
    // The copy vault lives in the second region, through its own provider
    expect(parsed.provider.aws.find((p) => p.alias === "backup_copy")).toMatchObject({ region: "us-west-2" });
    expect(resourcesOfType(parsed, "aws_backup_selection")).toHaveLength(1);
    // AND the backup account may use the database key to copy recovery points
    const keys = resourcesOfType(parsed, "aws_kms_key").map((k) => String(k.policy));
    expect(keys.some((p) => p.includes("arn:aws:iam::333333333333:root"))).toBe(true);
  });

  test("aimed at the emulator THEN the resource types moto lacks are left out, and only those", () => {
    const emulated = synthEnvironment(config, { endpointUrl: "http://127.0.0.1:5000" }).parsed;
    for (const type of ["aws_backup_selection", "aws_budgets_budget", "aws_ce_anomaly_monitor", "aws_ce_anomaly_subscription"]) expect(resourcesOfType(emulated, type)).toHaveLength(0);
    const count = (doc: typeof parsed) => Object.values(doc.resource).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
    const lacking = ["aws_backup_selection", "aws_budgets_budget", "aws_ce_anomaly_monitor", "aws_ce_anomaly_subscription"].reduce((sum, type) => sum + resourcesOfType(parsed, type).length, 0);
    expect(count(emulated)).toBe(count(parsed) - lacking);
  });
});

test("every bootstrap stack carries the ScaleProfile tag of the environments in its account", () => {
  const stacks = synthBootstrap(all);
  expect(stacks.map((s) => (s.parsed.provider.aws[0].default_tags as Array<{ tags: Record<string, string> }>)[0].tags.ScaleProfile)).toEqual(["hobby", "standard"]);
});
