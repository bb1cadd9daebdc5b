/**
 * Object refresh engine: makes a destination bucket an exact mirror of a source bucket,
 * server-side (CopyObject; UploadPartCopy above a threshold), with bounded concurrency, retries
 * with backoff and jitter, and batched deletes. Planning is pure (plan.ts); this file holds the
 * thin S3 adapters and the scheduler.
 *
 * The CLI of the refresh calls `planObjectSync` (dry run) and `runObjectSync` (events + summary).
 */
import {
  CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  UploadPartCopyCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { listingPrefixes, planSync, type CopyAction, type KeyScope, type ListedObject, type ObjectSyncPlan } from "./plan";
import { describeError, isRetryable, withRetries, type RetryOptions } from "../retry";
import { createFastCopier, type FastCopier } from "./fastcopy";
import { preflightWith } from "./preflight";

export const DEFAULT_CONCURRENCY = 64;
/** Objects larger than this are copied with UploadPartCopy (CopyObject's limit is 5 GiB). */
export const DEFAULT_MULTIPART_THRESHOLD = 5 * 1024 ** 3;
/** Part size for UploadPartCopy (grown as needed to stay within 10,000 parts). */
export const DEFAULT_PART_SIZE = 512 * 1024 ** 2;
const DELETE_BATCH = 1000;

/** One side of the sync. Source and destination clients may differ (cross-account). */
export interface BucketRef {
  /** Client with the credentials for this side (for cross-account, both are the target's). */
  readonly client: S3Client;
  /** Bucket name. */
  readonly bucket: string;
  /**
   * The account that must own the bucket: sent as ExpectedBucketOwner (ExpectedSourceBucketOwner
   * for a copy's source) on every request, so S3 refuses (403) a bucket of the same name in
   * another account instead of reading or writing it. Default: not checked.
   */
  readonly expectedOwner?: string;
}

export interface ObjectSyncOptions extends KeyScope {
  readonly source: BucketRef;
  readonly destination: BucketRef;
  /** Delete destination keys absent from the source (default true). */
  readonly delete?: boolean;
  /** Concurrent copy requests (default 64). */
  readonly concurrency?: number;
  /** Objects strictly larger than this many bytes use multipart UploadPartCopy (default 5 GiB). */
  readonly multipartThreshold?: number;
  /** Part size for multipart copies in bytes (default 512 MiB, minimum 5 MiB on S3). */
  readonly partSize?: number;
  /** Compare plain ETags as MD5s (default true; false for SSE-KMS buckets: size + last-modified). */
  readonly trustEtags?: boolean;
  /** Attempts per key (on top of the SDK's own retries) and backoff (defaults: ../retry.ts). */
  readonly retry?: RetryOptions;
  /**
   * How single-part copies are sent: "fast" (default) signs and sends CopyObject directly with
   * the destination client's endpoint, region and credentials (see fastcopy.ts; falls back to the
   * SDK when the client's configuration needs it); "sdk" always uses `client.send` (e.g. with
   * aws-sdk-client-mock).
   */
  readonly copyTransport?: "fast" | "sdk";
  /**
   * Check permissions before writing (preflight.ts): a denied listing or HeadObject of one source
   * key stops the run with a PreflightError naming the missing grant (default false).
   */
  readonly preflight?: boolean;
  /** Receives progress events. */
  readonly onEvent?: (event: ObjectSyncEvent) => void;
  /** Minimum interval between `progress` events in ms (default 250; 0 = every object). */
  readonly progressIntervalMs?: number;
  /** Stops scheduling new work when aborted (running requests finish). */
  readonly signal?: AbortSignal;
}

export interface ObjectSyncProgress {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface ObjectSyncFailure {
  readonly key: string;
  readonly action: "copy" | "delete";
  /** Error code (e.g. `AccessDenied`, `SlowDown`) or the error name. */
  readonly code: string;
  readonly message: string;
}

export type ObjectSyncEvent =
  | { readonly type: "preflight"; readonly checks: string[] }
  | { readonly type: "listed"; readonly source: number; readonly destination: number; readonly elapsedMs: number }
  | {
      readonly type: "planned";
      readonly copy: number;
      readonly delete: number;
      readonly skip: number;
      readonly bytesToCopy: number;
      readonly bytesToDelete: number;
    }
  | ({ readonly type: "progress" } & ObjectSyncProgress)
  | ({ readonly type: "failure" } & ObjectSyncFailure)
  | { readonly type: "done"; readonly summary: ObjectSyncSummary };

export interface ObjectSyncSummary {
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  /** Keys copied. */
  readonly copied: number;
  /** Keys already equal. */
  readonly skipped: number;
  /** Destination keys deleted. */
  readonly deleted: number;
  /** Bytes copied. */
  readonly bytes: number;
  /** Keys that failed after all attempts (the run went on with the others), sorted by key. */
  readonly failures: ObjectSyncFailure[];
  readonly elapsedMs: number;
  /** Whether the run was stopped by the abort signal before finishing. */
  readonly aborted: boolean;
}

/** Dry-run result: what a run would do. */
export interface ObjectSyncPlanSummary {
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly copy: number;
  readonly bytesToCopy: number;
  readonly delete: number;
  readonly bytesToDelete: number;
  readonly skip: number;
  readonly source: { readonly objects: number; readonly bytes: number };
  readonly destination: { readonly objects: number; readonly bytes: number };
  /** The full per-key plan (for `--json` or inspection). */
  readonly plan: ObjectSyncPlan;
}

function stripQuotes(etag: string | undefined): string {
  if (!etag) return "";
  return etag.length >= 2 && etag.charCodeAt(0) === 34 ? etag.slice(1, -1) : etag;
}

/** Lists every object under the prefixes (all pages); pages of different prefixes run concurrently. */
export async function listBucket(
  side: BucketRef,
  prefixes: readonly string[],
  retry?: RetryOptions,
  fast?: FastCopier,
): Promise<ListedObject[]> {
  const lists = await Promise.all(
    prefixes.map(async (prefix) => {
      const objects: ListedObject[] = [];
      let token: string | undefined;
      if (fast) {
        do {
          const page = await withRetries(() => fast.listPage(prefix, token), retry);
          for (const object of page.objects) objects.push(object);
          token = page.next;
        } while (token);
        return objects;
      }
      do {
        const page = await withRetries(
          () =>
            side.client.send(
              new ListObjectsV2Command({
                Bucket: side.bucket,
                Prefix: prefix === "" ? undefined : prefix,
                ContinuationToken: token,
                ExpectedBucketOwner: side.expectedOwner,
              }),
            ),
          retry,
        );
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined) continue;
          objects.push({
            key: item.Key,
            size: item.Size ?? 0,
            etag: stripQuotes(item.ETag),
            lastModified: item.LastModified ? item.LastModified.getTime() : 0,
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return objects;
    }),
  );
  return lists.length === 1 ? lists[0] : lists.flat();
}

interface FastSides {
  source?: FastCopier;
  destination?: FastCopier;
}

/** Lean request paths for both sides (unless `copyTransport: "sdk"`); undefined where the SDK is needed. */
async function openFast(options: ObjectSyncOptions): Promise<FastSides> {
  if (options.copyTransport === "sdk") return {};
  const sockets = (options.concurrency ?? DEFAULT_CONCURRENCY) + 8;
  const [source, destination] = await Promise.all([
    createFastCopier(options.source.client, options.source.bucket, 8, { expectedOwner: options.source.expectedOwner }),
    createFastCopier(options.destination.client, options.destination.bucket, sockets, { expectedOwner: options.destination.expectedOwner }),
  ]);
  return { source, destination };
}

function closeFast(fast: FastSides): void {
  fast.source?.destroy();
  fast.destination?.destroy();
}

/**
 * Lists both sides concurrently and plans. With `preflight`, the listings double as the
 * s3:ListBucket checks and HeadObject of one source key checks s3:GetObject (preflight.ts);
 * a denial throws PreflightError naming the grant, before anything is written.
 */
async function listAndPlan(options: ObjectSyncOptions, fast: FastSides = {}): Promise<{ plan: ObjectSyncPlan; listMs: number }> {
  const started = Date.now();
  const prefixes = listingPrefixes(options.include);
  const list = (which: "source" | "destination"): Promise<ListedObject[]> =>
    which === "source"
      ? listBucket(options.source, prefixes, options.retry, fast.source)
      : listBucket(options.destination, prefixes, options.retry, fast.destination);
  let source: ListedObject[];
  let destination: ListedObject[];
  if (options.preflight) {
    const checked = await preflightWith(options, list);
    options.onEvent?.({ type: "preflight", checks: checked.checks.map((check) => check.check) });
    ({ source, destination } = checked);
  } else {
    [source, destination] = await Promise.all([list("source"), list("destination")]);
  }
  const listMs = Date.now() - started;
  options.onEvent?.({ type: "listed", source: source.length, destination: destination.length, elapsedMs: listMs });
  const plan = planSync(source, destination, options);
  return { plan, listMs };
}

/** Dry run: lists both buckets and reports what a run would copy and delete. Writes nothing. */
export async function planObjectSync(options: ObjectSyncOptions): Promise<ObjectSyncPlanSummary> {
  const fast = await openFast(options);
  let plan: ObjectSyncPlan;
  try {
    ({ plan } = await listAndPlan(options, fast));
  } finally {
    closeFast(fast);
  }
  return {
    sourceBucket: options.source.bucket,
    destinationBucket: options.destination.bucket,
    copy: plan.copy.length,
    bytesToCopy: plan.bytesToCopy,
    delete: plan.delete.length,
    bytesToDelete: plan.bytesToDelete,
    skip: plan.skipped,
    source: plan.source,
    destination: plan.destination,
    plan,
  };
}

/**
 * URL-encodes `bucket/key` for the CopySource header: each path segment with encodeURIComponent
 * (spaces → %20, `+` → %2B, UTF-8 for unicode), slashes kept.
 */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

async function copySinglePart(options: ObjectSyncOptions, action: CopyAction, fast: FastCopier | undefined): Promise<void> {
  if (fast) {
    await fast.copy(action.key, copySource(options.source.bucket, action.key), action.size, options.source.expectedOwner);
    return;
  }
  await options.destination.client.send(
    new CopyObjectCommand({
      Bucket: options.destination.bucket,
      Key: action.key,
      CopySource: copySource(options.source.bucket, action.key),
      MetadataDirective: "COPY",
      ExpectedBucketOwner: options.destination.expectedOwner,
      ExpectedSourceBucketOwner: options.source.expectedOwner,
    }),
  );
}

/** Multipart copy: CreateMultipartUpload (content type and metadata from HeadObject), parts, Complete; abort on failure. */
async function copyMultipart(options: ObjectSyncOptions, action: CopyAction): Promise<void> {
  const source = options.source;
  const destination = options.destination;
  const head = await withRetries(
    () => source.client.send(new HeadObjectCommand({ Bucket: source.bucket, Key: action.key, ExpectedBucketOwner: source.expectedOwner })),
    options.retry,
  );
  const size = head.ContentLength ?? action.size;
  const partSize = Math.max(options.partSize ?? DEFAULT_PART_SIZE, Math.ceil(size / 10_000));
  const created = await withRetries(
    () =>
      destination.client.send(
        new CreateMultipartUploadCommand({
          Bucket: destination.bucket,
          Key: action.key,
          ContentType: head.ContentType,
          Metadata: head.Metadata,
          CacheControl: head.CacheControl,
          ContentDisposition: head.ContentDisposition,
          ContentEncoding: head.ContentEncoding,
          ContentLanguage: head.ContentLanguage,
          Expires: head.Expires,
          ExpectedBucketOwner: destination.expectedOwner,
        }),
      ),
    options.retry,
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`CreateMultipartUpload returned no UploadId for ${action.key}`);
  const ifMatch = head.ETag;
  try {
    const ranges: Array<{ part: number; start: number; end: number }> = [];
    for (let start = 0, part = 1; start < size; start += partSize, part += 1) {
      ranges.push({ part, start, end: Math.min(start + partSize, size) - 1 });
    }
    const etags: string[] = new Array(ranges.length);
    await runPool(ranges, Math.min(8, ranges.length), async (range) => {
      const result = await withRetries(
        () =>
          destination.client.send(
            new UploadPartCopyCommand({
              Bucket: destination.bucket,
              Key: action.key,
              UploadId: uploadId,
              PartNumber: range.part,
              CopySource: copySource(source.bucket, action.key),
              CopySourceRange: `bytes=${range.start}-${range.end}`,
              CopySourceIfMatch: ifMatch,
              ExpectedBucketOwner: destination.expectedOwner,
              ExpectedSourceBucketOwner: source.expectedOwner,
            }),
          ),
        options.retry,
      );
      etags[range.part - 1] = result.CopyPartResult?.ETag ?? "";
    });
    await withRetries(
      () =>
        destination.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: destination.bucket,
            Key: action.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
            ExpectedBucketOwner: destination.expectedOwner,
          }),
        ),
      options.retry,
    );
  } catch (error) {
    await destination.client
      .send(new AbortMultipartUploadCommand({ Bucket: destination.bucket, Key: action.key, UploadId: uploadId, ExpectedBucketOwner: destination.expectedOwner }))
      .catch(() => undefined);
    throw error;
  }
}

/** Runs `work` over `items` with at most `limit` in flight; never rejects unless `work` does. */
async function runPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.max(1, Math.min(limit, items.length)); i += 1) workers.push(worker());
  await Promise.all(workers);
}

/** Runs the sync: copies what differs, deletes what the source lacks, reports progress, never stops on one key. */
export async function runObjectSync(options: ObjectSyncOptions): Promise<ObjectSyncSummary> {
  const started = Date.now();
  const sides = await openFast(options);
  try {
    return await execute(options, sides, started);
  } finally {
    closeFast(sides);
  }
}

async function execute(options: ObjectSyncOptions, sides: FastSides, started: number): Promise<ObjectSyncSummary> {
  const emit = options.onEvent;
  const { plan } = await listAndPlan(options, sides);
  emit?.({
    type: "planned",
    copy: plan.copy.length,
    delete: plan.delete.length,
    skip: plan.skipped,
    bytesToCopy: plan.bytesToCopy,
    bytesToDelete: plan.bytesToDelete,
  });

  const threshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const fast = sides.destination;
  const failures: ObjectSyncFailure[] = [];
  const objectsTotal = plan.copy.length + plan.delete.length;
  const bytesTotal = plan.bytesToCopy;
  let objectsDone = 0;
  let bytesDone = 0;
  let copied = 0;
  let deleted = 0;
  const interval = options.progressIntervalMs ?? 250;
  let lastProgress = 0;
  const progress = (force = false): void => {
    if (!emit) return;
    const now = Date.now();
    if (!force && interval > 0 && now - lastProgress < interval) return;
    lastProgress = now;
    emit({ type: "progress", objectsDone, objectsTotal, bytesDone, bytesTotal });
  };
  const fail = (failure: ObjectSyncFailure): void => {
    failures.push(failure);
    emit?.({ type: "failure", ...failure });
  };
  progress(true);

  const copyOne = async (action: CopyAction): Promise<void> => {
    try {
      if (action.size > threshold) {
        await copyMultipart(options, action);
      } else {
        await withRetries(() => copySinglePart(options, action, fast), options.retry);
      }
      copied += 1;
      bytesDone += action.size;
    } catch (error) {
      fail({ key: action.key, action: "copy", ...describeError(error) });
    }
    objectsDone += 1;
    progress();
  };

  const deleteBatch = async (batch: ListedObject[]): Promise<void> => {
    try {
      const result = await withRetries(
        () =>
          options.destination.client.send(
            new DeleteObjectsCommand({
              Bucket: options.destination.bucket,
              Delete: { Objects: batch.map((object) => ({ Key: object.key })), Quiet: true },
              ExpectedBucketOwner: options.destination.expectedOwner,
            }),
          ),
        options.retry,
      );
      const errors = result.Errors ?? [];
      for (const error of errors) {
        fail({ key: error.Key ?? "?", action: "delete", code: error.Code ?? "Error", message: error.Message ?? "delete failed" });
      }
      deleted += batch.length - errors.length;
    } catch (error) {
      const described = describeError(error);
      for (const object of batch) fail({ key: object.key, action: "delete", ...described });
    }
    objectsDone += batch.length;
    progress();
  };

  const batches: ListedObject[][] = [];
  for (let i = 0; i < plan.delete.length; i += DELETE_BATCH) batches.push(plan.delete.slice(i, i + DELETE_BATCH));

  // Deletes and copies share nothing (disjoint keys): run both at once; deletes are few requests.
  await Promise.all([runPool(plan.copy, concurrency, copyOne, options.signal), runPool(batches, 4, deleteBatch, options.signal)]);
  progress(true);

  const summary: ObjectSyncSummary = {
    sourceBucket: options.source.bucket,
    destinationBucket: options.destination.bucket,
    copied,
    skipped: plan.skipped,
    deleted,
    bytes: bytesDone,
    failures: failures.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    elapsedMs: Date.now() - started,
    aborted: options.signal?.aborted ?? false,
  };
  emit?.({ type: "done", summary });
  return summary;
}

export { isRetryable };
