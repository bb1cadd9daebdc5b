/** Synthesizes the app into a directory by running main.ts in a child process, as cdktf does. */
import { join } from "node:path";
import { CommandResult, runCommand } from "./terraform";

export const REPO_ROOT = join(__dirname, "..", "..");

export function synthesizeTo(outdir: string, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const tsx = join(REPO_ROOT, "node_modules", ".bin", "tsx");
  return runCommand(tsx, [join(REPO_ROOT, "main.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir },
  });
}

export function stackDir(outdir: string, stack: string): string {
  return join(outdir, "stacks", stack);
}
