/**
 * The typed, validated shape of one environment. Everything that differs between
 * staging, production and a preview is a field here; modules never ask "am I production?".
 */
import { z } from "zod";

/** AWS account ids are exactly 12 digits. */
const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");

const ipv4Cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, "must be an IPv4 CIDR like 10.0.0.0/16")
  .refine((value) => parseCidr(value) !== undefined, "must be an IPv4 CIDR with octets 0-255 and a prefix of /16 to /24");

/** Aurora Serverless v2 capacity is set in steps of 0.5 ACU, from 0 (auto-pause) to 256. */
const acu = z
  .number()
  .min(0, "must be ≥ 0")
  .max(256, "must be ≤ 256")
  .refine((value) => Number.isInteger(value * 2), "must be a multiple of 0.5");

const InterfaceEndpointName = z.enum([
  "secretsmanager",
  "rds",
  "rds-data",
  "ssm",
  "sts",
  "kms",
  "logs",
  "monitoring",
  "xray",
  "lambda",
]);

const NetworkSchema = z.strictObject({
  /** VPC CIDR, /16 to /24; staging and production must not overlap. */
  cidr: ipv4Cidr,
  /** Availability zones, named explicitly so plans need no lookups (2 to 4). */
  availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "must be an AZ name like us-east-1a")).min(2, "must list at least 2 zones").max(4, "must list at most 4 zones"),
  /** Interface endpoints to create (each costs per AZ-hour); the S3 gateway endpoint is always there and free. */
  interfaceEndpoints: z.array(InterfaceEndpointName).default([]),
  /** Retention of the VPC flow-log group, days. */
  flowLogRetentionDays: z.number().int().positive().default(30),
});

const DatabaseSchema = z.strictObject({
  /** Aurora PostgreSQL engine version; must support Serverless v2 auto-pause (≥ 13.15, 14.12, 15.7, 16.3). */
  engineVersion: z.string().regex(/^\d+\.\d+$/, "must be a major.minor version like 16.4").default("16.4"),
  /** Minimum capacity in ACU; 0 enables auto-pause. */
  minCapacity: acu,
  /** Maximum capacity in ACU; must be ≥ minCapacity and ≥ 1. */
  maxCapacity: acu,
  /** Seconds of inactivity before an auto-pausing cluster (minCapacity 0) pauses: 300 to 86400. */
  secondsUntilAutoPause: z.number().int().min(300, "must be ≥ 300").max(86400, "must be ≤ 86400").default(300),
  /** Number of `db.serverless` instances (1 writer + readers). */
  instanceCount: z.number().int().min(1, "must be ≥ 1").max(4, "must be ≤ 4").default(1),
  /** Deletion protection on the cluster; required for a protected environment. */
  deletionProtection: z.boolean(),
  /** Automated backup retention in days (1 to 35). */
  backupRetentionDays: z.number().int().min(1, "must be ≥ 1").max(35, "must be ≤ 35"),
  /** Take a final snapshot when the cluster is destroyed. */
  finalSnapshot: z.boolean(),
  /** Initial database name. */
  databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "must be a lowercase PostgreSQL identifier").default("app"),
  /** Master user name; its password is managed by RDS in Secrets Manager. */
  masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, "must be a lowercase identifier of at most 16 characters").default("twinstack_admin"),
  /** Performance Insights (free tier retention of 7 days). */
  performanceInsights: z.boolean().default(false),
});

export const EnvironmentConfigSchema = z
  .strictObject({
    /** Project name; prefixes every stack and resource name. */
    project: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, "must be lowercase letters, digits and dashes, 2-21 characters"),
    /** Environment name: `staging`, `production` or `preview-pr-<n>`. */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, "must be lowercase letters, digits and dashes"),
    /** AWS account that hosts the environment. */
    accountId,
    /** AWS region. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be a region name like us-east-1"),
    /** Role Terraform assumes in the account; omit to use the caller's credentials as they are. */
    deployRoleArn: z.string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@\/-]+$/, "must be an IAM role ARN").optional(),
    /** A protected environment is never a refresh target and must keep deletion protection on. */
    protected: z.boolean(),
    /** Accounts allowed to restore this environment's database snapshots (the refresh's target accounts). */
    snapshotShareAccountIds: z.array(accountId).default([]),
    network: NetworkSchema,
    database: DatabaseSchema,
    /** Extra tags; Project, Environment, ManagedBy and Version are always applied. */
    tags: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((config, ctx) => {
    const { database } = config;
    if (database.maxCapacity < database.minCapacity) {
      ctx.addIssue({ code: "custom", path: ["database", "maxCapacity"], message: `must be ≥ minCapacity (${database.minCapacity})` });
    }
    if (database.maxCapacity < 1) {
      ctx.addIssue({ code: "custom", path: ["database", "maxCapacity"], message: "must be ≥ 1 (Aurora Serverless v2 requires it)" });
    }
    if (config.protected && !database.deletionProtection) {
      ctx.addIssue({ code: "custom", path: ["database", "deletionProtection"], message: "must be true for a protected environment" });
    }
    if (config.protected && !database.finalSnapshot) {
      ctx.addIssue({ code: "custom", path: ["database", "finalSnapshot"], message: "must be true for a protected environment" });
    }
    // Only meaningful once the account id itself is valid.
    if (config.deployRoleArn && /^\d{12}$/.test(config.accountId) && !config.deployRoleArn.startsWith(`arn:aws:iam::${config.accountId}:`)) {
      ctx.addIssue({ code: "custom", path: ["deployRoleArn"], message: `must be a role in the environment's account (${config.accountId})` });
    }
    if (config.snapshotShareAccountIds.includes(config.accountId)) {
      ctx.addIssue({ code: "custom", path: ["snapshotShareAccountIds"], message: "must not include the environment's own account" });
    }
  });

/** What a config file declares (defaults may be omitted). */
export type EnvironmentConfigInput = z.input<typeof EnvironmentConfigSchema>;
/** A validated environment, defaults filled in. */
export type EnvironmentConfig = z.output<typeof EnvironmentConfigSchema>;

/** A configuration error that names where it is, the field and what is allowed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Validates one environment; the error lists every problem as `environments/<name>: <field> (<value>) <rule>`. */
export function parseEnvironmentConfig(input: unknown, source = describeSource(input)): EnvironmentConfig {
  const result = EnvironmentConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join(".") || "(config)";
    const value = valueAt(input, issue.path as PropertyKey[]);
    const shown = value === undefined ? "missing" : JSON.stringify(value);
    return `${source}: ${field} (${shown}) ${issue.message}`;
  });
  throw new ConfigError(lines.join("\n"));
}

function describeSource(input: unknown): string {
  const name = typeof input === "object" && input !== null ? (input as { name?: unknown }).name : undefined;
  return `environments/${typeof name === "string" ? name : "?"}`;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Parses `a.b.c.d/n` into a numeric range; undefined when malformed or outside /16–/24. */
export function parseCidr(cidr: string): { first: number; last: number; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix < 16 || prefix > 24) return undefined;
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  const first = address - (address % size);
  return { first, last: first + size - 1, prefix };
}

export function cidrsOverlap(a: string, b: string): boolean {
  const left = parseCidr(a);
  const right = parseCidr(b);
  if (!left || !right) return false;
  return left.first <= right.last && right.first <= left.last;
}
