/**
 * AWS Lambda's published runtime lifecycle, as data: the dates AWS deprecates a managed runtime,
 * then blocks creating functions on it, then blocks updating them. Rule TS-LMB-004 reads it.
 *
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html ("Supported runtimes"
 * and "Deprecated runtimes" tables), recorded 2026-11-30. Deprecation dates as listed there (and
 * mirrored in tflint-ruleset-aws's `aws_lambda_function_deprecated_runtime`); block dates are
 * recorded only where they were confirmed against AWS's own notices (the Node.js runtimes). Where
 * a block date is not recorded, the rule treats the deprecation date as the block-create date:
 * earlier than AWS, never later (fail closed). A runtime missing from this table fails the rule.
 *
 * To update: copy the three dates of a runtime from the page above, change RECORDED_ON, and run
 * `npx jest __tests__/policy` (the fixed-clock tests pin the rule's behaviour, not the dates).
 */

/** The day this table was last compared with AWS's page. */
export const RECORDED_ON = "2026-11-30";

/** Days before the create-block date during which the rule warns. */
export const WARNING_DAYS = 90;

export interface RuntimeLifecycle {
  /** AWS stops patching the runtime (ISO date, UTC). */
  readonly deprecated: string;
  /** AWS refuses CreateFunction with this runtime from this day; undefined when not recorded (the deprecation date stands in). */
  readonly blockCreate?: string;
  /** AWS refuses UpdateFunctionCode / UpdateFunctionConfiguration from this day; undefined when not recorded. */
  readonly blockUpdate?: string;
}

/** Managed runtimes by identifier (the `runtime` attribute of `aws_lambda_function`). */
export const LAMBDA_RUNTIMES: Readonly<Record<string, RuntimeLifecycle>> = {
  "nodejs24.x": { deprecated: "2028-04-30", blockCreate: "2028-06-01", blockUpdate: "2028-07-01" },
  "nodejs22.x": { deprecated: "2027-04-30", blockCreate: "2027-06-01", blockUpdate: "2027-07-01" },
  "nodejs20.x": { deprecated: "2026-04-30", blockCreate: "2026-06-01", blockUpdate: "2026-07-01" },
  "nodejs18.x": { deprecated: "2025-09-01" },
  "nodejs16.x": { deprecated: "2024-06-12" },
  "python3.14": { deprecated: "2029-06-30" },
  "python3.13": { deprecated: "2029-06-30" },
  "python3.12": { deprecated: "2028-10-31" },
  "python3.11": { deprecated: "2026-06-30" },
  "python3.10": { deprecated: "2026-06-30" },
  "python3.9": { deprecated: "2025-12-15" },
  "java25": { deprecated: "2029-06-30" },
  "java21": { deprecated: "2029-06-30" },
  "java17": { deprecated: "2026-06-30" },
  "java11": { deprecated: "2026-06-30" },
  "java8.al2": { deprecated: "2026-06-30" },
  "dotnet10": { deprecated: "2028-11-14" },
  "dotnet8": { deprecated: "2026-11-10" },
  "ruby3.4": { deprecated: "2028-03-31" },
  "ruby3.3": { deprecated: "2027-03-31" },
  "ruby3.2": { deprecated: "2026-03-31" },
  "provided.al2023": { deprecated: "2029-06-30" },
  "provided.al2": { deprecated: "2026-06-30" },
};

export type RuntimeVerdict =
  | { readonly kind: "unknown"; readonly runtime: string }
  | { readonly kind: "blocked" | "warning" | "supported"; readonly runtime: string; readonly blockCreate: string; readonly lifecycle: RuntimeLifecycle; readonly daysLeft: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where `runtime` stands on `now` (injected: the tests use a fixed clock). */
export function runtimeStatus(runtime: string, now: Date, table: Readonly<Record<string, RuntimeLifecycle>> = LAMBDA_RUNTIMES): RuntimeVerdict {
  const lifecycle = Object.prototype.hasOwnProperty.call(table, runtime) ? table[runtime] : undefined;
  if (!lifecycle) return { kind: "unknown", runtime };
  const blockCreate = lifecycle.blockCreate ?? lifecycle.deprecated;
  const daysLeft = Math.ceil((Date.parse(`${blockCreate}T00:00:00Z`) - now.getTime()) / DAY_MS);
  const kind = daysLeft <= 0 ? "blocked" : daysLeft <= WARNING_DAYS ? "warning" : "supported";
  return { kind, runtime, blockCreate, lifecycle, daysLeft };
}

/** Recorded runtimes of the same language that are neither blocked nor close to it on `now` (what to move to), newest first. */
export function replacementRuntimes(runtime: string, now: Date, table: Readonly<Record<string, RuntimeLifecycle>> = LAMBDA_RUNTIMES): string[] {
  const family = /^[a-z]+/.exec(runtime)?.[0];
  if (!family) return [];
  return Object.keys(table).filter((candidate) => candidate.startsWith(family) && runtimeStatus(candidate, now, table).kind === "supported");
}
