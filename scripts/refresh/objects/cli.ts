#!/usr/bin/env node
/**
 * Standalone object refresh: copy one environment's uploads into another's, server-side.
 *
 *   npm run refresh:objects -- --from production --to staging              # asks to type "staging"
 *   npm run refresh:objects -- --from production --to staging --yes --json
 *   npm run refresh:objects -- --source-bucket <name> --dest-bucket <name> [--delete] --yes
 *
 * Environments (`--from/--to`) resolve the buckets from the registry, and the target's
 * refresh.objects settings apply (as in `npm run refresh`). Raw buckets are for buckets outside the
 * registry's naming; they get the same guard and copy only (no deletes) unless --delete is given.
 * Either way, before anything is written: the write guard (scripts/lib/guard.ts) refuses a
 * protected environment and a destination that belongs to one by name or by its Environment tag
 * (read from S3), then the operator confirms. Account ids are masked in all output.
 *
 * On a terminal: a progress bar and a summary. Otherwise (or with --json): one JSON event per line
 * on stdout. Exit codes: 0 done, 1 a key failed, 2 refused or bad usage (nothing written).
 */
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ConfigError, type EnvironmentConfig } from "../../../environments/config";
import { uploadsBucketName } from "../../../environments/naming";
import { environmentInputs, resolveEnvironment } from "../../../environments/registry";
import { useSandboxIfRunning } from "../../lib/aws-context";
import { confirmWrite } from "../../lib/confirm";
import { assertEnvironmentWritable, assertWriteTargets, bucketTarget, guardRegistry } from "../../lib/guard";
import { RefusedError, maskAccounts } from "../core";
import { createSyncClient } from "./client";
import { terminalProgress } from "./progress";
import { formatBytes, formatSummary } from "./format";
import { PreflightError } from "./preflight";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MULTIPART_THRESHOLD,
  DEFAULT_PART_SIZE,
  planObjectSync,
  runObjectSync,
  type ObjectSyncEvent,
  type ObjectSyncOptions,
} from "./sync";

const COMMAND = "refresh:objects";

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return parsed;
}

function byteSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected a size in bytes (e.g. 5368709120, 64MiB, 5GiB), got "${value}"`);
  const unit = (match[2] ?? "b").toLowerCase()[0];
  const power = { b: 0, k: 1, m: 2, g: 3, t: 4 }[unit as "b" | "k" | "m" | "g" | "t"];
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** Commander's collector of a repeatable prefix flag (--include, --exclude); an empty prefix would match every key. */
export function collect(value: string, previous: string[] = []): string[] {
  if (value === "") throw new InvalidArgumentError("a prefix must not be empty");
  return [...previous, value];
}

interface CliOptions {
  from?: string;
  to?: string;
  sourceBucket?: string;
  destBucket?: string;
  /** undefined: the target's refresh.objects.delete (environments) or false (raw buckets). */
  delete?: boolean;
  concurrency?: number;
  include?: string[];
  exclude?: string[];
  multipartThreshold: number;
  partSize: number;
  attempts: number;
  trustEtags: boolean;
  json?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  preflight: boolean;
  endpointUrl?: string;
  region?: string;
  copyTransport: "fast" | "sdk";
}

/** What the command runs with: the process's by default, replaced in tests. */
export interface ObjectsCliDeps {
  readonly env: NodeJS.ProcessEnv;
  /** stdin is a terminal (the confirmation can be typed). */
  readonly isTTY: boolean;
  /** stdout is a terminal (a progress bar instead of JSON lines). */
  readonly stdoutIsTTY: boolean;
  readonly ask: (question: string) => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function processDeps(): ObjectsCliDeps {
  return {
    env: process.env,
    isTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}

export function buildProgram(): Command {
  return new Command("refresh-objects")
    .description(
      "Copy one environment's uploads into another's, server-side (CopyObject / UploadPartCopy). Refuses a protected destination " +
        "(by name and by its Environment tag) and asks to type the target's name (or --yes) before writing.",
    )
    .option("--from <env>", "source environment (e.g. production): its uploads bucket")
    .option("--to <env>", "target environment (e.g. staging): its uploads bucket is written; never a protected one")
    .option("--source-bucket <name>", "raw mode: bucket to copy from (instead of --from)")
    .option("--dest-bucket <name>", "raw mode: bucket to write (instead of --to); must be tagged Environment=<an unprotected environment>")
    .option("--delete", "delete destination keys absent from the source: an exact mirror (default: the target's refresh.objects.delete with --to; off with --dest-bucket)")
    .option("--no-delete", "keep destination keys absent from the source")
    .option("--concurrency <n>", `concurrent copy requests (default: the target's refresh.objects.concurrency, else ${DEFAULT_CONCURRENCY})`, positiveInt)
    .option("--include <prefix>", "only keys under this prefix (repeatable; default: the target's refresh.objects.include)", collect)
    .option("--exclude <prefix>", "leave keys under this prefix alone (repeatable; default: the target's refresh.objects.exclude)", collect)
    .option("--multipart-threshold <bytes>", "objects larger than this use multipart UploadPartCopy (e.g. 5GiB)", byteSize, DEFAULT_MULTIPART_THRESHOLD)
    .option("--part-size <bytes>", "part size for multipart copies (≥ 5MiB)", byteSize, DEFAULT_PART_SIZE)
    .option("--attempts <n>", "attempts per key on throttling/5xx (on top of the SDK's retries)", positiveInt, 5)
    .option("--no-trust-etags", "compare by size and last-modified only (SSE-KMS buckets, whose ETags are not MD5s)")
    .option("--yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .option("--json", "JSON events on stdout, one per line (default when stdout is not a terminal)")
    .option("--dry-run", "list both buckets and print what would be copied and deleted; write nothing (no confirmation)")
    .option("--no-preflight", "skip the read-only permission checks before writing (the write guard always runs)")
    .addOption(new Option("--endpoint-url <url>", "S3 endpoint (emulators); path-style addressing (default: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL)"))
    .option("--region <region>", "AWS region (default: the target's region with --to, else AWS_REGION or us-east-1)")
    .addOption(new Option("--copy-transport <transport>", "how CopyObject is sent (sdk: always through the SDK)").choices(["fast", "sdk"]).default("fast").hideHelp())
    .exitOverride()
    .showHelpAfterError();
}

/** The two buckets and the settings, from either mode; bad usage is a RefusedError naming the flag. */
interface Resolved {
  sourceBucket: string;
  destBucket: string;
  /** The target environment (environment mode only). */
  target?: EnvironmentConfig;
  delete: boolean;
  concurrency: number;
  include?: string[];
  exclude?: string[];
}

function resolveTargets(options: CliOptions, env: NodeJS.ProcessEnv): Resolved {
  const byEnvironment = options.from !== undefined || options.to !== undefined;
  const byBucket = options.sourceBucket !== undefined || options.destBucket !== undefined;
  if (byEnvironment && byBucket) throw new RefusedError("use either --from/--to (environments) or --source-bucket/--dest-bucket (raw buckets), not both");
  if (!byEnvironment && !byBucket) throw new RefusedError("name the buckets: --from <env> --to <env> (e.g. --from production --to staging), or --source-bucket <name> --dest-bucket <name>");
  if (byBucket) {
    if (!options.sourceBucket || !options.destBucket) throw new RefusedError(`raw mode needs both --source-bucket and --dest-bucket (missing: ${options.sourceBucket ? "--dest-bucket" : "--source-bucket"})`);
    if (options.sourceBucket === options.destBucket) throw new RefusedError("--source-bucket and --dest-bucket name the same bucket");
    return {
      sourceBucket: options.sourceBucket,
      destBucket: options.destBucket,
      delete: options.delete ?? false,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      include: options.include,
      exclude: options.exclude,
    };
  }
  if (!options.from || !options.to) throw new RefusedError(`environment mode needs both --from and --to (missing: ${options.from ? "--to" : "--from"})`);
  const inputs = environmentInputs(env);
  const source = resolveEnvironment(options.from, inputs);
  const target = resolveEnvironment(options.to, inputs);
  if (source.name === target.name) throw new RefusedError("--from and --to name the same environment");
  const settings = target.refresh.objects;
  return {
    sourceBucket: uploadsBucketName(source),
    destBucket: uploadsBucketName(target),
    target,
    delete: options.delete ?? settings.delete,
    concurrency: options.concurrency ?? settings.concurrency,
    include: options.include ?? settings.include,
    exclude: options.exclude ?? settings.exclude,
  };
}

/** JSON with every string value masked (bucket names carry account ids); numbers stay numbers. */
function maskedJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "string" ? maskAccounts(item) : item));
}

export async function main(argv: string[], overrides: Partial<ObjectsCliDeps> = {}): Promise<number> {
  const deps: ObjectsCliDeps = { ...processDeps(), ...overrides };
  const errLine = (line: string): void => deps.stderr(`${maskAccounts(line)}\n`);
  const program = buildProgram().configureOutput({ writeOut: (text) => deps.stdout(text), writeErr: (text) => deps.stderr(text) });
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const options = program.opts<CliOptions>();
  const json = options.json === true || !deps.stdoutIsTTY;
  const write = (value: unknown): void => deps.stdout(`${maskedJson(value)}\n`);

  let resolved: Resolved;
  let registry: ReturnType<typeof guardRegistry>;
  try {
    resolved = resolveTargets(options, deps.env);
    registry = guardRegistry(deps.env);
    // A protected target is refused before any credentials are used.
    assertEnvironmentWritable({ registry, env: resolved.target, command: COMMAND });
  } catch (error) {
    if (error instanceof RefusedError || error instanceof ConfigError) {
      errLine(`${COMMAND}: refused: ${error.message}`);
      return 2;
    }
    throw error;
  }

  // One client serves both buckets: the copy runs with the target account's credentials.
  const client = createSyncClient({
    endpoint: options.endpointUrl ?? (deps.env.AWS_ENDPOINT_URL_S3 || deps.env.AWS_ENDPOINT_URL || undefined),
    region: options.region ?? resolved.target?.region,
    maxSockets: resolved.concurrency + 8,
  });
  const syncOptions: ObjectSyncOptions = {
    source: { client, bucket: resolved.sourceBucket },
    destination: { client, bucket: resolved.destBucket },
    delete: resolved.delete,
    concurrency: resolved.concurrency,
    include: resolved.include,
    exclude: resolved.exclude,
    multipartThreshold: options.multipartThreshold,
    partSize: options.partSize,
    trustEtags: options.trustEtags,
    retry: { attempts: options.attempts },
    copyTransport: options.copyTransport,
    preflight: options.preflight,
  };
  try {
    // The destination's Environment tag is read before anything is written, even for a dry run
    // (which reports the refusal): it says whose bucket this is.
    const [environment] = await assertWriteTargets({ registry, env: resolved.target, command: COMMAND, targets: [bucketTarget(client, resolved.destBucket)] });
    if (!options.dryRun) {
      const removal = resolved.delete ? ", deleting its keys that the source does not have" : " (no deletes)";
      await confirmWrite({
        yes: options.yes,
        isTTY: deps.isTTY,
        ask: deps.ask,
        expected: environment ?? resolved.destBucket,
        action: maskAccounts(`This copies ${resolved.sourceBucket} into ${environment}'s ${resolved.destBucket}${removal}`),
      });
    }
    return await execute(options, syncOptions, json, deps, write, () => client.destroy());
  } catch (error) {
    if (error instanceof PreflightError) {
      if (json) write({ type: "preflight", ok: false, checks: error.checks });
      errLine(error.message);
      return 2;
    }
    if (error instanceof RefusedError) {
      errLine(`${COMMAND}: refused: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    client.destroy();
  }
}

async function execute(
  options: CliOptions,
  syncOptions: ObjectSyncOptions,
  json: boolean,
  deps: ObjectsCliDeps,
  write: (value: unknown) => void,
  destroy: () => void,
): Promise<number> {
  const print = (text: string): void => deps.stdout(maskAccounts(text));
  if (options.dryRun) {
    const plan = await planObjectSync({ ...syncOptions, onEvent: json ? (event) => event.type === "preflight" && write(event) : undefined });
    if (json) {
      write({
        type: "plan",
        source: plan.source,
        destination: plan.destination,
        copy: plan.copy,
        bytesToCopy: plan.bytesToCopy,
        delete: plan.delete,
        bytesToDelete: plan.bytesToDelete,
        skip: plan.skip,
        copyKeys: plan.plan.copy.map((action) => ({ key: action.key, size: action.size, reason: action.reason })),
        deleteKeys: plan.plan.delete.map((object) => object.key),
      });
    } else {
      print(
        `plan: ${plan.sourceBucket} → ${plan.destinationBucket}\n` +
          `  source ${plan.source.objects} objects (${formatBytes(plan.source.bytes)}), destination ${plan.destination.objects} objects (${formatBytes(plan.destination.bytes)})\n` +
          `  copy ${plan.copy} (${formatBytes(plan.bytesToCopy)}), delete ${plan.delete} (${formatBytes(plan.bytesToDelete)}), unchanged ${plan.skip}\n`,
      );
    }
    return 0;
  }

  let onEvent: (event: ObjectSyncEvent) => void;
  let stopDisplay = (): void => undefined;
  if (json) {
    onEvent = (event) => write(event.type === "done" ? { type: "done", ...event.summary } : event);
  } else {
    const display = terminalProgress(process.stderr);
    const note = (line: string): void => display.log(maskAccounts(line), (text) => deps.stderr(`${text}\n`));
    onEvent = (event) => {
      if (event.type === "listed") {
        note(`listed: source ${event.source} objects, destination ${event.destination} objects (${event.elapsedMs} ms)`);
      } else if (event.type === "planned") {
        note(`plan: copy ${event.copy} (${formatBytes(event.bytesToCopy)}), delete ${event.delete}, unchanged ${event.skip}`);
      } else if (event.type === "progress") {
        display.update(event);
      } else if (event.type === "failure") {
        note(`failed ${event.action} ${JSON.stringify(event.key)}: ${event.code}`);
      }
    };
    stopDisplay = () => display.stop();
  }

  const controller = new AbortController();
  const interrupt = (): void => controller.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    const summary = await runObjectSync({ ...syncOptions, onEvent, signal: controller.signal, progressIntervalMs: json ? 1000 : 200 });
    stopDisplay();
    destroy();
    if (!json) print(`${formatSummary(summary)}\n`);
    return summary.failures.length > 0 || summary.aborted ? 1 : 0;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

if (require.main === module) {
  const sandbox = useSandboxIfRunning();
  if (sandbox) process.stderr.write(`${COMMAND}: using the sandbox at ${sandbox.endpoint} (npm run sandbox:down to stop it)\n`);
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${COMMAND}: failed: ${maskAccounts((error as Error)?.stack ?? String(error))}\n`);
      process.exitCode = 1;
    },
  );
}
