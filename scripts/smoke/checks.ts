/**
 * What a deployed API must answer, as pure judgements of HTTP responses: the smoke test's
 * rules, apart from how it reaches the API (scripts/smoke/cli.ts).
 */

export interface Observed {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or undefined when the body was not JSON. */
  readonly body: unknown;
}

/** What was deployed: each field that is known must be what /version reports. */
export interface Expected {
  readonly environment: string;
  readonly version?: string;
  readonly gitSha?: string;
  readonly deployedAt?: string;
}

export interface Check {
  readonly name: string;
  readonly path: string;
  readonly judge: (observed: Observed) => string[];
}

const field = (body: unknown, key: string): unknown => (body && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined);

export function judgeHealth(observed: Observed): string[] {
  const problems: string[] = [];
  if (observed.status !== 200) problems.push(`HTTP ${observed.status}, expected 200`);
  if (field(observed.body, "status") !== "ok") problems.push(`status ${JSON.stringify(field(observed.body, "status"))}, expected "ok"`);
  if (field(observed.body, "database") !== "ok") problems.push(`database ${JSON.stringify(field(observed.body, "database"))}, expected "ok"`);
  return problems;
}

export function judgeVersion(observed: Observed, expected: Expected): string[] {
  const problems: string[] = [];
  if (observed.status !== 200) return [`HTTP ${observed.status}, expected 200`];
  const wanted: Array<[string, string | undefined]> = [
    ["environment", expected.environment],
    ["version", expected.version],
    ["gitSha", expected.gitSha],
    ["deployedAt", expected.deployedAt],
  ];
  for (const [key, value] of wanted) {
    if (value === undefined) continue;
    const actual = field(observed.body, key);
    if (actual !== value) problems.push(`${key} ${JSON.stringify(actual)}, deployed ${JSON.stringify(value)}`);
  }
  const header = observed.headers["x-environment"];
  if (header !== expected.environment) problems.push(`X-Environment header ${JSON.stringify(header)}, expected ${JSON.stringify(expected.environment)}`);
  return problems;
}

/** A signed-in route without a token must be refused by the authorizer before the function runs. */
export function judgeProtected(observed: Observed): string[] {
  return observed.status === 401 ? [] : [`HTTP ${observed.status} without a token, expected 401 (is the JWT authorizer in front of the function?)`];
}

/** The checks for one base URL (`prefix` is "" for the API, "/api" through CloudFront). */
export function checksFor(expected: Expected, prefix = ""): Check[] {
  return [
    { name: "health", path: `${prefix}/health`, judge: judgeHealth },
    { name: "version", path: `${prefix}/version`, judge: (observed) => judgeVersion(observed, expected) },
    { name: "signed-in route refused without a token", path: `${prefix}/me`, judge: judgeProtected },
  ];
}
