/**
 * Preflight for the object refresh: harmless reads on both buckets before anything is written.
 * A denied read names the grant that is missing and where it belongs.
 */
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { BucketRef } from "./sync";
import { maskTail } from "../core";
import { errorCode, errorStatus } from "../retry";

export interface PreflightCheck {
  /** What was checked, e.g. `s3:ListBucket on arn:aws:s3:::prod-uploads`. */
  readonly check: string;
  readonly ok: boolean;
  /** Why it failed and what to grant (absent when ok). */
  readonly problem?: string;
}

export class PreflightError extends Error {
  constructor(readonly checks: PreflightCheck[]) {
    super(
      `object refresh preflight failed:\n${checks
        .filter((check) => !check.ok)
        .map((check) => `  - ${check.problem}`)
        .join("\n")}`,
    );
    this.name = "PreflightError";
  }
}

export interface PreflightOptions {
  readonly source: BucketRef;
  readonly destination: BucketRef;
  /** Who runs the copy, for messages (default "the target's refresh role"). */
  readonly principal?: string;
}

function isDenied(error: unknown): boolean {
  const code = errorCode(error);
  return code === "AccessDenied" || code === "Forbidden" || code === "AllAccessDisabled" || errorStatus(error) === 403;
}

function isKms(error: unknown): boolean {
  return /kms/i.test(errorCode(error)) || /kms/i.test((error as Error | undefined)?.message ?? "");
}

/**
 * Reads the source (ListObjectsV2 MaxKeys 1, then HeadObject of the first key) and the destination
 * (ListObjectsV2 MaxKeys 1). Returns the checks; throws PreflightError when one fails.
 */
export async function preflightObjectSync(options: PreflightOptions): Promise<PreflightCheck[]> {
  const firstKeys = async (side: BucketRef): Promise<Array<{ key: string }>> => {
    const page = await side.client.send(new ListObjectsV2Command({ Bucket: side.bucket, MaxKeys: 1, ExpectedBucketOwner: side.expectedOwner }));
    return (page.Contents ?? []).flatMap((item) => (item.Key === undefined ? [] : [{ key: item.Key }]));
  };
  const result = await preflightWith(options, (which) => firstKeys(which === "source" ? options.source : options.destination));
  return result.checks;
}

/**
 * The preflight checks around a caller's own listing of both sides (the sync's full listing is
 * the s3:ListBucket check, so no extra request is spent on it): a denied listing becomes a
 * PreflightError naming the grant; then HeadObject of the first source key checks s3:GetObject.
 */
export async function preflightWith<T extends { key: string }>(
  options: PreflightOptions,
  list: (which: "source" | "destination") => Promise<T[]>,
): Promise<{ checks: PreflightCheck[]; source: T[]; destination: T[] }> {
  const principal = options.principal ?? "the target's refresh role";
  const checks: PreflightCheck[] = [];
  const problem = (error: unknown, grant: string, where: string, bucket: BucketRef): string => {
    const code = errorCode(error);
    if (code === "NoSuchBucket") return `${where}: bucket does not exist (NoSuchBucket)`;
    // With ExpectedBucketOwner set, S3 answers 403 AccessDenied for a bucket owned by another account.
    const owner = bucket.expectedOwner;
    if (isDenied(error) && owner) return `${where}: access denied (${code}): the bucket must belong to account ${maskTail(owner)} and ${principal} needs ${grant}`;
    if (isKms(error)) return `${where}: KMS denied (${code}): grant ${principal} kms:Decrypt on the source bucket's key (key policy and the role's policy)`;
    if (isDenied(error)) return `${where}: access denied (${code}): grant ${grant} for ${principal}`;
    return `${where}: ${code}: ${(error as Error | undefined)?.message ?? "failed"}`;
  };

  const listCheck = async (which: "source" | "destination", grantTail: string): Promise<{ objects?: T[]; result: PreflightCheck }> => {
    const side = which === "source" ? options.source : options.destination;
    const check = `s3:ListBucket on arn:aws:s3:::${side.bucket}`;
    try {
      return { objects: await list(which), result: { check, ok: true } };
    } catch (error) {
      return { result: { check, ok: false, problem: problem(error, `${check}${grantTail}`, `${which} ${side.bucket}`, side) } };
    }
  };

  const listed = await Promise.all([
    listCheck("source", " (source bucket policy and the role's policy)"),
    listCheck("destination", " (the role's policy)"),
  ]);
  checks.push(listed[0].result, listed[1].result);
  const [source, destination] = [listed[0].objects, listed[1].objects];
  const firstKey = source?.[0]?.key;
  if (firstKey !== undefined) {
    const check = `s3:GetObject on arn:aws:s3:::${options.source.bucket}/*`;
    try {
      await options.source.client.send(new HeadObjectCommand({ Bucket: options.source.bucket, Key: firstKey, ExpectedBucketOwner: options.source.expectedOwner }));
      checks.push({ check, ok: true });
    } catch (error) {
      checks.push({
        check,
        ok: false,
        problem: problem(error, `${check} (source bucket policy and the role's policy)`, `source ${options.source.bucket} (HeadObject ${firstKey})`, options.source),
      });
    }
  }
  if (!source || !destination || checks.some((check) => !check.ok)) throw new PreflightError(checks);
  return { checks, source, destination };
}
