/**
 * `npm run previews -- list [--json]`
 * Lists the per-pull-request previews found in the staging account's state bucket, with their
 * pull request's state and what the sweeper (previews-sweeper.yml) does with each: keep (open and
 * labelled `preview`), destroy (closed, unlabelled or gone), none (already destroyed).
 * AWS: the usual credential chain (or the running sandbox); GitHub: GITHUB_TOKEN and
 * GITHUB_REPOSITORY when set (without them the pull requests are not looked up).
 * Read-only. Exit 0 done, 1 failed, 2 bad usage.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Command } from "commander";
import { ConfigError } from "../../environments/config";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { stateLocation } from "../../modules/state-backend";
import { resolveAwsContext } from "../lib/aws-context";
import { parseCommand } from "../lib/cli-main";
import { GithubApi, githubApiFromEnv } from "../lib/github";
import { PreviewState, PullRequestStatus, formatPreviews, planPreviews, previewFromStateKey } from "./plan";

/** Where previews keep state: staging's account (environments/registry.ts previewConfig). */
export interface PreviewStore {
  readonly project: string;
  readonly bucket: string;
  readonly region: string;
}

export function previewStore(env: NodeJS.ProcessEnv = process.env): PreviewStore {
  const staging = resolveEnvironment("staging", environmentInputs(env));
  return { project: staging.project, bucket: stateLocation(staging.project, staging.accountId, staging.region).bucket, region: staging.region };
}

/** Reads the preview states: list the keys under `<project>-preview-pr-`, count each state's resources. */
export async function readPreviewStates(s3: S3Client, store: PreviewStore): Promise<PreviewState[]> {
  const states: PreviewState[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: `${store.project}-preview-pr-`, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const pullRequest = object.Key ? previewFromStateKey(store.project, object.Key) : undefined;
      if (pullRequest === undefined) continue;
      const body = await s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: object.Key }));
      const state = JSON.parse((await body.Body?.transformToString()) ?? "{}") as { resources?: unknown[] };
      states.push({
        pullRequest,
        stack: object.Key!.split("/")[0],
        stateKey: object.Key!,
        resources: Array.isArray(state.resources) ? state.resources.length : 0,
        lastModified: object.LastModified?.toISOString(),
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return states;
}

export async function pullRequestStatuses(api: GithubApi | undefined, numbers: readonly number[]): Promise<Map<number, PullRequestStatus>> {
  const statuses = new Map<number, PullRequestStatus>();
  for (const number of numbers) {
    if (!api) {
      statuses.set(number, { state: "unknown" });
      continue;
    }
    const pr = await api.pullRequest(number);
    statuses.set(number, pr ? { state: pr.state, labels: pr.labels } : { state: "missing" });
  }
  return statuses;
}

export interface Dependencies {
  readonly s3?: S3Client;
  readonly github?: GithubApi | null;
  readonly out?: (text: string) => void;
}

export async function main(argv: string[] = process.argv, env: NodeJS.ProcessEnv = process.env, deps: Dependencies = {}): Promise<number> {
  const out = deps.out ?? ((text: string) => process.stdout.write(text));
  const program = new Command().name("npm run previews --").description("Per-pull-request previews: what exists, and what the sweeper does with it").exitOverride();
  let result: Promise<number> = Promise.resolve(0);
  program
    .command("list")
    .description("list previews from the state keys, with their pull requests and the sweeper's action")
    .option("--json", "print JSON (one object per preview)")
    .action((options: { json?: boolean }) => {
      result = (async () => {
        try {
          const store = previewStore(env);
          let s3 = deps.s3;
          if (!s3) {
            const context = resolveAwsContext(env);
            Object.assign(env, context.env);
            s3 = new S3Client({ region: store.region, forcePathStyle: context.kind === "sandbox" || Boolean(env.AWS_ENDPOINT_URL) });
          }
          const github = deps.github === undefined ? (env.GITHUB_TOKEN && env.GITHUB_REPOSITORY ? githubApiFromEnv(env) : undefined) : deps.github ?? undefined;
          const states = await readPreviewStates(s3, store);
          const rows = planPreviews(states, await pullRequestStatuses(github, states.map((s) => s.pullRequest)));
          out(options.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatPreviews(rows)}\n${github ? "" : "(pull requests not looked up: set GITHUB_TOKEN and GITHUB_REPOSITORY)\n"}`);
          return 0;
        } catch (error) {
          if (error instanceof ConfigError) {
            process.stderr.write(`previews: ${error.message}\n`);
            return 2;
          }
          process.stderr.write(`previews: ${(error as Error).message}\n`);
          return 1;
        }
      })();
    });
  return (await parseCommand(program, argv.slice(2))) ?? result;
}

if (require.main === module) main().then((code) => process.exit(code));
