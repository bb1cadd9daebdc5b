/**
 * A read-only model of one synthesized stack (cdk.tf.json) or of a Terraform plan
 * (`terraform show -json`): resources by type and address, reference resolution
 * (`${aws_s3_bucket.x.id}`) and tolerant parsing of IAM / bucket / key policy documents.
 */

/** A Terraform JSON value (attributes of a resource). */
export type Attributes = Record<string, unknown>;

export interface Resource {
  /** `aws_s3_bucket` */
  readonly type: string;
  /** `state_bucket_99469A59` */
  readonly name: string;
  /** `aws_s3_bucket.state_bucket_99469A59`, as Terraform and the plan name it. */
  readonly address: string;
  /** Construct path (`twinstack-staging/database/cluster`) when synthesized by cdktf. */
  readonly path?: string;
  /** The resource's attributes, cdktf metadata (`//`) removed. */
  readonly values: Attributes;
}

/** Pseudo resource types so stack-level settings can be checked like resources. */
export const BACKEND_TYPE = "terraform_backend";
export const PROVIDER_TYPE = "terraform_provider";

export class StackModel {
  readonly resources: Resource[];
  private readonly byAddress = new Map<string, Resource>();
  private readonly data: Record<string, Record<string, Attributes>>;

  constructor(
    /** Stack id, e.g. `twinstack-staging`. */
    readonly name: string,
    resources: Resource[],
    data: Record<string, Record<string, Attributes>> = {},
  ) {
    this.resources = resources;
    this.data = data;
    for (const resource of resources) this.byAddress.set(resource.address, resource);
  }

  /** Builds the model from a parsed cdk.tf.json document. */
  static fromSynth(name: string, json: unknown): StackModel {
    const doc = (json ?? {}) as {
      resource?: Record<string, Record<string, Attributes>>;
      data?: Record<string, Record<string, Attributes>>;
      terraform?: { backend?: Record<string, Attributes> };
      provider?: Record<string, Attributes[] | Attributes>;
    };
    const resources: Resource[] = [];
    for (const [type, byName] of Object.entries(doc.resource ?? {})) {
      for (const [resourceName, raw] of Object.entries(byName ?? {})) {
        const { "//": meta, ...values } = raw ?? {};
        const path = (meta as { metadata?: { path?: string } } | undefined)?.metadata?.path;
        resources.push({ type, name: resourceName, address: `${type}.${resourceName}`, path, values });
      }
    }
    for (const [kind, values] of Object.entries(doc.terraform?.backend ?? {})) {
      resources.push({ type: BACKEND_TYPE, name: kind, address: `${BACKEND_TYPE}.${kind}`, values: values ?? {} });
    }
    for (const [providerName, configs] of Object.entries(doc.provider ?? {})) {
      asList(configs).forEach((values, index) => {
        const alias = typeof (values as Attributes).alias === "string" ? String((values as Attributes).alias) : String(index);
        resources.push({ type: PROVIDER_TYPE, name: `${providerName}.${alias}`, address: `${PROVIDER_TYPE}.${providerName}.${alias}`, values: values as Attributes });
      });
    }
    return new StackModel(name, resources, doc.data ?? {});
  }

  /**
   * Builds the model from `terraform show -json <planfile>`: planned values, where every
   * attribute known at plan time is resolved. References are compared by value there
   * (see `refersTo`), so cross-resource rules work on both inputs.
   */
  static fromPlan(name: string, json: unknown): StackModel {
    const plan = (json ?? {}) as { planned_values?: { root_module?: PlanModule } };
    const resources: Resource[] = [];
    const walk = (module: PlanModule | undefined): void => {
      if (!module) return;
      for (const r of module.resources ?? []) {
        if (r.mode !== undefined && r.mode !== "managed") continue;
        resources.push({ type: r.type, name: r.name, address: r.address ?? `${r.type}.${r.name}`, values: r.values ?? {} });
      }
      for (const child of module.child_modules ?? []) walk(child);
    };
    walk(plan.planned_values?.root_module);
    return new StackModel(name, resources);
  }

  ofType(...types: string[]): Resource[] {
    if (types.includes("*")) return this.resources.filter((r) => r.type !== BACKEND_TYPE && r.type !== PROVIDER_TYPE);
    return this.resources.filter((r) => types.includes(r.type));
  }

  get(address: string): Resource | undefined {
    return this.byAddress.get(address);
  }

  /** Resources of `type` whose attribute `attribute` refers to `target` (by `${...}` reference or by literal id/name). */
  referencing(type: string, attribute: string, target: Resource): Resource[] {
    return this.ofType(type).filter((candidate) => refersTo(candidate.values[attribute], target));
  }

  /** The resource a `${type.name.attr}` expression points at, if it is in this stack. */
  resolve(value: unknown): Resource | undefined {
    for (const address of referencedAddresses(value)) {
      const found = this.byAddress.get(address);
      if (found) return found;
    }
    return undefined;
  }

  /** A policy document held by an attribute: JSON string, `${data.aws_iam_policy_document.x.json}`, or an object. */
  policyDocument(value: unknown): PolicyDocument | undefined {
    if (typeof value === "string") {
      const dataRef = /^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}$/.exec(value.trim());
      if (dataRef) {
        const source = this.data.aws_iam_policy_document?.[dataRef[1]];
        return source ? documentFromDataSource(source) : undefined;
      }
    }
    return parsePolicy(value);
  }
}

interface PlanModule {
  resources?: { address?: string; mode?: string; type: string; name: string; values?: Attributes }[];
  child_modules?: PlanModule[];
}

/** Normalises a nested block: cdktf writes single blocks as objects and repeated ones as arrays. */
export function asList<T = Attributes>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

/** The first element of a nested block, or an empty object. */
export function block(value: unknown): Attributes {
  return (asList(value)[0] ?? {}) as Attributes;
}

/** `true` only for a literal boolean true (or the string "true" Terraform accepts). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

export function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

/** A Terraform expression (`${...}`) rather than a literal. */
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** Every `type.name` address referenced by `${...}` expressions inside a value (deep). */
export function referencedAddresses(value: unknown): string[] {
  const found: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      for (const match of v.matchAll(/\$\{[^}]*?\b((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)(?:\.|\[|\})/g)) found.push(match[1]);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(value);
  return found;
}

/**
 * Whether `value` points at `target`: a `${type.name...}` reference, or (in plan JSON, where
 * references are resolved) a literal equal to the target's id, bucket, name or arn.
 */
export function refersTo(value: unknown, target: Resource): boolean {
  if (referencedAddresses(value).includes(target.address)) return true;
  const literals = ["id", "bucket", "name", "arn"].map((key) => target.values[key]).filter((v): v is string => typeof v === "string" && !isExpression(v));
  const values = asList<unknown>(value).filter((v): v is string => typeof v === "string");
  return values.some((v) => literals.includes(v));
}

// ---------------------------------------------------------------------------------------------
// Policy documents

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

/**
 * Parses a policy document tolerantly. Terraform interpolations inside JSON strings
 * (`"${aws_s3_bucket.x.arn}/*"`) are plain JSON already; bare interpolations
 * (`"Resource": ${jsonencode(...)}`) are replaced by a placeholder string first.
 * Returns undefined when the value is not a policy at all.
 */
export function parsePolicy(value: unknown): PolicyDocument | undefined {
  if (value && typeof value === "object") return normaliseDocument(value);
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const attempts = [value, quoteBareExpressions(value)];
  for (const text of attempts) {
    try {
      return normaliseDocument(JSON.parse(text));
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function normaliseDocument(raw: unknown): PolicyDocument | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const statement = (raw as { Statement?: unknown }).Statement;
  if (statement === undefined) return undefined;
  return { ...(raw as object), Statement: asList<PolicyStatement>(statement) } as PolicyDocument;
}

/** Wraps `${...}` expressions that are not inside a JSON string in quotes. */
export function quoteBareExpressions(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    if (ch === "$" && text[i + 1] === "{") {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      out += JSON.stringify(text.slice(i, j + 1));
      i = j;
      continue;
    }
    out += ch;
  }
  return out;
}

/** Converts a `data.aws_iam_policy_document` block into the JSON document it renders. */
function documentFromDataSource(source: Attributes): PolicyDocument {
  const statements = asList<Attributes>(source.statement).map((s) => {
    const statement: PolicyStatement = { Effect: (s.effect as string) ?? "Allow" };
    if (s.sid) statement.Sid = String(s.sid);
    if (s.actions) statement.Action = s.actions as string[];
    if (s.not_actions) statement.NotAction = s.not_actions as string[];
    if (s.resources) statement.Resource = s.resources as string[];
    if (s.not_resources) statement.NotResource = s.not_resources as string[];
    const principals = asList<Attributes>(s.principals);
    if (principals.length > 0) {
      const principal: Record<string, string[]> = {};
      for (const p of principals) principal[String(p.type)] = [...(principal[String(p.type)] ?? []), ...asList<string>(p.identifiers)];
      statement.Principal = principal.AWS?.includes("*") && principals.length === 1 && principal.AWS.length === 1 ? "*" : principal;
    }
    const conditions = asList<Attributes>(s.condition);
    if (conditions.length > 0) {
      statement.Condition = {};
      for (const c of conditions) {
        const test = String(c.test);
        statement.Condition[test] = { ...(statement.Condition[test] ?? {}), [String(c.variable)]: c.values };
      }
    }
    return statement;
  });
  return { Version: "2012-10-17", Statement: statements };
}

/** Principal values of a statement as flat strings (`*`, ARNs, service names, federated providers). */
export function principalValues(principal: unknown): { kind: string; value: string }[] {
  if (principal === undefined || principal === null) return [];
  if (typeof principal === "string") return [{ kind: "*", value: principal }];
  const out: { kind: string; value: string }[] = [];
  for (const [kind, values] of Object.entries(principal as Record<string, unknown>)) {
    for (const value of asList<unknown>(values)) out.push({ kind, value: String(value) });
  }
  return out;
}

/** `Allow` to everyone: Principal `*` or `{ AWS: "*" }`. */
export function isPublicPrincipal(principal: unknown): boolean {
  return principalValues(principal).some((p) => p.value === "*" && (p.kind === "*" || p.kind === "AWS"));
}

export function stringList(value: unknown): string[] {
  return asList<unknown>(value).map(String);
}

/** Condition values for a key (case-insensitive key), across all operators or a given set. */
export function conditionValues(statement: PolicyStatement, key: string, operators?: string[]): { operator: string; values: string[] }[] {
  const out: { operator: string; values: string[] }[] = [];
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    if (operators && !operators.includes(operator)) continue;
    for (const [conditionKey, values] of Object.entries(entries ?? {})) {
      if (conditionKey.toLowerCase() === key.toLowerCase()) out.push({ operator, values: stringList(values) });
    }
  }
  return out;
}
