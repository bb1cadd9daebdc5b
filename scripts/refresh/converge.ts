/**
 * After the swap, the target stack still names the old cluster in places Terraform derives from
 * it: the API function's `rds-db:connect` grant (the cluster's resource id), SSM
 * `database/secret-arn` (the managed master secret), outputs. The refresh converges the stack with
 * the same wrappers as `npm run apply` (synthesize, init, plan, apply the saved plan), so staging
 * works after a refresh with no manual step. It refuses a plan that would destroy or replace
 * anything: converging only updates references in place (see docs/refresh.md).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EnvironmentConfig } from "../../environments/config";
import { stackId } from "../../environments/naming";
import { StackRunner, changesOf } from "../lib/deploy";
import { synthesizeTo } from "../lib/synth";
import { locateProviderMirror, writeTerraformCliConfig } from "../lib/terraform";

export type Converger = (ctx: { refreshId: string; target: EnvironmentConfig }) => Promise<{ message: string }>;

/** What a converge plan may not do: destroy or replace a resource. */
export function convergeRefusals(changes: Array<{ address: string; actions: string[] }>): string[] {
  return changes.filter((c) => c.actions.includes("delete")).map((c) => `${c.address}: ${c.actions.join("+")}`);
}

/** Converges the target stack through Terraform, with `env` (credentials, TWINSTACK_SINGLE_ACCOUNT, AWS_ENDPOINT_URL…). */
export function terraformConverger(env: NodeJS.ProcessEnv): Converger {
  return async ({ target }) => {
    // The provider's source first: a wrong TWINSTACK_PROVIDER_MIRROR is an error before any work.
    const mirror = locateProviderMirror(env) ?? null;
    const work = mkdtempSync(join(tmpdir(), "twinstack-converge-"));
    try {
      const stack = stackId(target);
      const outdir = join(work, "out");
      const synthEnv = { ...env, TWINSTACK_ENVIRONMENTS: target.name, CHECKPOINT_DISABLE: "1" };
      const synth = await synthesizeTo(outdir, synthEnv);
      if (synth.code !== 0) throw new Error(`synthesis of ${stack} failed: ${synth.stderr.slice(-2000)}`);
      const runner = new StackRunner(stack, outdir, writeTerraformCliConfig(join(work, "terraform"), mirror).cliConfigFile, synthEnv);
      await runner.init();
      const planFile = await runner.plan("converge.tfplan");
      const changes = changesOf(await runner.show(planFile));
      const refused = convergeRefusals(changes);
      if (refused.length > 0) {
        throw new Error(`the plan of ${stack} would destroy or replace ${refused.join(", ")}: not applied; review it with \`npm run plan -- ${target.name}\``);
      }
      if (changes.length > 0) await runner.apply(planFile);
      const list = changes.map((c) => `${c.address} (${c.attributes.join(", ")})`);
      return { message: changes.length === 0 ? `${stack}: no changes` : `${stack}: applied ${changes.length} in-place change(s): ${list.join("; ")}` };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
}
