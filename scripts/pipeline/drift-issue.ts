/**
 * `npx tsx scripts/pipeline/drift-issue.ts --environment <env> --stack <stack> (--drift | --no-drift) [--summary <file>] [--run-url <url>]`
 * One GitHub issue per environment for drift (drift.yml): opened when a scheduled plan of main
 * finds differences, updated with the latest plan summary while they last, closed with a comment
 * when a plan finds none. Needs GITHUB_TOKEN (issues: write) and GITHUB_REPOSITORY.
 * Exit 0 done, 1 failed, 2 bad usage.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { parseCommand } from "../lib/cli-main";
import { GithubApi, Issue, githubApiFromEnv } from "../lib/github";

export const DRIFT_LABEL = "drift";

/** The hidden marker that ties an issue to one environment (titles may be edited by people). */
export function driftMarker(environment: string): string {
  return `<!-- twinstack-drift:${environment} -->`;
}

export interface DriftObservation {
  readonly environment: string;
  readonly stack: string;
  readonly drift: boolean;
  /** The plan summary (markdown) when there is drift. */
  readonly summary?: string;
  readonly runUrl?: string;
}

export type DriftIssueAction =
  | { readonly kind: "create"; readonly title: string; readonly body: string }
  | { readonly kind: "update"; readonly number: number; readonly body: string; readonly duplicates: number[] }
  | { readonly kind: "close"; readonly numbers: number[]; readonly comment: string }
  | { readonly kind: "none" };

/** What to do with the environment's drift issue, from what the plan saw and the open issues (pure). */
export function planDriftIssue(observation: DriftObservation, openIssues: readonly Issue[]): DriftIssueAction {
  const marker = driftMarker(observation.environment);
  const mine = openIssues.filter((issue) => issue.body.includes(marker)).sort((a, b) => a.number - b.number);
  const run = observation.runUrl ? `\n\n[Workflow run](${observation.runUrl})` : "";
  if (!observation.drift) {
    return mine.length === 0
      ? { kind: "none" }
      : { kind: "close", numbers: mine.map((issue) => issue.number), comment: `A plan of main no longer finds drift in \`${observation.stack}\`: closing.${run}` };
  }
  const body = [
    marker,
    `The live infrastructure of \`${observation.stack}\` differs from \`main\`: a change made outside Terraform, or a merge not yet applied. ` +
      "Apply main again (re-run the apply workflow) or fold the change into the code; this issue closes itself when a plan finds no drift.",
    "",
    (observation.summary ?? "_No plan summary._").slice(0, 60000),
  ].join("\n") + run;
  if (mine.length === 0) return { kind: "create", title: `Drift in ${observation.stack}`, body };
  // One issue per environment: the oldest is kept, later duplicates are closed.
  return { kind: "update", number: mine[0].number, body, duplicates: mine.slice(1).map((issue) => issue.number) };
}

export async function applyDriftIssue(api: GithubApi, action: DriftIssueAction): Promise<string> {
  switch (action.kind) {
    case "none":
      return "no drift, no open drift issue";
    case "create": {
      const issue = await api.createIssue({ title: action.title, body: action.body, labels: [DRIFT_LABEL] });
      return `opened #${issue.number}`;
    }
    case "update":
      await api.updateIssue(action.number, { body: action.body });
      for (const duplicate of action.duplicates) {
        await api.comment(duplicate, `Duplicate of #${action.number}.`);
        await api.updateIssue(duplicate, { state: "closed" });
      }
      return `updated #${action.number}`;
    case "close":
      for (const number of action.numbers) {
        await api.comment(number, action.comment);
        await api.updateIssue(number, { state: "closed" });
      }
      return `closed ${action.numbers.map((n) => `#${n}`).join(", ")}`;
  }
}

export async function main(argv: string[] = process.argv, env: NodeJS.ProcessEnv = process.env, api?: GithubApi): Promise<number> {
  const program = new Command()
    .name("drift-issue")
    .description("Open, update or close the drift issue of one environment")
    .requiredOption("--environment <name>", "environment, e.g. staging")
    .requiredOption("--stack <id>", "stack id, e.g. twinstack-staging")
    .option("--drift", "the plan found differences")
    .option("--no-drift", "the plan found none")
    .option("--summary <file>", "markdown plan summary to put in the issue")
    .option("--run-url <url>", "link to the workflow run")
    .exitOverride();
  const usage = await parseCommand(program, argv.slice(2));
  if (usage !== undefined) return usage;
  const options = program.opts<{ environment: string; stack: string; drift?: boolean; summary?: string; runUrl?: string }>();
  if (options.drift === undefined) {
    process.stderr.write("drift-issue: say --drift or --no-drift\n");
    return 2;
  }
  try {
    const client = api ?? githubApiFromEnv(env);
    const summary = options.summary ? readFileSync(options.summary, "utf8") : undefined;
    const action = planDriftIssue({ environment: options.environment, stack: options.stack, drift: options.drift, summary, runUrl: options.runUrl }, await client.openIssues(DRIFT_LABEL));
    process.stdout.write(`drift-issue ${options.environment}: ${await applyDriftIssue(client, action)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`drift-issue: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) main().then((code) => process.exit(code));
