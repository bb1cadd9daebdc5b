/**
 * aws-sdk-client-mock contract tests for the object refresh: behaviours the emulator cannot
 * produce — S3 throttling (503 SlowDown bursts), a key that fails permanently while the rest go
 * on (and the CLI's exit code 1), DeleteObjects per-key errors, and AccessDenied during preflight
 * (moto does not enforce bucket policies). Copies go through `client.send` here
 * (`copyTransport: "sdk"`): the lean transport is covered by objects-fastcopy.test.ts.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { runObjectSync, type ObjectSyncOptions } from "../../scripts/refresh/objects/sync";
import { preflightObjectSync, PreflightError } from "../../scripts/refresh/objects/preflight";
import { main } from "../../scripts/refresh/objects/cli";
import { ObjectsHalf } from "../../scripts/refresh/objects/half";
import { EventLog } from "../../scripts/refresh/core";

const s3Error = (name: string, status: number, message = name): S3ServiceException =>
  new S3ServiceException({ name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status }, message });

const listing = (keys: string[]) => ({
  Contents: keys.map((Key) => ({ Key, Size: 10, ETag: `"${Key.length}0000000000000000000000000000000"`, LastModified: new Date("2025-01-01T00:00:00Z") })),
  IsTruncated: false,
});

describe("object sync contract (aws-sdk-client-mock)", () => {
  const s3Mock = mockClient(S3Client);
  let client: S3Client;

  beforeEach(() => {
    s3Mock.reset();
    client = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" } });
  });
  afterAll(() => s3Mock.restore());

  const options = (extra: Partial<ObjectSyncOptions> = {}): ObjectSyncOptions => ({
    source: { client, bucket: "prod-uploads" },
    destination: { client, bucket: "staging-uploads" },
    copyTransport: "sdk",
    retry: { attempts: 5, baseDelayMs: 1 },
    ...extra,
  });

  test("ExpectedBucketOwner on every S3 call of the objects half: each bucket must belong to its environment's account", async () => {
    // GIVEN buckets with their owners, a key to copy (and a multipart one) and a key to delete
    s3Mock.on(ListObjectsV2Command, { Bucket: "prod-uploads" }).resolves({
      Contents: [
        { Key: "a.png", Size: 10, ETag: '"a0000000000000000000000000000000"', LastModified: new Date("2025-01-01T00:00:00Z") },
        { Key: "big.bin", Size: 64, ETag: '"b0000000000000000000000000000000"', LastModified: new Date("2025-01-01T00:00:00Z") },
      ],
      IsTruncated: false,
    });
    s3Mock.on(ListObjectsV2Command, { Bucket: "staging-uploads" }).resolves(listing(["stale.txt"]));
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 64, ETag: '"b"' });
    s3Mock.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"x"' } });
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    s3Mock.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
    s3Mock.on(CompleteMultipartUploadCommand).resolves({});
    s3Mock.on(DeleteObjectsCommand).resolves({});
    // WHEN the half preflights and runs
    const half = new ObjectsHalf({
      source: { client, bucket: "prod-uploads", expectedOwner: "222222222222" },
      destination: { client, bucket: "staging-uploads", expectedOwner: "111111111111" },
      events: new EventLog(),
      sync: { copyTransport: "sdk", multipartThreshold: 32, partSize: 32, retry: { attempts: 1 } },
    });
    expect(await half.preflight("r202501311200-a1b2")).toEqual({ problems: [], refusals: [] });
    await half.run("r202501311200-a1b2");
    // THEN every call names the owner of the bucket it touches (and a copy the source's owner)
    const calls = s3Mock.calls().map((c) => c.args[0].input as { Bucket: string; ExpectedBucketOwner?: string; ExpectedSourceBucketOwner?: string; CopySource?: string });
    expect(calls.length).toBeGreaterThan(6);
    for (const input of calls) {
      expect(input.ExpectedBucketOwner).toBe(input.Bucket === "prod-uploads" ? "222222222222" : "111111111111");
      if (input.CopySource) expect(input.ExpectedSourceBucketOwner).toBe("222222222222");
    }
  });

  test("503 SlowDown bursts are recovered by retries", async () => {
    // GIVEN 20 source keys and S3 answering the first two copies of each key with 503 SlowDown
    const keys = Array.from({ length: 20 }, (_, i) => `images/${i}.png`);
    s3Mock.on(ListObjectsV2Command, { Bucket: "prod-uploads" }).resolves(listing(keys));
    s3Mock.on(ListObjectsV2Command, { Bucket: "staging-uploads" }).resolves({ Contents: [], IsTruncated: false });
    const attempts = new Map<string, number>();
    s3Mock.on(CopyObjectCommand).callsFake(async (input: { Key: string }) => {
      const n = (attempts.get(input.Key) ?? 0) + 1;
      attempts.set(input.Key, n);
      if (n <= 2) throw s3Error("SlowDown", 503, "Please reduce your request rate.");
      return { CopyObjectResult: { ETag: '"x"' } };
    });

    // WHEN the sync runs
    const summary = await runObjectSync(options());

    // THEN every key is copied, after three attempts each, with no failure
    expect(summary).toMatchObject({ copied: 20, failures: [] });
    expect([...attempts.values()].every((n) => n === 3)).toBe(true);
  });

  test("a permanently failing key is reported without stopping the rest; the CLI exits 1", async () => {
    // GIVEN 10 keys, one of which is always denied, and a destination key whose delete fails
    const keys = Array.from({ length: 10 }, (_, i) => `docs/${i}.pdf`);
    s3Mock.on(ListObjectsV2Command, { Bucket: "prod-uploads" }).resolves(listing(keys));
    s3Mock.on(ListObjectsV2Command, { Bucket: "staging-uploads" }).resolves(listing(["old/a.txt", "old/locked.txt"]));
    s3Mock.on(ListObjectsV2Command, { Bucket: "prod-uploads", MaxKeys: 1 }).resolves(listing(keys.slice(0, 1)));
    s3Mock.on(ListObjectsV2Command, { Bucket: "staging-uploads", MaxKeys: 1 }).resolves(listing(["old/a.txt"]));
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10 });
    s3Mock.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"x"' } });
    s3Mock.on(CopyObjectCommand, { Key: "docs/3.pdf" }).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    s3Mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: "old/locked.txt", Code: "AccessDenied", Message: "Access Denied" }] });

    // WHEN the engine runs
    const summary = await runObjectSync(options());

    // THEN 9 keys are copied, one delete succeeded, and both failures are listed (not retried: AccessDenied is permanent)
    expect(summary).toMatchObject({ copied: 9, deleted: 1 });
    expect(summary.failures).toEqual([
      expect.objectContaining({ key: "docs/3.pdf", action: "copy", code: "AccessDenied" }),
      expect.objectContaining({ key: "old/locked.txt", action: "delete", code: "AccessDenied" }),
    ]);
    expect(s3Mock.commandCalls(CopyObjectCommand, { Key: "docs/3.pdf" })).toHaveLength(1);
    const deleteCall = s3Mock.commandCalls(DeleteObjectsCommand)[0].args[0].input;
    expect(deleteCall.Delete?.Objects?.map((object) => object.Key).sort()).toEqual(["old/a.txt", "old/locked.txt"]);

    // WHEN the CLI runs the same sync (JSON events; the destination tagged as staging's, as its stack tags it)
    s3Mock.on(GetBucketTaggingCommand, { Bucket: "staging-uploads" }).resolves({ TagSet: [{ Key: "Environment", Value: "staging" }] });
    const output: string[] = [];
    const write = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await main(["node", "cli", "--source-bucket", "prod-uploads", "--dest-bucket", "staging-uploads", "--yes", "--delete", "--json", "--copy-transport", "sdk", "--attempts", "1", "--region", "us-east-1"]);
    } finally {
      write.mockRestore();
    }

    // THEN it exits 1 and the final event lists the failures
    expect(code).toBe(1);
    const events = output.join("").trim().split("\n").map((line) => JSON.parse(line));
    const done = events.find((event) => event.type === "done");
    expect(done).toMatchObject({ copied: 9, deleted: 1 });
    expect(done.failures.map((failure: { key: string }) => failure.key)).toEqual(["docs/3.pdf", "old/locked.txt"]);
    expect(events.filter((event) => event.type === "failure")).toHaveLength(2);
  });

  test("AccessDenied in preflight names the missing grant, before anything is written", async () => {
    // GIVEN a source bucket whose policy does not grant s3:ListBucket to the refresh role
    s3Mock.on(ListObjectsV2Command, { Bucket: "prod-uploads" }).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    s3Mock.on(ListObjectsV2Command, { Bucket: "staging-uploads" }).resolves({ Contents: [], IsTruncated: false });

    // WHEN preflight runs
    const failure = await preflightObjectSync(options()).catch((error: unknown) => error);

    // THEN it names the grant, the bucket ARN and who needs it
    expect(failure).toBeInstanceOf(PreflightError);
    expect((failure as Error).message).toContain("grant s3:ListBucket on arn:aws:s3:::prod-uploads");
    expect((failure as Error).message).toContain("for the target's refresh role");

    // GIVEN listing is allowed but reading objects is not (HEAD 403 has no error body: "Forbidden")
    s3Mock.on(ListObjectsV2Command, { Bucket: "prod-uploads" }).resolves(listing(["a.png"]));
    s3Mock.on(HeadObjectCommand).rejects(s3Error("Forbidden", 403, "UnknownError"));

    // WHEN preflight runs again
    const denied = await preflightObjectSync(options()).catch((error: unknown) => error);

    // THEN it names s3:GetObject on the bucket's objects
    expect((denied as Error).message).toContain("grant s3:GetObject on arn:aws:s3:::prod-uploads/*");

    // WHEN the CLI runs with the same denial
    s3Mock.on(GetBucketTaggingCommand, { Bucket: "staging-uploads" }).resolves({ TagSet: [{ Key: "Environment", Value: "staging" }] });
    const stderr: string[] = [];
    const errWrite = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    const outWrite = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    let code: number;
    try {
      code = await main(["node", "cli", "--source-bucket", "prod-uploads", "--dest-bucket", "staging-uploads", "--yes", "--json", "--copy-transport", "sdk"]);
    } finally {
      errWrite.mockRestore();
      outWrite.mockRestore();
    }

    // THEN it stops with exit 2 and copies nothing
    expect(code).toBe(2);
    expect(stderr.join("")).toContain("s3:GetObject on arn:aws:s3:::prod-uploads/*");
    expect(s3Mock.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  test("GIVEN the destination's tags cannot be read (AccessDenied) WHEN the CLI runs with --yes THEN exit 2 naming s3:GetBucketTagging, and nothing is listed, copied or deleted", async () => {
    // GIVEN (moto does not enforce IAM, so the denial is mocked)
    s3Mock.on(GetBucketTaggingCommand).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    const stderr: string[] = [];
    // WHEN
    const code = await main(["node", "cli", "--source-bucket", "prod-uploads", "--dest-bucket", "staging-uploads", "--yes", "--delete", "--json", "--copy-transport", "sdk"], {
      stdout: () => undefined,
      stderr: (text) => stderr.push(text),
    });
    // THEN
    expect(code).toBe(2);
    expect(stderr.join("")).toContain("cannot read the tags of bucket staging-uploads (AccessDenied): grant s3:GetBucketTagging on arn:aws:s3:::staging-uploads");
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    expect(s3Mock.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  test("the objects half of the refresh: plan names missing grants, a failed key fails the step (exit 1)", async () => {
    // GIVEN a half whose source listing is denied
    const events = new EventLog();
    const half = new ObjectsHalf({
      source: { client, bucket: "prod-uploads" },
      destination: { client, bucket: "staging-uploads" },
      events,
      sync: { copyTransport: "sdk", retry: { attempts: 2, baseDelayMs: 1 } },
    });
    s3Mock.on(ListObjectsV2Command, { Bucket: "prod-uploads" }).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    s3Mock.on(ListObjectsV2Command, { Bucket: "staging-uploads" }).resolves({ Contents: [], IsTruncated: false });

    // WHEN planning, THEN the problem names the grant and nothing is planned
    const denied = await half.plan("r202501311200-ab12");
    expect(denied.problems).toEqual([expect.stringContaining("grant s3:ListBucket on arn:aws:s3:::prod-uploads")]);
    expect(denied.steps).toEqual([]);

    // GIVEN listing works and one key always fails to copy
    s3Mock.on(ListObjectsV2Command, { Bucket: "prod-uploads" }).resolves(listing(["a.png", "b.png"]));
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10 });
    s3Mock.on(CopyObjectCommand).resolves({});
    s3Mock.on(CopyObjectCommand, { Key: "b.png" }).rejects(s3Error("InternalError", 500, "We encountered an internal error."));

    // WHEN planning and running
    const plan = await half.plan("r202501311200-ab12");
    const failure = await half.run("r202501311200-ab12").catch((error: unknown) => error);

    // THEN the plan reports two copies; the run copies one, fails the step with exit code 1 and says which key
    expect(plan.steps[0]).toMatchObject({ step: "sync-objects", status: "todo", identifiers: { copy: "2", delete: "0" } });
    expect(failure).toMatchObject({ exitCode: 1 });
    expect((failure as Error).message).toContain('"b.png" (InternalError)');
    expect(events.events.map((event) => event.state)).toEqual(expect.arrayContaining(["started", "failed"]));
    expect(s3Mock.commandCalls(CopyObjectCommand, { Key: "b.png" })).toHaveLength(2);
  });
});
