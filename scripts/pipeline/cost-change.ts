/**
 * `npx tsx scripts/pipeline/cost-change.ts --environment <env> --head <cost.json> [--base <cost.json>] [--output <file>]`
 * The cost part of the plan comment: this branch's monthly estimate and main's (both from
 * `npm run cost -- <env> --json`), the delta, and the lines that changed. Pure formatting of two
 * estimates; without --base it says main could not be estimated. Exit 0 done, 2 bad usage.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { parseCommand } from "../lib/cli-main";

/** The fields of `npm run cost -- --json` this report reads. */
export interface EstimateJson {
  readonly total: number;
  readonly currency: string;
  readonly usage?: string;
  readonly items?: ReadonlyArray<{ readonly address?: string; readonly description?: string; readonly monthly?: number }>;
}

const money = (amount: number, currency: string) => `${currency === "USD" ? "$" : `${currency} `}${amount.toFixed(2)}`;
const signed = (amount: number, currency: string) => `${amount > 0.004 ? "+" : amount < -0.004 ? "−" : "±"}${money(Math.abs(amount), currency)}`;

/** An estimate line: the resource and what of it is priced (one resource can have several lines). */
function itemKey(item: NonNullable<EstimateJson["items"]>[number]): string {
  return [item.address, item.description].filter(Boolean).join(" — ") || "?";
}

/** Lines whose monthly cost differs between base and head (added, removed or changed), largest change first. */
export function changedItems(base: EstimateJson, head: EstimateJson): Array<{ key: string; base: number; head: number }> {
  const sum = (estimate: EstimateJson) => {
    const byKey = new Map<string, number>();
    for (const item of estimate.items ?? []) byKey.set(itemKey(item), (byKey.get(itemKey(item)) ?? 0) + (item.monthly ?? 0));
    return byKey;
  };
  const [before, after] = [sum(base), sum(head)];
  return [...new Set([...before.keys(), ...after.keys()])]
    .map((key) => ({ key, base: before.get(key) ?? 0, head: after.get(key) ?? 0 }))
    .filter((row) => Math.abs(row.head - row.base) >= 0.005)
    .sort((a, b) => Math.abs(b.head - b.base) - Math.abs(a.head - a.base));
}

export function formatCostChange(environment: string, head: EstimateJson, base?: EstimateJson): string {
  const currency = head.currency;
  const usage = head.usage ? ` (${head.usage} usage)` : "";
  if (!base) {
    return [`#### Monthly cost of \`${environment}\`${usage}`, "", `| main | this branch | change |`, `| ---: | ---: | ---: |`, `| _not estimated_ | ${money(head.total, currency)} | _unknown_ |`, ""].join("\n");
  }
  if (base.currency !== head.currency) throw new Error(`the estimates are in different currencies (${base.currency}, ${head.currency})`);
  const delta = head.total - base.total;
  const lines = [
    `#### Monthly cost of \`${environment}\`${usage}: ${signed(delta, currency)}`,
    "",
    "| main | this branch | change |",
    "| ---: | ---: | ---: |",
    `| ${money(base.total, currency)} | ${money(head.total, currency)} | ${signed(delta, currency)} |`,
    "",
  ];
  const changed = changedItems(base, head);
  if (changed.length > 0) {
    lines.push("<details><summary>What changed</summary>", "", "| item | main | this branch | change |", "| --- | ---: | ---: | ---: |");
    for (const row of changed.slice(0, 30)) lines.push(`| \`${row.key}\` | ${money(row.base, currency)} | ${money(row.head, currency)} | ${signed(row.head - row.base, currency)} |`);
    if (changed.length > 30) lines.push(`| … ${changed.length - 30} more | | | |`);
    lines.push("", "</details>", "");
  }
  return lines.join("\n");
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command()
    .name("cost-change")
    .description("Markdown of the monthly cost change of an environment against main")
    .requiredOption("--environment <name>", "environment, e.g. staging")
    .requiredOption("--head <file>", "this branch's `npm run cost -- <env> --json`")
    .option("--base <file>", "main's `npm run cost -- <env> --json`")
    .option("--output <file>", "write the markdown here instead of stdout")
    .exitOverride();
  const usage = await parseCommand(program, argv.slice(2));
  if (usage !== undefined) return usage;
  const options = program.opts<{ environment: string; head: string; base?: string; output?: string }>();
  const read = (file: string, flag: string): EstimateJson => {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as EstimateJson;
    if (typeof parsed.total !== "number" || typeof parsed.currency !== "string") throw new Error(`${flag} (${file}) is not a cost estimate: expected "total" and "currency"`);
    return parsed;
  };
  let text: string;
  try {
    text = formatCostChange(options.environment, read(options.head, "--head"), options.base ? read(options.base, "--base") : undefined);
  } catch (error) {
    process.stderr.write(`cost-change: ${(error as Error).message}\n`);
    return 2;
  }
  if (options.output) writeFileSync(options.output, text);
  else process.stdout.write(text);
  return 0;
}

if (require.main === module) main().then((code) => process.exit(code));
