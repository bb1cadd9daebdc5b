#!/usr/bin/env node
/**
 * Standalone object refresh: mirror one S3 bucket into another, server-side.
 *
 *   npx tsx scripts/refresh/objects/cli.ts --source-bucket prod-uploads --dest-bucket staging-uploads
 *
 * On a terminal: a progress bar (objects, bytes, rate, ETA) and a summary. Otherwise (or with
 * --json): one JSON event per line on stdout. Exit 1 when any key failed, 2 on preflight/usage errors.
 */
import { Command, InvalidArgumentError, Option } from "commander";
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

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface CliOptions {
  sourceBucket: string;
  destBucket: string;
  delete: boolean;
  concurrency: number;
  include?: string[];
  exclude?: string[];
  multipartThreshold: number;
  partSize: number;
  attempts: number;
  trustEtags: boolean;
  json?: boolean;
  dryRun?: boolean;
  preflight: boolean;
  endpointUrl?: string;
  region?: string;
  copyTransport: "fast" | "sdk";
}

export function buildProgram(): Command {
  return new Command("refresh-objects")
    .description("Make the destination bucket an exact mirror of the source bucket, server-side (CopyObject / UploadPartCopy).")
    .requiredOption("--source-bucket <name>", "bucket to copy from (e.g. production uploads)")
    .requiredOption("--dest-bucket <name>", "bucket to make identical to the source (e.g. staging uploads)")
    .option("--delete", "delete destination keys absent from the source (default)", true)
    .option("--no-delete", "keep destination keys absent from the source")
    .option("--concurrency <n>", "concurrent copy requests", positiveInt, DEFAULT_CONCURRENCY)
    .option("--include <prefix>", "only keys under this prefix (repeatable)", collect)
    .option("--exclude <prefix>", "leave keys under this prefix alone (repeatable)", collect)
    .option("--multipart-threshold <bytes>", "objects larger than this use multipart UploadPartCopy (e.g. 5GiB)", byteSize, DEFAULT_MULTIPART_THRESHOLD)
    .option("--part-size <bytes>", "part size for multipart copies (≥ 5MiB)", byteSize, DEFAULT_PART_SIZE)
    .option("--attempts <n>", "attempts per key on throttling/5xx (on top of the SDK's retries)", positiveInt, 5)
    .option("--no-trust-etags", "compare by size and last-modified only (SSE-KMS buckets, whose ETags are not MD5s)")
    .option("--json", "JSON events on stdout, one per line (default when stdout is not a terminal)")
    .option("--dry-run", "list both buckets and print what would be copied and deleted; write nothing")
    .option("--no-preflight", "skip the read-only permission checks before writing")
    .addOption(new Option("--endpoint-url <url>", "S3 endpoint (emulators); path-style addressing").env("AWS_ENDPOINT_URL_S3"))
    .option("--region <region>", "AWS region (default: AWS_REGION or us-east-1)")
    .addOption(new Option("--copy-transport <transport>", "how CopyObject is sent (sdk: always through the SDK)").choices(["fast", "sdk"]).default("fast").hideHelp())
    .showHelpAfterError();
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.parse(argv);
  const options = program.opts<CliOptions>();
  const json = options.json === true || !process.stdout.isTTY;
  const write = (value: unknown): void => {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  };

  // One client serves both buckets: the copy runs with the target account's credentials.
  const client = createSyncClient({
    endpoint: options.endpointUrl,
    region: options.region,
    maxSockets: options.concurrency + 8,
  });
  const syncOptions: ObjectSyncOptions = {
    source: { client, bucket: options.sourceBucket },
    destination: { client, bucket: options.destBucket },
    delete: options.delete,
    concurrency: options.concurrency,
    include: options.include,
    exclude: options.exclude,
    multipartThreshold: options.multipartThreshold,
    partSize: options.partSize,
    trustEtags: options.trustEtags,
    retry: { attempts: options.attempts },
    copyTransport: options.copyTransport,
    preflight: options.preflight,
  };
  try {
    return await execute(options, syncOptions, json, write, () => client.destroy());
  } catch (error) {
    if (error instanceof PreflightError) {
      if (json) write({ type: "preflight", ok: false, checks: error.checks });
      process.stderr.write(`${error.message}\n`);
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
  write: (value: unknown) => void,
  destroy: () => void,
): Promise<number> {

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
      process.stdout.write(
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
    const note = (line: string): void => display.log(line, (text) => process.stderr.write(`${text}\n`));
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
  const summary = await runObjectSync({ ...syncOptions, onEvent, signal: controller.signal, progressIntervalMs: json ? 1000 : 200 });
  stopDisplay();
  destroy();
  if (!json) process.stdout.write(`${formatSummary(summary)}\n`);
  return summary.failures.length > 0 || summary.aborted ? 1 : 0;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`refresh-objects: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
