/**
 * Object refresh: the API the refresh CLI calls.
 *
 *   const client = createSyncClient({ maxSockets: 72 });          // target-account credentials
 *   const plan = await planObjectSync({ source: { client, bucket: prod }, destination: { client, bucket: staging }, preflight: true });
 *   const summary = await runObjectSync({ ...same, onEvent });     // events: preflight, listed, planned, progress, failure, done
 *
 * or, inside `npm run refresh`, the RefreshHalf: `new ObjectsHalf({ source, destination, events, sync, onProgress })`.
 */
export { createSyncClient, type SyncClientOptions } from "./client";
export { formatBytes, formatSummary } from "./format";
export { ObjectsHalf, type ObjectsHalfProps } from "./half";
export { listingPrefixes, planSync, type KeyScope, type ListedObject, type ObjectSyncPlan } from "./plan";
export { preflightObjectSync, PreflightError, type PreflightCheck } from "./preflight";
export type { RetryOptions } from "../retry";
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_MULTIPART_THRESHOLD,
  DEFAULT_PART_SIZE,
  planObjectSync,
  runObjectSync,
  type BucketRef,
  type ObjectSyncEvent,
  type ObjectSyncFailure,
  type ObjectSyncOptions,
  type ObjectSyncPlanSummary,
  type ObjectSyncProgress,
  type ObjectSyncSummary,
} from "./sync";
