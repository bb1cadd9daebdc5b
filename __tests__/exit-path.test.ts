/**
 * The exit path off archived cdktf (docs/exit-path.md): the synthesized output is plain Terraform
 * JSON, so plain `terraform` runs it with no cdktf CLI at all. Real-Terraform test against the
 * emulated AWS (moto_server): synthesis writes cdktf.out/stacks/<stack>; then only the terraform
 * binary — `init` + `apply` of the account's bootstrap (local state), then `init` (S3 backend in
 * the emulator) + `plan -detailed-exitcode` of staging — exactly as docs/exit-path.md tells.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackDir, synthesizeTo } from "../scripts/lib/synth";
import { terraform, writeTerraformCliConfig } from "../scripts/lib/terraform";
import { Emulator, emulatorProcessEnv, startEmulator } from "../scripts/sandbox/emulator";
import { describeWithTools } from "./helpers/requirements";

describeWithTools("plain terraform on a synthesized stack (no cdktf CLI)", ["terraform", "provider-mirror", "moto_server"], () => {
  const work = mkdtempSync(join(tmpdir(), "twinstack-exit-path-"));
  const outdir = join(work, "cdktf.out");
  let emulator: Emulator | undefined;
  afterAll(async () => {
    await emulator?.stop(); // only the pid this test started
    rmSync(work, { recursive: true, force: true });
  });

  test("terraform init + plan on cdktf.out/stacks/twinstack-staging plans the whole environment", async () => {
    emulator = await startEmulator({ logFile: join(work, "moto.log") });
    const env = emulatorProcessEnv(emulator);
    // GIVEN the synthesized JSON (the only cdktf step: the library writing cdk.tf.json)
    const synth = await synthesizeTo(outdir, { ...env, TWINSTACK_ENVIRONMENTS: "staging", PREVIEW_PR: "" });
    expect(synth.code).toBe(0);
    const { cliConfigFile } = writeTerraformCliConfig(join(work, "terraform"));
    const run = (stack: string, args: string[]) => terraform(args, { cwd: stackDir(outdir, stack), cliConfigFile, env });
    for (const stack of ["twinstack-bootstrap-111111111111", "twinstack-staging"]) expect(existsSync(join(stackDir(outdir, stack), "cdk.tf.json"))).toBe(true);

    // WHEN the account's state bucket and lock table come from plain terraform (local state)
    const bootstrapInit = await run("twinstack-bootstrap-111111111111", ["init", "-input=false", "-no-color"]);
    expect(bootstrapInit.code).toBe(0);
    const bootstrapApply = await run("twinstack-bootstrap-111111111111", ["apply", "-auto-approve", "-input=false", "-no-color"]);
    if (bootstrapApply.code !== 0) throw new Error(bootstrapApply.stderr);

    // AND staging is initialised against its S3 backend and planned, by plain terraform
    const init = await run("twinstack-staging", ["init", "-input=false", "-no-color"]);
    if (init.code !== 0) throw new Error(init.stderr);
    expect(init.stdout).toContain('Successfully configured the backend "s3"');
    const plan = await run("twinstack-staging", ["plan", "-input=false", "-no-color", "-detailed-exitcode", "-lock-timeout=60s"]);

    // THEN the plan succeeds with changes (exit 2): every resource of the environment to add
    if (plan.code !== 2) throw new Error(`terraform plan exited ${plan.code}:\n${plan.stderr}`);
    const added = Number(/Plan: (\d+) to add, 0 to change, 0 to destroy/.exec(plan.stdout)?.[1]);
    expect(added).toBeGreaterThan(60);
  }, 300000);
});
