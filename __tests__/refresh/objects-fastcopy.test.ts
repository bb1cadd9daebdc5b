/**
 * Unit tests with a local HTTP server for the lean CopyObject path (fastcopy.ts). moto does not
 * verify request signatures, so the signature is checked here against the SDK's own SigV4 signer
 * (@smithy/signature-v4) for the exact request that was sent; the server also plays S3's
 * throttling (503 SlowDown) and the "error after 200" CopyObject response, which moto cannot.
 */
import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";
import { createSyncClient } from "../../scripts/refresh/objects/client";
import { createFastCopier, parseListPage, requestDeadline, uriEncodeSegment } from "../../scripts/refresh/objects/fastcopy";
import { copySource } from "../../scripts/refresh/objects/sync";
import { withRetries } from "../../scripts/refresh/retry";

class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret ? createHmac("sha256", secret) : createHash("sha256");
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

interface Captured {
  url: string;
  headers: IncomingMessage["headers"];
}

describe("lean CopyObject (unit, local HTTP server)", () => {
  let server: Server;
  let port: number;
  let captured: Captured[] = [];
  let responses: Array<{ status: number; body: string }> = [];
  /** When set, the next response waits for this promise (a long server-side copy). */
  let hold: Promise<void> | undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      captured.push({ url: request.url ?? "", headers: request.headers });
      request.resume();
      request.on("end", async () => {
        const next = responses.shift() ?? { status: 200, body: '<CopyObjectResult><ETag>&quot;abc123&quot;</ETag></CopyObjectResult>' };
        const waiting = hold;
        hold = undefined;
        await waiting;
        if (response.socket === null || response.socket.destroyed) return;
        response.writeHead(next.status, { "content-type": "application/xml" });
        response.end(next.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    captured = [];
    responses = [];
    hold = undefined;
  });
  afterEach(() => jest.useRealTimers());

  /** Fakes Date and intervals (the copier's watchdog) only; sockets and streams run for real. */
  function fakeWatchdogTime(): void {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "clearImmediate", "queueMicrotask", "setTimeout", "clearTimeout", "hrtime", "performance"] });
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  /** Advances fake time in watchdog-sized steps, letting I/O run between them. */
  async function advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 5_000) {
      jest.advanceTimersByTime(5_000);
      await tick();
    }
  }

  test("a large single-part copy is not cut at a fixed 120 s: its time budget follows its size", async () => {
    // GIVEN a 4 GiB object whose server-side copy takes 5 minutes without a byte
    fakeWatchdogTime();
    const client = createSyncClient({ endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" } });
    const copier = (await createFastCopier(client, "dst", 4))!;
    let finish!: () => void;
    hold = new Promise<void>((resolve) => (finish = resolve));
    // WHEN it runs for 5 minutes
    const copy = copier.copy("big.bin", "src/big.bin", 4 * 1024 ** 3);
    const outcome = copy.then(() => "copied", (e: Error) => e.message);
    while (captured.length === 0) await tick();
    await advance(300_000);
    finish();
    // THEN it is still alive and completes
    expect(await outcome).toBe("copied");
    copier.destroy();
    client.destroy();
  });

  test("a small copy that makes no progress is still given up (after its budget and a minute of silence)", async () => {
    fakeWatchdogTime();
    const client = createSyncClient({ endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" } });
    const copier = (await createFastCopier(client, "dst", 4))!;
    hold = new Promise<void>(() => undefined);
    const outcome = copier.copy("small.txt", "src/small.txt", 1024).then(() => "copied", (e: Error & { code?: string }) => e.code);
    while (captured.length === 0) await tick();
    await advance(90_000);
    expect(await outcome).toBe("ETIMEDOUT");
    expect(requestDeadline(0, 0, 5 * 1024 ** 3)).toBeGreaterThan(600_000);
    copier.destroy();
    client.destroy();
  });

  test("ExpectedBucketOwner: every request names the account that must own the bucket (and a copy, the source's), signed", async () => {
    const client = createSyncClient({ endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" } });
    const copier = (await createFastCopier(client, "dst", 4, { expectedOwner: "111111111111" }))!;
    await copier.copy("k", "src/k", 1, "222222222222");
    responses = [{ status: 200, body: "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>" }];
    await copier.listPage("", undefined);
    copier.destroy();
    client.destroy();
    const [copy, list] = captured;
    expect(copy.headers["x-amz-expected-bucket-owner"]).toBe("111111111111");
    expect(copy.headers["x-amz-source-expected-bucket-owner"]).toBe("222222222222");
    expect(copy.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-expected-bucket-owner;[^,]*x-amz-source-expected-bucket-owner/);
    expect(list.headers["x-amz-expected-bucket-owner"]).toBe("111111111111");
  });

  test.each([
    ["static credentials", { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" }],
    ["session credentials", { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret-example", sessionToken: "token-example/+=" }],
  ])("signs CopyObject exactly as the SDK's SigV4 signer would (%s)", async (_label, credentials) => {
    // GIVEN a path-style client for the local endpoint and an awkward key
    const client = createSyncClient({ endpoint: `http://127.0.0.1:${port}`, region: "eu-west-1", credentials });
    const copier = await createFastCopier(client, "staging-uploads", 4);
    expect(copier).toBeDefined();
    const key = "a b/ünï+(1)!*'.png";

    // WHEN copying
    const etag = await copier!.copy(key, copySource("prod-uploads", key));
    copier!.destroy();
    client.destroy();

    // THEN the request has the S3 path, copy source and directive, and the SDK signer's signature
    expect(etag).toBe("abc123");
    const [request] = captured;
    expect(request.url).toBe(`/staging-uploads/${key.split("/").map(uriEncodeSegment).join("/")}`);
    expect(request.headers["x-amz-copy-source"]).toBe("prod-uploads/a%20b/%C3%BCn%C3%AF%2B(1)!*'.png");
    expect(request.headers["x-amz-metadata-directive"]).toBe("COPY");
    const amzDate = request.headers["x-amz-date"] as string;
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const signer = new SignatureV4({ service: "s3", region: "eu-west-1", credentials, sha256: NodeSha256 as never, uriEscapePath: false });
    const signed = await signer.sign(
      {
        method: "PUT",
        protocol: "http:",
        hostname: "127.0.0.1",
        port,
        path: request.url,
        query: {},
        headers: {
          host: `127.0.0.1:${port}`,
          "x-amz-content-sha256": request.headers["x-amz-content-sha256"] as string,
          "x-amz-copy-source": request.headers["x-amz-copy-source"] as string,
          "x-amz-metadata-directive": "COPY",
        },
      },
      { signingDate },
    );
    expect(request.headers.authorization).toBe(signed.headers.authorization);
    if ("sessionToken" in credentials) expect(request.headers["x-amz-security-token"]).toBe(credentials.sessionToken);
  });

  test("503 SlowDown is retried; an error inside a 200 response is an error", async () => {
    // GIVEN a server that throttles twice, then succeeds; then one that returns an error body with 200
    const client = createSyncClient({ endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" } });
    const copier = (await createFastCopier(client, "dst", 4))!;
    const slowDown = { status: 503, body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>" };
    responses = [slowDown, slowDown];

    // WHEN copying with retries
    const etag = await withRetries(() => copier.copy("k", "src/k"), { attempts: 5, baseDelayMs: 1 });

    // THEN it succeeded on the third attempt
    expect(etag).toBe("abc123");
    expect(captured).toHaveLength(3);

    // WHEN S3 reports an InternalError after the 200 status line
    responses = [{ status: 200, body: "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>" }];

    // THEN the copy fails with that code (and a 5xx status, so it is retried)
    await expect(copier.copy("k", "src/k")).rejects.toMatchObject({ Code: "InternalError", $metadata: { httpStatusCode: 500 } });
    copier.destroy();
    client.destroy();
  });

  test("ListObjectsV2 pages are parsed with XML references decoded", () => {
    // GIVEN a truncated page with an escaped key, a multipart ETag and a continuation token
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>' +
      "<Contents><Key>a/Tom &amp; Jerry&apos;s &lt;1&gt;&#x0D;.txt</Key><LastModified>2025-01-02T03:04:05.000Z</LastModified>" +
      "<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>" +
      '<Contents><Key>b/big.bin</Key><LastModified>2025-01-02T03:04:06.000Z</LastModified><ETag>"abc-3"</ETag><Size>12582912</Size></Contents>' +
      "<KeyCount>2</KeyCount><NextContinuationToken>1/abc+def=</NextContinuationToken></ListBucketResult>";

    // WHEN parsing
    const page = parseListPage(body);

    // THEN keys, sizes, ETags, times and the token come out exact
    expect(page.objects).toEqual([
      { key: "a/Tom & Jerry's <1>\r.txt", size: 1, etag: "0cc175b9c0f1b6a831c399e269772661", lastModified: Date.parse("2025-01-02T03:04:05.000Z") },
      { key: "b/big.bin", size: 12582912, etag: "abc-3", lastModified: Date.parse("2025-01-02T03:04:06.000Z") },
    ]);
    expect(page.next).toBe("1/abc+def=");
  });
});
