/**
 * Kind: the refresh CLI (`npm run refresh -- run --only objects`) in-process against the emulator
 * (real S3 and DynamoDB APIs, one emulated account as in the sandbox). The accounts are
 * connected by a test `connect` that hands the CLI emulator clients, so what is checked is the
 * CLI's own wiring: lock, confirmation flag, event lines, the terminal progress bar (a fake
 * terminal stands in for stderr) and JSON output without a bar. The copy engine itself is
 * covered by objects-sync.test.ts, the database half by refresh-database.test.ts.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, ListObjectsV2Command, PutBucketTaggingCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { uploadsBucketName } from "../../environments/naming";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { main } from "../../scripts/refresh/cli";
import { realClock } from "../../scripts/refresh/core";
import { lockTableName } from "../../scripts/refresh/lock";
import { clientConfig, startEmulator, type Emulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";
import { fakeTerminal } from "../helpers/terminal";
import { emulatorConnect } from "../support/refresh/emulator-connect";
import { cliDeps, type CapturedDeps } from "../support/refresh/harness";

jest.setTimeout(90000);

const ACCOUNT = "111111111111";
// The single-account topology is for an emulator only: any loopback endpoint says so (the clients come from `connect` below).
const ENV = { TWINSTACK_SINGLE_ACCOUNT: ACCOUNT, AWS_ENDPOINT_URL: "http://127.0.0.1" };

describeWithTools("refresh CLI, objects half (emulator)", ["moto_server"], () => {
  const inputs = environmentInputs(ENV);
  const production = resolveEnvironment("production", inputs);
  const staging = resolveEnvironment("staging", inputs);
  let emulator: Emulator;
  let s3: S3Client;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    emulator = await startEmulator({ env: { MOTO_ACCOUNT_ID: ACCOUNT } });
    s3 = new S3Client({ ...clientConfig(emulator), forcePathStyle: true });
    dynamodb = new DynamoDBClient(clientConfig(emulator));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: lockTableName(staging),
        AttributeDefinitions: [{ AttributeName: "LockID", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "LockID", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    for (const config of [production, staging]) {
      await s3.send(new CreateBucketCommand({ Bucket: uploadsBucketName(config) }));
      // As the stacks tag them: the write guard reads the target's Environment tag before any write.
      await s3.send(new PutBucketTaggingCommand({ Bucket: uploadsBucketName(config), Tagging: { TagSet: [{ Key: "Environment", Value: config.name }] } }));
    }
  });

  afterAll(async () => {
    s3?.destroy();
    dynamodb?.destroy();
    await emulator?.stop();
  });

  function deps(progress?: NodeJS.WriteStream): CapturedDeps {
    return cliDeps({ clock: realClock }, ENV, { connect: emulatorConnect(emulator), progress });
  }

  async function keys(bucket: string): Promise<string[]> {
    return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((object) => object.Key as string).sort();
  }

  test("GIVEN production uploads and a stale staging upload WHEN `run --only objects --yes` runs on a terminal THEN event lines print above a bar of objects, bytes, rate and ETA, staging mirrors production and the lock is released", async () => {
    // GIVEN
    for (const key of ["avatars/1.png", "avatars/2.png", "docs/terms.txt"]) {
      await s3.send(new PutObjectCommand({ Bucket: uploadsBucketName(production), Key: key, Body: `body of ${key}` }));
    }
    await s3.send(new PutObjectCommand({ Bucket: uploadsBucketName(staging), Key: "stale.txt", Body: "old" }));
    const terminal = fakeTerminal(120);
    const cli = deps(terminal);
    const { lines } = cli;

    // WHEN
    const code = await main(["run", "--only", "objects", "--yes"], cli);

    // THEN: exit 0; event lines before the copying on stdout, those while the bar is up above it on the terminal
    expect({ code, lines }).toMatchObject({ code: 0 });
    const drawn = terminal.text();
    const everything = `${lines.join("\n")}\n${drawn}`;
    expect(lines.some((line) => /refresh\s+lock\s+done/.test(line))).toBe(true);
    expect(everything).toMatch(/objects\s+sync-objects\s+done .*copied=3 .*deleted=1 .*failures=0/);
    // the bar ends with the objects half: the lines after it (lock released, run done) are plain again
    expect(lines.at(-1)).toMatch(/refresh\s+run\s+done/);
    expect(drawn).not.toMatch(/refresh\s+run\s+done/);
    expect(drawn).toMatch(/objects \[[█░]+\] 4\/4 objects 100% \| \d+ B\/\d+ B \| \d+ obj\/s .*\/s \| ETA 0 s/);
    // THEN: staging is production's mirror and nobody holds the lock
    expect(await keys(uploadsBucketName(staging))).toEqual(await keys(uploadsBucketName(production)));
    expect((await dynamodb.send(new ScanCommand({ TableName: lockTableName(staging) }))).Items ?? []).toEqual([]);
  });

  test("GIVEN --json WHEN the same run goes again (nothing to copy) THEN every stdout line is a JSON event and no bar is drawn", async () => {
    const terminal = fakeTerminal(120);
    const cli = deps(terminal);
    const { lines } = cli;

    const code = await main(["run", "--only", "objects", "--yes", "--json"], cli);

    expect(code).toBe(0);
    const events = lines.map((line) => JSON.parse(line) as { half?: string; step: string; state: string; identifiers?: Record<string, string> });
    expect(events.find((event) => event.step === "sync-objects" && event.state === "done")?.identifiers).toMatchObject({ copied: "0", skipped: "3", deleted: "0" });
    expect(terminal.text()).toBe("");
  });

  test("GIVEN --exclude and --no-delete WHEN a run goes THEN excluded keys are neither copied nor deleted and extra staging keys stay", async () => {
    // GIVEN a new production upload under an excluded prefix and one outside it, and an extra staging key
    await s3.send(new PutObjectCommand({ Bucket: uploadsBucketName(production), Key: "private/report.pdf", Body: "internal" }));
    await s3.send(new PutObjectCommand({ Bucket: uploadsBucketName(production), Key: "avatars/3.png", Body: "three" }));
    await s3.send(new PutObjectCommand({ Bucket: uploadsBucketName(staging), Key: "qa/fixture.json", Body: "{}" }));
    const cli = deps();
    const { lines } = cli;

    // WHEN
    const code = await main(["run", "--only", "objects", "--yes", "--json", "--exclude", "private/", "--no-delete", "--concurrency", "4"], cli);

    // THEN
    expect(code).toBe(0);
    const done = lines.map((line) => JSON.parse(line) as { step: string; state: string; identifiers?: Record<string, string> }).find((event) => event.step === "sync-objects" && event.state === "done");
    expect(done?.identifiers).toMatchObject({ copied: "1", deleted: "0", failures: "0" });
    expect(await keys(uploadsBucketName(staging))).toEqual(["avatars/1.png", "avatars/2.png", "avatars/3.png", "docs/terms.txt", "qa/fixture.json"]);
  });

  test("GIVEN a bad --concurrency or an empty --include WHEN run THEN it is refused (exit 2) naming the flag, and nothing is copied", async () => {
    const before = await keys(uploadsBucketName(staging));
    for (const [args, message] of [
      [["--concurrency", "0"], /--concurrency \("0"\) must be a number ≥ 1/],
      [["--concurrency", "2.5"], /--concurrency \("2.5"\) must be a whole number from 1 to 1024/],
      [["--include", ""], /a prefix must not be empty/],
    ] as const) {
      const cli = deps();
      const { lines } = cli;
      const code = await main(["run", "--only", "objects", "--yes", ...args], cli);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(lines.join("\n")).toMatch(message);
    }
    expect(await keys(uploadsBucketName(staging))).toEqual(before);
  });
});
