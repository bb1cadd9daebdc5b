/**
 * Benchmark: our object sync vs `aws s3 sync` vs `rclone sync`, on the same data, against the
 * emulated S3 (moto) on loopback.
 *
 *   npm run bench:sync            (tsx scripts/bench/sync.ts)
 *   REPEATS=3 OBJECTS=2000 PREFIXES=50 OBJECT_SIZE=4096 npm run bench:sync
 *   TOOLS=ours,aws OURS_ARGS="--concurrency 16" AWS_ARGS="" npm run bench:sync
 *
 * AWS_ARGS replaces the aws CLI's output flags (default `--only-show-errors`, its fastest mode;
 * `""` measures its default per-file output); OURS_ARGS adds flags to ours.
 *
 * Seeds OBJECTS objects of OBJECT_SIZE bytes across PREFIXES prefixes in one source bucket, then
 * REPEATS times, for each tool: a cold run (fresh empty destination bucket), verification that
 * the destination equals the source (keys, sizes, ETags), and a warm run (nothing to copy).
 * Every tool runs as a child process under `/usr/bin/time`, so wall seconds, client CPU (user+sys
 * of the client process and its children) and peak RSS are measured the same way. Ours runs as
 * plain JavaScript (transpiled once here with TypeScript, like a compiled deployment), so neither
 * tsx nor npx is part of its measured startup; `ours-tsx` rows (informational) show the tsx path.
 *
 * The last line is exactly:
 *   sync-bench: cold_wall_ratio=<ours/aws> warm_wall_ratio=<ours/aws> cold_cpu_ratio=<ours/aws> identical=<true|false>
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateBucketCommand, PutBucketTaggingCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import * as ts from "typescript";
import { createSyncClient } from "../refresh/objects/client";
import { listBucket } from "../refresh/objects/sync";
import { emulatorProcessEnv, EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmulator, type Emulator } from "../sandbox/emulator";

const REPO = resolve(__dirname, "..", "..");
const OBJECTS = Number(process.env.OBJECTS ?? 2000);
const PREFIXES = Number(process.env.PREFIXES ?? 50);
const OBJECT_SIZE = Number(process.env.OBJECT_SIZE ?? 4096);
const REPEATS = Number(process.env.REPEATS ?? 3);
const TOOLS = (process.env.TOOLS ?? "ours,aws,rclone").split(",").map((tool) => tool.trim()).filter(Boolean);

type Tool = "ours" | "ours-tsx" | "aws" | "rclone";
type Phase = "cold" | "warm";

interface Measurement {
  tool: Tool;
  phase: Phase;
  wall: number;
  cpu: number;
  /** CPU seconds the emulator spent serving the run (Linux /proc), NaN elsewhere. */
  serverCpu: number;
  rssMiB: number;
  exitCode: number;
  identical?: boolean;
}

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

function hasCommand(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function ensureTools(): void {
  if (!hasCommand("/usr/bin/time") && !hasCommand("time")) throw new Error("/usr/bin/time is missing: apt-get install -y time");
  if (TOOLS.includes("aws") && !hasCommand("aws")) throw new Error("the aws CLI is not on PATH (needed for the reference run)");
  if (TOOLS.includes("rclone") && !hasCommand("rclone")) {
    log("rclone is missing: apt-get install -y rclone");
    execFileSync("sh", ["-c", "(apt-get install -y rclone || (apt-get update && apt-get install -y rclone)) >&2"], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  }
}

/** Transpiles the object sync CLI to plain CommonJS once (like a compiled deployment). */
function buildOurs(dir: string): string {
  const sourceDir = join(REPO, "scripts", "refresh", "objects");
  for (const file of readdirSync(sourceDir)) {
    if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
    const output = ts.transpileModule(readFileSync(join(sourceDir, file), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    writeFileSync(join(dir, file.replace(/\.ts$/, ".js")), output);
  }
  return join(dir, "cli.js");
}

/** user+sys CPU seconds of a process so far (Linux /proc/<pid>/stat), NaN when unavailable. */
function processCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

/** Runs a command under /usr/bin/time: wall seconds, user+sys CPU seconds, peak RSS. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv, outFile: string): Promise<{ wall: number; cpu: number; rssMiB: number; exitCode: number }> {
  const timeFile = `${outFile}.time`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "%e %U %S %M", "-o", timeFile, command, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      writeFileSync(outFile, Buffer.concat(chunks));
      const lines = readFileSync(timeFile, "utf8").trim().split("\n");
      const [wall, user, sys, rssKb] = lines[lines.length - 1].split(" ").map(Number);
      resolvePromise({ wall, cpu: user + sys, rssMiB: rssKb / 1024, exitCode: code ?? -1 });
    });
  });
}

async function main(): Promise<void> {
  ensureTools();
  const work = mkdtempSync(join(tmpdir(), "sync-bench-"));
  const oursDir = join(work, "ours");
  mkdirSync(oursDir);
  const oursCli = buildOurs(oursDir);
  let emulator: Emulator | undefined;
  try {
    emulator = await startEmulator();
    log(`emulator ${emulator.endpoint} (pid ${emulator.pid})`);
    const endpoint = emulator.endpoint;
    const env: NodeJS.ProcessEnv = {
      ...emulatorProcessEnv(emulator),
      NODE_PATH: join(REPO, "node_modules"),
      NODE_NO_WARNINGS: "1",
      AWS_PAGER: "",
      // rclone remote "bench" for the emulator: provider Other, path-style
      RCLONE_CONFIG_BENCH_TYPE: "s3",
      RCLONE_CONFIG_BENCH_PROVIDER: "Other",
      RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      RCLONE_CONFIG_BENCH_REGION: EMULATOR_REGION,
      RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: "true",
      RCLONE_CONFIG: join(work, "rclone.conf"),
    };
    writeFileSync(join(work, "rclone.conf"), "");
    // rclone's AWS SDK fails on AWS_CA_BUNDLE with its own HTTP transport; the endpoint is plain http on loopback.
    const rcloneEnv: NodeJS.ProcessEnv = { ...env };
    delete rcloneEnv.AWS_CA_BUNDLE;

    const s3 = createSyncClient({ endpoint, region: EMULATOR_REGION, credentials: { ...EMULATOR_CREDENTIALS } });
    const source = "bench-source";
    await s3.send(new CreateBucketCommand({ Bucket: source }));
    const seedStart = Date.now();
    const body = Buffer.alloc(OBJECT_SIZE);
    const keys = Array.from({ length: OBJECTS }, (_, i) => `prefix-${String(i % PREFIXES).padStart(2, "0")}/object-${String(i).padStart(5, "0")}.bin`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < keys.length) {
          const index = next;
          next += 1;
          const data = Buffer.from(body);
          data.writeUInt32BE(index, 0);
          await s3.send(new PutObjectCommand({ Bucket: source, Key: keys[index], Body: data, ContentType: "application/octet-stream" }));
        }
      }),
    );
    const sourceListing = await listBucket({ client: s3, bucket: source }, [""]);
    const expected = new Map(sourceListing.map((object) => [object.key, `${object.size} ${object.etag}`]));
    log(`seeded ${sourceListing.length} objects of ${OBJECT_SIZE} B across ${PREFIXES} prefixes in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

    const identical = async (bucket: string): Promise<boolean> => {
      const listing = await listBucket({ client: s3, bucket }, [""]);
      if (listing.length !== expected.size) return false;
      return listing.every((object) => expected.get(object.key) === `${object.size} ${object.etag}`);
    };

    const command = (tool: Tool, destination: string): [string, string[]] => {
      switch (tool) {
        case "ours":
          return ["node", [oursCli, "--source-bucket", source, "--dest-bucket", destination, "--yes", "--delete", "--endpoint-url", endpoint, "--json", ...(process.env.OURS_ARGS ?? "").split(" ").filter(Boolean)]];
        case "ours-tsx":
          return [join(REPO, "node_modules", ".bin", "tsx"), [join(REPO, "scripts/refresh/objects/cli.ts"), "--source-bucket", source, "--dest-bucket", destination, "--yes", "--delete", "--endpoint-url", endpoint, "--json", ...(process.env.OURS_ARGS ?? "").split(" ").filter(Boolean)]];
        case "aws":
          return ["aws", ["s3", "sync", `s3://${source}`, `s3://${destination}`, "--delete", ...(process.env.AWS_ARGS ?? "--only-show-errors").split(" ").filter(Boolean), "--endpoint-url", endpoint]];
        case "rclone":
          return ["rclone", ["sync", `bench:${source}`, `bench:${destination}`, "--transfers", "32", "--s3-no-check-bucket"]];
      }
    };

    const measurements: Measurement[] = [];
    let run = 0;
    for (let repeat = 1; repeat <= REPEATS; repeat += 1) {
      for (const tool of TOOLS as Tool[]) {
        run += 1;
        const destination = `bench-${tool}-${repeat}-${run}`.toLowerCase();
        await s3.send(new CreateBucketCommand({ Bucket: destination }));
        // The write guard of refresh:objects writes only to a bucket classified as an unprotected environment's.
        await s3.send(new PutBucketTaggingCommand({ Bucket: destination, Tagging: { TagSet: [{ Key: "Environment", Value: "staging" }] } }));
        for (const phase of ["cold", "warm"] as Phase[]) {
          const [cmd, args] = command(tool, destination);
          const serverBefore = processCpu(emulator.pid);
          const result = await timed(cmd, args, tool === "rclone" ? rcloneEnv : env, join(work, `${destination}-${phase}.log`));
          const measurement: Measurement = { tool, phase, ...result, serverCpu: processCpu(emulator.pid) - serverBefore };
          if (phase === "cold") measurement.identical = await identical(destination);
          measurements.push(measurement);
          log(
            `#${repeat} ${tool.padEnd(8)} ${phase}: ${result.wall.toFixed(2)} s wall, ${result.cpu.toFixed(2)} s cpu, ${result.rssMiB.toFixed(0)} MiB, emulator ${measurement.serverCpu.toFixed(2)} s cpu` +
              `${result.exitCode !== 0 ? ` (exit ${result.exitCode}, see ${join(work, `${destination}-${phase}.log`)})` : ""}` +
              `${measurement.identical === undefined ? "" : ` identical=${measurement.identical}`}`,
          );
        }
      }
    }
    s3.destroy();

    const median = (values: number[]): number => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    };
    const pick = (tool: Tool, phase: Phase): Measurement[] => measurements.filter((m) => m.tool === tool && m.phase === phase);
    const stat = (tool: Tool, phase: Phase, field: "wall" | "cpu" | "rssMiB" | "serverCpu"): number => median(pick(tool, phase).map((m) => m[field]));

    const rows: string[][] = [["tool", "run", "wall s (median)", "wall s (min–max)", "client CPU s", "peak RSS MiB", "emulator CPU s", "exit", "identical"]];
    for (const tool of TOOLS as Tool[]) {
      for (const phase of ["cold", "warm"] as Phase[]) {
        const ms = pick(tool, phase);
        const walls = ms.map((m) => m.wall);
        rows.push([
          tool,
          phase,
          stat(tool, phase, "wall").toFixed(2),
          `${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}`,
          stat(tool, phase, "cpu").toFixed(2),
          stat(tool, phase, "rssMiB").toFixed(0),
          stat(tool, phase, "serverCpu").toFixed(2),
          ms.map((m) => m.exitCode).join(","),
          phase === "cold" ? String(ms.every((m) => m.identical === true)) : "",
        ]);
      }
    }
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    const line = (row: string[]): string => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
    const table = [line(rows[0]), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...rows.slice(1).map(line)];
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    process.stdout.write(
      `\n${OBJECTS} objects × ${OBJECT_SIZE} B across ${PREFIXES} prefixes, emulated S3 (moto) on loopback, ${REPEATS} repeats, medians; load average at the end ${load}\n` +
        `${table.join("\n")}\n\n`,
    );

    const ratio = (numerator: number, denominator: number): string => (denominator > 0 ? (numerator / denominator).toFixed(2) : "nan");
    const hasAws = TOOLS.includes("aws") && TOOLS.includes("ours");
    const allIdentical = measurements.filter((m) => m.phase === "cold").every((m) => m.identical === true) && measurements.every((m) => m.exitCode === 0);
    process.stdout.write(
      `sync-bench: cold_wall_ratio=${hasAws ? ratio(stat("ours", "cold", "wall"), stat("aws", "cold", "wall")) : "nan"} ` +
        `warm_wall_ratio=${hasAws ? ratio(stat("ours", "warm", "wall"), stat("aws", "warm", "wall")) : "nan"} ` +
        `cold_cpu_ratio=${hasAws ? ratio(stat("ours", "cold", "cpu"), stat("aws", "cold", "cpu")) : "nan"} ` +
        `identical=${allIdentical}\n`,
    );
  } finally {
    await emulator?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:sync failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exitCode = 1;
});
