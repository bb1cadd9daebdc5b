/**
 * Benchmark: how often Terraform retries a request against the emulator, with the launcher
 * (moto + scripts/sandbox/moto_launcher.py's fixes) and against plain moto 5.2.1 (the peer).
 *
 *   npm run bench:emulator-retries           (tsx scripts/bench/emulator-retries.ts)
 *   RESOURCES=300 PARALLELISM=30 REPEATS=1 VARIANTS=launcher,plain npm run bench:emulator-retries
 *
 * Each run starts a fresh emulator with request tracing (TWINSTACK_EMULATOR_TRACE), then has
 * Terraform create and destroy RESOURCES SSM parameters and RESOURCES IAM roles at
 * -parallelism=PARALLELISM. A retry is a request whose `amz-sdk-request` says attempt ≥ 2; its
 * first attempt's status says why: after a 200 the client lost a response it was sent (a write
 * it retries is then refused as a conflict: defect 12), after a 500 moto failed (defect 13).
 * Terraform comes from PATH; the provider from the local mirror when there is one.
 *
 * The last line is exactly:
 *   emulator-retries: launcher_retries=<n> plain_retries=<n> launcher_failed_runs=<n> plain_failed_runs=<n> wall_ratio=<launcher/plain>
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientConfig, startEmulator } from "../sandbox/emulator";
import { assertTerraformAvailable, terraform, writeTerraformCliConfig } from "../lib/terraform";

const RESOURCES = Number(process.env.RESOURCES ?? 300);
const PARALLELISM = Number(process.env.PARALLELISM ?? 30);
const REPEATS = Number(process.env.REPEATS ?? 1);
const VARIANTS = (process.env.VARIANTS ?? "launcher,plain").split(",").map((v) => v.trim()) as Variant[];

type Variant = "launcher" | "plain";

interface Run {
  variant: Variant;
  requests: number;
  retries: number;
  afterOk: number;
  afterServerError: number;
  applyOk: boolean;
  destroyOk: boolean;
  seconds: number;
  firstError?: string;
}

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

function configuration(endpoint: string): string {
  return `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    ssm = ${JSON.stringify(endpoint)}
    iam = ${JSON.stringify(endpoint)}
    sts = ${JSON.stringify(endpoint)}
  }
}
resource "aws_ssm_parameter" "p" {
  count = ${RESOURCES}
  name  = "/bench/p\${count.index}"
  type  = "String"
  value = "v\${count.index}"
}
resource "aws_iam_role" "r" {
  count              = ${RESOURCES}
  name               = "bench-\${count.index}"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}
`;
}

/** Requests, retries and what each retried request's first attempt was answered. */
function readTrace(file: string): Pick<Run, "requests" | "retries" | "afterOk" | "afterServerError"> {
  const lines = readFileSync(file, "utf8").split("\n").filter((line) => line.includes(" inv="));
  const firstAttemptCode = new Map<string, string>();
  const retried = new Set<string>();
  let retries = 0;
  for (const line of lines) {
    const invocation = / inv=(\S+)/.exec(line)?.[1] ?? "-";
    const attempt = Number(/attempt=(\d+)/.exec(line)?.[1] ?? 1);
    const code = / code=(\S+)/.exec(line)?.[1] ?? "None";
    if (attempt === 1) firstAttemptCode.set(invocation, code);
    else {
      retries++;
      retried.add(invocation);
    }
  }
  const firstCodes = [...retried].map((invocation) => firstAttemptCode.get(invocation) ?? "");
  return {
    requests: lines.length,
    retries,
    afterOk: firstCodes.filter((code) => code.startsWith("2")).length,
    afterServerError: firstCodes.filter((code) => code.startsWith("5")).length,
  };
}

async function measure(variant: Variant, work: string, cliConfigFile: string): Promise<Run> {
  const dir = mkdtempSync(join(work, `${variant}-`));
  const traceFile = join(dir, "trace.log");
  writeFileSync(traceFile, "");
  const emulator = await startEmulator({ patched: variant === "launcher", logFile: join(dir, "moto.log"), env: { TWINSTACK_EMULATOR_TRACE: traceFile } });
  try {
    writeFileSync(join(dir, "main.tf"), configuration(clientConfig(emulator).endpoint));
    const options = { cwd: dir, cliConfigFile };
    const init = await terraform(["init", "-input=false", "-no-color"], options);
    if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
    const t0 = Date.now();
    const flags = ["-input=false", "-no-color", "-auto-approve", `-parallelism=${PARALLELISM}`];
    const apply = await terraform(["apply", ...flags], options);
    const destroy = await terraform(["destroy", ...flags], options);
    const seconds = (Date.now() - t0) / 1000;
    const firstError = [apply, destroy].map((result) => /Error: (.*)/.exec(result.stderr)?.[1]).find(Boolean);
    return { variant, ...readTrace(traceFile), applyOk: apply.code === 0, destroyOk: destroy.code === 0, seconds, firstError };
  } finally {
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(readFileSync(__filename, "utf8").split("*/")[0].replace(/^\/\*\*\n?/, "").replace(/^ \* ?/gm, ""));
    return;
  }
  const version = await assertTerraformAvailable();
  const work = mkdtempSync(join(tmpdir(), "twinstack-bench-retries-"));
  const { cliConfigFile, providerSource } = writeTerraformCliConfig(join(work, "terraform"));
  log(`terraform ${version}, provider from ${providerSource.kind}; ${RESOURCES} parameters + ${RESOURCES} roles, -parallelism=${PARALLELISM}, ${REPEATS} repeat(s)`);
  const runs: Run[] = [];
  try {
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const variant of VARIANTS) {
        const run = await measure(variant, work, cliConfigFile);
        runs.push(run);
        log(
          `${variant.padEnd(8)} requests=${run.requests} retries=${run.retries} (after 200: ${run.afterOk}, after 5xx: ${run.afterServerError}) ` +
            `apply=${run.applyOk ? "ok" : "FAILED"} destroy=${run.destroyOk ? "ok" : "FAILED"} ${run.seconds.toFixed(1)} s${run.firstError ? ` — ${run.firstError.slice(0, 160)}` : ""}`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const of = (variant: Variant) => runs.filter((run) => run.variant === variant);
  const sum = (list: Run[], pick: (run: Run) => number) => list.reduce((total, run) => total + pick(run), 0);
  const failed = (list: Run[]) => list.filter((run) => !run.applyOk || !run.destroyOk).length;
  const wallRatio = of("launcher").length && of("plain").length ? sum(of("launcher"), (run) => run.seconds) / sum(of("plain"), (run) => run.seconds) : NaN;
  process.stdout.write(
    `emulator-retries: launcher_retries=${sum(of("launcher"), (run) => run.retries)} plain_retries=${sum(of("plain"), (run) => run.retries)} ` +
      `launcher_failed_runs=${failed(of("launcher"))} plain_failed_runs=${failed(of("plain"))} wall_ratio=${Number.isFinite(wallRatio) ? wallRatio.toFixed(2) : "n/a"}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`emulator-retries: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
