/**
 * `npm run dr -- drill --env <env> [--json] [--point-in-time <iso|latest> | --recovery-point <id|arn>]`
 * Restores the newest recovery point of the environment's database (or a point in time) into a
 * scratch cluster, checks it (row counts, migrations), prints `rto_seconds=` and `rpo_seconds=`,
 * and deletes the scratch cluster. Never writes to the live cluster.
 * Exit codes: 0 passed, 1 failed (restore, verification or objectives; scratch removed), 2 refused
 * or bad usage (nothing written).
 */
import { Command, Option } from "commander";
import type { EnvironmentConfig } from "../../environments/config";
import { ConfigError } from "../../environments/config";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { useSandboxIfRunning } from "../lib/aws-context";
import { parseCommand } from "../lib/cli-main";
import { sandboxDrillStandIn } from "../sandbox/drill-standin";
import { AccountClients, connectAccount } from "../refresh/accounts";
import { Clock, RefusedError, maskAccounts, realClock } from "../refresh/core";
import { DrillAws, RdsDrillAdapter } from "./aws";
import { DrillReport, describeVerification, runDrill } from "./drill";
import { DrillSource } from "./model";
import { DataApiQueryRunner, PostgresQueryRunner, QueryRunner, expectedMigration } from "./verify";

export interface DrCliDeps {
  clock: Clock;
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Overrides how the account is reached (tests). */
  connect?: (config: EnvironmentConfig, options: { noAssumeRole: boolean; profile?: string; clock: Clock }) => Promise<AccountClients>;
  /** Overrides the AWS adapter (tests). */
  aws?: (clients: AccountClients) => DrillAws;
  /**
   * Emulator only, when no --database-url is given: a PostgreSQL standing in for the scratch
   * cluster's engine (the sandbox's copy of the environment's database), released after the drill.
   */
  standIn?: (config: EnvironmentConfig, clients: AccountClients) => Promise<{ url: string; release(): Promise<void> } | undefined>;
  /** Overrides how the scratch cluster is queried (tests). */
  runner?: (databaseUrl: string | undefined, clients: AccountClients, resourceArn: string, secretArn: string | undefined, config: EnvironmentConfig) => QueryRunner;
}

interface DrillOptions {
  env: string;
  json?: boolean;
  pointInTime?: string;
  recoveryPoint?: string;
  databaseUrl?: string;
  profile?: string;
  assumeRole: boolean;
  pollSeconds: string;
}

/** `--point-in-time` and `--recovery-point` as a DrillSource; bad values refused. */
export function parseSource(options: Pick<DrillOptions, "pointInTime" | "recoveryPoint">): DrillSource {
  if (options.pointInTime && options.recoveryPoint) throw new RefusedError("dr: --point-in-time and --recovery-point exclude each other");
  if (options.pointInTime) {
    if (options.pointInTime === "latest") return { kind: "point-in-time", at: "latest" };
    const at = Date.parse(options.pointInTime);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(options.pointInTime) || Number.isNaN(at)) {
      throw new RefusedError(`dr: --point-in-time (${JSON.stringify(options.pointInTime)}) must be "latest" or an ISO 8601 time with a zone, like 2026-01-31T12:00:00Z`);
    }
    return { kind: "point-in-time", at };
  }
  return { kind: "recovery-point", id: options.recoveryPoint };
}

export function formatReport(report: DrillReport): string[] {
  const from = report.restoredFrom;
  const lines = [
    `drill ${report.environment}: ${report.outcome.toUpperCase()} in ${report.seconds} s`,
    `  restored   ${from.kind === "recovery-point" ? `${from.id} (${from.type}, taken ${new Date(from.createdAt).toISOString()})` : `${from.sourceClusterId} at ${from.useLatest ? "its latest restorable time" : new Date(from.restoreTo ?? 0).toISOString()}`}`,
    `  into       ${report.scratchClusterId} (deleted; remaining scratch clusters: ${report.scratchRemaining.length === 0 ? "none" : report.scratchRemaining.join(", ")})`,
    `  objectives rpo ≤ ${report.objectives.rpoSeconds} s ${report.objectivesMet.rpo ? "met" : "MISSED"}, rto ≤ ${report.objectives.rtoSeconds} s ${report.objectivesMet.rto ? "met" : "MISSED"}`,
  ];
  if (report.verification) lines.push(`  verified   ${describeVerification(report.verification)}`);
  for (const problem of report.problems) lines.push(`  PROBLEM    ${problem}`);
  lines.push(`rto_seconds=${report.rto_seconds ?? "none"}`, `rpo_seconds=${report.rpo_seconds}`);
  return lines;
}

export async function main(argv: string[], deps: DrCliDeps): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("dr")
    .description("Disaster recovery: restore drills of an environment's database (never touching the live cluster).")
    .exitOverride()
    .configureOutput({ writeOut: (text) => deps.out(text.trimEnd()), writeErr: (text) => deps.err(text.trimEnd()) });
  program
    .command("drill")
    .description("restore the newest recovery point (or a point in time) into a scratch cluster, verify it, report rto_seconds= and rpo_seconds=, delete it")
    .requiredOption("--env <env>", "environment whose database is drilled (e.g. production)")
    .option("--json", "print the report as one JSON object (progress goes to stderr)")
    .option("--point-in-time <time>", 'restore the live cluster as of this time ("latest" or ISO 8601 with a zone) instead of a recovery point')
    .option("--recovery-point <id>", "restore this cluster snapshot (id or ARN) instead of the newest")
    .option("--database-url <url>", "emulator only: query this PostgreSQL standing in for the scratch cluster (the emulated cluster has no engine); default DR_DATABASE_URL")
    .option("--profile <name>", "named AWS profile for the environment's account (instead of assuming its deployRoleArn)")
    .option("--no-assume-role", "use the caller's credentials as they are")
    .addOption(new Option("--poll-seconds <s>", "first delay between status polls").default("15").hideHelp())
    .action(async (options: DrillOptions) => {
      exitCode = await drill(options, deps);
    });
  return (await parseCommand(program, argv)) ?? exitCode;
}

async function drill(options: DrillOptions, deps: DrCliDeps): Promise<number> {
  const log = options.json ? deps.err : deps.out;
  try {
    const source = parseSource(options);
    const pollSeconds = Number(options.pollSeconds);
    if (!Number.isFinite(pollSeconds) || pollSeconds <= 0) throw new RefusedError(`dr: --poll-seconds (${JSON.stringify(options.pollSeconds)}) must be a number > 0`);
    const emulated = Boolean(deps.env.AWS_ENDPOINT_URL);
    const givenUrl = options.databaseUrl ?? (deps.env.DR_DATABASE_URL || undefined);
    if (givenUrl && !emulated) throw new RefusedError("dr: --database-url is for the emulator only: on AWS the scratch cluster itself is queried through the RDS Data API");
    const config = resolveEnvironment(options.env, environmentInputs(deps.env));

    const connect = deps.connect ?? ((c, o) => connectAccount(c, { ...o, sessionName: `twinstack-dr-${c.name}` }));
    const clients = await connect(config, { noAssumeRole: !options.assumeRole, profile: options.profile, clock: deps.clock });
    // In the sandbox the engine behind the emulated scratch cluster is a copy of the environment's PostgreSQL.
    const standIn = emulated && !givenUrl ? await deps.standIn?.(config, clients) : undefined;
    if (standIn) log("sandbox: the scratch cluster's engine is a copy of this environment's sandbox PostgreSQL, taken now");
    const databaseUrl = givenUrl ?? standIn?.url;
    try {
      const aws = deps.aws?.(clients) ?? new RdsDrillAdapter(clients.rds, clients.ssm, { clock: deps.clock, pollMs: pollSeconds * 1000 });
      const makeRunner =
        deps.runner ??
        ((url, c, resourceArn, secretArn, cfg) => {
          if (url) return new PostgresQueryRunner(url);
          if (!secretArn) throw new Error("the scratch cluster has no managed master secret for the Data API");
          return new DataApiQueryRunner(c.rdsData, { resourceArn, secretArn, database: cfg.database.databaseName });
        });

      const report = await runDrill(config, source, {
        aws,
        clock: deps.clock,
        usesDataApi: !databaseUrl,
        expectedMigration: expectedMigration(),
        connect: async (scratch) => makeRunner(databaseUrl, clients, scratch.arn, scratch.secretArn, config),
        emit: (event) => log(`[${event.elapsedSeconds.toFixed(1).padStart(7)}s] ${event.step.padEnd(16)} ${event.state.padEnd(7)}${event.message ? ` ${maskAccounts(event.message)}` : ""}`),
        firstQueryRetryMs: Math.min(5_000, pollSeconds * 1000),
      });
      if (options.json) deps.out(maskAccounts(JSON.stringify(report, null, 2)));
      else for (const line of formatReport(report)) deps.out(maskAccounts(line));
      return report.outcome === "passed" ? 0 : 1;
    } finally {
      await standIn?.release();
    }
  } catch (error) {
    const exitCode = error instanceof RefusedError || error instanceof ConfigError ? 2 : 1;
    deps.err(maskAccounts(`dr: ${(error as Error).message}`));
    return exitCode;
  }
}

if (require.main === module) {
  // `npm start` left a sandbox running: talk to it (endpoint, emulator credentials, single account).
  useSandboxIfRunning(process.env);
  main(process.argv.slice(2), {
    clock: realClock,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    standIn: (config, clients) => sandboxDrillStandIn(config, clients.rds),
  }).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`dr: ${error.message}\n`);
      process.exit(1);
    },
  );
}
