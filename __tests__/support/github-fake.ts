/**
 * An in-memory GitHub (issues and pull requests) implementing scripts/lib/github.ts's GithubApi.
 * As the REST API does (https://docs.github.com/en/rest/issues/issues): issue numbers are shared
 * with pull requests and increase; updating or commenting on a number that does not exist is a
 * 404 error; a closed issue is not listed among open ones.
 */
import type { GithubApi, Issue, PullRequest } from "../../scripts/lib/github";

export class FakeGithub implements GithubApi {
  readonly issues = new Map<number, Issue>();
  readonly comments: Array<{ number: number; body: string }> = [];
  readonly pulls = new Map<number, PullRequest>();
  private next = 1;

  addPullRequest(pr: PullRequest): void {
    this.pulls.set(pr.number, pr);
    this.next = Math.max(this.next, pr.number + 1);
  }

  private existing(number: number): Issue {
    const issue = this.issues.get(number);
    if (!issue) throw new Error(`HTTP 404: no issue #${number}`);
    return issue;
  }

  async openIssues(label: string): Promise<Issue[]> {
    return [...this.issues.values()].filter((i) => i.state === "open" && i.labels.includes(label));
  }

  async createIssue(issue: { title: string; body: string; labels: string[] }): Promise<Issue> {
    const created: Issue = { number: this.next++, state: "open", ...issue };
    this.issues.set(created.number, created);
    return created;
  }

  async updateIssue(number: number, change: { title?: string; body?: string; state?: "open" | "closed" }): Promise<void> {
    this.issues.set(number, { ...this.existing(number), ...change });
  }

  async comment(number: number, body: string): Promise<void> {
    this.existing(number);
    this.comments.push({ number, body });
  }

  async pullRequest(number: number): Promise<PullRequest | undefined> {
    return this.pulls.get(number);
  }
}
