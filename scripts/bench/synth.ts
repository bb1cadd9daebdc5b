/**
 * npm run bench:synth — synthesizes every stack (staging, production, a preview, each
 * account's bootstrap) five times, as `cdktf synth` runs the app, and prints the median
 * wall seconds and peak RSS. Target on the 2-core reference machine: ≤ 4 s and ≤ 300 MB.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";

const ROOT = join(__dirname, "..", "..");

interface Sample {
  wallSeconds: number;
  peakRssMb: number;
  stacks: number;
}

function synthOnce(): Sample {
  const work = mkdtempSync(join(tmpdir(), "twinstack-bench-synth-"));
  const rusageDir = join(work, "rusage");
  const outdir = join(work, "out");
  mkdirSync(rusageDir);
  const started = process.hrtime.bigint();
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      CDKTF_OUTDIR: outdir,
      PREVIEW_PR: "1",
      TWINSTACK_RUSAGE_DIR: rusageDir,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${join(__dirname, "rusage-preload.js")}`.trim(),
    },
    encoding: "utf8",
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`synth failed (exit ${result.status}):\n${result.stderr}`);
  // maxRSS is in kilobytes; tsx runs the app in a child process, so take the largest.
  const peakRssKb = Math.max(...readdirSync(rusageDir).map((file) => JSON.parse(readFileSync(join(rusageDir, file), "utf8")).maxRSS as number));
  const stacks = readdirSync(join(outdir, "stacks")).length;
  rmSync(work, { recursive: true, force: true });
  return { wallSeconds, peakRssMb: peakRssKb / 1024, stacks };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const program = new Command()
  .name("bench:synth")
  .description("Synthesize every stack N times; print median wall seconds and peak RSS")
  .option("-n, --runs <count>", "number of runs", (value) => {
    const runs = Number(value);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs (${value}) must be a positive integer`);
    return runs;
  }, 5)
  .parse();

const { runs } = program.opts<{ runs: number }>();
const samples: Sample[] = [];
for (let run = 1; run <= runs; run++) {
  const sample = synthOnce();
  samples.push(sample);
  console.log(`run ${run}/${runs}: ${sample.stacks} stacks, ${sample.wallSeconds.toFixed(2)} s wall, ${sample.peakRssMb.toFixed(0)} MB peak RSS`);
}
const wall = median(samples.map((s) => s.wallSeconds));
const rss = median(samples.map((s) => s.peakRssMb));
const ok = wall <= 4 && rss <= 300;
console.log(`synth-bench: stacks=${samples[0].stacks} runs=${runs} median_wall_s=${wall.toFixed(2)} median_peak_rss_mb=${rss.toFixed(0)} max_peak_rss_mb=${Math.max(...samples.map((s) => s.peakRssMb)).toFixed(0)} target=${ok ? "met" : "MISSED"} (≤ 4 s, ≤ 300 MB)`);
