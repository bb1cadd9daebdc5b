/**
 * The typed, validated shape of one environment. Everything that differs between
 * staging, production and a preview is a field here; modules never ask "am I production?".
 */
import { z } from "zod";
import { accountId, operationsFields, operationsIssues } from "./operations";
import { ProfileNameSchema, profileViolations, withProfileDefaults } from "./profiles";

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
  /** Minimum capacity in ACU; 0 enables auto-pause. Default: the scale profile's. */
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
  /**
   * The RDS Data API (HTTP endpoint) on the cluster. Default off: SQL over HTTPS with the master
   * secret is a second way in. A refresh that scrubs through it switches it off again afterwards
   * unless this is true.
   */
  dataApi: z.boolean().default(false),
});

const ApiSchema = z.strictObject({
  /** Reserved concurrency of the API function (≥ 1): caps database connections and cost; taken from the account's pool. */
  reservedConcurrency: z.number().int().min(1, "must be ≥ 1").default(5),
  /** Retention of the API function's and the HTTP API's log groups, days. */
  logRetentionDays: z.number().int().positive().default(30),
  /** Memory of the API function, MB. */
  memoryMb: z.number().int().min(128, "must be ≥ 128").max(10240, "must be ≤ 10240").default(256),
  /** Timeout of the API function, seconds (API Gateway gives up after 30). */
  timeoutSeconds: z.number().int().min(1, "must be ≥ 1").max(29, "must be ≤ 29").default(10),
  /** Database user the function connects as with IAM authentication (needs `GRANT rds_iam`). */
  databaseUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase PostgreSQL identifier").default("app_api"),
  /** Steady-state requests per second of the HTTP API stage. */
  throttlingRateLimit: z.number().positive().default(50),
  /** Burst capacity of the HTTP API stage, requests. */
  throttlingBurstLimit: z.number().int().positive().default(100),
  /** Routes served without sign-in; everything else needs a Cognito token. `/api/…` is the same route through CloudFront. */
  publicRoutes: z
    .array(z.string().regex(/^(GET|HEAD) \/[\w/{}+.-]*$/, "must be a read-only route like GET /health"))
    .default(["GET /health", "GET /version", "GET /api/health", "GET /api/version"]),
  /** Origins allowed by CORS (exact, e.g. `https://app.example.com`); none means no CORS. */
  corsAllowOrigins: z.array(z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d+)?$/, "must be an origin like https://app.example.com")).default([]),
});

const SiteSchema = z.strictObject({
  /** CloudFront edge locations (cost vs. latency). */
  priceClass: z.enum(["PriceClass_100", "PriceClass_200", "PriceClass_All"]).default("PriceClass_100"),
  /** Custom domain with an ACM certificate in us-east-1; omit to use the *.cloudfront.net name. */
  domain: z
    .strictObject({
      name: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a lowercase host name like app.example.com"),
      hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, "must be a Route 53 hosted zone id"),
    })
    .optional(),
});

const AuthSchema = z.strictObject({
  /** Multi-factor authentication (authenticator apps): never OFF in a protected environment. */
  mfa: z.enum(["OFF", "OPTIONAL", "ON"]).default("OPTIONAL"),
  /** Cognito threat protection; anything but OFF needs the PLUS feature plan. */
  advancedSecurity: z.enum(["OFF", "AUDIT", "ENFORCED"]).default("OFF"),
  /** Refuse deletion of the user pool; required for a protected environment. */
  deletionProtection: z.boolean().default(false),
  /** Where the hosted UI may redirect after sign-in (https, or http://localhost for development). */
  callbackUrls: z.array(z.string().regex(/^(https:\/\/|http:\/\/localhost[:/])/, "must be https:// (or http://localhost)")).min(1, "must list at least one URL"),
  /** Where the hosted UI may redirect after sign-out. */
  logoutUrls: z.array(z.string().regex(/^(https:\/\/|http:\/\/localhost[:/])/, "must be https:// (or http://localhost)")).default([]),
  /** Access and ID token lifetime, minutes (5 to 1440). */
  tokenValidityMinutes: z.number().int().min(5, "must be ≥ 5").max(1440, "must be ≤ 1440").default(60),
  /** Refresh token lifetime, days (1 to 3650). */
  refreshTokenValidityDays: z.number().int().min(1, "must be ≥ 1").max(3650, "must be ≤ 3650").default(30),
  /** Groups, highest privilege first. */
  groups: z
    .array(z.string().regex(/^[a-z_]{1,64}$/, "must be lowercase letters and underscores"))
    .default(["super_admin", "admin", "accounting", "srm", "agent", "homeowner", "provider", "guest"]),
  /** Adopt this existing user pool (e.g. `us-east-1_AbCdEf123`) with a Terraform import instead of creating one. */
  existingUserPoolId: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$/, "must be a user pool id like us-east-1_AbCdEf123").optional(),
});

const UserSchema = z.strictObject({
  /** Sign-in email (use example.com addresses in this repository: no personal data). */
  email: z.email("must be an email address"),
  /** Groups the user belongs to (must be in auth.groups). */
  groups: z.array(z.string()).default([]),
});

const AlertsSchema = z.strictObject({
  /** Emails subscribed to both alarm tiers, P0 and P1 (each confirms by email); tier-only recipients are in alarmTiers. */
  emails: z.array(z.email("must be an email address")).default([]),
  /** 5xx / requests above which the API alarm fires (0-1). */
  apiServerErrorRate: z.number().gt(0).lt(1).default(0.05),
  /** Periods with fewer requests count as a 5xx rate of 0. */
  apiMinimumRequests: z.number().int().min(1).default(20),
  /** API p99 latency alarm, ms. */
  apiLatencyP99Ms: z.number().int().positive().default(3000),
  /** Lambda Errors per 5 minutes above which the alarm fires. */
  lambdaErrors: z.number().int().min(0).default(0),
  /** Lambda Throttles per 5 minutes above which the alarm fires. */
  lambdaThrottles: z.number().int().min(0).default(0),
  /** Fraction of database.maxCapacity at which the capacity alarm fires. */
  databaseCapacityFraction: z.number().gt(0).max(1).default(0.9),
  /** Aurora CPU alarm, percent. */
  databaseCpuPercent: z.number().gt(0).max(100).default(80),
});

const keyPrefix = z.string().min(1, "must not be empty (leave the list empty to take the whole bucket)");

const RefreshObjectsSchema = z.strictObject({
  /** Only keys under these prefixes are copied or deleted (default: the whole bucket). */
  include: z.array(keyPrefix).default([]),
  /** Keys under these prefixes are left alone in both buckets (wins over include). */
  exclude: z.array(keyPrefix).default([]),
  /** Delete this environment's keys that the source no longer has: an exact mirror. */
  delete: z.boolean().default(true),
  /** Concurrent server-side copies. */
  concurrency: z.number().int().min(1, "must be ≥ 1").max(1024, "must be ≤ 1024").default(64),
});

/** How this environment is refreshed when it is a refresh's target. */
const RefreshSchema = z.strictObject({
  /** The uploads bucket's mirror of the source's (`npm run refresh`, objects half); flags override. */
  objects: RefreshObjectsSchema.prefault({}),
});

const PolicySuppressionSchema = z.strictObject({
  /** Rule id, e.g. `TS-CF-002`. */
  rule: z.string().regex(/^TS-[A-Z0-9]+-\d{3}$/, "must be a rule id like TS-CF-002"),
  /** Terraform address or construct path of the resource. */
  resource: z.string().min(1),
  /** Why this finding is accepted (at least 10 characters). */
  reason: z.string().min(10, "must explain why, in at least 10 characters"),
});

const PolicyInputsSchema = z.strictObject({
  /** Routes served without authentication. */
  publicRoutes: z.array(z.string()).optional(),
  /** Expected Cognito MFA mode. */
  expectedMfa: z.enum(["OFF", "OPTIONAL", "ON"]).optional(),
  /** Require customer-managed KMS keys on every bucket. */
  bucketsRequireCustomerKey: z.boolean().optional(),
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
    /** The GitHub repository whose Actions deploy this environment (trusted through OIDC; no wildcards). */
    github: z.strictObject({
      owner: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a GitHub owner name (no wildcards)"),
      repository: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a repository name (no wildcards)"),
    }),
    /** A protected environment is never a refresh target and must keep deletion protection on. */
    protected: z.boolean(),
    /**
     * Scale profile (environments/profiles.ts): presets for database, api and alerts fields the
     * config leaves unset; fields set here override it within what the profile allows.
     */
    profile: ProfileNameSchema,
    /** Accounts allowed to restore this environment's database snapshots (the refresh's target accounts). */
    snapshotShareAccountIds: z.array(accountId).default([]),
    network: NetworkSchema,
    database: DatabaseSchema,
    /** The API function and its HTTP API. */
    api: ApiSchema.prefault({}),
    /** The static site behind CloudFront. */
    site: SiteSchema.prefault({}),
    /** The environment's own Cognito user pool. */
    auth: AuthSchema,
    /**
     * Baseline users of this environment's pool: `npm run users:seed` creates them, or, in a
     * protected environment (which users:seed refuses), Terraform does and Cognito invites them by email.
     */
    users: z.array(UserSchema).default([]),
    /** Alarm recipients and thresholds. */
    alerts: AlertsSchema.prefault({}),
    /** How this environment is refreshed when it is a refresh's target. */
    refresh: RefreshSchema.prefault({}),
    /** Accepted policy findings, each with a written reason. */
    policySuppressions: z.array(PolicySuppressionSchema).default([]),
    /** Inputs to environment-dependent policy rules. */
    policy: PolicyInputsSchema.optional(),
    /** Extra tags; Project, Environment, ScaleProfile, ManagedBy and Version are always applied. */
    tags: z.record(z.string(), z.string()).default({}),
    ...operationsFields,
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
    if (config.protected && !config.auth.deletionProtection) {
      ctx.addIssue({ code: "custom", path: ["auth", "deletionProtection"], message: "must be true for a protected environment" });
    }
    if (config.protected && config.auth.mfa === "OFF") {
      ctx.addIssue({ code: "custom", path: ["auth", "mfa"], message: "must be OPTIONAL or ON for a protected environment" });
    }
    config.users.forEach((user, index) => {
      user.groups.forEach((group, groupIndex) => {
        if (!config.auth.groups.includes(group)) {
          ctx.addIssue({ code: "custom", path: ["users", index, "groups", groupIndex], message: `must be one of auth.groups (${config.auth.groups.join(", ")})` });
        }
      });
    });
    if (config.snapshotShareAccountIds.includes(config.accountId)) {
      ctx.addIssue({ code: "custom", path: ["snapshotShareAccountIds"], message: "must not include the environment's own account" });
    }
    for (const issue of [...profileViolations(config), ...operationsIssues(config)]) ctx.addIssue({ code: "custom", ...issue });
  });

type SchemaInput = z.input<typeof EnvironmentConfigSchema>;
/** What a config file declares (defaults may be omitted; the scale profile supplies the database sizes). */
export type EnvironmentConfigInput = Omit<SchemaInput, "database"> & {
  database: Omit<SchemaInput["database"], "minCapacity" | "maxCapacity" | "backupRetentionDays"> & Partial<Pick<SchemaInput["database"], "minCapacity" | "maxCapacity" | "backupRetentionDays">>;
};
/** A validated environment, defaults filled in. */
export type EnvironmentConfig = z.output<typeof EnvironmentConfigSchema>;

/** A configuration error that names where it is, the field and what is allowed. */
export class ConfigError extends Error {
  /** Operator commands exit 2 on it: bad configuration or input is refused, never half-run. */
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Validates one environment; the error lists every problem as `environments/<name>: <field> (<value>) <rule>`. */
export function parseEnvironmentConfig(rawInput: unknown, source = describeSource(rawInput)): EnvironmentConfig {
  const input = withProfileDefaults(rawInput);
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
