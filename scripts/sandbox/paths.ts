/** Where the sandbox keeps everything it creates: one git-ignored folder, removed by sandbox:down. */
import { join } from "node:path";
import { REPO_ROOT } from "../lib/synth";

export const SANDBOX_DIR = join(REPO_ROOT, ".sandbox");
export const SANDBOX_OUTDIR = join(SANDBOX_DIR, "cdktf.out");
export const SANDBOX_LOG = join(SANDBOX_DIR, "emulator.log");
/** The single account both environments share in the sandbox (staging's placeholder account). */
export const SANDBOX_ACCOUNT = "111111111111";
export const SANDBOX_REGION = "us-east-1";

export function bootstrapStatePath(stack: string): string {
  return join(SANDBOX_DIR, `terraform.${stack}.tfstate`);
}
