/**
 * Kind: emulator (moto_server, the real S3 wire protocol) — `npm run refresh:objects` run as the
 * operator runs it (a child process through tsx, no terminal on stdin), against buckets carrying
 * the `Environment` tag that the stacks' default tags put on every bucket. What is checked is the
 * write guard in front of the copy: a bucket of a protected environment (by name or by tag), an
 * untagged bucket, or no confirmation all stop the command with exit 2 before any write, and the
 * protected bucket's objects are unchanged. The copy engine itself is covered by objects-sync.test.ts.
 */
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, PutBucketTaggingCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { uploadsBucketName } from "../../environments/naming";
import { namedEnvironments, validateEnvironments } from "../../environments/registry";
import { runCommand } from "../../scripts/lib/terraform";
import { clientConfig, emulatorProcessEnv, startEmulator, type Emulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";

jest.setTimeout(120_000);

const REPO = join(__dirname, "..", "..");
const { staging, production } = validateEnvironments(namedEnvironments);
const STAGING_UPLOADS = uploadsBucketName(staging);
const PRODUCTION_UPLOADS = uploadsBucketName(production);

/** The command as an operator runs it: a child process, stdin a pipe (no terminal). */
const runCli = (args: string[], env: NodeJS.ProcessEnv) => runCommand(join(REPO, "node_modules", ".bin", "tsx"), [join(REPO, "scripts", "refresh", "objects", "cli.ts"), ...args], { cwd: REPO, env });

describeWithTools("refresh:objects write guard (emulator)", ["moto_server"], () => {
  let emulator: Emulator;
  let s3: S3Client;
  let env: NodeJS.ProcessEnv;

  const keys = async (bucket: string): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((object) => object.Key as string).sort();

  async function bucket(name: string, tags: Record<string, string> | undefined, objects: string[]): Promise<void> {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    if (tags) await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } }));
    for (const key of objects) await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: `body of ${key}` }));
  }

  beforeAll(async () => {
    emulator = await startEmulator();
    s3 = new S3Client({ ...clientConfig(emulator), forcePathStyle: true });
    env = emulatorProcessEnv(emulator);
    // GIVEN staging's uploads (one stale object) and production's uploads (customers' files), each tagged as the stacks tag them
    await bucket(STAGING_UPLOADS, { Project: "twinstack", Environment: "staging" }, ["avatars/staging-only.png"]);
    await bucket(PRODUCTION_UPLOADS, { Project: "twinstack", Environment: "production" }, ["avatars/customer-1.png", "docs/contract-2.pdf"]);
    // and a bucket whose name says nothing, but whose tag says production
    await bucket("innocent-looking-bucket", { Environment: "production" }, ["invoices/3.pdf"]);
    // and a bucket with no tags at all (nobody classified it)
    await bucket("unclassified-bucket", undefined, ["notes/4.txt"]);
  });

  afterAll(async () => {
    s3?.destroy();
    await emulator?.stop();
  });

  test("GIVEN staging's uploads as source and production's uploads as destination WHEN refresh:objects runs THEN it exits 2 before any write and production's objects are unchanged", async () => {
    // WHEN (no --yes, stdin not a terminal: as a script or a careless copy-paste would run it)
    const result = await runCli(["--source-bucket", STAGING_UPLOADS, "--dest-bucket", PRODUCTION_UPLOADS, "--endpoint-url", emulator.endpoint], env);

    // THEN refused, naming the protected environment; production's objects are all still there
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/production/);
    expect(await keys(PRODUCTION_UPLOADS)).toEqual(["avatars/customer-1.png", "docs/contract-2.pdf"]);
    // and no account id appears unmasked anywhere
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\d{12}/);
  });

  test("GIVEN --yes and --delete WHEN the destination is production's uploads THEN still exit 2 and nothing changes (the guard is not a confirmation)", async () => {
    const result = await runCli(["--source-bucket", STAGING_UPLOADS, "--dest-bucket", PRODUCTION_UPLOADS, "--endpoint-url", emulator.endpoint, "--yes", "--delete"], env);
    expect(result.code).toBe(2);
    expect(await keys(PRODUCTION_UPLOADS)).toEqual(["avatars/customer-1.png", "docs/contract-2.pdf"]);
  });

  test("GIVEN a destination whose name says nothing but whose Environment tag is production WHEN refresh:objects runs with --yes THEN exit 2, naming the tag, and nothing changes", async () => {
    const result = await runCli(["--source-bucket", STAGING_UPLOADS, "--dest-bucket", "innocent-looking-bucket", "--endpoint-url", emulator.endpoint, "--yes", "--delete"], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Environment=production");
    expect(await keys("innocent-looking-bucket")).toEqual(["invoices/3.pdf"]);
  });

  test("GIVEN an untagged destination WHEN refresh:objects runs with --yes THEN exit 2 (not classified safe means sensitive) and nothing changes", async () => {
    const result = await runCli(["--source-bucket", STAGING_UPLOADS, "--dest-bucket", "unclassified-bucket", "--endpoint-url", emulator.endpoint, "--yes", "--delete"], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Environment tag");
    expect(await keys("unclassified-bucket")).toEqual(["notes/4.txt"]);
  });

  test("GIVEN --to production WHEN refresh:objects runs with --yes THEN exit 2 before any AWS call", async () => {
    const result = await runCli(["--from", "staging", "--to", "production", "--yes", "--endpoint-url", emulator.endpoint], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("environments/production is protected");
    expect(await keys(PRODUCTION_UPLOADS)).toEqual(["avatars/customer-1.png", "docs/contract-2.pdf"]);
  });

  test("GIVEN production's uploads as source and staging's as destination WHEN no --yes and no terminal THEN exit 2, asking for --yes, and staging is unchanged", async () => {
    const result = await runCli(["--source-bucket", PRODUCTION_UPLOADS, "--dest-bucket", STAGING_UPLOADS, "--endpoint-url", emulator.endpoint], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--yes");
    expect(await keys(STAGING_UPLOADS)).toEqual(["avatars/staging-only.png"]);
  });

  test("GIVEN production → staging with --yes WHEN no --delete THEN production's objects are copied and staging's own object is kept (no deletes by default); account ids are masked", async () => {
    const result = await runCli(["--source-bucket", PRODUCTION_UPLOADS, "--dest-bucket", STAGING_UPLOADS, "--endpoint-url", emulator.endpoint, "--yes", "--json"], env);
    expect(result.stderr).not.toMatch(/refused|failed|Error/);
    expect(result.code).toBe(0);
    expect(await keys(STAGING_UPLOADS)).toEqual(["avatars/customer-1.png", "avatars/staging-only.png", "docs/contract-2.pdf"]);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\d{12}/);
    expect(result.stdout).toContain("********1111");
  });

  test("GIVEN --from production --to staging --yes --delete WHEN run THEN staging mirrors production exactly", async () => {
    const result = await runCli(["--from", "production", "--to", "staging", "--yes", "--delete", "--json", "--endpoint-url", emulator.endpoint], env);
    expect(result.stderr).not.toMatch(/refused|failed|Error/);
    expect(result.code).toBe(0);
    expect(await keys(STAGING_UPLOADS)).toEqual(await keys(PRODUCTION_UPLOADS));
  });
});
