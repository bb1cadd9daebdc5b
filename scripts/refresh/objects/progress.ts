/**
 * The terminal progress display of an object sync (cli-progress): objects and bytes done/total,
 * rate and ETA, redrawn in place on stderr. Used by `npm run refresh` and the standalone
 * refresh-objects command; JSON runs and non-terminals never load it.
 */
import { formatBytes } from "./format";
import type { ObjectSyncProgress } from "./sync";

/** `1,234/2,000 objects 61% | 4.8 MiB/7.8 MiB | 410 obj/s 1.6 MiB/s | ETA 2 s` (pure: tests, logs). */
export function progressLine(progress: ObjectSyncProgress, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const objectRate = progress.objectsDone / seconds;
  const byteRate = progress.bytesDone / seconds;
  const percent = progress.objectsTotal > 0 ? Math.floor((100 * progress.objectsDone) / progress.objectsTotal) : 100;
  const left = progress.objectsTotal - progress.objectsDone;
  const eta = left <= 0 ? "0 s" : objectRate > 0 ? formatDuration(left / objectRate) : "…";
  return (
    `${progress.objectsDone.toLocaleString("en-US")}/${progress.objectsTotal.toLocaleString("en-US")} objects ${percent}% | ` +
    `${formatBytes(progress.bytesDone)}/${formatBytes(progress.bytesTotal)} | ` +
    `${objectRate.toFixed(0)} obj/s ${formatBytes(byteRate)}/s | ETA ${eta}`
  );
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  const minutes = Math.ceil(whole / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export interface ProgressDisplay {
  /** New figures (cheap: redrawn at most 5 times a second). */
  update(progress: ObjectSyncProgress): void;
  /**
   * A line for the same screen: while the bar is up it is printed above the bar (on the bar's
   * stream, at the next redraw); otherwise `fallback` prints it.
   */
  log(line: string, fallback: (line: string) => void): void;
  /** Prints what is pending, draws the bar a last time and ends it with a newline. */
  stop(): void;
}

/**
 * A bar on `stream` (a terminal) that appears with the first update. cli-progress's MultiBar
 * (with one bar) because it prints log lines above the bar; a SingleBar restores the cursor to
 * where it started when it stops, which would overwrite lines printed meanwhile.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, label = "objects"): ProgressDisplay {
  // Loaded only when a terminal asks for it: JSON runs stay lean.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MultiBar } = require("cli-progress") as typeof import("cli-progress");
  let latest: ObjectSyncProgress = { objectsDone: 0, objectsTotal: 0, bytesDone: 0, bytesTotal: 0 };
  let startedAt = 0;
  const bars = new MultiBar({
    stream,
    fps: 5,
    hideCursor: true,
    clearOnComplete: false,
    format: (options, params) => {
      const width = options.barsize ?? 30;
      const filled = Math.min(width, Math.round(params.progress * width));
      return `${label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${progressLine(latest, Date.now() - startedAt)}`;
    },
  });
  let bar: ReturnType<typeof bars.create> | undefined;
  let stopped = false;
  return {
    update(progress) {
      if (stopped) return;
      latest = progress;
      const total = Math.max(progress.objectsTotal, 1);
      if (!bar) {
        startedAt = Date.now();
        bar = bars.create(total, progress.objectsDone);
      } else if (total !== bar.getTotal()) {
        bar.setTotal(total);
      }
      bar.update(progress.objectsDone);
    },
    log(line, fallback) {
      if (bar && !stopped) bars.log(`${line}\n`);
      else fallback(line);
    },
    stop() {
      if (!bar || stopped) return;
      stopped = true;
      bars.update(); // MultiBar.stop() drops log lines still waiting for a redraw
      bars.stop();
    },
  };
}
