/**
 * A small IAM identity-policy evaluator for tests that must prove what a role can NOT do.
 * It follows the IAM policy evaluation logic for identity policies in one account
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny wins, otherwise any Allow allows, otherwise denied. Action and resource
 * patterns use `*` and `?` (actions case-insensitively); conditions use the operators of the
 * condition-operators reference (…/reference_policies_elements_condition_operators.html),
 * including the set operators' documented treatment of a missing key (ForAllValues: true,
 * ForAnyValue: false) and `Null`.
 *
 * No kinder than IAM: an operator it does not know throws instead of matching, so a policy using
 * one cannot pass a test by accident.
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  readonly Statement: Statement[];
}

/** One request: the action, the resource ARN and the request context (condition keys; arrays are multi-valued keys). */
export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision = { readonly allowed: true; readonly by: string } | { readonly allowed: false; readonly by: string };

const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

function matchesAction(statement: Statement, action: string): boolean {
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((p) => wildcard(p, action, true));
  return list(statement.Action).some((p) => wildcard(p, action, true));
}

function matchesResource(statement: Statement, resource: string): boolean {
  if (statement.NotResource !== undefined) return !list(statement.NotResource).some((p) => wildcard(p, resource));
  return list(statement.Resource).some((p) => wildcard(p, resource));
}

function compare(base: string, expected: string, actual: string): boolean {
  switch (base) {
    case "StringEquals":
      return actual === expected;
    case "StringNotEquals":
      return actual !== expected;
    case "StringLike":
      return wildcard(expected, actual);
    case "StringNotLike":
      return !wildcard(expected, actual);
    case "ArnLike":
    case "ArnEquals":
      return wildcard(expected, actual);
    case "Bool":
      return String(actual).toLowerCase() === String(expected).toLowerCase();
    default:
      throw new Error(`iam-evaluator: condition operator ${base} is not implemented; implement it from the IAM reference before relying on it`);
  }
}

const NEGATED = new Set(["StringNotEquals", "StringNotLike"]);

function conditionHolds(operator: string, key: string, expectedRaw: unknown, context: Request["context"] = {}): boolean {
  const present = Object.prototype.hasOwnProperty.call(context, key);
  const actual = present ? list(context[key]) : [];
  const expected = list(expectedRaw);
  if (operator === "Null") return expected.every((e) => (e === "true" ? !present : present));
  const [qualifier, base] = operator.includes(":") ? operator.split(":") : [undefined, operator];
  const ifExists = base.endsWith("IfExists");
  const plain = ifExists ? base.slice(0, -"IfExists".length) : base;
  if (qualifier === "ForAllValues") {
    if (!present) return true; // documented: a missing key makes ForAllValues true
    return actual.every((a) => (NEGATED.has(plain) ? expected.every((e) => compare(plain, e, a)) : expected.some((e) => compare(plain, e, a))));
  }
  if (qualifier === "ForAnyValue") {
    if (!present) return false;
    return actual.some((a) => (NEGATED.has(plain) ? expected.every((e) => compare(plain, e, a)) : expected.some((e) => compare(plain, e, a))));
  }
  if (qualifier !== undefined) throw new Error(`iam-evaluator: condition qualifier ${qualifier} is not implemented`);
  if (!present) return ifExists || NEGATED.has(plain) ? true : false;
  // Single-valued operators: any value of the key may satisfy any expected value; negated ones need all to differ.
  return NEGATED.has(plain) ? actual.every((a) => expected.every((e) => compare(plain, e, a))) : actual.some((a) => expected.some((e) => compare(plain, e, a)));
}

function conditionsHold(statement: Statement, context: Request["context"]): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, entries]) => Object.entries(entries ?? {}).every(([key, value]) => conditionHolds(operator, key, value, context)));
}

/** The decision for one request against a set of identity policies (no boundary, no SCP, no resource policy). */
export function decide(policies: readonly PolicyDocument[], request: Request): Decision {
  let allowedBy: string | undefined;
  for (const [index, policy] of policies.entries()) {
    for (const statement of policy.Statement) {
      if (!matchesAction(statement, request.action) || !matchesResource(statement, request.resource) || !conditionsHold(statement, request.context)) continue;
      const by = `policy ${index} ${statement.Sid ?? "(no Sid)"}`;
      if (statement.Effect === "Deny") return { allowed: false, by };
      allowedBy ??= by;
    }
  }
  return allowedBy ? { allowed: true, by: allowedBy } : { allowed: false, by: "no Allow (implicit deny)" };
}
