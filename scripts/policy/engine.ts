/**
 * The policy engine: rules over StackModels, explicit suppressions, and a report per environment.
 * Pure: no file system, no process; the CLI feeds it synthesized stacks and environment configs.
 */
import { Resource, StackModel } from "./model";

/** What a rule may know about the environment; everything comes from its config. */
export interface EnvironmentFacts {
  /** Environment name (`staging`, `production`, `preview-pr-1`). */
  readonly name: string;
  /** `protected` from the environment config: production-only rules apply when true. */
  readonly protected: boolean;
  /** HTTP API routes that are public on purpose (no authorizer). Default: `GET /health`, `GET /version`. */
  readonly publicRoutes?: readonly string[];
  /** Cognito MFA the config asks for (`ON`, `OPTIONAL`, `OFF`); when unset only "never OFF when protected" applies. */
  readonly expectedMfa?: "ON" | "OPTIONAL" | "OFF";
  /** Buckets must use a customer-managed KMS key (CKV_AWS_145): only where the config asks. Default false (SSE-S3 is accepted). */
  readonly bucketsRequireCustomerKey?: boolean;
}

export const DEFAULT_PUBLIC_ROUTES = ["GET /health", "GET /version"];

export interface RuleContext {
  readonly stack: StackModel;
  readonly env: EnvironmentFacts;
  /** The evaluation's clock (dated rules, e.g. runtime lifecycles, compare against it). */
  readonly now: Date;
}

/** A rule's verdict on one resource; `undefined` from `check` means not applicable to it. */
export interface Verdict {
  readonly pass: boolean;
  readonly reason: string;
  /** A passing verdict that needs attention soon (printed as WARN, does not fail the report). */
  readonly warning?: boolean;
}

export interface Rule {
  /** `TS-S3-001`: stable, used in suppressions. */
  readonly id: string;
  readonly title: string;
  /** Resource types the rule checks (`*` = every resource). */
  readonly resourceTypes: readonly string[];
  /** Equivalent ids in other scanners, when one exists. */
  readonly checkov?: readonly string[];
  readonly trivy?: readonly string[];
  check(resource: Resource, context: RuleContext): Verdict | undefined;
}

export const pass = (reason: string): Verdict => ({ pass: true, reason });
export const fail = (reason: string): Verdict => ({ pass: false, reason });
/** Passes today, but says what will stop passing and when. */
export const warn = (reason: string): Verdict => ({ pass: true, reason, warning: true });

/** An explicit exception, per environment and resource, with a written reason. */
export interface Suppression {
  /** Rule id, e.g. `TS-RDS-003`. */
  readonly rule: string;
  /** Resource address (`aws_rds_cluster.database_cluster_FAF2FB92`) or construct path (`database/cluster`, with or without the stack id). */
  readonly resource: string;
  /** Why the finding is acceptable here (at least 10 characters). */
  readonly reason: string;
}

export type Status = "pass" | "fail" | "suppressed" | "not-applicable";

export interface Finding {
  readonly rule: string;
  readonly stack: string;
  readonly address: string;
  readonly path?: string;
  readonly status: Exclude<Status, "not-applicable">;
  readonly reason: string;
  /** The suppression's reason when suppressed. */
  readonly suppressedBecause?: string;
  /** A pass that warns (see `warn`). */
  readonly warning?: boolean;
}

export interface RuleResult {
  readonly rule: string;
  readonly title: string;
  readonly checkov: readonly string[];
  readonly trivy: readonly string[];
  /** fail if any unsuppressed failure; else suppressed if any; else pass; not-applicable when no resource matched. */
  readonly status: Status;
  readonly findings: Finding[];
}

export interface EnvironmentReport {
  readonly environment: string;
  readonly protected: boolean;
  readonly stacks: string[];
  readonly rules: RuleResult[];
  /** Invalid or stale suppressions: each is an error. */
  readonly suppressionErrors: string[];
  readonly counts: Record<Status, number>;
  /** Passing findings that warn (they do not affect `ok`). */
  readonly warnings: number;
  /** True when there is no unsuppressed failure and no suppression error. */
  readonly ok: boolean;
}

const MIN_REASON = 10;

function suppressionMatches(s: Suppression, finding: Finding): boolean {
  if (s.rule !== finding.rule) return false;
  const wanted = s.resource.trim();
  if (wanted === finding.address || wanted === `${finding.stack}.${finding.address}`) return true;
  if (!finding.path) return false;
  return wanted === finding.path || `${finding.stack}/${wanted}` === finding.path;
}

/**
 * Evaluates every rule against every stack of one environment (its own stack, plus e.g. its
 * account's bootstrap stack), then applies the environment's suppressions.
 */
export function evaluate(
  rules: readonly Rule[],
  stacks: readonly StackModel[],
  env: EnvironmentFacts,
  suppressions: readonly Suppression[] = [],
  options: { readonly now?: Date } = {},
): EnvironmentReport {
  const now = options.now ?? new Date();
  const suppressionErrors: string[] = [];
  const valid: Suppression[] = [];
  const ids = new Set(rules.map((r) => r.id));
  suppressions.forEach((s, index) => {
    const where = `environments/${env.name}: policySuppressions[${index}]`;
    if (!s || typeof s.rule !== "string" || typeof s.resource !== "string") {
      suppressionErrors.push(`${where} must have rule, resource and reason`);
    } else if (!ids.has(s.rule)) {
      suppressionErrors.push(`${where}.rule (${JSON.stringify(s.rule)}) is not a known rule id`);
    } else if (typeof s.reason !== "string" || s.reason.trim().length < MIN_REASON) {
      suppressionErrors.push(`${where}.reason (${JSON.stringify(s.reason ?? null)}) must explain why, in at least ${MIN_REASON} characters`);
    } else valid.push(s);
  });
  const used = new Set<Suppression>();

  const results: RuleResult[] = rules.map((rule) => {
    const findings: Finding[] = [];
    for (const stack of stacks) {
      const context: RuleContext = { stack, env, now };
      for (const resource of stack.ofType(...rule.resourceTypes)) {
        let verdict: Verdict | undefined;
        try {
          verdict = rule.check(resource, context);
        } catch (error) {
          verdict = fail(`rule raised an error: ${(error as Error).message}`);
        }
        if (!verdict) continue;
        const base = { rule: rule.id, stack: stack.name, address: resource.address, path: resource.path, reason: verdict.reason };
        if (verdict.pass) {
          findings.push(verdict.warning ? { ...base, status: "pass", warning: true } : { ...base, status: "pass" });
          continue;
        }
        const suppression = valid.find((s) => suppressionMatches(s, { ...base, status: "fail" }));
        if (suppression) {
          used.add(suppression);
          findings.push({ ...base, status: "suppressed", suppressedBecause: suppression.reason });
        } else findings.push({ ...base, status: "fail" });
      }
    }
    const status: Status =
      findings.length === 0
        ? "not-applicable"
        : findings.some((f) => f.status === "fail")
          ? "fail"
          : findings.some((f) => f.status === "suppressed")
            ? "suppressed"
            : "pass";
    return { rule: rule.id, title: rule.title, checkov: rule.checkov ?? [], trivy: rule.trivy ?? [], status, findings };
  });

  for (const s of valid) {
    if (!used.has(s)) {
      suppressionErrors.push(
        `environments/${env.name}: stale suppression of ${s.rule} on ${JSON.stringify(s.resource)}: it matches no failing resource; remove it`,
      );
    }
  }
  const counts: Record<Status, number> = { pass: 0, fail: 0, suppressed: 0, "not-applicable": 0 };
  for (const r of results) counts[r.status]++;
  return {
    environment: env.name,
    protected: env.protected,
    stacks: stacks.map((s) => s.name),
    rules: results,
    suppressionErrors,
    counts,
    warnings: results.reduce((sum, r) => sum + r.findings.filter((f) => f.warning).length, 0),
    ok: counts.fail === 0 && suppressionErrors.length === 0,
  };
}
