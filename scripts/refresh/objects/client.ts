/**
 * S3 clients tuned for many small server-side copies: keep-alive sockets (maxSockets ≥ the copy
 * concurrency), the SDK's adaptive retry, and no request/response checksums on calls that do
 * not need them (CopyObject has no body; skipping them saves client CPU).
 */
import * as http from "node:http";
import * as https from "node:https";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SDK_MAX_ATTEMPTS } from "../retry";

export interface SyncClientOptions {
  /** AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1). */
  readonly region?: string;
  /** Endpoint override, e.g. an emulator `http://127.0.0.1:5000` (default: AWS). */
  readonly endpoint?: string;
  /** Path-style addressing; needed by emulators (default: true when `endpoint` is set). */
  readonly forcePathStyle?: boolean;
  /** Credentials (default: the SDK's provider chain). */
  readonly credentials?: S3ClientConfig["credentials"];
  /** Sockets per host; keep ≥ the copy concurrency (default 64). */
  readonly maxSockets?: number;
  /** SDK attempts per request, including the first (default SDK_MAX_ATTEMPTS; ../retry.ts retries a key again on top). */
  readonly maxAttempts?: number;
}

/** An S3 client with keep-alive connections sized for `maxSockets` concurrent requests. */
export function createSyncClient(options: SyncClientOptions = {}): S3Client {
  const maxSockets = Math.max(options.maxSockets ?? 64, 1);
  const agentOptions = { keepAlive: true, maxSockets, keepAliveMsecs: 1000 };
  return new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? SDK_MAX_ATTEMPTS,
    retryMode: "adaptive",
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      connectionTimeout: 10_000,
      requestTimeout: 120_000,
    }),
  });
}
