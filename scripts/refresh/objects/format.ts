/** Human-readable output of the object refresh (the refresh CLI can reuse it). */
import type { ObjectSyncSummary } from "./sync";

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatSummary(summary: ObjectSyncSummary): string {
  const lines = [
    `objects: ${summary.sourceBucket} → ${summary.destinationBucket}`,
    `  copied ${summary.copied}, skipped ${summary.skipped}, deleted ${summary.deleted}, ${formatBytes(summary.bytes)} copied, ` +
      `${summary.failures.length} failed, ${(summary.elapsedMs / 1000).toFixed(1)} s${summary.aborted ? " (aborted)" : ""}`,
  ];
  for (const failure of summary.failures.slice(0, 50)) {
    lines.push(`  FAILED ${failure.action} ${JSON.stringify(failure.key)}: ${failure.code}: ${failure.message}`);
  }
  if (summary.failures.length > 50) lines.push(`  … and ${summary.failures.length - 50} more (use --json for all)`);
  return lines.join("\n");
}
