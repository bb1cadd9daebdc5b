/**
 * The refresh CLI (`npm run refresh -- plan|run`) in front of the write guard, in process.
 * Two kinds:
 *  - in-memory (no AWS): TWINSTACK_SINGLE_ACCOUNT against real AWS is refused before any
 *    credentials are used — `connect` is a recording stub that must never be called;
 *  - emulator (moto_server, real S3 and DynamoDB APIs, one account as in the sandbox): the guard
 *    reads the target's uploads bucket tags before any write, so a bucket tagged as production's
 *    stops `plan` and `run` with exit 2 and its objects stay.
 */
import { CreateBucketCommand, ListObjectsV2Command, PutBucketTaggingCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { EnvironmentConfig } from "../../environments/config";
import { uploadsBucketName } from "../../environments/naming";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { main, type CliDeps } from "../../scripts/refresh/cli";
import { realClock } from "../../scripts/refresh/core";
import { clientConfig, startEmulator, type Emulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";
import { emulatorConnect } from "../support/refresh/emulator-connect";
import { cliDeps, type CapturedDeps } from "../support/refresh/harness";

jest.setTimeout(90_000);

function deps(env: NodeJS.ProcessEnv, connect: CliDeps["connect"]): CapturedDeps {
  return cliDeps({ clock: realClock }, env, { connect });
}

describe("refresh CLI: TWINSTACK_SINGLE_ACCOUNT against real AWS (in-memory, no AWS)", () => {
  test.each(["plan", "run"])(
    "GIVEN TWINSTACK_SINGLE_ACCOUNT set to production's account and no emulator endpoint WHEN `refresh %s` runs THEN exit 2 naming the variable, and no account is connected",
    async (command) => {
      // GIVEN
      const connect = jest.fn(async () => {
        throw new Error("connect must not be called");
      });
      const captured = deps({ TWINSTACK_SINGLE_ACCOUNT: "222222222222" }, connect);
      // WHEN
      const code = await main([command, "--from", "production", "--to", "staging", ...(command === "run" ? ["--yes"] : [])], captured);
      // THEN
      expect(code).toBe(2);
      expect(connect).not.toHaveBeenCalled();
      expect(captured.text()).toContain("TWINSTACK_SINGLE_ACCOUNT is allowed only against an emulator");
      expect(captured.text()).not.toContain("runnable");
    },
  );
});

const ACCOUNT = "111111111111";

describeWithTools("refresh CLI: the write guard reads the target's tags (emulator)", ["moto_server"], () => {
  let emulator: Emulator;
  let s3: S3Client;
  let env: NodeJS.ProcessEnv;
  let staging: EnvironmentConfig;
  let production: EnvironmentConfig;

  const keys = async (bucket: string): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((object) => object.Key as string).sort();
  const tag = (bucket: string, environment: string) =>
    s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: "Environment", Value: environment }] } }));

  beforeAll(async () => {
    emulator = await startEmulator({ env: { MOTO_ACCOUNT_ID: ACCOUNT } });
    env = { TWINSTACK_SINGLE_ACCOUNT: ACCOUNT, AWS_ENDPOINT_URL: emulator.endpoint };
    const inputs = environmentInputs(env);
    staging = resolveEnvironment("staging", inputs);
    production = resolveEnvironment("production", inputs);
    s3 = new S3Client({ ...clientConfig(emulator), forcePathStyle: true });
    for (const bucket of [uploadsBucketName(production), uploadsBucketName(staging)]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await tag(uploadsBucketName(production), "production");
    await s3.send(new PutObjectCommand({ Bucket: uploadsBucketName(production), Key: "avatars/1.png", Body: "one" }));
    await s3.send(new PutObjectCommand({ Bucket: uploadsBucketName(staging), Key: "kept/by-staging.txt", Body: "staging's own" }));
  });

  afterAll(async () => {
    s3?.destroy();
    await emulator?.stop();
  });

  test("GIVEN the target's uploads bucket tagged Environment=production WHEN `refresh plan --only objects` runs THEN it reports the refusal with exit 2", async () => {
    // GIVEN
    await tag(uploadsBucketName(staging), "production");
    const captured = deps(env, emulatorConnect(emulator));
    // WHEN
    const code = await main(["plan", "--only", "objects"], captured);
    // THEN
    expect(code).toBe(2);
    expect(captured.text()).toContain(`refresh: refused: bucket ${uploadsBucketName(staging).replace(ACCOUNT, "********1111")} is tagged Environment=production, a protected environment`);
  });

  test("GIVEN the same bucket WHEN `refresh run --only objects --yes` runs THEN exit 2 and nothing in it changes", async () => {
    await tag(uploadsBucketName(staging), "production");
    const code = await main(["run", "--only", "objects", "--yes"], deps(env, emulatorConnect(emulator)));
    expect(code).toBe(2);
    expect(await keys(uploadsBucketName(staging))).toEqual(["kept/by-staging.txt"]);
  });

  test("GIVEN the bucket tagged Environment=staging (as its stack tags it) WHEN `refresh plan --only objects` runs THEN the guard passes and the plan is runnable", async () => {
    await tag(uploadsBucketName(staging), "staging");
    const captured = deps(env, emulatorConnect(emulator));
    const code = await main(["plan", "--only", "objects", "--json"], captured);
    expect(code).toBe(0);
    expect(captured.lines.some((line) => line.includes('"message":"runnable"'))).toBe(true);
  });
});
