/**
 * scripts/pipeline/drift-issue.ts: one drift issue per environment, opened, updated, closed.
 * Unit tests of the pure planning, and of the CLI against an in-memory GitHub
 * (__tests__/support/github-fake.ts) — the GitHub API cannot be reached from tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DRIFT_LABEL, driftMarker, main, planDriftIssue } from "../../scripts/pipeline/drift-issue";
import { FakeGithub } from "../support/github-fake";

const dir = mkdtempSync(join(tmpdir(), "twinstack-drift-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const summary = join(dir, "summary.md");
writeFileSync(summary, "### Drift in `twinstack-staging`\n\n1 to change: aws_lambda_function.api");

const run = (github: FakeGithub, environment: string, drift: boolean) =>
  main(["node", "drift-issue", "--environment", environment, "--stack", `twinstack-${environment}`, drift ? "--drift" : "--no-drift", "--summary", summary, "--run-url", "https://example.com/run/1"], {}, github);

describe("drift issues, one per environment", () => {
  test("GIVEN drift in staging THEN one issue is opened, labelled drift, with the summary and the marker", async () => {
    const github = new FakeGithub();
    expect(await run(github, "staging", true)).toBe(0);
    const [issue] = await github.openIssues(DRIFT_LABEL);
    expect(issue).toMatchObject({ title: "Drift in twinstack-staging", labels: ["drift"] });
    expect(issue.body).toContain(driftMarker("staging"));
    expect(issue.body).toContain("1 to change: aws_lambda_function.api");
    expect(issue.body).toContain("[Workflow run](https://example.com/run/1)");
  });

  test("GIVEN the drift persists THEN the same issue is updated, not a second one opened; production gets its own", async () => {
    const github = new FakeGithub();
    await run(github, "staging", true);
    writeFileSync(summary, "### Drift in `twinstack-staging`\n\n2 to change");
    await run(github, "staging", true);
    await run(github, "production", true);
    const open = await github.openIssues(DRIFT_LABEL);
    expect(open.map((i) => i.title).sort()).toEqual(["Drift in twinstack-production", "Drift in twinstack-staging"]);
    expect(open.find((i) => i.title.endsWith("staging"))!.body).toContain("2 to change");
  });

  test("GIVEN the drift is gone THEN the issue is closed with a comment; production's stays open", async () => {
    const github = new FakeGithub();
    await run(github, "staging", true);
    await run(github, "production", true);
    expect(await run(github, "staging", false)).toBe(0);
    expect((await github.openIssues(DRIFT_LABEL)).map((i) => i.title)).toEqual(["Drift in twinstack-production"]);
    expect(github.comments).toEqual([{ number: 1, body: expect.stringContaining("no longer finds drift in `twinstack-staging`") }]);
    // AND no drift with no issue does nothing
    expect(planDriftIssue({ environment: "staging", stack: "twinstack-staging", drift: false }, await github.openIssues(DRIFT_LABEL))).toEqual({ kind: "none" });
  });

  test("duplicates of an environment's issue are closed in favour of the oldest", () => {
    const issue = (number: number) => ({ number, title: "x", body: `${driftMarker("staging")}\n…`, state: "open" as const, labels: ["drift"] });
    const action = planDriftIssue({ environment: "staging", stack: "twinstack-staging", drift: true }, [issue(9), issue(4), { ...issue(5), body: driftMarker("production") }]);
    expect(action).toMatchObject({ kind: "update", number: 4, duplicates: [9] });
  });

  test("bad usage exits 2; no token exits 1 naming what is missing", async () => {
    expect(await main(["node", "drift-issue", "--environment", "staging", "--stack", "twinstack-staging"], {}, new FakeGithub())).toBe(2);
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => (errors.push(String(c)), true));
    try {
      expect(await main(["node", "drift-issue", "--environment", "staging", "--stack", "twinstack-staging", "--no-drift"], {})).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join("")).toContain("GITHUB_TOKEN and GITHUB_REPOSITORY must be set");
  });
});
