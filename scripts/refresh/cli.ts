/**
 * `npm run refresh -- <command>`: refresh staging from production — the database (snapshot,
 * share, restore aside, scrub, swap) and the uploads bucket (server-side mirror), in parallel.
 * plan | run | status | resume | rollback | cleanup. Exit codes: 0 done, 1 failed (staging
 * left working; a run whose halves end differently exits with the worse: see runner.ts), 2
 * refused or bad usage (nothing was changed). `--json`: one JSON event per line. SIGINT/SIGTERM
 * stop at the next step boundary, release the lock and print the `resume` command.
 */
import { createInterface } from "node:readline/promises";
import { userInfo } from "node:os";
import { Command, CommanderError, Option } from "commander";
import { ConfigError, type EnvironmentConfig } from "../../environments/config";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { AccountClients, ConnectOptions, connectAccount } from "./accounts";
import { stackId, uploadsBucketName } from "../../environments/naming";
import { useSandboxIfRunning } from "../lib/aws-context";
import { confirmWrite } from "../lib/confirm";
import { assertEnvironmentWritable, assertWriteTargets, bucketTarget, clusterTarget, guardRegistry } from "../lib/guard";
import { Converger, terraformConverger } from "./converge";
import { Clock, EventLog, InterruptedError, RefreshEvent, RefreshHalf, RefusedError, StepFailedError, assertRefreshId, maskAccounts, newRefreshId, realClock } from "./core";
import { DatabaseHalf } from "./database/half";
import { DEFAULT_STALE_MS, RefreshLock } from "./lock";
import { collect } from "./objects/cli";
import { ObjectsHalf } from "./objects/half";
import { terminalProgress } from "./objects/progress";
import { cleanupAll, planAll, rollbackAll, runAll, selectHalves } from "./runner";
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
  /** Converges the target stack after the swap (default: Terraform, as `npm run apply`). */
  converge?: (env: NodeJS.ProcessEnv) => Converger;
  /** Aborted on SIGINT/SIGTERM: stop at the next step boundary. */
  signal?: AbortSignal;
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
  yes?: boolean;
  olderThan?: string;
  pollSeconds?: string;
  sourceDatabaseUrl?: string;
  converge: boolean;
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
    .option("--lock-stale-hours <hours>", `a lock whose heartbeat is older than this may be taken over (never a heartbeat younger than 5 minutes)`, String(DEFAULT_STALE_MS / 3600_000))
    .option("--pg-host <host>", "postgres executor: host of the new cluster (password from REFRESH_PG_PASSWORD)")
    .option("--pg-port <port>", "postgres executor: port", "5432")
    .option("--pg-user <user>", "postgres executor: user", "twinstack_admin")
    .option("--no-converge", "do not apply the target stack with Terraform after the swap (then run `refresh converge --to <env>` with the target's apply credentials)")
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

/**
 * Every flag and file a command needs, checked before any credentials are used (bad input: exit 2).
 * `scrubs`: plan, run and resume need the target's scrub manifest, valid; rollback, status and cleanup never do.
 */
function checkInputs(options: CommonOptions, deps: CliDeps, scrubs = false) {
  selectHalves(options.only);
  // TWINSTACK_SINGLE_ACCOUNT (the sandbox) moves every environment into one account, as synthesis does.
  const source = resolveEnvironment(options.from, environmentInputs(deps.env));
  const target = resolveEnvironment(options.to, environmentInputs(deps.env));
  // Refuse a protected target before any credentials are used.
  assertEnvironmentWritable({ registry: guardRegistry(deps.env), env: target, command: "refresh" });
  if (source.name === target.name) throw new RefusedError("--from and --to name the same environment");
  // The objects half's scope and pace: the target's refresh.objects settings, each overridden by its flag.
  const settings = target.refresh.objects;
  const concurrency = options.concurrency === undefined ? settings.concurrency : number(options.concurrency, "--concurrency", 1);
  if (!Number.isInteger(concurrency) || concurrency > 1024) throw new RefusedError(`--concurrency (${JSON.stringify(options.concurrency)}) must be a whole number from 1 to 1024`);
  if (options.executor === "postgres" && !options.pgHost) {
    throw new RefusedError("--executor postgres needs --pg-host <host of the new cluster> (and REFRESH_PG_PASSWORD in the environment)");
  }
  if (scrubs && selectHalves(options.only).includes("database")) loadScrubManifest(target.name);
  return {
    source,
    target,
    concurrency,
    pgPort: number(options.pgPort, "--pg-port", 1),
    keepOldMs: number(options.keepOld, "--keep-old") * 3600_000,
    snapshotRetention: number(options.snapshotRetention, "--snapshot-retention", 1),
    lockStaleMs: number(options.lockStaleHours, "--lock-stale-hours") * 3600_000,
    poll: pollMs(options.pollSeconds),
  };
}

/** `read`: status only, which writes nothing and so skips the write guard. */
async function openSession(
  options: CommonOptions,
  deps: CliDeps,
  purpose: "write" | "read" = "write",
  scrubs = false,
  inputs: ReturnType<typeof checkInputs> = checkInputs(options, deps, scrubs),
): Promise<Session> {
  const { source, target } = inputs;
  // A bar for the objects half on a terminal (not with --json): event lines print above it.
  const display = !options.json && deps.progress?.isTTY ? terminalProgress(deps.progress) : undefined;
  // Every line is masked: bucket names and ARNs carry account ids.
  const print = (line: string): void => (display ? display.log(line, deps.out) : deps.out(line));
  const events = new EventLog(deps.clock, (event) => {
    print(maskAccounts(options.json ? JSON.stringify(event) : formatEvent(event)));
    // The objects half is over: its bar ends here, the database half's lines go on below it.
    if (event.half === "objects" && ["done", "failed", "refused"].includes(event.state)) display?.stop();
  });
  const sourceClients = await deps.connect(source, { clock: deps.clock, profile: options.sourceProfile, noAssumeRole: !options.assumeRole });
  const targetClients = await deps.connect(target, { clock: deps.clock, profile: options.targetProfile, noAssumeRole: !options.assumeRole });
  events.emit({ half: "refresh", step: "accounts", state: "done", identifiers: { source: maskAccounts(source.accountId), target: maskAccounts(target.accountId) } });
  // The write guard, before any write (plan reports its refusals): the target's cluster and uploads bucket must be the target's by name and Environment tag.
  // The cluster may be absent mid-swap (resume, rollback): then its name alone is judged.
  const guarded = new Set(purpose === "write" ? selectHalves(options.only) : []);
  await assertWriteTargets({
    registry: guardRegistry(deps.env),
    env: target,
    command: "refresh",
    targets: [
      ...(guarded.has("database") ? [clusterTarget(targetClients.rds, stackId(target), { mayBeAbsent: true })] : []),
      ...(guarded.has("objects") ? [bucketTarget(targetClients.s3, uploadsBucketName(target))] : []),
    ],
  });
  const password = deps.env.REFRESH_PG_PASSWORD;
  const cognitoUsers: CognitoUserSource = deps.cognitoUsers ? deps.cognitoUsers(targetClients, options.userPoolId) : new CognitoPoolUsers(targetClients, options.userPoolId);
  const half = new DatabaseHalf({
    source: sourceClients,
    target: targetClients,
    clock: deps.clock,
    events,
    executor: options.executor,
    executorFactory: (cluster) => {
      if (options.executor === "postgres") {
        return new PostgresExecutor({ host: options.pgHost!, port: inputs.pgPort, user: options.pgUser, database: cluster.database, password });
      }
      if (!cluster.secretArn) throw new Error(`${cluster.clusterId} has no managed master secret yet`);
      return new DataApiExecutor(targetClients.rdsData, { resourceArn: cluster.clusterArn, secretArn: cluster.secretArn, database: cluster.database });
    },
    // Privacy by default: the scrub generated from environments/<target>/scrub.ts (scripts/refresh/scrub).
    ...createScrubHooks({ environment: target.name, cognitoUsers }),
    converge: options.converge ? (deps.converge ?? terraformConverger)(deps.env) : undefined,
    keepOldMs: inputs.keepOldMs,
    snapshotRetention: inputs.snapshotRetention,
    sourceSnapshot: options.sourceSnapshot,
    pollMs: inputs.poll,
  });
  // Objects are copied server-side with the target's credentials (the source bucket policy grants its refresh role reads).
  // Each bucket must belong to its environment's account (ExpectedBucketOwner on every request).
  const objects = new ObjectsHalf({
    source: { client: targetClients.s3, bucket: uploadsBucketName(source), expectedOwner: source.accountId },
    destination: { client: targetClients.s3, bucket: uploadsBucketName(target), expectedOwner: target.accountId },
    sync: {
      include: options.include ?? target.refresh.objects.include,
      exclude: options.exclude ?? target.refresh.objects.exclude,
      delete: options.delete ?? target.refresh.objects.delete,
      concurrency: inputs.concurrency,
    },
    events,
    onProgress: display ? (progress) => display.update(progress) : undefined,
  });
  const selected = new Set(selectHalves(options.only));
  const halves: RefreshHalf[] = [half, objects].filter((candidate) => selected.has(candidate.name));
  const lock = new RefreshLock(targetClients.dynamodb, target, deps.clock, inputs.lockStaleMs);
  return { events, half, halves, lock, target, holder: `${safeUser()}@refresh`, close: () => display?.stop() };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "operator";
  }
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

  /** The refresh a failure or interruption concerns, for the `resume`/`rollback` hint. */
  let current: string | undefined;
  /** Asks to type the target's name (or takes --yes); no terminal and no --yes: refused (exit 2). */
  const confirmTarget = (options: CommonOptions, target: EnvironmentConfig, action: string) =>
    confirmWrite({ yes: options.yes, isTTY: deps.isTTY, ask: deps.ask, expected: target.name, action });
  const guard = (fn: (...args: any[]) => Promise<void>) => async (...args: any[]) => {
    try {
      await fn(...args);
    } catch (error) {
      const e = error as Error & { exitCode?: number };
      // A ConfigError is bad input (unknown environment, bad TWINSTACK_SINGLE_ACCOUNT, a missing scrub file).
      const refused = error instanceof RefusedError || error instanceof ConfigError;
      code = refused ? 2 : error instanceof StepFailedError || error instanceof InterruptedError ? 1 : (e.exitCode ?? 1);
      deps.err(`refresh: ${refused ? "refused" : error instanceof InterruptedError ? "interrupted" : "failed"}: ${maskAccounts(e.message)}`);
      if (!refused && current) {
        deps.err(`\`npm run refresh -- status ${current}\` shows where it stopped; \`npm run refresh -- resume ${current}\` continues; \`npm run refresh -- rollback ${current}\` undoes (before the point of no return).`);
      }
    }
  };
  const runner = (session: Session) => ({ halves: session.halves, lock: session.lock, events: session.events, clock: deps.clock, holder: session.holder, signal: deps.signal });

  withObjectOptions(withCommon(program.command("plan").description("read-only preflight: checks, the steps a run would take and where its point of no return is")))
    .option("--source-database-url <url>", "also check the scrub manifest against the source's schema (read-only; password in the URL or PGPASSWORD)")
    .action(
    guard(async (options: CommonOptions) => {
      const sourceDatabase = options.sourceDatabaseUrl ? parseDatabaseUrl(options.sourceDatabaseUrl, deps.env) : undefined;
      const session = await openSession(options, deps, "write", true);
      try {
        const holder = await session.lock.read().catch(() => undefined);
        const reports = await planAll(session.halves, newRefreshId(new Date(deps.clock.now())));
        // Where the source's schema is readable, an unclassified column shows here, before any run.
        if (sourceDatabase) {
          const report = reports.find((candidate) => candidate.half === "database") ?? reports[0];
          report.problems.push(...(await databaseProblems(session.target.name, sourceDatabase)).problems.map((problem) => `source schema: ${problem}`));
        }
        if (holder && !session.lock.isStale(holder)) {
          reports[0].refusals.push(`a ${holder.command} of refresh ${holder.refreshId} (${holder.holder}, since ${holder.startedAt}, heartbeat ${holder.heartbeatAt}) holds the lock`);
        }
        for (const report of reports) {
          for (const step of report.steps) {
            const marker = step.pointOfNoReturn ? " [point of no return: rollback is possible only before this step]" : "";
            session.events.emit({ half: report.half, step: step.step, state: step.status === "skipped" ? "skipped" : "planned", identifiers: step.identifiers, message: `${step.description}${marker}` });
          }
          for (const refusal of report.refusals) session.events.emit({ half: report.half, step: "preflight", state: "refused", message: refusal });
          for (const problem of report.problems) session.events.emit({ half: report.half, step: "preflight", state: "failed", message: problem });
        }
        if (reports.some((report) => report.refusals.length > 0)) throw new RefusedError(reports.flatMap((r) => r.refusals).join("\n"));
        if (reports.some((report) => report.problems.length > 0)) code = 1;
        else session.events.emit({ half: "refresh", step: "preflight", state: "done", message: "runnable" });
      } finally {
        session.close();
      }
    }),
  );

  withObjectOptions(withCommon(program.command("run").description("run a refresh (asks to type the target's name unless --yes)")))
    .option("--yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .action(
      guard(async (options: CommonOptions) => {
        const inputs = checkInputs(options, deps, true);
        const { target } = inputs;
        await confirmTarget(options, target, `This replaces ${target.name}'s database with a scrubbed copy of ${options.from}'s`);
        const session = await openSession(options, deps, "write", true, inputs);
        const refreshId = newRefreshId(new Date(deps.clock.now()));
        current = refreshId;
        session.events.emit({ refreshId, half: "refresh", step: "run", state: "started", message: `refresh id ${refreshId}` });
        try {
          await runAll(runner(session), refreshId, "run");
        } finally {
          session.close();
        }
      }),
    );

  withObjectOptions(withCommon(program.command("resume").argument("<refresh-id>").description("continue a refresh from what AWS shows (asks to type the target's name unless --yes)")))
    .option("--yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .action(
      guard(async (id: string, options: CommonOptions) => {
        const refreshId = assertRefreshId(id);
        const inputs = checkInputs(options, deps, true);
        const { target } = inputs;
        await confirmTarget(options, target, `This continues refresh ${refreshId}: it may swap ${target.name}'s database for a scrubbed copy of ${options.from}'s and delete the old one`);
        const session = await openSession(options, deps, "write", true, inputs);
        current = refreshId;
        try {
          await runAll(runner(session), refreshId, "resume");
        } finally {
          session.close();
        }
      }),
    );

  withCommon(program.command("rollback").argument("<refresh-id>").description("rename the old cluster back while it is whole (before the point of no return); delete the refreshed one"))
    .option("--yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .action(
      guard(async (id: string, options: CommonOptions) => {
        const refreshId = assertRefreshId(id);
        const inputs = checkInputs(options, deps);
        const { target } = inputs;
        await confirmTarget(options, target, `This puts ${target.name}'s previous database back and deletes the copy of refresh ${refreshId} (${target.name} is unavailable for a minute or two)`);
        const session = await openSession({ ...options, only: "database" }, deps, "write", false, inputs);
        current = refreshId;
        await rollbackAll(runner(session), refreshId);
      }),
    );

  withCommon(program.command("status").argument("[refresh-id]").description("the lock holder, what this tool's tags show, and where each refresh stands relative to its point of no return")).action(
    guard(async (id: string | undefined, options: CommonOptions) => {
      const session = await openSession(options, deps, "read");
      const holder = await session.lock.read();
      const lockMessage = holder ? `held by ${holder.holder} (${holder.command} of ${holder.refreshId}) since ${holder.startedAt}, heartbeat ${holder.heartbeatAt}${session.lock.isStale(holder) ? " (stale)" : ""}` : "free";
      session.events.emit({ half: "refresh", step: "lock", state: "info", message: lockMessage });
      for (const row of await session.half.status(id ? assertRefreshId(id) : undefined)) {
        session.events.emit({ refreshId: row.refreshId, half: "database", step: row.kind, state: "info", identifiers: { id: row.id, status: row.status }, message: row.role });
      }
    }),
  );

  withCommon(program.command("cleanup").description("under the lock: delete old clusters past --keep-old, a failed refresh's temporary (unscrubbed) cluster, and tagged snapshots past retention"))
    .option("--older-than <days>", "only old clusters due for this many days", "0")
    .action(
      guard(async (options: CommonOptions) => {
        const olderThanMs = number(options.olderThan ?? "0", "--older-than") * 86_400_000;
        const session = await openSession({ ...options, only: "database" }, deps);
        await cleanupAll(runner(session), olderThanMs);
      }),
    );

  // After `run --no-converge` (refresh.yml): the same converge, in a job of its own that holds the
  // target's apply role — the refresh role stays without Terraform's permissions.
  program
    .command("converge")
    .description("apply the target stack with Terraform as a refresh's converge step does, refusing a plan that destroys or replaces anything (after `run --no-converge`)")
    .option("--to <env>", "target environment", "staging")
    .option("--json", "one JSON event per line")
    .action(
      guard(async (options: { to: string; json?: boolean }) => {
        const target = resolveEnvironment(options.to, environmentInputs(deps.env));
        assertEnvironmentWritable({ registry: guardRegistry(deps.env), env: target, command: "refresh converge" });
        // Masked like every refresh line: Terraform's messages can carry account ids.
        const events = new EventLog(deps.clock, (event) => deps.out(maskAccounts(options.json ? JSON.stringify(event) : formatEvent(event))));
        events.emit({ half: "refresh", step: "converge", state: "started", message: stackId(target) });
        const { message } = await (deps.converge ?? terraformConverger)(deps.env)({ refreshId: "converge", target });
        events.emit({ half: "refresh", step: "converge", state: "done", message });
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
  // SIGINT/SIGTERM: stop at the next step boundary (the swap is never split), release the lock, print `resume`.
  // A second signal exits at once; the lock's heartbeat then stops and it goes stale.
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stop.signal.aborted) process.exit(1);
      stop.abort();
      process.stderr.write(`refresh: ${signal}: stopping at the next step boundary (again to exit at once)\n`);
    });
  }
  main(process.argv.slice(2), {
    clock: realClock,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTTY: Boolean(process.stdin.isTTY),
    ask: async (question) => (rl ? rl.question(question) : ""),
    connect: connectAccount,
    env: process.env,
    progress: process.stderr.isTTY && process.stdout.isTTY ? process.stderr : undefined,
    signal: stop.signal,
  })
    .then((code) => {
      rl?.close();
      process.exitCode = code;
    })
    .catch((error: Error) => {
      rl?.close();
      process.stderr.write(`refresh: ${maskAccounts(error.message)}\n`);
      process.exitCode = error instanceof ConfigError ? 2 : 1;
    })
    // Nothing else may keep the process alive (a heartbeat timer, keep-alive sockets).
    .finally(() => setImmediate(() => process.exit()));
}
