/**
 * Terraform lifecycle of one synthesized stack (init → plan → show → apply → re-plan →
 * destroy), shared by the emulator integration test and the sandbox. Thin over the CLI: what
 * each step means is decided by the caller.
 */
import { join } from "node:path";
import { stackDir } from "./synth";
import { CommandResult, terraform } from "./terraform";

export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: string[];
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
}

export interface PlanJson {
  readonly resource_changes?: Array<{ address: string; type: string; change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null } }>;
  readonly planned_values?: { root_module?: { resources?: Array<{ address: string; type: string; values: Record<string, unknown> }> } };
  readonly [key: string]: unknown;
}

export class TerraformStepError extends Error {
  constructor(
    /** The stack's name (not `stack`: that is Error's stack trace, which printing it must keep). */
    readonly stackName: string,
    readonly step: string,
    readonly result: CommandResult,
  ) {
    super(`${stackName}: terraform ${step} failed (exit ${result.code}):\n${tail(result.stderr || result.stdout, 4000)}`);
    this.name = "TerraformStepError";
  }
}

function tail(text: string, length: number): string {
  return text.length > length ? `…${text.slice(-length)}` : text;
}

export class StackRunner {
  readonly dir: string;

  constructor(
    readonly stack: string,
    outdir: string,
    private readonly cliConfigFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.dir = stackDir(outdir, stack);
  }

  /**
   * Waits for a held state lock instead of failing at once: stacks of one account share the
   * lock table, and a parallel apply (or the emulator answering a conditional put late) must
   * not fail the other.
   */
  static readonly LOCK_TIMEOUT = "-lock-timeout=300s";

  /** Runs terraform; `okCodes` are the exit codes that mean success for this step. */
  async run(step: string, args: string[], okCodes: number[] = [0]): Promise<CommandResult> {
    const result = await terraform([...args, "-no-color"], { cwd: this.dir, cliConfigFile: this.cliConfigFile, env: this.env });
    if (!okCodes.includes(result.code)) throw new TerraformStepError(this.stack, step, result);
    return result;
  }

  /** `terraform init`; `backendConfig` overrides backend settings (e.g. a local state path). */
  init(backendConfig: Record<string, string> = {}): Promise<CommandResult> {
    const overrides = Object.entries(backendConfig).map(([key, value]) => `-backend-config=${key}=${value}`);
    return this.run("init", ["init", "-input=false", "-reconfigure", ...overrides]);
  }

  /** `terraform plan -out`; returns the plan file path. */
  async plan(name = "plan.tfplan", extra: string[] = []): Promise<string> {
    await this.run("plan", ["plan", "-input=false", StackRunner.LOCK_TIMEOUT, "-out", name, ...extra]);
    return join(this.dir, name);
  }

  async show(planFile: string): Promise<PlanJson> {
    const result = await this.run("show", ["show", "-json", planFile]);
    return JSON.parse(result.stdout) as PlanJson;
  }

  apply(planFile: string): Promise<CommandResult> {
    return this.run("apply", ["apply", "-input=false", StackRunner.LOCK_TIMEOUT, "-auto-approve", planFile]);
  }

  applyAuto(): Promise<CommandResult> {
    return this.run("apply", ["apply", "-input=false", StackRunner.LOCK_TIMEOUT, "-auto-approve"]);
  }

  /** A plan with -detailed-exitcode: 0 no changes, 2 changes (returned with the plan JSON). */
  async replan(name = "replan.tfplan"): Promise<{ changed: boolean; plan: PlanJson }> {
    const result = await this.run("re-plan", ["plan", "-input=false", StackRunner.LOCK_TIMEOUT, "-detailed-exitcode", "-out", name], [0, 2]);
    return { changed: result.code === 2, plan: await this.show(join(this.dir, name)) };
  }

  destroy(okCodes: number[] = [0]): Promise<CommandResult> {
    return this.run("destroy", ["destroy", "-input=false", StackRunner.LOCK_TIMEOUT, "-auto-approve"], okCodes);
  }

  async outputs(): Promise<Record<string, { value: unknown; sensitive: boolean }>> {
    return JSON.parse((await this.run("output", ["output", "-json"])).stdout);
  }

  async stateResourceCount(): Promise<number> {
    const result = await this.run("state list", ["state", "list"]);
    return result.stdout.split("\n").filter((line) => line.trim() && !line.startsWith("data.")).length;
  }
}

/** Every change in a plan that is not a no-op, with the attributes that differ. */
export function changesOf(plan: PlanJson): Array<PlannedChange & { attributes: string[] }> {
  return (plan.resource_changes ?? [])
    .filter((rc) => !(rc.change.actions.length === 1 && (rc.change.actions[0] === "no-op" || rc.change.actions[0] === "read")))
    .map((rc) => ({
      address: rc.address,
      type: rc.type,
      actions: rc.change.actions,
      before: rc.change.before,
      after: rc.change.after,
      attributes: differingAttributes(rc.change.before, rc.change.after),
    }));
}

export function differingAttributes(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((key) => JSON.stringify(before?.[key] ?? null) !== JSON.stringify(after?.[key] ?? null)).sort();
}

/** Planned resources by type: `{ aws_vpc: 1, aws_subnet: 6, … }`. */
export function countByType(plan: PlanJson): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const rc of plan.resource_changes ?? []) {
    if (rc.change.actions.includes("create")) counts[rc.type] = (counts[rc.type] ?? 0) + 1;
  }
  return counts;
}
