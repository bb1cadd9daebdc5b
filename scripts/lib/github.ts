/**
 * The few GitHub REST calls the pipeline scripts make (issues for drift, pull requests for the
 * preview sweeper), over fetch with the job's GITHUB_TOKEN. An interface, so the planning code
 * is tested against an in-memory implementation.
 * API reference: https://docs.github.com/en/rest/issues/issues, …/rest/pulls/pulls
 */

export interface Issue {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly state: "open" | "closed";
  readonly labels: string[];
}

export interface PullRequest {
  readonly number: number;
  readonly state: "open" | "closed";
  readonly labels: string[];
}

export interface GithubApi {
  /** Open issues carrying `label` (pull requests excluded). */
  openIssues(label: string): Promise<Issue[]>;
  createIssue(issue: { title: string; body: string; labels: string[] }): Promise<Issue>;
  updateIssue(number: number, change: { title?: string; body?: string; state?: "open" | "closed" }): Promise<void>;
  comment(number: number, body: string): Promise<void>;
  /** The pull request, or undefined when there is none with that number. */
  pullRequest(number: number): Promise<PullRequest | undefined>;
}

type RawLabel = string | { name?: string };
const labelNames = (labels: RawLabel[] | undefined) => (labels ?? []).map((l) => (typeof l === "string" ? l : l.name ?? "")).filter(Boolean);

/** The REST API of `owner/repo` (GITHUB_REPOSITORY), authenticated with `token` (GITHUB_TOKEN). */
export function githubRestApi(options: { token: string; repository: string; apiUrl?: string }): GithubApi {
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) throw new Error(`GITHUB_REPOSITORY (${JSON.stringify(options.repository)}) must be owner/repo`);
  const base = `${options.apiUrl ?? "https://api.github.com"}/repos/${options.repository}`;
  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${options.token}`, Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 404) return { status: 404, data: undefined as T };
    if (!response.ok) throw new Error(`GitHub ${method} ${path}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
    return { status: response.status, data: (response.status === 204 ? undefined : await response.json()) as T };
  }
  type RawIssue = { number: number; title: string; body: string | null; state: "open" | "closed"; labels: RawLabel[]; pull_request?: unknown };
  const toIssue = (raw: RawIssue): Issue => ({ number: raw.number, title: raw.title, body: raw.body ?? "", state: raw.state, labels: labelNames(raw.labels) });
  return {
    async openIssues(label) {
      const found: Issue[] = [];
      for (let page = 1; page <= 10; page++) {
        const { data } = await call<RawIssue[]>("GET", `/issues?state=open&labels=${encodeURIComponent(label)}&per_page=100&page=${page}`);
        found.push(...data.filter((raw) => raw.pull_request === undefined).map(toIssue));
        if (data.length < 100) break;
      }
      return found;
    },
    async createIssue(issue) {
      return toIssue((await call<RawIssue>("POST", "/issues", issue)).data);
    },
    async updateIssue(number, change) {
      await call("PATCH", `/issues/${number}`, change);
    },
    async comment(number, body) {
      await call("POST", `/issues/${number}/comments`, { body });
    },
    async pullRequest(number) {
      const { status, data } = await call<{ number: number; state: "open" | "closed"; labels: RawLabel[] }>("GET", `/pulls/${number}`);
      return status === 404 ? undefined : { number: data.number, state: data.state, labels: labelNames(data.labels) };
    },
  };
}

/** The API of the running workflow (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL), or a clear error naming what is missing. */
export function githubApiFromEnv(env: NodeJS.ProcessEnv = process.env): GithubApi {
  const missing = ["GITHUB_TOKEN", "GITHUB_REPOSITORY"].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`${missing.join(" and ")} must be set (as in a GitHub Actions job with the needed permissions)`);
  return githubRestApi({ token: env.GITHUB_TOKEN as string, repository: env.GITHUB_REPOSITORY as string, apiUrl: env.GITHUB_API_URL });
}
