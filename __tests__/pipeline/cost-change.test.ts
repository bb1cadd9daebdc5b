/**
 * scripts/pipeline/cost-change.ts: the cost part of the plan comment. Unit tests over estimate
 * JSON shaped like `npm run cost -- <env> --json`, plus one run of the real cost CLI on the real
 * synthesized staging stack (no AWS) so the two stay in step.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main as costMain } from "../../scripts/cost/cli";
import { synthesizeTo } from "../../scripts/lib/synth";
import { EstimateJson, changedItems, formatCostChange, main } from "../../scripts/pipeline/cost-change";

const base: EstimateJson = {
  total: 12.5,
  currency: "USD",
  usage: "idle",
  items: [
    { address: "aws_kms_key.logs", description: "customer key", monthly: 1 },
    { address: "aws_vpc_endpoint.ssm", description: "interface endpoint hours", monthly: 11.5 },
  ],
};
const head: EstimateJson = {
  total: 8.3,
  currency: "USD",
  usage: "idle",
  items: [
    { address: "aws_kms_key.logs", description: "customer key", monthly: 1 },
    { address: "aws_sns_topic.alerts", description: "topic", monthly: 0 },
    { address: "aws_rds_cluster.db", description: "storage", monthly: 7.3 },
  ],
};

test("both totals, the signed delta and the lines that changed", () => {
  const text = formatCostChange("staging", head, base);
  expect(text).toContain("#### Monthly cost of `staging` (idle usage): −$4.20");
  expect(text).toContain("| $12.50 | $8.30 | −$4.20 |");
  expect(changedItems(base, head)).toEqual([
    { key: "aws_vpc_endpoint.ssm — interface endpoint hours", base: 11.5, head: 0 },
    { key: "aws_rds_cluster.db — storage", base: 0, head: 7.3 },
  ]);
  expect(formatCostChange("staging", base, base)).toContain("| $12.50 | $12.50 | ±$0.00 |");
});

test("without main's estimate it says so instead of inventing a delta", () => {
  expect(formatCostChange("production", head)).toContain("| _not estimated_ | $8.30 | _unknown_ |");
});

test("the CLI reads npm run cost --json of the real staging stack, and refuses a file that is not an estimate", async () => {
  const dir = mkdtempSync(join(tmpdir(), "twinstack-cost-change-"));
  try {
    const synth = await synthesizeTo(dir, { TWINSTACK_ENVIRONMENTS: "staging", PREVIEW_PR: "" });
    expect(synth.code).toBe(0);
    let json = "";
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((json += String(c)), true));
    try {
      expect(await costMain(["node", "cost", "staging", "--synth-dir", dir, "--json"])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    writeFileSync(join(dir, "head.json"), json);
    expect(await main(["node", "cost-change", "--environment", "staging", "--head", join(dir, "head.json"), "--base", join(dir, "head.json"), "--output", join(dir, "cost.md")])).toBe(0);
    expect(readFileSync(join(dir, "cost.md"), "utf8")).toMatch(/^#### Monthly cost of `staging` \(idle usage\): ±\$0\.00/);
    writeFileSync(join(dir, "bad.json"), "{}");
    const errors = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["node", "cost-change", "--environment", "staging", "--head", join(dir, "bad.json")])).toBe(2);
    } finally {
      errors.mockRestore();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120000);
