/**
 * The operations half of an environment's config: backups (AWS Backup plan, copies, vault
 * lock), the recovery objectives it promises (RPO/RTO), its monthly budget and who is told
 * when something breaks (P0 paging, P1 degraded). The checks between these fields — a
 * schedule that cannot meet the promised RPO, a lock that would refuse the retention — are
 * here too, so config.ts only wires them in.
 */
import { z } from "zod";

/** AWS account ids are exactly 12 digits. */
export const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be a region name like us-west-2");
const retentionDays = z.number().int().min(1, "must be ≥ 1").max(36500, "must be ≤ 36500");

/** Hours between snapshot recovery points: divisors of 24, so every day has the same schedule. */
export const SNAPSHOT_INTERVALS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

/**
 * How far behind the newest restorable moment is: Aurora's (and AWS Backup continuous backup's)
 * LatestRestorableTime trails the present by up to 5 minutes (RestoreDBClusterToPointInTime).
 */
export const POINT_IN_TIME_LAG_MINUTES = 5;
/** A copy job starts when its backup job completes: an hour covers both for a small database. */
export const COPY_LAG_MINUTES = 60;

const VaultLockSchema = z.strictObject({
  /** `governance`: privileged users may still remove the lock; `compliance`: nobody can, once the cooling-off days are over. */
  mode: z.enum(["governance", "compliance"]),
  /** Recovery points may not be deleted before this many days. Default 7. */
  minRetentionDays: retentionDays.default(7),
  /** Recovery points may not be kept longer than this many days. Default 365. */
  maxRetentionDays: retentionDays.default(365),
  /** Compliance mode only: days during which the lock can still be removed (≥ 3). Default 3. */
  coolingOffDays: z.number().int().min(3, "must be ≥ 3 (AWS Backup's minimum)").default(3),
});

const BackupSchema = z.strictObject({
  /** An AWS Backup plan for the database cluster; required for a protected environment. Default false. */
  enabled: z.boolean().default(false),
  /** Hours between snapshot recovery points (1, 2, 3, 4, 6, 8, 12 or 24). Default 24: daily. */
  snapshotEveryHours: z
    .number()
    .refine((hours) => (SNAPSHOT_INTERVALS as readonly number[]).includes(hours), `must be one of ${SNAPSHOT_INTERVALS.join(", ")}`)
    .default(24),
  /** UTC hour of the day's first snapshot (0–23); the cluster's own backup window is 03:00–04:00. Default 5. */
  startHourUtc: z.number().int().min(0, "must be ≥ 0").max(23, "must be ≤ 23").default(5),
  /** Continuous backup (point-in-time restore from the vault; AWS Backup supports it for Aurora). Default true. */
  continuous: z.boolean().default(true),
  /** Days continuous backup reaches back (1–35). Default 35. */
  continuousRetentionDays: z.number().int().min(1, "must be ≥ 1").max(35, "must be ≤ 35 (AWS Backup's limit for continuous backup)").default(35),
  /** Days snapshot recovery points stay in the environment's vault. Default 35. */
  retentionDays: retentionDays.default(35),
  /** Write-once vault lock on the environment's vaults; required for a protected environment. */
  vaultLock: VaultLockSchema.optional(),
  /** A copy of each snapshot recovery point in a vault in a second region (survives the loss of the region). */
  regionCopy: z
    .strictObject({
      /** The second region. */
      region,
      /** Days the copies are kept. Default 35. */
      retentionDays: retentionDays.default(35),
    })
    .optional(),
  /**
   * A copy of each snapshot recovery point in a vault of a separate backup account (survives the
   * loss of the account). That account owns the vault and its access policy (docs/operations.md).
   */
  accountCopy: z
    .strictObject({
      /** The backup account. */
      accountId,
      /** Its vault's name. */
      vaultName: z.string().regex(/^[a-zA-Z0-9\-_]{2,50}$/, "must be a backup vault name (2-50 letters, digits, - and _)"),
      /** The vault's region. Default: the environment's. */
      region: region.optional(),
      /** Days the copies are kept. Default 35. */
      retentionDays: retentionDays.default(35),
    })
    .optional(),
});

const DisasterRecoverySchema = z.strictObject({
  /** Promised recovery point objective, minutes: the most data lost when restoring in the same account and region. */
  rpoMinutes: z.number().int().min(POINT_IN_TIME_LAG_MINUTES, `must be ≥ ${POINT_IN_TIME_LAG_MINUTES} (restorable time trails the present by up to ${POINT_IN_TIME_LAG_MINUTES} minutes)`),
  /** Promised recovery time objective, minutes: from starting a restore to a cluster answering queries (`npm run dr -- drill` measures it). */
  rtoMinutes: z.number().int().positive(),
  /** Promised RPO when the account or the region is lost, minutes; needs backup.regionCopy or backup.accountCopy. Omit: not promised. */
  disasterRpoMinutes: z.number().int().positive().optional(),
});

const BudgetSchema = z.strictObject({
  /** Monthly limit, USD (`npm run cost` compares its estimate with it). */
  monthlyLimitUsd: z.number().positive(),
  /**
   * What the budget counts: `tag` — costs tagged `Environment=<name>` (activate `Environment` as a
   * cost allocation tag once per account); `account` — everything the account spends (for an
   * environment that has its account to itself).
   */
  scope: z.enum(["tag", "account"]).default("tag"),
  /** Percentages of the limit at which actual and forecast spend alert the P1 topic. Default 80 and 100. */
  alertPercentages: z.array(z.number().positive().max(1000)).min(1, "must list at least one percentage").default([80, 100]),
  /** A Cost Anomaly Detection monitor of the account's services, alerting the P1 topic: only where this environment owns the account. Default false. */
  anomalyMonitor: z.boolean().default(false),
  /** Anomalies with a total impact above this many USD are reported. Default 10. */
  anomalyThresholdUsd: z.number().positive().default(10),
});

const RecipientsSchema = z.strictObject({
  /** Email addresses (each confirms the subscription from the email). */
  emails: z.array(z.email("must be an email address")).default([]),
  /** HTTPS endpoints, e.g. a paging service's SNS integration URL. */
  httpsEndpoints: z.array(z.string().regex(/^https:\/\/[^\s]+$/, "must be an https:// URL")).default([]),
});

/** P0 pages someone (the site or the database is down); P1 is read in working hours (degraded, spend). */
const AlarmTiersSchema = z.strictObject({
  /** Recipients of P0 alarms only (on top of alerts.emails, which get both tiers). */
  p0: RecipientsSchema.prefault({}),
  /** Recipients of P1 alarms, budget alerts and cost anomalies only (on top of alerts.emails). */
  p1: RecipientsSchema.prefault({}),
});

/** The fields config.ts adds to the environment schema. */
export const operationsFields = {
  /** Backups of the database with AWS Backup. */
  backup: BackupSchema.prefault({}),
  /** The recovery objectives this environment promises (README, docs/operations.md). */
  dr: DisasterRecoverySchema,
  /** Spend guardrail: an AWS Budgets budget (and optionally an anomaly monitor). */
  budget: BudgetSchema,
  /** Who the two alarm tiers notify. */
  alarmTiers: AlarmTiersSchema.prefault({}),
};

export type BackupConfig = z.output<typeof BackupSchema>;
export type DisasterRecoveryConfig = z.output<typeof DisasterRecoverySchema>;
export type BudgetConfig = z.output<typeof BudgetSchema>;
export type AlarmTiersConfig = z.output<typeof AlarmTiersSchema>;

export interface OperationsIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** The best RPO the backups can keep in place, minutes: continuous backup or Aurora's own PITR, else the snapshot interval. */
export function achievableRpoMinutes(backup: BackupConfig): number {
  return !backup.enabled || backup.continuous ? POINT_IN_TIME_LAG_MINUTES : backup.snapshotEveryHours * 60;
}

/** The best RPO after losing the account or region, minutes (undefined: no copy leaves them). */
export function achievableDisasterRpoMinutes(backup: BackupConfig): number | undefined {
  if (!backup.enabled || (!backup.regionCopy && !backup.accountCopy)) return undefined;
  return backup.snapshotEveryHours * 60 + COPY_LAG_MINUTES;
}

/** Rules between the fields above and the rest of the environment. */
export function operationsIssues(config: { accountId: string; region: string; protected: boolean; backup: BackupConfig; dr: DisasterRecoveryConfig; budget: BudgetConfig }): OperationsIssue[] {
  const issues: OperationsIssue[] = [];
  const { backup, dr } = config;
  if (config.protected && !backup.enabled) issues.push({ path: ["backup", "enabled"], message: "must be true for a protected environment" });
  if (config.protected && backup.enabled && !backup.vaultLock) issues.push({ path: ["backup", "vaultLock"], message: "must be set (governance or compliance) for a protected environment" });

  const inPlace = achievableRpoMinutes(backup);
  if (dr.rpoMinutes < inPlace) {
    issues.push({ path: ["dr", "rpoMinutes"], message: `cannot be met: a snapshot every ${backup.snapshotEveryHours} h without continuous backup loses up to ${inPlace} minutes (turn on backup.continuous or promise ≥ ${inPlace})` });
  }
  if (dr.disasterRpoMinutes !== undefined) {
    const disaster = achievableDisasterRpoMinutes(backup);
    if (disaster === undefined) {
      issues.push({ path: ["dr", "disasterRpoMinutes"], message: "cannot be met: no recovery point leaves the account or region (set backup.regionCopy or backup.accountCopy, or omit it)" });
    } else if (dr.disasterRpoMinutes < disaster) {
      issues.push({ path: ["dr", "disasterRpoMinutes"], message: `cannot be met: copies leave every ${backup.snapshotEveryHours} h plus up to ${COPY_LAG_MINUTES} minutes of copying (snapshot more often or promise ≥ ${disaster})` });
    }
  }

  if (backup.regionCopy && backup.regionCopy.region === config.region) issues.push({ path: ["backup", "regionCopy", "region"], message: `must differ from the environment's region (${config.region})` });
  if (backup.accountCopy && backup.accountCopy.accountId === config.accountId) issues.push({ path: ["backup", "accountCopy", "accountId"], message: "must be a separate backup account, not the environment's own" });

  const lock = backup.vaultLock;
  if (lock) {
    if (lock.minRetentionDays > lock.maxRetentionDays) issues.push({ path: ["backup", "vaultLock", "minRetentionDays"], message: `must be ≤ maxRetentionDays (${lock.maxRetentionDays})` });
    // The lock refuses a recovery point whose lifecycle falls outside its range: every retention we set must fit.
    const kept: [(string | number)[], number][] = [[["backup", "retentionDays"], backup.retentionDays]];
    if (backup.continuous) kept.push([["backup", "continuousRetentionDays"], backup.continuousRetentionDays]);
    if (backup.regionCopy) kept.push([["backup", "regionCopy", "retentionDays"], backup.regionCopy.retentionDays]);
    for (const [path, days] of kept) {
      if (days < lock.minRetentionDays || days > lock.maxRetentionDays) {
        issues.push({ path, message: `must be within the vault lock's ${lock.minRetentionDays}–${lock.maxRetentionDays} days` });
      }
    }
  }
  return issues;
}
