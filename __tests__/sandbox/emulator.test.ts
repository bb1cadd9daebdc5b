/**
 * Emulator tests (moto_server on loopback): the lifecycle of scripts/sandbox/emulator.ts (start,
 * answer, stop without leaving the process behind) and multi-account through the emulator's STS,
 * which every cross-account test and the sandbox rely on. A real emulator because what is checked
 * is the emulator itself.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describeWithTools } from "../helpers/requirements";
import {
  EMULATOR_DEFAULT_ACCOUNT,
  assumeRoleCredentials,
  clientConfig,
  emulatorAvailability,
  emulatorProcessEnv,
  freePort,
  launcherArgs,
  resetEmulator,
  startEmulator,
  type Emulator,
} from "../../scripts/sandbox/emulator";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie (an exited process waiting to be reaped by init). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Starting Python + moto takes ~1 s idle, much longer on a loaded 2-core machine.
jest.setTimeout(60000);

async function status(url: string, method = "GET"): Promise<number> {
  return (await fetch(url, { method })).status;
}

describeWithTools("emulator helper", ["moto_server"], () => {
  test("finds the python that runs moto_server, and moto 5.2.1", () => {
    // GIVEN moto_server on PATH  WHEN availability is checked  THEN a python and moto's version
    const availability = emulatorAvailability();
    expect(availability.reason).toBeUndefined();
    expect(availability.python).toBeTruthy();
    expect(availability.motoVersion).toBe("5.2.1");
  });

  test("GIVEN a missing moto_server THEN availability says why", () => {
    const availability = emulatorAvailability({ PATH: "/nonexistent" });
    expect(availability.reason).toMatch(/moto_server is not on PATH/);
  });

  test("starts on loopback, answers, and stops without leaving its process", async () => {
    // WHEN an emulator starts
    const emulator = await startEmulator();
    try {
      // THEN it answers on 127.0.0.1:<port> and gives clients what they need
      expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`);
      expect(await status(`${emulator.endpoint}/moto-api/`)).toBe(200);
      expect(emulator.env).toMatchObject({
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
      });
      expect(emulatorProcessEnv(emulator, { AWS_PROFILE: "prod", PATH: "/bin" })).toEqual({ PATH: "/bin", ...emulator.env });
      expect(isAlive(emulator.pid)).toBe(true);
    } finally {
      // WHEN it is stopped
      await emulator.stop();
    }
    // THEN its pid is gone and the port no longer answers
    expect(isAlive(emulator.pid)).toBe(false);
    await expect(status(`${emulator.endpoint}/moto-api/`)).rejects.toThrow();
  });

  (process.platform === "linux" ? test : test.skip)("GIVEN the process that started it is killed THEN the emulator exits too", async () => {
    // GIVEN a separate node process that starts the launcher exactly as startEmulator does
    // (plain node, not tsx, to keep this fast) and never stops it
    const python = emulatorAvailability().python as string;
    const port = await freePort();
    const code = `const { spawn } = require("node:child_process");
      const args = ${JSON.stringify(launcherArgs(port, true, 0))};
      args[args.indexOf("--parent-pid") + 1] = String(process.pid);
      const child = spawn(${JSON.stringify(python)}, args, { stdio: "ignore" });
      console.log(child.pid); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    const emulatorPid = await new Promise<number>((resolvePid, reject) => {
      parent.stdout.once("data", (chunk: Buffer) => resolvePid(Number(chunk.toString().trim())));
      parent.once("exit", (exitCode) => reject(new Error(`parent exited early (${exitCode})`)));
    });
    // (wait until it serves, so the parent-death hook is surely installed)
    const ready = Date.now() + 30000;
    while (Date.now() < ready && (await status(`http://127.0.0.1:${port}/moto-api/`).catch(() => 0)) !== 200) await sleep(100);
    expect(isRunning(emulatorPid)).toBe(true);
    // WHEN that process is killed outright (no exit handlers run)
    const parentGone = new Promise((r) => parent.once("exit", r));
    parent.kill("SIGKILL");
    await parentGone;
    // THEN the emulator exits by itself (PR_SET_PDEATHSIG); init reaps the zombie later
    const deadline = Date.now() + 15000;
    while (isRunning(emulatorPid) && Date.now() < deadline) await sleep(100);
    expect(isRunning(emulatorPid)).toBe(false);
  });

  describe("GIVEN one emulator", () => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator();
    });
    afterAll(async () => {
      await emulator?.stop();
    });

    test("two accounts reached by assume-role are separated", async () => {
      const identities: string[] = [];
      const bucketsSeen: Record<string, string[]> = {};
      for (const account of ["111111111111", "222222222222"]) {
        // WHEN a role in <account> is assumed and a bucket created with its credentials
        const credentials = await assumeRoleCredentials(emulator.endpoint, `arn:aws:iam::${account}:role/twinstack-deployer`);
        const sts = new STSClient(clientConfig(emulator, credentials));
        const s3 = new S3Client({ ...clientConfig(emulator, credentials), forcePathStyle: true });
        identities.push((await sts.send(new GetCallerIdentityCommand({}))).Account ?? "");
        await s3.send(new CreateBucketCommand({ Bucket: `twinstack-test-${account}` }));
        bucketsSeen[account] = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? "");
        sts.destroy();
        s3.destroy();
      }
      const root = new S3Client({ ...clientConfig(emulator), forcePathStyle: true });
      const rootBuckets = ((await root.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? "");
      const rootIdentity = new STSClient(clientConfig(emulator));
      const rootAccount = (await rootIdentity.send(new GetCallerIdentityCommand({}))).Account;
      root.destroy();
      rootIdentity.destroy();

      // THEN STS reports each account, and each account lists only its own bucket
      expect(identities).toEqual(["111111111111", "222222222222"]);
      expect(bucketsSeen["111111111111"]).toEqual(["twinstack-test-111111111111"]);
      expect(bucketsSeen["222222222222"]).toEqual(["twinstack-test-222222222222"]);
      expect(rootAccount).toBe(EMULATOR_DEFAULT_ACCOUNT);
      expect(rootBuckets).toEqual([]);
    });

    test("reset forgets everything", async () => {
      // GIVEN a bucket  WHEN the emulator is reset  THEN it is gone
      const s3 = new S3Client({ ...clientConfig(emulator), forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: "twinstack-reset-me" }));
      await resetEmulator(emulator.endpoint);
      expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
      s3.destroy();
    });
  });
});
