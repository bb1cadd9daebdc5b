/**
 * Turns `terraform show -json <planfile>` output into the Markdown a reviewer reads on a pull
 * request: per stack add/change/destroy/replace counts, a warning listing every destroy and
 * replacement by address, and the full detail collapsed — always below GitHub's 65,535-character
 * comment limit (with a note when something had to be cut).
 *
 *   tsx scripts/plan-summary.ts twinstack-staging=staging.json twinstack-production=prod.json
 *   terraform show -json plan.out | tsx scripts/plan-summary.ts --stack twinstack-staging
 */
import { readFileSync, writeFileSync } from "node:fs";

/** GitHub rejects comments over 65,535 characters; stay clearly below it. */
export const GITHUB_COMMENT_LIMIT = 65535;
export const DEFAULT_MAX_LENGTH = 60000;
/** The hidden marker the workflows use to find and update their one comment. */
export const COMMENT_MARKER = "<!-- twinstack-plan-summary -->";

/** The parts of Terraform's JSON plan representation this summary reads. */
export interface TerraformPlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: ResourceChange[];
  readonly output_changes?: Record<string, { actions: string[] }>;
  readonly errored?: boolean;
}

export interface ResourceChange {
  readonly address: string;
  readonly mode?: "managed" | "data";
  readonly type?: string;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly replace_paths?: unknown[][];
  };
}

export type Action = "create" | "update" | "delete" | "replace";

export interface PlannedChange {
  readonly address: string;
  readonly action: Action;
  /** Top-level attributes whose value changes (updates and replacements). */
  readonly attributes: string[];
  /** Attributes that force the replacement. */
  readonly replacedBecause: string[];
}

export interface StackSummary {
  readonly stack: string;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly replace: number;
  readonly changes: PlannedChange[];
  /** Every destroy and replacement, in plan order. */
  readonly destructive: PlannedChange[];
}

/** Maps Terraform's action lists to one action; no-op and read are not changes. */
export function classify(actions: readonly string[]): Action | undefined {
  const key = actions.join(",");
  switch (key) {
    case "create":
      return "create";
    case "update":
      return "update";
    case "delete":
      return "delete";
    case "delete,create":
    case "create,delete":
      return "replace";
    default:
      return undefined; // no-op, read, forget
  }
}

function changedAttributes(before: unknown, after: unknown): string[] {
  if (typeof before !== "object" || before === null || typeof after !== "object" || after === null) return [];
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  return [...keys].filter((key) => JSON.stringify(b[key]) !== JSON.stringify(a[key])).sort();
}

/** The pure summary of one stack's plan. */
export function summarizePlan(stack: string, plan: TerraformPlanJson): StackSummary {
  const changes: PlannedChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === "data") continue;
    const action = classify(rc.change.actions);
    if (!action) continue;
    changes.push({
      address: rc.address,
      action,
      attributes: action === "update" || action === "replace" ? changedAttributes(rc.change.before, rc.change.after) : [],
      replacedBecause: action === "replace" ? [...new Set((rc.change.replace_paths ?? []).map((path) => path.map(String).join(".")))] : [],
    });
  }
  const count = (action: Action) => changes.filter((c) => c.action === action).length;
  return {
    stack,
    add: count("create"),
    change: count("update"),
    destroy: count("delete"),
    replace: count("replace"),
    changes,
    destructive: changes.filter((c) => c.action === "delete" || c.action === "replace"),
  };
}

const SYMBOL: Record<Action, string> = { create: "+", update: "~", delete: "-", replace: "-/+" };

function detailLine(change: PlannedChange): string {
  const extra =
    change.action === "replace" && change.replacedBecause.length > 0
      ? ` (forces replacement: ${change.replacedBecause.join(", ")})`
      : change.attributes.length > 0
        ? ` (${change.attributes.join(", ")})`
        : "";
  // Inside a fenced block; a backtick fence in an address would be impossible, but be safe.
  return `${SYMBOL[change.action].padEnd(3)} ${change.action.padEnd(7)} ${change.address}${extra}`.replace(/```/g, "'''");
}

export interface RenderOptions {
  /** Heading of the comment. Default "Terraform plan". */
  readonly title?: string;
  /** Maximum characters of the result. Default 60,000 (GitHub's limit is 65,535). */
  readonly maxLength?: number;
  /** Lines placed before the heading (e.g. the comment marker). Default the marker. */
  readonly marker?: string;
  /** Extra Markdown after the plans (policy results, cost estimate), included if it fits. */
  readonly footer?: string;
}

/**
 * Writes within a character budget: every block either fits whole, or is cut at a line and
 * closed properly, and the reader is told what was left out.
 */
class Budget {
  private readonly parts: string[] = [];
  private used = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  remaining(): number {
    return this.max - this.used;
  }
  add(text: string): boolean {
    if (text.length > this.remaining()) return false;
    this.parts.push(text);
    this.used += text.length;
    return true;
  }
  /** Adds as many lines as fit with `reserve` characters kept free, returns how many were added. */
  addLines(lines: string[], reserve: number): number {
    let added = 0;
    for (const line of lines) {
      if (line.length + 1 > this.remaining() - reserve) break;
      this.add(`${line}\n`);
      added++;
    }
    if (added < lines.length) this.truncated = true;
    return added;
  }
  toString(): string {
    return this.parts.join("");
  }
}

/** Markdown for one or more stacks' plans, at most `maxLength` characters. */
export function renderMarkdown(summaries: StackSummary[], options: RenderOptions = {}): string {
  const max = Math.min(options.maxLength ?? DEFAULT_MAX_LENGTH, GITHUB_COMMENT_LIMIT - 1);
  // The final truncation note always fits: it is kept out of the budget.
  const FINAL_NOTE = "\n---\n**Truncated:** this summary was shortened to stay under GitHub's 65,535-character comment limit. The full plan is in the workflow run (job summary and plan artifact).\n";
  const budget = new Budget(max - FINAL_NOTE.length);
  const note = (n: number, what: string) => `_…${n} more ${what} not shown: the comment was truncated to stay under GitHub's 65,535-character limit; see the workflow run's plan artifact for everything._\n`;
  const NOTE_RESERVE = 260;

  const marker = options.marker ?? COMMENT_MARKER;
  const header = [
    ...(marker ? [marker] : []),
    `### ${options.title ?? "Terraform plan"}`,
    "",
    "| Stack | Add | Change | Destroy | Replace |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...summaries.map((s) => `| \`${s.stack}\` | ${s.add} | ${s.change} | ${s.destroy} | ${s.replace} |`),
    "",
  ].join("\n");
  if (!budget.add(`${header}\n`)) {
    // Only a pathological number of stacks gets here; the table is then all we show.
    return `${header.slice(0, max - NOTE_RESERVE)}\n${note(summaries.length, "stacks")}`;
  }

  const destructive = summaries.flatMap((s) => s.destructive.map((c) => ({ stack: s.stack, change: c })));
  if (destructive.length > 0) {
    const destroys = destructive.filter((d) => d.change.action === "delete").length;
    const replaces = destructive.length - destroys;
    budget.add(`> [!WARNING]\n> **This plan destroys ${destroys} and replaces ${replaces} resource(s).** Check each one:\n>\n`);
    const lines = destructive.map((d) => `> - **${d.change.action === "delete" ? "destroy" : "replace"}** \`${d.stack}\`: \`${d.change.address}\`${d.change.replacedBecause.length > 0 ? ` (forced by ${d.change.replacedBecause.map((p) => `\`${p}\``).join(", ")})` : ""}`);
    const shown = budget.addLines(lines, NOTE_RESERVE * 2);
    if (shown < lines.length) budget.add(`>\n> ${note(lines.length - shown, "destroys/replacements")}`);
    budget.add("\n");
  } else if (summaries.every((s) => s.changes.length === 0)) {
    budget.add("No changes. The infrastructure matches the configuration.\n\n");
  }

  for (const summary of summaries) {
    if (summary.changes.length === 0) continue;
    const open = `<details><summary>All ${summary.changes.length} change(s) in <code>${summary.stack}</code></summary>\n\n\`\`\`\n`;
    const close = "```\n\n</details>\n\n";
    // Open a block only if it can also be closed.
    if (open.length + close.length + NOTE_RESERVE > budget.remaining() || !budget.add(open)) {
      budget.truncated = true;
      budget.add(note(summary.changes.length, `changes of ${summary.stack}`));
      continue;
    }
    const lines = summary.changes.map(detailLine);
    const shown = budget.addLines(lines, close.length + NOTE_RESERVE);
    budget.add(close);
    if (shown < lines.length) budget.add(note(lines.length - shown, `changes of ${summary.stack}`));
  }

  if (options.footer) {
    if (!budget.add(`${options.footer}\n`)) {
      // Footer sections are whole documents: never cut one in half.
      budget.truncated = true;
      budget.add("_Policy and cost results did not fit; see the workflow run's job summary._\n");
    }
  }
  return budget.truncated ? `${budget.toString()}${FINAL_NOTE}` : budget.toString();
}

/** Parses `terraform show -json` output, with an error that says which input was wrong. */
export function parsePlanJson(text: string, source: string): TerraformPlanJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message}); expected the output of \`terraform show -json <planfile>\``);
  }
  if (typeof parsed !== "object" || parsed === null || !("format_version" in parsed)) {
    throw new Error(`${source}: not a Terraform JSON plan (no format_version); expected the output of \`terraform show -json <planfile>\``);
  }
  return parsed as TerraformPlanJson;
}

const HELP = `Usage: plan-summary [options] [<stack>=<plan.json> ...]

Turns \`terraform show -json <planfile>\` output into Markdown for a pull-request comment:
per-stack add/change/destroy/replace counts, a warning listing every destroy and replacement,
and the full list collapsed, kept under GitHub's 65,535-character comment limit.

Inputs are <stack>=<file> pairs (a bare file uses its name as the stack); with none, the plan
JSON is read from standard input and named by --stack.

Options:
  --stack <name>       stack name for standard input (default "stack")
  --title <text>       heading (default "Terraform plan")
  --footer <file>      Markdown appended if it fits (policy results, cost estimate)
  --max-length <n>     maximum characters (default ${DEFAULT_MAX_LENGTH})
  --marker <text>      first line, to find the comment again (default "${COMMENT_MARKER}"; "" for none)
  --output <file>      write there instead of standard output
  --fail-on-destroy    exit 3 when anything is destroyed or replaced
  -h, --help           this help

Exit codes: 0 written, 2 bad usage or input, 3 destructive changes with --fail-on-destroy.`;

export async function main(argv: string[], io: { stdin: () => Promise<string>; stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const inputs: Array<{ stack: string; file: string }> = [];
  let stack = "stack";
  let title: string | undefined;
  let footerFile: string | undefined;
  let maxLength: number | undefined;
  let output: string | undefined;
  let failOnDestroy = false;
  let marker: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    try {
      if (arg === "-h" || arg === "--help") {
        io.stdout(`${HELP}\n`);
        return 0;
      } else if (arg === "--stack") stack = value();
      else if (arg === "--title") title = value();
      else if (arg === "--footer") footerFile = value();
      else if (arg === "--output") output = value();
      else if (arg === "--fail-on-destroy") failOnDestroy = true;
      else if (arg === "--marker") marker = value();
      else if (arg === "--max-length") {
        maxLength = Number(value());
        if (!Number.isInteger(maxLength) || maxLength < 1000) throw new UsageError(`--max-length (${argv[i]}) must be an integer ≥ 1000`);
      } else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}`);
      else {
        const eq = arg.indexOf("=");
        inputs.push(eq > 0 ? { stack: arg.slice(0, eq), file: arg.slice(eq + 1) } : { stack: arg.replace(/^.*\//, "").replace(/\.json$/, ""), file: arg });
      }
    } catch (error) {
      if (error instanceof UsageError) {
        io.stderr(`plan-summary: ${error.message}\n${HELP}\n`);
        return 2;
      }
      throw error;
    }
  }
  try {
    const plans = inputs.length > 0 ? inputs.map((input) => ({ stack: input.stack, text: input.file === "-" ? undefined : readFileSync(input.file, "utf8"), source: input.file })) : [{ stack, text: undefined, source: "standard input" }];
    const summaries: StackSummary[] = [];
    for (const plan of plans) {
      const text = plan.text ?? (await io.stdin());
      summaries.push(summarizePlan(plan.stack, parsePlanJson(text, plan.source)));
    }
    const markdown = renderMarkdown(summaries, { title, maxLength, marker, footer: footerFile ? readFileSync(footerFile, "utf8") : undefined });
    if (output) writeFileSync(output, markdown);
    else io.stdout(markdown);
    return failOnDestroy && summaries.some((s) => s.destructive.length > 0) ? 3 : 0;
  } catch (error) {
    io.stderr(`plan-summary: ${(error as Error).message}\n`);
    return 2;
  }
}

class UsageError extends Error {}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (data += chunk));
    process.stdin.on("end", () => resolve(data));
    process.stdin.on("error", reject);
  });
}

if (require.main === module) {
  main(process.argv.slice(2), { stdin: readStdin, stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`plan-summary: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
