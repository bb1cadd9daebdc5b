/**
 * Pure planning for the object refresh: from the two observed listings, decide per key what to do.
 * No AWS calls here (see sync.ts for the adapters).
 */

/** One listed object (the fields ListObjectsV2 returns that the comparison needs). */
export interface ListedObject {
  /** Object key, exactly as stored. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** ETag with the surrounding quotes removed (e.g. `9b2cf5…` or `…-3` for multipart). */
  readonly etag: string;
  /** Last-modified time in milliseconds since the epoch. */
  readonly lastModified: number;
}

/** Which keys a sync covers: keys outside the scope are neither copied nor deleted. */
export interface KeyScope {
  /** Only keys starting with one of these prefixes (default: every key). */
  readonly include?: readonly string[];
  /** Keys starting with one of these prefixes are left alone, even when included (default: none). */
  readonly exclude?: readonly string[];
}

/** Why a key is copied. */
export type CopyReason = "missing" | "size" | "etag" | "newer";

export interface CopyAction {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly reason: CopyReason;
}

/** The decision for every key in scope. */
export interface ObjectSyncPlan {
  /** Keys to copy from source to destination. */
  readonly copy: CopyAction[];
  /** Destination keys absent from the source, to delete (empty when deletion is off). */
  readonly delete: ListedObject[];
  /** Number of keys already equal on both sides. */
  readonly skipped: number;
  /** Bytes of the keys to copy. */
  readonly bytesToCopy: number;
  /** Bytes of the destination keys to delete. */
  readonly bytesToDelete: number;
  /** Objects and bytes listed in scope on each side. */
  readonly source: { readonly objects: number; readonly bytes: number };
  readonly destination: { readonly objects: number; readonly bytes: number };
}

/** A plain single-part ETag is the MD5 of the content; multipart ETags end in `-<parts>`. */
export function isPlainEtag(etag: string): boolean {
  return etag.length > 0 && !etag.includes("-");
}

/** Whether a key is in scope. */
export function inScope(key: string, scope: KeyScope): boolean {
  const include = scope.include ?? [];
  if (include.length > 0 && !include.some((prefix) => key.startsWith(prefix))) return false;
  const exclude = scope.exclude ?? [];
  return !exclude.some((prefix) => key.startsWith(prefix));
}

/**
 * Minimal set of prefixes to list so that every included key is listed once: drops prefixes
 * covered by a shorter one. `[""]` (everything) when no include is given.
 */
export function listingPrefixes(include: readonly string[] | undefined): string[] {
  if (!include || include.length === 0) return [""];
  const sorted = [...new Set(include)].sort();
  const result: string[] = [];
  for (const prefix of sorted) {
    if (!result.some((kept) => prefix.startsWith(kept))) result.push(prefix);
  }
  return result;
}

/**
 * Decides whether a destination object must be replaced by the source object:
 * size first; then ETag when both are plain single-part ETags (MD5s); otherwise (multipart ETags,
 * which are not MD5s of the content) the source being newer than the destination.
 * SSE-KMS ETags are not MD5s either but look plain: set `trustEtags: false` for KMS buckets.
 */
export function copyReason(
  source: ListedObject,
  destination: ListedObject | undefined,
  trustEtags = true,
): CopyReason | undefined {
  if (!destination) return "missing";
  if (source.size !== destination.size) return "size";
  if (trustEtags && isPlainEtag(source.etag) && isPlainEtag(destination.etag)) {
    return source.etag === destination.etag ? undefined : "etag";
  }
  if (source.etag === destination.etag) return undefined;
  return source.lastModified > destination.lastModified ? "newer" : undefined;
}

export interface PlanOptions extends KeyScope {
  /** Delete destination keys absent from the source (default true). */
  readonly delete?: boolean;
  /** Compare plain ETags as MD5s (default true; false for SSE-KMS buckets: size + time only). */
  readonly trustEtags?: boolean;
}

/** Builds the plan from the two listings (keys outside the scope are ignored on both sides). */
export function planSync(
  source: Iterable<ListedObject>,
  destination: Iterable<ListedObject>,
  options: PlanOptions = {},
): ObjectSyncPlan {
  const destinationByKey = new Map<string, ListedObject>();
  let destinationBytes = 0;
  for (const object of destination) {
    if (!inScope(object.key, options)) continue;
    destinationByKey.set(object.key, object);
    destinationBytes += object.size;
  }
  const destinationObjects = destinationByKey.size;
  const copy: CopyAction[] = [];
  let skipped = 0;
  let bytesToCopy = 0;
  let sourceObjects = 0;
  let sourceBytes = 0;
  for (const object of source) {
    if (!inScope(object.key, options)) continue;
    sourceObjects += 1;
    sourceBytes += object.size;
    const existing = destinationByKey.get(object.key);
    const reason = copyReason(object, existing, options.trustEtags ?? true);
    if (existing) destinationByKey.delete(object.key);
    if (reason) {
      copy.push({ key: object.key, size: object.size, etag: object.etag, reason });
      bytesToCopy += object.size;
    } else {
      skipped += 1;
    }
  }
  const toDelete = options.delete === false ? [] : [...destinationByKey.values()];
  return {
    copy,
    delete: toDelete,
    skipped,
    bytesToCopy,
    bytesToDelete: toDelete.reduce((sum, object) => sum + object.size, 0),
    source: { objects: sourceObjects, bytes: sourceBytes },
    destination: { objects: destinationObjects, bytes: destinationBytes },
  };
}
