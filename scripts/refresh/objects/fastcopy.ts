/**
 * Lean CopyObject (and ListObjectsV2): the one request a sync sends per object, signed (SigV4) and sent directly on a
 * keep-alive agent. The SDK's generic pipeline (middleware stack cloned per command, endpoint
 * ruleset evaluation, schema-driven serialization and XML parsing) costs ~2.5 ms of client CPU
 * per CopyObject; this path costs a small fraction of that, which is what lets a sync use less
 * than a third of `aws s3 sync`'s CPU. Endpoint, region, signing name and credentials come from
 * the SDK client itself (its endpoint ruleset is evaluated once per bucket), so the request is
 * the one the SDK would send. Anything unusual (SigV4a, S3 Express, a custom signer) falls back
 * to the SDK: `createFastCopier` returns undefined.
 */
import { createHash, createHmac } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { S3Client } from "@aws-sdk/client-s3";
import type { ListedObject } from "./plan";

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** RFC 3986 encoding of one path segment, as SigV4 requires (encodeURIComponent leaves !'()* alone). */
export function uriEncodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Error shaped like an SDK service error (name/Code, message, $metadata.httpStatusCode). */
export class S3ResponseError extends Error {
  readonly Code: string;
  readonly $metadata: { httpStatusCode: number };
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = code;
    this.Code = code;
    this.$metadata = { httpStatusCode: status };
  }
}

function xmlValue(body: string, tag: string): string | undefined {
  const start = body.indexOf(`<${tag}>`);
  if (start < 0) return undefined;
  const end = body.indexOf(`</${tag}>`, start);
  return end < 0 ? undefined : body.slice(start + tag.length + 2, end);
}

interface ResolvedConfig {
  region: () => Promise<string>;
  endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
  endpointProvider: (params: Record<string, unknown>, context: Record<string, unknown>) => {
    url: URL;
    properties?: { authSchemes?: Array<{ name: string; signingName?: string; signingRegion?: string }> };
  };
  forcePathStyle?: boolean;
  useAccelerateEndpoint?: boolean;
  useFipsEndpoint?: () => Promise<boolean>;
  useDualstackEndpoint?: () => Promise<boolean>;
  credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;
  systemClockOffset?: number;
}

export interface ListPage {
  objects: ListedObject[];
  /** Continuation token of the next page, when the listing is truncated. */
  next?: string;
}

export interface FastCopier {
  /**
   * CopyObject (MetadataDirective COPY) of `copySource` (`bucket/encoded-key`, `size` bytes) to
   * `key`; resolves with the new ETag. `sourceOwner`: the account that must own the source bucket.
   */
  copy(key: string, copySource: string, size?: number, sourceOwner?: string): Promise<string | undefined>;
  /** One ListObjectsV2 page (up to 1,000 keys) under `prefix`. */
  listPage(prefix: string, token: string | undefined): Promise<ListPage>;
  destroy(): void;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes XML character and entity references (keys may contain &, <, control characters…). */
export function decodeXml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, ref: string) =>
    ref[0] === "#" ? String.fromCodePoint(ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)) : ENTITIES[ref],
  );
}

/** Parses a ListObjectsV2 response body (only the fields the sync needs). */
export function parseListPage(body: string): ListPage {
  const objects: ListedObject[] = [];
  let at = body.indexOf("<Contents>");
  while (at >= 0) {
    const end = body.indexOf("</Contents>", at);
    const item = body.slice(at + 10, end);
    const key = xmlValue(item, "Key");
    if (key !== undefined) {
      const lastModified = xmlValue(item, "LastModified");
      objects.push({
        key: decodeXml(key),
        size: Number(xmlValue(item, "Size") ?? 0),
        etag: decodeXml(xmlValue(item, "ETag") ?? "").replace(/"/g, ""),
        lastModified: lastModified ? Date.parse(lastModified) : 0,
      });
    }
    at = body.indexOf("<Contents>", end);
  }
  const truncated = xmlValue(body, "IsTruncated") === "true";
  const next = xmlValue(body, "NextContinuationToken");
  return { objects, next: truncated && next ? decodeXml(next) : undefined };
}

/**
 * When a request is given up: never while it makes progress, and not before its size allows.
 * S3 answers a CopyObject only when the copy is done (it may send whitespace meanwhile), and a
 * single-part copy goes up to 5 GiB, so the budget grows with the object: a request is destroyed
 * once it has run longer than `minMs + size / bytesPerSecond` AND received nothing for `idleMs`.
 */
export interface RequestTimeouts {
  /** Budget of any request, size aside (default 60 s). */
  readonly minMs: number;
  /** The slowest server-side copy rate still considered alive (default 8 MiB/s: 5 GiB in under 11 minutes). */
  readonly bytesPerSecond: number;
  /** Silence after which a request past its budget is given up (default 60 s). */
  readonly idleMs: number;
  /** How often the watchdog looks (default 5 s). */
  readonly checkEveryMs: number;
}

export const DEFAULT_TIMEOUTS: RequestTimeouts = { minMs: 60_000, bytesPerSecond: 8 * 1024 ** 2, idleMs: 60_000, checkEveryMs: 5_000 };

/** The deadline of a request of `size` bytes started at `started` whose last byte arrived at `lastProgress`. */
export function requestDeadline(started: number, lastProgress: number, size: number, timeouts: RequestTimeouts = DEFAULT_TIMEOUTS): number {
  return Math.max(started + timeouts.minMs + (size / timeouts.bytesPerSecond) * 1000, lastProgress + timeouts.idleMs);
}

export interface FastCopierOptions {
  /** The account that must own `bucket` (ExpectedBucketOwner on every request): S3 refuses with 403 otherwise. */
  readonly expectedOwner?: string;
  readonly timeouts?: Partial<RequestTimeouts>;
}

/**
 * A lean copier for `bucket` using `client`'s endpoint, region and credentials; undefined when
 * the client's configuration needs the SDK's full pipeline.
 */
export async function createFastCopier(client: S3Client, bucket: string, maxSockets: number, options: FastCopierOptions = {}): Promise<FastCopier | undefined> {
  const timeouts: RequestTimeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const ownerHeaders: Array<[string, string]> = options.expectedOwner ? [["x-amz-expected-bucket-owner", options.expectedOwner]] : [];
  const config = client.config as unknown as ResolvedConfig;
  if (typeof config.endpointProvider !== "function" || typeof config.credentials !== "function") return undefined;
  let base: URL;
  let signingRegion: string;
  try {
    const region = await config.region();
    const custom = config.endpoint ? await config.endpoint() : undefined;
    const endpoint = custom ? `${custom.protocol}//${custom.hostname}${custom.port ? `:${custom.port}` : ""}${custom.path}` : undefined;
    const resolved = config.endpointProvider(
      {
        Bucket: bucket,
        Region: region,
        UseFIPS: config.useFipsEndpoint ? await config.useFipsEndpoint() : false,
        UseDualStack: config.useDualstackEndpoint ? await config.useDualstackEndpoint() : false,
        ForcePathStyle: config.forcePathStyle ?? false,
        Accelerate: config.useAccelerateEndpoint ?? false,
        Endpoint: endpoint,
      },
      {},
    );
    const schemes = resolved.properties?.authSchemes ?? [{ name: "sigv4", signingName: "s3", signingRegion: region }];
    const scheme = schemes[0];
    if (scheme.name !== "sigv4" || (scheme.signingName ?? "s3") !== "s3") return undefined;
    signingRegion = scheme.signingRegion ?? region;
    base = resolved.url;
    if (base.search) return undefined;
  } catch {
    return undefined;
  }

  const isHttps = base.protocol === "https:";
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 1000 })
    : new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 1000 });
  const requestFn = isHttps ? https.request : http.request;
  const host = base.host; // includes a non-default port
  const basePath = base.pathname.replace(/\/$/, "");
  const scopeSuffix = `/${signingRegion}/s3/aws4_request`;
  let keyCache: { secret: string; date: string; key: Buffer } | undefined;
  const signingKey = (secret: string, date: string): Buffer => {
    if (keyCache && keyCache.secret === secret && keyCache.date === date) return keyCache.key;
    const kDate = createHmac("sha256", `AWS4${secret}`).update(date).digest();
    const kRegion = createHmac("sha256", kDate).update(signingRegion).digest();
    const kService = createHmac("sha256", kRegion).update("s3").digest();
    const key = createHmac("sha256", kService).update("aws4_request").digest();
    keyCache = { secret, date, key };
    return key;
  };

  // Credentials are cached until 5 minutes before they expire (the SDK provider refreshes them).
  let cached: { value: Awaited<ReturnType<ResolvedConfig["credentials"]>>; until: number } | undefined;
  const currentCredentials = async (): Promise<Awaited<ReturnType<ResolvedConfig["credentials"]>>> => {
    if (cached && Date.now() < cached.until) return cached.value;
    const value = await config.credentials();
    cached = { value, until: value.expiration ? value.expiration.getTime() - 300_000 : Date.now() + 60_000 };
    return value;
  };

  // One watchdog instead of a timer per request (see RequestTimeouts).
  const inFlight = new Map<http.ClientRequest, { started: number; lastProgress: number; size: number }>();
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const [request, timing] of inFlight) {
      if (now > requestDeadline(timing.started, timing.lastProgress, timing.size, timeouts)) {
        const seconds = Math.round((now - timing.started) / 1000);
        request.destroy(Object.assign(new Error(`S3 request gave up after ${seconds} s (${timing.size} bytes, nothing received for ${Math.round((now - timing.lastProgress) / 1000)} s)`), { code: "ETIMEDOUT" }));
      }
    }
  }, timeouts.checkEveryMs);
  watchdog.unref();

  /** Signs and sends one request with an empty body; resolves with the status and body. */
  const send = async (
    method: "GET" | "PUT",
    path: string,
    query: Array<[string, string]>,
    amzHeaders: Array<[string, string]>,
    size = 0,
  ): Promise<{ status: number; body: string }> => {
    const credentials = await currentCredentials();
    const amzDate = new Date(Date.now() + (config.systemClockOffset ?? 0)).toISOString().replace(/[-:]|\.\d{3}/g, "");
    const date = amzDate.slice(0, 8);
    const headers: Array<[string, string]> = [["host", host], ["x-amz-content-sha256", EMPTY_SHA256], ["x-amz-date", amzDate], ...ownerHeaders, ...amzHeaders];
    if (credentials.sessionToken) headers.push(["x-amz-security-token", credentials.sessionToken]);
    headers.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const signedHeaders = headers.map(([name]) => name).join(";");
    const queryString = query
      .map(([name, value]) => `${uriEncodeSegment(name)}=${uriEncodeSegment(value)}`)
      .sort()
      .join("&");
    const canonical = `${method}\n${path}\n${queryString}\n${headers.map(([name, value]) => `${name}:${value}\n`).join("")}\n${signedHeaders}\n${EMPTY_SHA256}`;
    const scope = `${date}${scopeSuffix}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
    const signature = createHmac("sha256", signingKey(credentials.secretAccessKey, date)).update(stringToSign).digest("hex");
    const outgoing: http.OutgoingHttpHeaders = Object.fromEntries(headers);
    outgoing.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    if (method === "PUT") outgoing["content-length"] = "0";

    return new Promise((resolve, reject) => {
      const request = requestFn(
        {
          agent,
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          method,
          path: queryString ? `${path}?${queryString}` : path,
          headers: outgoing,
        },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            body += chunk;
            const timing = inFlight.get(request);
            if (timing) timing.lastProgress = Date.now();
          });
          response.on("error", (error) => {
            inFlight.delete(request);
            reject(error);
          });
          response.on("end", () => {
            inFlight.delete(request);
            resolve({ status: response.statusCode ?? 0, body });
          });
        },
      );
      inFlight.set(request, { started: Date.now(), lastProgress: Date.now(), size });
      request.on("error", (error) => {
        inFlight.delete(request);
        reject(error);
      });
      request.end();
    });
  };

  const failure = (status: number, body: string, operation: string): S3ResponseError => {
    const code = xmlValue(body, "Code") ?? (status === 503 ? "ServiceUnavailable" : status === 403 ? "Forbidden" : `Http${status}`);
    const message = xmlValue(body, "Message") ?? `${operation} failed with HTTP ${status}`;
    return new S3ResponseError(code, decodeXml(message), status >= 200 && status < 300 ? 500 : status);
  };

  const copy = async (key: string, copySource: string, size = 0, sourceOwner?: string): Promise<string | undefined> => {
    const path = `${basePath}/${key.split("/").map(uriEncodeSegment).join("/")}`;
    const copyHeaders: Array<[string, string]> = [
      ["x-amz-copy-source", copySource],
      ["x-amz-metadata-directive", "COPY"],
    ];
    if (sourceOwner) copyHeaders.push(["x-amz-source-expected-bucket-owner", sourceOwner]);
    const { status, body } = await send("PUT", path, [], copyHeaders, size);
    // CopyObject can fail after a 200 status line: the body is then an <Error>.
    if (status >= 200 && status < 300 && !body.includes("<Error>")) {
      return xmlValue(body, "ETag")?.replace(/&quot;|"/g, "");
    }
    throw failure(status, body, "CopyObject");
  };

  const listPage = async (prefix: string, token: string | undefined): Promise<ListPage> => {
    const query: Array<[string, string]> = [["list-type", "2"]];
    if (prefix) query.push(["prefix", prefix]);
    if (token) query.push(["continuation-token", token]);
    const { status, body } = await send("GET", basePath || "/", query, []);
    if (status < 200 || status >= 300) throw failure(status, body, "ListObjectsV2");
    return parseListPage(body);
  };

  return {
    copy,
    listPage,
    destroy: () => {
      clearInterval(watchdog);
      agent.destroy();
    },
  };
}
