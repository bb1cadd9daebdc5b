/**
 * Prints the refresh downtime/wall-time model: `npm run bench:refresh-model` (`--json` for one JSON object).
 * Simulated clock; latencies: snapshot 10 min, restore 20 min, instance 10 min, rename 1 min, delete 5 min.
 */
import { runModel } from "../../__tests__/support/refresh/downtime-model";

async function main(): Promise<void> {
  const { ours, old } = await runModel();
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ ours, old })}\n`);
    return;
  }
  const rows = [ours, old];
  process.stdout.write("Refresh model (simulated clock; snapshot 10, restore 20, instance 10, rename 1, delete 5 min)\n\n");
  process.stdout.write(`${"procedure".padEnd(52)} ${"wall (min)".padStart(11)} ${"staging down (min)".padStart(19)} ${"outages".padStart(8)}\n`);
  for (const row of rows) {
    process.stdout.write(`${row.procedure.padEnd(52)} ${row.wallMinutes.toFixed(2).padStart(11)} ${row.unavailableMinutes.toFixed(2).padStart(19)} ${String(row.outages).padStart(8)}\n`);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
