/**
 * Emulator tests (moto_server on loopback): defects 12 and 13, the emulator's transport and
 * concurrency, fixed by scripts/sandbox/moto_launcher.py. Together they made a write moto had
 * carried out get retried and refused (`ParameterAlreadyExists`, `EntityAlreadyExists`, the
 * S3 backend's state lock "held" by the run holding it): see docs/emulator.md, "Retried writes".
 * For each: GIVEN plain moto (`patched: false`) the defect shows, so the patch is still needed;
 * GIVEN the launcher, it does not. An emulator (not aws-sdk-client-mock) because the point is
 * the emulator's own behaviour.
 */
import { connect } from "node:net";
import { DescribeParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { clientConfig, startEmulator, type Emulator } from "../../scripts/sandbox/emulator";
import { describeWithTools } from "../helpers/requirements";

// Starting Python + moto takes ~1 s idle, much longer on a loaded 2-core machine.
jest.setTimeout(120000);

const CALLER_IDENTITY = "Action=GetCallerIdentity&Version=2011-06-15";

/** The head of an STS GetCallerIdentity request (moto routes by the credential scope's service; it does not check the signature). */
function callerIdentityHead(emulator: Emulator, extraHeaders: string[] = []): string {
  return [
    "POST / HTTP/1.1",
    `Host: 127.0.0.1:${emulator.port}`,
    "Content-Type: application/x-www-form-urlencoded",
    "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
    `Content-Length: ${CALLER_IDENTITY.length}`,
    ...extraHeaders,
    "",
    "",
  ].join("\r\n");
}

/**
 * Sends one STS GetCallerIdentity over a raw socket and returns the chunks the response arrived
 * in: one chunk when the server sent it with one write, two (headers, then body) otherwise.
 */
function responseChunks(emulator: Emulator): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(emulator.port, "127.0.0.1", () => socket.end(callerIdentityHead(emulator) + CALLER_IDENTITY));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(chunks));
    socket.setTimeout(30000, () => socket.destroy(new Error("no answer in 30 s")));
  });
}

/** One burst of parameter writes and listings at once; the HTTP statuses of the calls that failed. */
async function concurrentParameterCalls(ssm: SSMClient, round: number, count: number): Promise<number[]> {
  const calls = Array.from({ length: count }, (_, i) => [
    ssm.send(new PutParameterCommand({ Name: `/transport/${round}/p${i}`, Type: "String", Value: `v${i}` })),
    ssm.send(new DescribeParametersCommand({ MaxResults: 50 })),
  ]).flat();
  const outcomes = await Promise.allSettled(calls);
  return outcomes.flatMap((outcome) =>
    outcome.status === "rejected" ? [(outcome.reason as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1] : [],
  );
}

describeWithTools("moto defects 12-13: transport and concurrency (emulator)", ["moto_server"], () => {
  for (const patched of [false, true]) {
    describe(patched ? "GIVEN the launcher (patched)" : "GIVEN plain moto 5.2.1", () => {
      let emulator: Emulator;
      beforeAll(async () => {
        emulator = await startEmulator({ patched });
      });
      afterAll(async () => {
        await emulator?.stop();
      });

      test("defect 12: a response's headers and body arrive in one piece, not two", async () => {
        // WHEN 20 requests are sent one after another
        const split: number[] = [];
        for (let i = 0; i < 20; i++) {
          const chunks = await responseChunks(emulator);
          const whole = Buffer.concat(chunks).toString("utf8");
          expect(whole).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*<GetCallerIdentityResponse/);
          if (chunks.length > 1) split.push(chunks.length);
        }
        // THEN plain moto sent some as headers, then body (6 and 10 of 20 in two runs); the launcher none
        if (patched) expect(split).toEqual([]);
        else expect(split.length).toBeGreaterThan(0);
      });

      test("Expect: 100-continue still gets its interim answer before the body is sent", async () => {
        // WHEN a client sends only the head of a request that expects 100-continue
        const chunks: string[] = [];
        const socket = connect(emulator.port, "127.0.0.1", () => socket.write(callerIdentityHead(emulator, ["Expect: 100-continue"])));
        const closed = new Promise((resolve) => socket.on("close", resolve));
        socket.setTimeout(30000, () => socket.destroy());
        const first = await new Promise<string>((resolve) => socket.once("data", (chunk) => resolve(chunk.toString("utf8"))));
        // THEN the server asks for the body at once, and answers once it has it
        expect(first).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
        chunks.push(first);
        socket.on("data", (chunk) => chunks.push(chunk.toString("utf8")));
        socket.end(CALLER_IDENTITY);
        await closed;
        expect(chunks.join("")).toMatch(/HTTP\/1\.1 200 OK\r\n[\s\S]*<GetCallerIdentityResponse/);
      });

      test("defect 13: concurrent writes and listings never fail with HTTP 500", async () => {
        // GIVEN a client that does not retry (a retry would hide the 500s), many sockets at once
        const ssm = new SSMClient({ ...clientConfig(emulator), maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: 40 } }) });
        try {
          // WHEN parameters are written while others are listed, up to five bursts (the race is timing-dependent)
          const failures: number[] = [];
          for (let round = 0; round < 5 && (patched || failures.length === 0); round++) {
            failures.push(...(await concurrentParameterCalls(ssm, round, 150)));
          }
          // THEN plain moto answers some with 500 ("dictionary changed size during iteration"); the launcher none
          if (patched) expect(failures).toEqual([]);
          else expect(failures).toContain(500);
        } finally {
          ssm.destroy();
        }
      });
    });
  }
});
