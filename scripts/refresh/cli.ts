/**
 * `npm run refresh -- <command>`: refresh staging from production — the database (snapshot,
 * share, restore aside, scrub, swap) and the uploads bucket (server-side mirror), in parallel.
 * plan | run | status | resume | rollback | cleanup. Exit codes: 0 done, 1 failed (staging
 * left working), 2 refused or bad usage. `--json`: one JSON event per line.
 */
import { createInterface } from "node:readline/promises";
import { userInfo } from "node:os";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { EnvironmentConfig } from "../../environments/config";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { AccountClients, ConnectOptions, connectAccount } from "./accounts";
import { uploadsBucketName } from "../../environments/naming";
import { useSandboxIfRunning } from "../lib/aws-context";
import { Clock, EventLog, RefreshEvent, RefreshHalf, RefusedError, StepFailedError, assertRefreshId, maskAccounts, newRefreshId, realClock } from "./core";
import { DatabaseHalf } from "./database/half";
import { RefreshLock } from "./lock";
import { ObjectsHalf } from "./objects/half";
import { terminalProgress } from "./objects/progress";
import { planAll, rollbackAll, runAll, selectHalves } from "./runner";
import {
  CognitoPoolUsers,
  CognitoUserSource,
  DataApiExecutor,
  PostgresExecutor,
  createScrubHooks,
  databaseProblems,
  loadScrubManifest,
  parseDatabaseUrl,
  registerCheckScrub,
} from "./scrub";

export interface CliDeps {
  clock: Clock;
  out: (line: string) => void;
  err: (line: string) => void;
  isTTY: boolean;
  /** Reads the operator's confirmation (a line of input). */
  ask: (question: string) => Promise<string>;
  connect: (config: EnvironmentConfig, options: ConnectOptions) => Promise<AccountClients>;
  /** Overrides the Cognito user source (tests). */
  cognitoUsers?: (target: AccountClients, userPoolId?: string) => CognitoUserSource;
  env: NodeJS.ProcessEnv;
  /**
   * A terminal for the objects progress bar (stderr, when stdout is the same terminal): event
   * lines are then printed above the bar on it. None: event lines only.
   */
  progress?: NodeJS.WriteStream;
}

interface CommonOptions {
  from: string;
  to: string;
  json?: boolean;
  sourceProfile?: string;
  targetProfile?: string;
  assumeRole: boolean;
  executor: "data-api" | "postgres";
  userPoolId?: string;
  sourceSnapshot?: string;
  keepOld: string;
  snapshotRetention: string;
  lockStaleHours: string;
  pgHost?: string;
  pgPort: string;
  pgUser: string;
  only?: string;
  include?: string[];
  exclude?: string[];
  delete?: boolean;
  concurrency?: string;
  sourceDatabaseUrl?: string;
  yes?: boolean;
  olderThan?: string;
  pollSeconds?: string;
}

function withCommon(command: Command): Command {
  return command
    .option("--from <env>", "source environment", "production")
    .option("--to <env>", "target environment", "staging")
    .option("--json", "one JSON event per line")
    .option("--only <half>", "one half: database or objects (default both, in parallel)")
    .option("--source-profile <name>", "named AWS profile for the source account (instead of assuming deployRoleArn)")
    .option("--target-profile <name>", "named AWS profile for the target account (instead of assuming deployRoleArn)")
    .option("--no-assume-role", "use the caller's credentials as they are (single-account sandbox)")
    .addOption(new Option("--executor <kind>", "how the scrub reaches the new cluster").choices(["data-api", "postgres"]).default("data-api"))
    .option("--user-pool-id <id>", "target Cognito user pool (default: SSM /<project>/<env>/cognito/user-pool-id)")
    .option("--source-snapshot <id>", "restore from this existing snapshot (automated or manual) instead of taking one")
    .option("--keep-old <hours>", "keep the old cluster this long after the swap (0: delete at the end of the run)", "0")
    .option("--snapshot-retention <count>", "tagged snapshots kept per target, newest refreshes", "2")
    .option("--lock-stale-hours <hours>", "a lock older than this may be taken over", "6")
    .option("--pg-host <host>", "postgres executor: host of the new cluster (password from REFRESH_PG_PASSWORD)")
    .option("--pg-port <port>", "postgres executor: port", "5432")
    .option("--pg-user <user>", "postgres executor: user", "twinstack_admin")
    .addOption(new Option("--poll-seconds <s>", "first delay between polls of a waiting step (default 15, growing to 4×; the swap polls at most every 2 s)").hideHelp());
}

/** The objects half's scope and pace (plan, run, resume): flags over the target's refresh.objects. */
function withObjectOptions(command: Command): Command {
  return command
    .option("--include <prefix>", "objects: only keys under this prefix (repeatable; default: the target's refresh.objects.include, else all)", collect)
    .option("--exclude <prefix>", "objects: leave keys under this prefix alone (repeatable; default: refresh.objects.exclude)", collect)
    .option("--delete", "objects: delete target keys the source no longer has (default: refresh.objects.delete, true)")
    .option("--no-delete", "objects: keep target keys the source no longer has")
    .option("--concurrency <n>", "objects: concurrent copies (default: refresh.objects.concurrency, 64)");
}

function collect(value: string, previous: string[] | undefined): string[] {
  if (value === "") throw new InvalidArgumentError("a prefix must not be empty");
  return [...(previous ?? []), value];
}

function number(value: string, flag: string, min = 0): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new RefusedError(`${flag} (${JSON.stringify(value)}) must be a number ≥ ${min}`);
  return n;
}

/** `--poll-seconds`: polls of long steps start at s and grow to 4×s; the swap's stay within 2 s → 10 s. */
function pollMs(seconds: string | undefined): { min: number; max: number; fastMin: number; fastMax: number } | undefined {
  if (seconds === undefined) return undefined;
  const ms = number(seconds, "--poll-seconds", 0.1) * 1000;
  return { min: ms, max: 4 * ms, fastMin: Math.min(2_000, ms), fastMax: Math.min(10_000, 4 * ms) };
}

function formatEvent(event: RefreshEvent): string {
  const seconds = (event.elapsedMs / 1000).toFixed(1).padStart(7);
  const ids = event.identifiers ? ` ${Object.entries(event.identifiers).map(([k, v]) => `${k}=${v}`).join(" ")}` : "";
  const message = event.message ? ` — ${event.message}` : "";
  return `[${seconds}s] ${(event.half ?? "").padEnd(8)} ${event.step.padEnd(22)} ${event.state.padEnd(8)}${ids}${message}`;
}

interface Session {
  events: EventLog;
  half: DatabaseHalf;
  /** The halves `--only` selects (both by default), run in parallel. */
  halves: RefreshHalf[];
  lock: RefreshLock;
  target: EnvironmentConfig;
  holder: string;
  /** Ends the progress display, if any. */
  close: () => void;
}

async function openSession(options: CommonOptions, deps: CliDeps): Promise<Session> {
  // A bar for the objects half on a terminal (not with --json): event lines print above it.
  const display = !options.json && deps.progress?.isTTY ? terminalProgress(deps.progress) : undefined;
  // Every line is masked: bucket names and ARNs carry account ids.
  const print = (line: string): void => (display ? display.log(line, deps.out) : deps.out(line));
  const events = new EventLog(deps.clock, (event) => {
    print(maskAccounts(options.json ? JSON.stringify(event) : formatEvent(event)));
    // The objects half is over: its bar ends here, the database half's lines go on below it.
    if (event.half === "objects" && ["done", "failed", "refused"].includes(event.state)) display?.stop();
  });
  // TWINSTACK_SINGLE_ACCOUNT (the sandbox) moves every environment into one account, as synthesis does.
  const source = resolveEnvironment(options.from, environmentInputs(deps.env));
  const target = resolveEnvironment(options.to, environmentInputs(deps.env));
  // Refuse a protected target before any credentials are used.
  if (target.protected) throw new RefusedError(`environments/${target.name} is protected: it is never a refresh target`);
  if (source.name === target.name) throw new RefusedError("--from and --to name the same environment");
  // The objects half's scope and pace: the target's refresh.objects settings, each overridden by its flag (checked before any credentials are used).
  const settings = target.refresh.objects;
  const concurrency = options.concurrency === undefined ? settings.concurrency : number(options.concurrency, "--concurrency", 1);
  if (!Number.isInteger(concurrency) || concurrency > 1024) throw new RefusedError(`--concurrency (${JSON.stringify(options.concurrency)}) must be a whole number from 1 to 1024`);
  const sourceClients = await deps.connect(source, { clock: deps.clock, profile: options.sourceProfile, noAssumeRole: !options.assumeRole });
  const targetClients = await deps.connect(target, { clock: deps.clock, profile: options.targetProfile, noAssumeRole: !options.assumeRole });
  events.emit({ half: "refresh", step: "accounts", state: "done", identifiers: { source: maskAccounts(source.accountId), target: maskAccounts(target.accountId) } });
  const password = deps.env.REFRESH_PG_PASSWORD;
  const half = new DatabaseHalf({
    source: sourceClients,
    target: targetClients,
    clock: deps.clock,
    events,
    executor: options.executor,
    executorFactory: (cluster) => {
      if (options.executor === "postgres") {
        if (!options.pgHost) throw new RefusedError("--executor postgres needs --pg-host (and REFRESH_PG_PASSWORD in the environment)");
        return new PostgresExecutor({ host: options.pgHost, port: number(options.pgPort, "--pg-port", 1), user: options.pgUser, database: cluster.database, password });
      }
      if (!cluster.secretArn) throw new Error(`${cluster.clusterId} has no managed master secret yet`);
      return new DataApiExecutor(targetClients.rdsData, { resourceArn: cluster.clusterArn, secretArn: cluster.secretArn, database: cluster.database });
    },
    ...createScrubHooks({
      environment: target.name,
      cognitoUsers: deps.cognitoUsers ? deps.cognitoUsers(targetClients, options.userPoolId) : new CognitoPoolUsers(targetClients, options.userPoolId),
    }),
    keepOldMs: number(options.keepOld, "--keep-old") * 3600_000,
    snapshotRetention: number(options.snapshotRetention, "--snapshot-retention", 1),
    sourceSnapshot: options.sourceSnapshot,
    pollMs: pollMs(options.pollSeconds),
  });
  // Objects are copied server-side with the target's credentials (the source bucket policy grants its refresh role reads).
  const objects = new ObjectsHalf({
    source: { client: targetClients.s3, bucket: uploadsBucketName(source) },
    destination: { client: targetClients.s3, bucket: uploadsBucketName(target) },
    sync: {
      include: options.include ?? settings.include,
      exclude: options.exclude ?? settings.exclude,
      delete: options.delete ?? settings.delete,
      concurrency,
    },
    events,
    onProgress: display ? (progress) => display.update(progress) : undefined,
  });
  const selected = new Set(selectHalves(options.only));
  const halves: RefreshHalf[] = [half, objects].filter((candidate) => selected.has(candidate.name));
  const lock = new RefreshLock(targetClients.dynamodb, target, deps.clock, number(options.lockStaleHours, "--lock-stale-hours") * 3600_000);
  return { events, half, halves, lock, target, holder: `${safeUser()}@refresh`, close: () => display?.stop() };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "operator";
  }
}

/**
 * Commands that scrub (plan, run, resume) need the target's manifest, valid, before any
 * credentials are used: refused (exit 2) if not. rollback, status and cleanup never need it.
 */
function assertScrubManifest(options: CommonOptions, deps: CliDeps): void {
  const target = resolveEnvironment(options.to, environmentInputs(deps.env));
  // A protected target has no manifest: it is refused for that reason, next.
  if (!target.protected && selectHalves(options.only).includes("database")) loadScrubManifest(target.name);
}

async function confirm(options: CommonOptions, deps: CliDeps, target: string): Promise<void> {
  if (options.yes) return;
  if (!deps.isTTY) throw new RefusedError("stdin is not a terminal: pass --yes to confirm non-interactively");
  const answer = (await deps.ask(`This replaces ${target}'s database with a scrubbed copy. Type the target's name (${target}) to continue: `)).trim();
  if (answer !== target) throw new RefusedError(`confirmation ${JSON.stringify(answer)} does not match ${target}: nothing was changed`);
}

export async function main(argv: string[], deps: CliDeps): Promise<number> {
  let code = 0;
  const program = new Command("refresh")
    .description(
      "Refresh a target environment from a source (default production → staging), under one lock: the database (snapshot, share, restore aside, scrub, swap names) and the uploads bucket (server-side mirror), in parallel.",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => deps.out(s.trimEnd()), writeErr: (s) => deps.err(s.trimEnd()) })
    .showHelpAfterError();

  const guard = (fn: (...args: any[]) => Promise<void>) => async (...args: any[]) => {
    try {
      await fn(...args);
    } catch (error) {
      const e = error as Error & { exitCode?: number };
      code = error instanceof RefusedError ? 2 : error instanceof StepFailedError ? 1 : (e.exitCode ?? 1);
      deps.err(`refresh: ${error instanceof RefusedError ? "refused" : "failed"}: ${maskAccounts(e.message)}`);
      if (error instanceof StepFailedError) deps.err("staging was left working; `refresh status` shows where it stopped, `refresh resume <id>` continues, `refresh rollback <id>` undoes.");
    }
  };

  withObjectOptions(withCommon(program.command("plan").description("read-only preflight: checks and the steps a run would take")))
    .option("--source-database-url <url>", "also check the scrub manifest against the source's schema (read-only; password in the URL or PGPASSWORD)")
    .action(
    guard(async (options: CommonOptions) => {
      assertScrubManifest(options, deps);
      const sourceDatabase = options.sourceDatabaseUrl ? parseDatabaseUrl(options.sourceDatabaseUrl, deps.env) : undefined;
      const session = await openSession(options, deps);
      const refusals = session.halves.includes(session.half) ? session.half.refusals() : [];
      if (refusals.length > 0) throw new RefusedError(refusals.join("\n"));
      const holder = await session.lock.read().catch(() => undefined);
      const reports = await planAll(session.halves, newRefreshId(new Date(deps.clock.now())));
      // Where the source's schema is readable, an unclassified column shows here, before any run.
      if (sourceDatabase) (reports.find((report) => report.half === "database") ?? reports[0]).problems.push(...(await databaseProblems(session.target.name, sourceDatabase)).problems.map((p) => `source schema: ${p}`));
      if (holder) reports[0].problems.push(`refresh ${holder.refreshId} (${holder.holder}, since ${holder.startedAt}) holds the lock: resume or roll it back first`);
      for (const report of reports) {
        for (const step of report.steps) session.events.emit({ half: report.half, step: step.step, state: step.status === "skipped" ? "skipped" : "planned", identifiers: step.identifiers, message: step.description });
        for (const problem of report.problems) session.events.emit({ half: report.half, step: "preflight", state: "failed", message: problem });
      }
      if (reports.some((report) => report.problems.length > 0)) code = 1;
      else session.events.emit({ half: "refresh", step: "preflight", state: "done", message: "runnable" });
    }),
  );

  withObjectOptions(withCommon(program.command("run").description("run a refresh (asks to type the target's name unless --yes)")))
    .option("--yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .action(
      guard(async (options: CommonOptions) => {
        assertScrubManifest(options, deps);
        const target = resolveEnvironment(options.to, environmentInputs(deps.env));
        if (target.protected) throw new RefusedError(`environments/${target.name} is protected: it is never a refresh target`);
        await confirm(options, deps, target.name);
        const session = await openSession(options, deps);
        const refreshId = newRefreshId(new Date(deps.clock.now()));
        session.events.emit({ refreshId, half: "refresh", step: "run", state: "started", message: `refresh id ${refreshId}` });
        try {
          await runAll({ halves: session.halves, lock: session.lock, events: session.events, clock: deps.clock, holder: session.holder }, refreshId, "run");
        } finally {
          session.close();
        }
      }),
    );

  withObjectOptions(withCommon(program.command("resume").argument("<refresh-id>").description("continue a refresh from what AWS shows"))).action(
    guard(async (id: string, options: CommonOptions) => {
      const refreshId = assertRefreshId(id);
      assertScrubManifest(options, deps);
      const session = await openSession(options, deps);
      try {
        await runAll({ halves: session.halves, lock: session.lock, events: session.events, clock: deps.clock, holder: session.holder }, refreshId, "resume");
      } finally {
        session.close();
      }
    }),
  );

  withCommon(program.command("rollback").argument("<refresh-id>").description("rename the old cluster back while it exists; delete the refreshed one")).action(
    guard(async (id: string, options: CommonOptions) => {
      const refreshId = assertRefreshId(id);
      const session = await openSession(options, deps);
      await rollbackAll({ halves: [session.half], lock: session.lock, events: session.events, clock: deps.clock, holder: session.holder }, refreshId);
    }),
  );

  withCommon(program.command("status").argument("[refresh-id]").description("the lock holder and what this tool's tags show")).action(
    guard(async (id: string | undefined, options: CommonOptions) => {
      const session = await openSession(options, deps);
      const holder = await session.lock.read();
      session.events.emit({ half: "refresh", step: "lock", state: "info", message: holder ? `held by ${holder.holder}: ${holder.refreshId} since ${holder.startedAt}` : "free" });
      for (const row of await session.half.status(id ? assertRefreshId(id) : undefined)) {
        session.events.emit({ refreshId: row.refreshId, half: "database", step: row.kind, state: "info", identifiers: { id: row.id, status: row.status }, message: row.role });
      }
    }),
  );

  withCommon(program.command("cleanup").description("delete old clusters past --keep-old and tagged snapshots past retention"))
    .option("--older-than <days>", "only old clusters due for this many days", "0")
    .action(
      guard(async (options: CommonOptions) => {
        const session = await openSession(options, deps);
        await session.half.cleanup({ olderThanMs: number(options.olderThan ?? "0", "--older-than") * 86_400_000 });
        session.events.emit({ half: "refresh", step: "cleanup", state: "done" });
      }),
    );

  registerCheckScrub(program, { out: deps.out, err: deps.err, env: deps.env, exit: (exitCode) => (code = exitCode) });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.help" || error.code === "commander.version" ? 0 : 2;
    }
    throw error;
  }
  return code;
}

if (require.main === module) {
  const sandbox = useSandboxIfRunning();
  if (sandbox) process.stderr.write(`refresh: using the sandbox at ${sandbox.endpoint} (npm run sandbox:down to stop it)\n`);
  const rl = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stderr }) : undefined;
  main(process.argv.slice(2), {
    clock: realClock,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTTY: Boolean(process.stdin.isTTY),
    ask: async (question) => (rl ? rl.question(question) : ""),
    connect: connectAccount,
    env: process.env,
    progress: process.stderr.isTTY && process.stdout.isTTY ? process.stderr : undefined,
  })
    .then((code) => {
      rl?.close();
      process.exitCode = code;
    })
    .catch((error: Error) => {
      rl?.close();
      process.stderr.write(`refresh: ${maskAccounts(error.message)}\n`);
      process.exitCode = 1;
    });
}
