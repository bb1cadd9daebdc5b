/**
 * Scale profiles: `hobby`, `standard` and `enterprise` presets of every field that sizes an
 * environment (Aurora capacity, instances, auto-pause, Performance Insights, backup retention;
 * the API function's memory and concurrency; API throttling; log retention; alarm thresholds).
 * A profile is orthogonal to the environment: `profile` names one, and any single field the
 * config sets itself overrides the preset, within the range the profile allows.
 */
import { z } from "zod";

export const PROFILE_NAMES = ["hobby", "standard", "enterprise"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
export const ProfileNameSchema = z.enum(PROFILE_NAMES, { error: `must be one of ${PROFILE_NAMES.join(", ")}` });

/** The config fields a profile presets, by section. Names are the config's own. */
export interface ProfileValues {
  readonly database: {
    readonly minCapacity: number;
    readonly maxCapacity: number;
    readonly secondsUntilAutoPause: number;
    readonly instanceCount: number;
    readonly performanceInsights: boolean;
    readonly backupRetentionDays: number;
  };
  readonly api: {
    readonly memoryMb: number;
    readonly reservedConcurrency: number;
    readonly throttlingRateLimit: number;
    readonly throttlingBurstLimit: number;
    readonly logRetentionDays: number;
  };
  readonly alerts: {
    readonly apiServerErrorRate: number;
    readonly apiLatencyP99Ms: number;
    readonly lambdaErrors: number;
    readonly lambdaThrottles: number;
    readonly databaseCapacityFraction: number;
    readonly databaseCpuPercent: number;
  };
}

type Section = keyof ProfileValues;
/** `database.maxCapacity`: a numeric field a profile may bound. */
export type BoundedField = { [S in Section]: `${S}.${Extract<keyof ProfileValues[S], string>}` }[Section];

export interface Range {
  readonly min?: number;
  readonly max?: number;
}

export interface ScaleProfile {
  readonly name: ProfileName;
  /** One line for tables and help. */
  readonly summary: string;
  readonly values: ProfileValues;
  /** What an override may be under this profile (fields not listed: whatever the schema allows). */
  readonly allows: Partial<Record<BoundedField, Range>>;
}

const DEFAULT_ALERTS: ProfileValues["alerts"] = {
  apiServerErrorRate: 0.05,
  apiLatencyP99Ms: 3000,
  lambdaErrors: 0,
  lambdaThrottles: 0,
  databaseCapacityFraction: 0.9,
  databaseCpuPercent: 80,
};

export const PROFILES: Record<ProfileName, ScaleProfile> = {
  hobby: {
    name: "hobby",
    summary: "one auto-pausing Aurora instance (0–1 ACU), small API: costs almost nothing idle",
    values: {
      database: { minCapacity: 0, maxCapacity: 1, secondsUntilAutoPause: 300, instanceCount: 1, performanceInsights: false, backupRetentionDays: 1 },
      api: { memoryMb: 256, reservedConcurrency: 5, throttlingRateLimit: 50, throttlingBurstLimit: 100, logRetentionDays: 14 },
      alerts: DEFAULT_ALERTS,
    },
    allows: {
      "database.maxCapacity": { max: 2 },
      "database.instanceCount": { max: 1 },
      "database.backupRetentionDays": { max: 7 },
      "api.reservedConcurrency": { max: 10 },
      "api.memoryMb": { max: 1024 },
      "api.throttlingRateLimit": { max: 100 },
      "api.throttlingBurstLimit": { max: 200 },
    },
  },
  standard: {
    name: "standard",
    summary: "two always-on Aurora instances (Multi-AZ, 0.5–4 ACU), Performance Insights, 14 days of backups",
    values: {
      database: { minCapacity: 0.5, maxCapacity: 4, secondsUntilAutoPause: 300, instanceCount: 2, performanceInsights: true, backupRetentionDays: 14 },
      api: { memoryMb: 256, reservedConcurrency: 50, throttlingRateLimit: 50, throttlingBurstLimit: 100, logRetentionDays: 90 },
      alerts: DEFAULT_ALERTS,
    },
    allows: {
      "database.maxCapacity": { max: 16 },
      "database.instanceCount": { max: 3 },
      "api.reservedConcurrency": { max: 200 },
      "api.memoryMb": { max: 3008 },
      "api.throttlingRateLimit": { max: 1000 },
      "api.throttlingBurstLimit": { max: 2000 },
    },
  },
  enterprise: {
    name: "enterprise",
    summary: "three always-on Aurora instances (2–32 ACU), 35 days of backups, large API, tighter alarms",
    values: {
      database: { minCapacity: 2, maxCapacity: 32, secondsUntilAutoPause: 300, instanceCount: 3, performanceInsights: true, backupRetentionDays: 35 },
      api: { memoryMb: 1024, reservedConcurrency: 200, throttlingRateLimit: 500, throttlingBurstLimit: 1000, logRetentionDays: 365 },
      alerts: { apiServerErrorRate: 0.01, apiLatencyP99Ms: 1500, lambdaErrors: 5, lambdaThrottles: 0, databaseCapacityFraction: 0.8, databaseCpuPercent: 70 },
    },
    allows: {
      // Never paused, never a single instance: enterprise promises Multi-AZ.
      "database.minCapacity": { min: 0.5 },
      "database.instanceCount": { min: 2 },
      "database.backupRetentionDays": { min: 14 },
      "api.reservedConcurrency": { min: 50 },
    },
  },
};

const SECTIONS: readonly Section[] = ["database", "api", "alerts"];

/**
 * The config input with the named profile's presets under every field it leaves unset. Left
 * untouched when `profile` is missing or unknown (the schema then names the field).
 */
export function withProfileDefaults(input: unknown): unknown {
  if (typeof input !== "object" || input === null) return input;
  const record = input as Record<string, unknown>;
  const name = record.profile;
  if (typeof name !== "string" || !(PROFILE_NAMES as readonly string[]).includes(name)) return input;
  const profile = PROFILES[name as ProfileName];
  const merged: Record<string, unknown> = { ...record };
  for (const section of SECTIONS) {
    const own = record[section];
    merged[section] = { ...profile.values[section], ...(typeof own === "object" && own !== null ? stripUndefined(own as Record<string, unknown>) : {}) };
  }
  return merged;
}

function stripUndefined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

export interface ProfileViolation {
  readonly path: [Section, string];
  readonly message: string;
}

/** Fields of a validated config outside what its profile allows, each with the allowed range. */
export function profileViolations(config: { profile: ProfileName } & { [S in Section]: Record<string, unknown> }): ProfileViolation[] {
  const profile = PROFILES[config.profile];
  const violations: ProfileViolation[] = [];
  for (const [field, range] of Object.entries(profile.allows) as [BoundedField, Range][]) {
    const [section, key] = field.split(".") as [Section, string];
    const value = config[section][key];
    if (typeof value !== "number") continue;
    if (withinRange(value, range)) continue;
    const other = PROFILE_NAMES.filter((name) => name !== profile.name && withinRange(value, PROFILES[name].allows[field]));
    violations.push({
      path: [section, key],
      message: `must be ${describeRange(range)} under profile ${profile.name}${other.length > 0 ? ` (profile ${other.join(" or ")} allows it)` : ""}: change the profile or the override`,
    });
  }
  return violations;
}

function withinRange(value: number, range: Range | undefined): boolean {
  return range === undefined || ((range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max));
}

function describeRange(range: Range): string {
  if (range.min !== undefined && range.max !== undefined) return `between ${range.min} and ${range.max}`;
  return range.min !== undefined ? `≥ ${range.min}` : `≤ ${range.max}`;
}
