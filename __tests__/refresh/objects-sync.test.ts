/**
 * Emulator tests (moto_server, the real S3 wire protocol) for the object refresh engine:
 * listing, CopyObject with URL-encoded CopySource, UploadPartCopy, DeleteObjects and metadata
 * round-trips are behaviours of the S3 API, so they are checked against an S3 implementation,
 * not mocks. (Throttling, permanent failures and AccessDenied are in objects-mock.test.ts: the
 * emulator cannot produce them.)
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { describeWithTools } from "../helpers/requirements";
import { assumeRoleCredentials, EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmulator, type Emulator } from "../../scripts/sandbox/emulator";
import { createSyncClient } from "../../scripts/refresh/objects/client";
import { planObjectSync, runObjectSync, type ObjectSyncEvent, type ObjectSyncOptions } from "../../scripts/refresh/objects/sync";
import { preflightObjectSync } from "../../scripts/refresh/objects/preflight";

jest.setTimeout(120_000);

describeWithTools("object sync against the emulator", ["moto_server"], () => {
  let emulator: Emulator;
  let s3: S3Client;
  let counter = 0;

  beforeAll(async () => {
    emulator = await startEmulator();
    s3 = createSyncClient({ endpoint: emulator.endpoint, region: EMULATOR_REGION, credentials: { ...EMULATOR_CREDENTIALS } });
  });
  afterAll(async () => {
    s3?.destroy();
    await emulator?.stop();
  });

  async function bucketPair(client: S3Client = s3): Promise<{ source: string; destination: string }> {
    counter += 1;
    const source = `objects-src-${counter}`;
    const destination = `objects-dst-${counter}`;
    await client.send(new CreateBucketCommand({ Bucket: source }));
    await client.send(new CreateBucketCommand({ Bucket: destination }));
    return { source, destination };
  }

  const put = (bucket: string, key: string, body: string | Buffer, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}, client = s3) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));

  async function listing(bucket: string, client = s3): Promise<Array<{ key: string; size: number; etag: string }>> {
    const result: Array<{ key: string; size: number; etag: string }> = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const item of page.Contents ?? []) result.push({ key: item.Key!, size: item.Size!, etag: item.ETag! });
      token = page.NextContinuationToken;
    } while (token);
    return result.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  const options = (pair: { source: string; destination: string }, extra: Partial<ObjectSyncOptions> = {}): ObjectSyncOptions => ({
    source: { client: s3, bucket: pair.source },
    destination: { client: s3, bucket: pair.destination },
    ...extra,
  });

  test("cold copy, then a warm run copies nothing", async () => {
    // GIVEN a source with objects under nested prefixes and an empty destination
    const pair = await bucketPair();
    const keys = ["top.txt", "a/one.txt", "a/b/two.txt", "a/b/c/d/three.txt", "z/deep/er/four.bin"];
    for (const key of keys) await put(pair.source, key, `content of ${key}`);
    const events: ObjectSyncEvent[] = [];

    // WHEN the sync runs cold
    const cold = await runObjectSync(options(pair, { onEvent: (event) => events.push(event), progressIntervalMs: 0 }));

    // THEN every key is copied and the destination equals the source (keys, sizes, ETags)
    expect(cold).toMatchObject({ copied: 5, skipped: 0, deleted: 0, failures: [] });
    expect(cold.bytes).toBe(keys.reduce((sum, key) => sum + `content of ${key}`.length, 0));
    expect(await listing(pair.destination)).toEqual(await listing(pair.source));
    const last = events.filter((event) => event.type === "progress").pop();
    expect(last).toMatchObject({ objectsDone: 5, objectsTotal: 5, bytesDone: cold.bytes, bytesTotal: cold.bytes });
    expect(events[events.length - 1].type).toBe("done");

    // WHEN it runs again with nothing changed
    const warm = await runObjectSync(options(pair));

    // THEN nothing is copied or deleted
    expect(warm).toMatchObject({ copied: 0, skipped: 5, deleted: 0, bytes: 0, failures: [] });
  });

  test("a changed object is copied again, a deleted source object is deleted, the dry run says so first", async () => {
    // GIVEN an in-sync pair, then one source object changed (same size, different content), one grown, one removed
    const pair = await bucketPair();
    await put(pair.source, "same-size.txt", "aaaa");
    await put(pair.source, "grows.txt", "x");
    await put(pair.source, "gone.txt", "bye");
    await put(pair.source, "kept.txt", "kept");
    await runObjectSync(options(pair));
    await put(pair.source, "same-size.txt", "bbbb");
    await put(pair.source, "grows.txt", "xxxxxxxx");
    const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
    await s3.send(new DeleteObjectCommand({ Bucket: pair.source, Key: "gone.txt" }));

    // WHEN planning (dry run)
    const plan = await planObjectSync(options(pair));

    // THEN the plan names the two copies (by ETag and by size) and the delete, and writes nothing
    expect(plan).toMatchObject({ copy: 2, delete: 1, skip: 1, bytesToCopy: 12, bytesToDelete: 3 });
    expect(plan.plan.copy.map((action) => [action.key, action.reason]).sort()).toEqual([
      ["grows.txt", "size"],
      ["same-size.txt", "etag"],
    ]);
    expect((await listing(pair.destination)).map((object) => object.key)).toContain("gone.txt");

    // WHEN the sync runs
    const summary = await runObjectSync(options(pair));

    // THEN the destination mirrors the source again
    expect(summary).toMatchObject({ copied: 2, skipped: 1, deleted: 1, failures: [] });
    expect(await listing(pair.destination)).toEqual(await listing(pair.source));
    const body = await s3.send(new GetObjectCommand({ Bucket: pair.destination, Key: "same-size.txt" }));
    expect(await body.Body!.transformToString()).toBe("bbbb");
  });

  test("--no-delete keeps extra destination keys; include/exclude limit both copy and delete", async () => {
    // GIVEN extra keys in the destination and source keys under several prefixes
    const pair = await bucketPair();
    await put(pair.source, "images/a.png", "a");
    await put(pair.source, "images/tmp/b.png", "b");
    await put(pair.source, "docs/c.txt", "c");
    await put(pair.destination, "images/extra.png", "e");
    await put(pair.destination, "docs/extra.txt", "e");

    // WHEN syncing only images/ minus images/tmp/
    const scoped = await runObjectSync(options(pair, { include: ["images/"], exclude: ["images/tmp/"] }));

    // THEN only images/a.png is copied and only images/extra.png deleted
    expect(scoped).toMatchObject({ copied: 1, deleted: 1, failures: [] });
    expect((await listing(pair.destination)).map((object) => object.key)).toEqual(["docs/extra.txt", "images/a.png"]);

    // WHEN syncing everything without deletion
    const noDelete = await runObjectSync(options(pair, { delete: false }));

    // THEN the extra key stays
    expect(noDelete).toMatchObject({ copied: 2, deleted: 0 });
    expect((await listing(pair.destination)).map((object) => object.key)).toContain("docs/extra.txt");
  });

  test("keys with spaces, unicode and '+', and a zero-byte object, keep content type and metadata", async () => {
    // GIVEN awkward keys, an empty object and objects with content type, user metadata and cache headers
    const pair = await bucketPair();
    const awkward = ["with space.txt", "plus+sign.txt", "ünïcødé/日本語 ファイル.txt", "mixed/a+b c%20d?.txt", "amp/Tom & Jerry's <1>.txt", "empty/zero.bin"];
    for (const key of awkward) {
      await put(pair.source, key, key.startsWith("empty/") ? Buffer.alloc(0) : `body ${key}`, {
        ContentType: "image/png",
        Metadata: { owner: "uploads", "original-name": "photo.png" },
        CacheControl: "max-age=60",
      });
    }

    // WHEN syncing
    const summary = await runObjectSync(options(pair));

    // THEN every key arrives under its exact name, with content type and metadata kept
    expect(summary).toMatchObject({ copied: awkward.length, failures: [] });
    expect(await listing(pair.destination)).toEqual(await listing(pair.source));
    for (const key of awkward) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: pair.destination, Key: key }));
      expect(head.ContentType).toBe("image/png");
      expect(head.Metadata).toEqual({ owner: "uploads", "original-name": "photo.png" });
      expect(head.CacheControl).toBe("max-age=60");
    }
    const zero = await s3.send(new HeadObjectCommand({ Bucket: pair.destination, Key: "empty/zero.bin" }));
    expect(zero.ContentLength).toBe(0);
  });

  test("objects above the multipart threshold are copied with UploadPartCopy", async () => {
    // GIVEN an 11 MiB object (3 parts of 5 MiB at most) and a 1 MiB threshold
    const pair = await bucketPair();
    const big = Buffer.alloc(11 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    await put(pair.source, "videos/big movie+1.bin", big, { ContentType: "video/mp4", Metadata: { source: "camera" } });
    await put(pair.source, "small.txt", "small");

    // WHEN syncing with the lowered threshold
    const summary = await runObjectSync(options(pair, { multipartThreshold: 1024 * 1024, partSize: 5 * 1024 * 1024 }));

    // THEN the big object is a 3-part multipart object with the same bytes, content type and metadata
    expect(summary).toMatchObject({ copied: 2, failures: [], bytes: big.length + 5 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: pair.destination, Key: "videos/big movie+1.bin" }));
    expect(head.ETag).toMatch(/-3"$/);
    expect(head.ContentType).toBe("video/mp4");
    expect(head.Metadata).toEqual({ source: "camera" });
    const copy = await s3.send(new GetObjectCommand({ Bucket: pair.destination, Key: "videos/big movie+1.bin" }));
    expect(Buffer.from(await copy.Body!.transformToByteArray()).equals(big)).toBe(true);

    // WHEN syncing again (multipart ETag on one side: size + last-modified decide)
    const warm = await runObjectSync(options(pair, { multipartThreshold: 1024 * 1024, partSize: 5 * 1024 * 1024 }));

    // THEN nothing is copied
    expect(warm).toMatchObject({ copied: 0, skipped: 2 });
  });

  test("cross-account: the target account's credentials copy from the source account's bucket", async () => {
    // GIVEN a source bucket in account 111111111111 and a destination bucket in account 222222222222
    const production = await assumeRoleCredentials(emulator.endpoint, "arn:aws:iam::111111111111:role/x");
    const staging = await assumeRoleCredentials(emulator.endpoint, "arn:aws:iam::222222222222:role/x");
    const prodClient = createSyncClient({ endpoint: emulator.endpoint, region: EMULATOR_REGION, credentials: production });
    const stagingClient = createSyncClient({ endpoint: emulator.endpoint, region: EMULATOR_REGION, credentials: staging });
    try {
      counter += 1;
      const pair = { source: `prod-uploads-${counter}`, destination: `staging-uploads-${counter}` };
      await prodClient.send(new CreateBucketCommand({ Bucket: pair.source }));
      await stagingClient.send(new CreateBucketCommand({ Bucket: pair.destination }));
      for (const key of ["u/1.jpg", "u/2.jpg", "avatars/3 x.png"]) await put(pair.source, key, `img ${key}`, { ContentType: "image/jpeg" }, prodClient);
      await put(pair.destination, "stale.jpg", "old", {}, stagingClient);
      const sync: ObjectSyncOptions = {
        source: { client: stagingClient, bucket: pair.source },
        destination: { client: stagingClient, bucket: pair.destination },
      };

      // WHEN preflight and the sync run with the staging (target) credentials only
      const checks = await preflightObjectSync(sync);
      const events: ObjectSyncEvent[] = [];
      const summary = await runObjectSync({ ...sync, preflight: true, onEvent: (event) => events.push(event) });

      // THEN the staging bucket mirrors production's
      expect(checks.every((check) => check.ok)).toBe(true);
      expect(events.find((event) => event.type === "preflight")).toEqual({
        type: "preflight",
        checks: [`s3:ListBucket on arn:aws:s3:::${pair.source}`, `s3:ListBucket on arn:aws:s3:::${pair.destination}`, `s3:GetObject on arn:aws:s3:::${pair.source}/*`],
      });
      expect(summary).toMatchObject({ copied: 3, deleted: 1, failures: [] });
      expect(await listing(pair.destination, stagingClient)).toEqual(await listing(pair.source, prodClient));
      const head = await stagingClient.send(new HeadObjectCommand({ Bucket: pair.destination, Key: "avatars/3 x.png" }));
      expect(head.ContentType).toBe("image/jpeg");
    } finally {
      prodClient.destroy();
      stagingClient.destroy();
    }
  });

  test("many objects: more than one listing page on both sides", async () => {
    // GIVEN 1,001 small objects (two ListObjectsV2 pages)
    const pair = await bucketPair();
    const keys = Array.from({ length: 1001 }, (_, i) => `p${i % 25}/obj-${i}.txt`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => put(pair.source, key, key)));
    }

    // WHEN syncing cold then warm
    const cold = await runObjectSync(options(pair));
    const warm = await runObjectSync(options(pair));

    // THEN all pages were read on both sides
    expect(cold).toMatchObject({ copied: 1001, failures: [] });
    expect(warm).toMatchObject({ copied: 0, skipped: 1001 });
    expect((await listing(pair.destination)).length).toBe(1001);
  });
});
