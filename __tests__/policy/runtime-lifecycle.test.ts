/**
 * The dated Lambda runtime lifecycle (scripts/policy/runtime-lifecycle.ts) and rule TS-LMB-004.
 * Unit tests with a fixed clock (the verdicts must not drift with the calendar), plus one
 * end-to-end check of the done-when line: a synthesized stack edited to `nodejs20.x` makes
 * `npm run policy` (its `main`, in process, over a real synthesis) fail naming the runtime and
 * its block date. That one uses the real clock on purpose: AWS has blocked nodejs20.x since
 * 2026-06-01, so it holds on every later day.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIME } from "../../modules/lambda";
import { synthesizeTo } from "../../scripts/lib/synth";
import { main as policyMain } from "../../scripts/policy/cli";
import { evaluate } from "../../scripts/policy/engine";
import { StackModel } from "../../scripts/policy/model";
import { formatReport } from "../../scripts/policy/report";
import { ALL_RULES } from "../../scripts/policy/rules";
import { LAMBDA_RUNTIMES, RECORDED_ON, WARNING_DAYS, replacementRuntimes, runtimeStatus } from "../../scripts/policy/runtime-lifecycle";
import { computeStack } from "./fixtures";

const rule = ALL_RULES.find((r) => r.id === "TS-LMB-004")!;
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

function lambdaReport(runtime: string, now: Date) {
  const doc = computeStack();
  doc.resource.aws_lambda_function.api.runtime = runtime;
  return evaluate([rule], [StackModel.fromSynth("twinstack-staging", doc)], { name: "staging", protected: false }, [], { now });
}

describe("runtime lifecycle table", () => {
  test("every entry has ISO dates in order: deprecated ≤ create blocked ≤ update blocked", () => {
    const iso = /^\d{4}-\d{2}-\d{2}$/;
    expect(RECORDED_ON).toMatch(iso);
    for (const [runtime, dates] of Object.entries(LAMBDA_RUNTIMES)) {
      const ordered = [dates.deprecated, dates.blockCreate, dates.blockUpdate].filter((d): d is string => d !== undefined);
      for (const d of ordered) expect({ runtime, d, valid: iso.test(d) && !Number.isNaN(Date.parse(d)) }).toEqual({ runtime, d, valid: true });
      expect({ runtime, ordered }).toEqual({ runtime, ordered: [...ordered].sort() });
    }
  });

  test("the module's runtime is recorded and not blocked or warned about on the day the table was recorded", () => {
    expect(RUNTIME).toBe("nodejs22.x");
    expect(runtimeStatus(RUNTIME, day(RECORDED_ON)).kind).toBe("supported");
  });
});

describe("runtimeStatus with a fixed clock", () => {
  test.each([
    // GIVEN nodejs22.x (create blocked from 2027-06-01) WHEN judged on each day THEN
    ["2026-11-30", "supported"],
    ["2027-03-02", "supported"], // 91 days before
    ["2027-03-03", "warning"], // exactly 90 days before
    ["2027-05-31", "warning"],
    ["2027-06-01", "blocked"],
    ["2028-01-01", "blocked"],
  ])("nodejs22.x on %s is %s", (iso, kind) => {
    expect(runtimeStatus("nodejs22.x", day(iso)).kind).toBe(kind);
  });

  test("a runtime without a recorded block date is judged by its deprecation date (earlier, never later)", () => {
    const table = { "python3.99": { deprecated: "2030-01-31" } };
    expect(runtimeStatus("python3.99", day("2030-01-30"), table)).toMatchObject({ kind: "warning", blockCreate: "2030-01-31", daysLeft: 1 });
    expect(runtimeStatus("python3.99", day("2030-01-31"), table).kind).toBe("blocked");
  });

  test("an unknown runtime is unknown, and replacements are the same language's supported runtimes", () => {
    expect(runtimeStatus("nodejs99.x", day("2026-11-30")).kind).toBe("unknown");
    expect(runtimeStatus("constructor", day("2026-11-30")).kind).toBe("unknown");
    expect(replacementRuntimes("nodejs20.x", day("2026-11-30"))).toEqual(["nodejs24.x", "nodejs22.x"]);
    expect(WARNING_DAYS).toBe(90);
  });
});

describe("TS-LMB-004 with a fixed clock", () => {
  test("nodejs20.x fails, naming the runtime and the day AWS started blocking creates", () => {
    // GIVEN a function on nodejs20.x WHEN judged on 2026-11-30 THEN fail, with the dates
    const report = lambdaReport("nodejs20.x", day("2026-11-30"));
    expect(report.ok).toBe(false);
    const [finding] = report.rules[0].findings;
    expect(finding.status).toBe("fail");
    expect(finding.reason).toContain("runtime nodejs20.x: AWS blocks creating functions on it since 2026-06-01");
    expect(finding.reason).toContain("deprecated 2026-04-30");
    expect(finding.reason).toContain("move to nodejs24.x or nodejs22.x");
  });

  test("within 90 days of the block it passes with a warning, printed as WARN", () => {
    const report = lambdaReport("nodejs22.x", day("2027-04-15"));
    expect(report.ok).toBe(true);
    expect(report.warnings).toBe(1);
    expect(report.rules[0].findings[0]).toMatchObject({ status: "pass", warning: true, reason: expect.stringContaining("from 2027-06-01, in 47 day(s)") });
    const text = formatReport([report]);
    expect(text).toMatch(/^WARN TS-LMB-004/m);
    expect(text).toContain("1 warning(s) → OK");
  });

  test("an unknown runtime fails and says where the table is", () => {
    const report = lambdaReport("nodejs99.x", day("2026-11-30"));
    expect(report.rules[0].findings[0].reason).toMatch(/nodejs99\.x is not in the dated lifecycle table \(scripts\/policy\/runtime-lifecycle\.ts/);
  });
});

describe("npm run policy over a synthesized stack edited to nodejs20.x", () => {
  let outdir: string;
  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), "twinstack-runtime-"));
    const result = await synthesizeTo(outdir, { TWINSTACK_ENVIRONMENTS: "staging", PREVIEW_PR: "" });
    if (result.code !== 0) throw new Error(`synthesis failed: ${result.stderr}`);
  }, 120000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("the synthesized stack runs nodejs22.x; edited to nodejs20.x, policy exits 1 naming the runtime and 2026-06-01", async () => {
    const file = join(outdir, "stacks", "twinstack-staging", "cdk.tf.json");
    const stack = JSON.parse(readFileSync(file, "utf8"));
    const functions = Object.values(stack.resource.aws_lambda_function as Record<string, { runtime: string }>);
    expect(functions.map((f) => f.runtime)).toEqual(["nodejs22.x"]);
    // GIVEN the same stack with the runtime changed
    for (const f of functions) f.runtime = "nodejs20.x";
    writeFileSync(file, JSON.stringify(stack));
    // WHEN npm run policy -- --env staging --synth-dir <dir> (real clock)
    let out = "";
    const write = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await policyMain(["node", "policy", "--env", "staging", "--synth-dir", outdir]);
    } finally {
      write.mockRestore();
    }
    // THEN it fails, naming the runtime and its block date
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL TS-LMB-004/m);
    expect(out).toContain("runtime nodejs20.x: AWS blocks creating functions on it since 2026-06-01");
    expect(out).toMatch(/-- staging: .* → FAILED/);
  }, 60000);
});
