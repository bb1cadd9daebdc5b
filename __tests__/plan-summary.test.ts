/**
 * scripts/plan-summary.ts.
 * Emulator tests: the plan JSON is produced by real Terraform with the real AWS provider against
 * moto_server (started by this test on a free loopback port, stopped by pid), so the summary is
 * checked against Terraform's actual format — including a replacement and a destroy — not against
 * fixtures we wrote from memory.
 * Unit tests: truncation under GitHub's comment limit with a huge synthetic plan, the CLI's usage
 * errors and help.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  COMMENT_MARKER,
  GITHUB_COMMENT_LIMIT,
  TerraformPlanJson,
  classify,
  main,
  parsePlanJson,
  renderMarkdown,
  summarizePlan,
} from "../scripts/plan-summary";
import { runCommand, terraform, writeTerraformCliConfig } from "../scripts/lib/terraform";
import { Emulator, emulatorProcessEnv, startEmulator } from "../scripts/sandbox/emulator";
import { describeWithTools } from "./helpers/requirements";

const REPO = join(__dirname, "..");

/** A tiny configuration: one bucket and SSM parameters, toggled by variables. */
function config(options: { parameterName: string; value: string; withTwo: boolean; withThree: boolean }): string {
  return JSON.stringify(
    {
      terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } },
      provider: {
        aws: {
          region: "us-east-1",
          // The endpoint comes from AWS_ENDPOINT_URL; fake credentials need no validation.
          skip_credentials_validation: true,
          skip_requesting_account_id: true,
          skip_metadata_api_check: "true",
          s3_use_path_style: true,
        },
      },
      resource: {
        aws_s3_bucket: { site: { bucket: "plan-summary-site" } },
        aws_ssm_parameter: {
          one: { name: options.parameterName, type: "String", value: options.value },
          ...(options.withTwo ? { two: { name: "/plan-summary/two", type: "String", value: "2" } } : {}),
          ...(options.withThree ? { three: { name: "/plan-summary/three", type: "String", value: "3" } } : {}),
        },
      },
    },
    null,
    2,
  );
}

describeWithTools("plan-summary on real Terraform plans against the emulator", ["terraform", "provider-mirror", "moto_server"], () => {
  const { cliConfigFile } = writeTerraformCliConfig();
  const dir = mkdtempSync(join(tmpdir(), "twinstack-plan-summary-"));
  let emulator: Emulator | undefined;
  let env: NodeJS.ProcessEnv = {};
  const tf = async (args: string[]) => {
    const result = await terraform(args, { cwd: dir, cliConfigFile, env });
    if (result.code !== 0 && !(args[0] === "plan" && result.code === 2)) throw new Error(`terraform ${args.join(" ")}: ${result.stderr}`);
    return result;
  };
  const planJson = async (name: string): Promise<{ json: TerraformPlanJson; file: string }> => {
    await tf(["plan", "-input=false", "-no-color", `-out=${name}.tfplan`]);
    const shown = await tf(["show", "-json", "-no-color", `${name}.tfplan`]);
    const file = join(dir, `${name}.json`);
    writeFileSync(file, shown.stdout);
    return { json: parsePlanJson(shown.stdout, name), file };
  };

  beforeAll(async () => {
    emulator = await startEmulator();
    env = emulatorProcessEnv(emulator);
    // GIVEN a bucket and two parameters applied into the emulator
    writeFileSync(join(dir, "main.tf.json"), config({ parameterName: "/plan-summary/one", value: "1", withTwo: true, withThree: false }));
    await tf(["init", "-input=false", "-no-color"]);
    await tf(["apply", "-auto-approve", "-input=false", "-no-color"]);
  }, 180000);

  afterAll(async () => {
    await emulator?.stop(); // only the pid this test started
    rmSync(dir, { recursive: true, force: true });
  });

  test("a plan with a replacement, an update and a create", async () => {
    // WHEN the parameter's name (ForceNew) changes, the value changes and a parameter is added
    writeFileSync(join(dir, "main.tf.json"), config({ parameterName: "/plan-summary/renamed", value: "1", withTwo: true, withThree: true }));
    const { json } = await planJson("replace");
    const summary = summarizePlan("twinstack-staging", json);
    // THEN the counts and the warning name the replaced address and what forced it
    expect({ add: summary.add, change: summary.change, destroy: summary.destroy, replace: summary.replace }).toEqual({ add: 1, change: 0, destroy: 0, replace: 1 });
    expect(summary.destructive).toEqual([expect.objectContaining({ address: "aws_ssm_parameter.one", action: "replace", replacedBecause: ["name"] })]);
    const markdown = renderMarkdown([summary]);
    expect(markdown).toContain("| `twinstack-staging` | 1 | 0 | 0 | 1 |");
    expect(markdown).toContain("> [!WARNING]");
    expect(markdown).toContain("**replace** `twinstack-staging`: `aws_ssm_parameter.one` (forced by `name`)");
    expect(markdown).toMatch(/<details><summary>All 2 change\(s\) in <code>twinstack-staging<\/code><\/summary>/);
    expect(markdown).toContain("+   create  aws_ssm_parameter.three");
    expect(markdown).not.toContain("Truncated");
  }, 180000);

  test("a plan with a destroy and an in-place update, through the command line", async () => {
    // WHEN a parameter is removed from the configuration and another's value changes
    writeFileSync(join(dir, "main.tf.json"), config({ parameterName: "/plan-summary/one", value: "changed", withTwo: false, withThree: false }));
    const { json, file } = await planJson("destroy");
    const summary = summarizePlan("twinstack-production", json);
    expect({ add: summary.add, change: summary.change, destroy: summary.destroy, replace: summary.replace }).toEqual({ add: 0, change: 1, destroy: 1, replace: 0 });
    expect(summary.destructive.map((c) => [c.action, c.address])).toEqual([["delete", "aws_ssm_parameter.two"]]);
    expect(summary.changes.find((c) => c.action === "update")).toEqual(expect.objectContaining({ address: "aws_ssm_parameter.one", attributes: expect.arrayContaining(["value"]) }));
    // THEN the CLI (as the workflows run it) prints the same
    const cli = await runCommand(join(REPO, "node_modules", ".bin", "tsx"), [join(REPO, "scripts", "plan-summary.ts"), `twinstack-production=${file}`, "--fail-on-destroy"], { cwd: REPO });
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(3);
    expect(cli.stdout.startsWith(COMMENT_MARKER)).toBe(true);
    expect(cli.stdout).toContain("| `twinstack-production` | 0 | 1 | 1 | 0 |");
    expect(cli.stdout).toContain("**This plan destroys 1 and replaces 0 resource(s).**");
    expect(cli.stdout).toContain("**destroy** `twinstack-production`: `aws_ssm_parameter.two`");
  }, 180000);
});

describe("plan-summary: pure functions (unit)", () => {
  test("classifies Terraform's action lists", () => {
    expect(classify(["create"])).toBe("create");
    expect(classify(["update"])).toBe("update");
    expect(classify(["delete"])).toBe("delete");
    expect(classify(["delete", "create"])).toBe("replace");
    expect(classify(["create", "delete"])).toBe("replace");
    expect(classify(["no-op"])).toBeUndefined();
    expect(classify(["read"])).toBeUndefined();
  });

  test("no changes says so", () => {
    const markdown = renderMarkdown([summarizePlan("twinstack-staging", { format_version: "1.2", resource_changes: [] })]);
    expect(markdown).toContain("No changes.");
    expect(markdown).not.toContain("WARNING");
  });

  test("a huge plan is truncated below GitHub's limit, keeps the counts, closes its blocks and says so", () => {
    // GIVEN 20,000 changes across two stacks, 5,000 of them destructive
    const plan = (prefix: string): TerraformPlanJson => ({
      format_version: "1.2",
      resource_changes: Array.from({ length: 10000 }, (_, i) => ({
        address: `module.${prefix}.aws_ssm_parameter.parameter_with_a_rather_long_name_${i}`,
        mode: "managed" as const,
        change: { actions: i % 4 === 0 ? ["delete", "create"] : i % 4 === 1 ? ["delete"] : ["create"], replace_paths: i % 4 === 0 ? [["name"]] : undefined },
      })),
    });
    const summaries = [summarizePlan("twinstack-staging", plan("a")), summarizePlan("twinstack-production", plan("b"))];
    // WHEN rendered with the default and with a small limit
    for (const maxLength of [undefined, 5000]) {
      const markdown = renderMarkdown(summaries, { maxLength, footer: "#### Policy\nall passed" });
      // THEN it fits, the table is whole, the warning starts, and the note says it was truncated
      expect(markdown.length).toBeLessThanOrEqual(maxLength ?? 60000);
      expect(markdown.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
      expect(markdown).toContain("| `twinstack-staging` | 5000 | 0 | 2500 | 2500 |");
      expect(markdown).toContain("| `twinstack-production` | 5000 | 0 | 2500 | 2500 |");
      expect(markdown).toContain("**This plan destroys 5000 and replaces 5000 resource(s).**");
      expect(markdown).toContain("**Truncated:**");
      expect(markdown).toContain("more destroys/replacements not shown");
      // Fences and <details> are balanced.
      expect((markdown.match(/```/g) ?? []).length % 2).toBe(0);
      expect((markdown.match(/<details>/g) ?? []).length).toBe((markdown.match(/<\/details>/g) ?? []).length);
    }
  });

  test("the CLI prints help, refuses bad input with exit 2", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdin: async () => "not json", stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) };
    expect(await main(["--help"], io)).toBe(0);
    expect(out.join("")).toContain("Usage: plan-summary");
    expect(await main(["--nope"], io)).toBe(2);
    expect(err.join("")).toContain("unknown option --nope");
    expect(await main(["--stack", "twinstack-staging"], io)).toBe(2);
    expect(err.join("")).toContain("standard input: not JSON");
    expect(await main([], { ...io, stdin: async () => JSON.stringify({ resource_changes: [] }) })).toBe(2);
    expect(err.join("")).toContain("not a Terraform JSON plan");
  });
});
