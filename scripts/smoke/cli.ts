/**
 * `npm run smoke -- <env>`: is the deployment answering, with its database, and is it what was
 * deployed? GET /health (database included), GET /version (environment, version, commit and
 * deploy time equal to what was deployed) and a signed-in route refused without a token —
 * through the API's URL, and through CloudFront (/api/…) where a site is served. Each check is
 * retried until --timeout-seconds (a paused Aurora Serverless v2 takes seconds to resume).
 *
 *   sandbox running   the sandbox's gateway for <env>; what was deployed is the emulated
 *                     function's configuration (APP_VERSION, GIT_SHA, DEPLOYED_AT).
 *   AWS               URLs from SSM /<project>/<env>/api-url and /site-url; the version from
 *                     /<project>/<env>/version; the commit and deploy time from GIT_SHA and
 *                     DEPLOYED_AT when set (the pipeline's).
 *   --api-url, --site-url, --expect-*   override any of these.
 *
 * Exit codes: 0 all checks pass, 1 a check failed, 2 bad usage or nothing to check.
 */
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { Command } from "commander";
import { ConfigError } from "../../environments/config";
import { settingsPrefix } from "../../environments/naming";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { parseCommand, runAsScript } from "../lib/cli-main";
import { maskAccounts } from "../refresh/core";
import { deployedFunctionVariables } from "../sandbox/deployed-function";
import { readSandboxServices, sandboxForCommand } from "../sandbox/services";
import { Check, Expected, Observed, checksFor } from "./checks";

interface Options {
  apiUrl?: string;
  siteUrl?: string;
  expectVersion?: string;
  expectSha?: string;
  expectDeployedAt?: string;
  timeoutSeconds: string;
  json?: boolean;
}

class UsageError extends Error {}

export interface Target {
  apiUrl?: string;
  siteUrl?: string;
  expected: Expected;
  /** Why a URL is not checked (e.g. the sandbox serves no CloudFront). */
  notes: string[];
}

async function get(url: string, timeoutMs = 15000): Promise<Observed> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body };
}

/** Runs one check until it passes or the deadline passes; returns the last problems. */
async function runCheck(base: string, check: Check, deadline: number): Promise<{ problems: string[]; ms: number; attempts: number }> {
  const t0 = Date.now();
  let attempts = 0;
  let delay = 1000;
  for (;;) {
    attempts++;
    let problems: string[];
    try {
      problems = check.judge(await get(`${base.replace(/\/$/, "")}${check.path}`));
    } catch (error) {
      problems = [`no answer: ${(error as Error).message}`];
    }
    if (problems.length === 0 || Date.now() + delay > deadline) return { problems, ms: Date.now() - t0, attempts };
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 8000);
  }
}

async function sandboxTarget(envName: string, endpoint: string): Promise<Target> {
  const config = resolveEnvironment(envName, environmentInputs(process.env));
  const services = readSandboxServices();
  const port = services?.gateway?.ports[config.name];
  if (!port) throw new UsageError(`the sandbox serves no API for ${config.name}: run npm start`);
  const variables = await deployedFunctionVariables({ endpoint }, config, "smoke");
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    expected: { environment: config.name, version: variables.APP_VERSION, gitSha: variables.GIT_SHA, deployedAt: variables.DEPLOYED_AT },
    notes: ["CloudFront is not served in the sandbox: the site URL is not checked"],
  };
}

async function awsTarget(envName: string): Promise<Target> {
  const config = resolveEnvironment(envName, environmentInputs(process.env));
  const prefix = settingsPrefix(config);
  const ssm = new SSMClient({ region: config.region });
  try {
    const out = await ssm.send(new GetParametersCommand({ Names: [`${prefix}/api-url`, `${prefix}/site-url`, `${prefix}/version`] }));
    const value = (name: string) => out.Parameters?.find((p) => p.Name === `${prefix}/${name}`)?.Value;
    return {
      apiUrl: value("api-url"),
      siteUrl: value("site-url"),
      expected: { environment: config.name, version: value("version"), gitSha: process.env.GIT_SHA || undefined, deployedAt: process.env.DEPLOYED_AT || undefined },
      notes: [],
    };
  } finally {
    ssm.destroy();
  }
}

export async function main(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let code = 0;
  const program = new Command("smoke")
    .description("Check a deployment answers: /health (with its database), /version (what was deployed), a signed-in route refused without a token")
    .argument("<env>", "environment (staging, production, preview-pr-<n>)")
    .option("--api-url <url>", "the API's base URL (default: the sandbox's, or SSM /<project>/<env>/api-url)")
    .option("--site-url <url>", "the CloudFront site's URL (default: SSM /<project>/<env>/site-url on AWS)")
    .option("--expect-version <v>", "the version that must answer (default: what was deployed)")
    .option("--expect-sha <sha>", "the commit that must answer (default: GIT_SHA, or the sandbox's deployed function)")
    .option("--expect-deployed-at <time>", "the deploy time that must answer (default: DEPLOYED_AT, or the sandbox's deployed function)")
    .option("--timeout-seconds <s>", "retry each check this long (a paused database resumes in seconds)", "90")
    .option("--json", "one JSON line per check")
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) })
    .action(async (envName: string, options: Options) => {
      try {
        const timeout = Number(options.timeoutSeconds);
        if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError(`--timeout-seconds (${JSON.stringify(options.timeoutSeconds)}) must be a number ≥ 0`);
        const sandbox = options.apiUrl ? undefined : sandboxForCommand();
        const found: Target = options.apiUrl
          ? { expected: { environment: resolveEnvironment(envName, environmentInputs(process.env)).name }, notes: [] }
          : sandbox
            ? await sandboxTarget(envName, sandbox.endpoint)
            : await awsTarget(envName);
        const target: Target = {
          apiUrl: options.apiUrl ?? found.apiUrl,
          siteUrl: options.siteUrl ?? found.siteUrl,
          expected: {
            ...found.expected,
            version: options.expectVersion ?? found.expected.version,
            gitSha: options.expectSha ?? found.expected.gitSha,
            deployedAt: options.expectDeployedAt ?? found.expected.deployedAt,
          },
          notes: found.notes,
        };
        if (!target.apiUrl) throw new UsageError(`no API URL for ${envName}: pass --api-url (or deploy: SSM /<project>/${envName}/api-url)`);
        const deadline = Date.now() + timeout * 1000;
        const bases: Array<[string, string, string]> = [["api", target.apiUrl, ""]];
        if (target.siteUrl) bases.push(["cloudfront", target.siteUrl, "/api"]);
        if (!options.json) out(`smoke ${envName}: expecting ${JSON.stringify(target.expected)}`);
        for (const note of target.notes) if (!options.json) out(`  (${note})`);
        const results = await Promise.all(
          bases.flatMap(([via, base, prefix]) => checksFor(target.expected, prefix).map(async (check) => ({ via, base, check, ...(await runCheck(base, check, deadline)) }))),
        );
        for (const r of results) {
          const ok = r.problems.length === 0;
          if (!ok) code = 1;
          if (options.json) out(JSON.stringify({ via: r.via, url: `${r.base}${r.check.path}`, check: r.check.name, ok, problems: r.problems, ms: r.ms, attempts: r.attempts }));
          else out(`${ok ? "✔" : "✘"} ${r.via.padEnd(10)} ${r.check.path.padEnd(10)} ${r.check.name}${ok ? "" : `: ${r.problems.join("; ")}`} (${r.ms} ms${r.attempts > 1 ? `, ${r.attempts} attempts` : ""})`);
        }
        if (!options.json) out(code === 0 ? `smoke ${envName}: all ${results.length} checks pass` : `smoke ${envName}: FAILED`);
      } catch (error) {
        code = error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
        err(`smoke: ${maskAccounts((error as Error).message)}`);
      }
    });
  return (await parseCommand(program, argv)) ?? code;
}

if (require.main === module) runAsScript(main);
