/**
 * npm run sandbox:down — stops the sandbox's emulator (only the pid it recorded) and removes
 * .sandbox/ (emulator log, synthesized stacks, local bootstrap state): everything the sandbox
 * deployed lived in the emulator's memory, so nothing is left behind.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { Command } from "commander";
import { SANDBOX_STATE_FILE, SandboxState, processAlive } from "../lib/aws-context";
import { SANDBOX_DIR } from "./paths";

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !processAlive(pid);
}

async function main(): Promise<void> {
  new Command().name("npm run sandbox:down").description("Stop the sandbox's emulator and remove .sandbox/").parse();
  if (existsSync(SANDBOX_STATE_FILE)) {
    const state = JSON.parse(readFileSync(SANDBOX_STATE_FILE, "utf8")) as SandboxState;
    if (processAlive(state.pid)) {
      process.kill(state.pid, "SIGTERM");
      if (!(await waitForExit(state.pid, 5000))) {
        process.kill(state.pid, "SIGKILL");
        await waitForExit(state.pid, 2000);
      }
      console.log(`stopped the emulator (pid ${state.pid}, ${state.endpoint})`);
    } else {
      console.log(`the emulator (pid ${state.pid}) was not running`);
    }
  } else {
    console.log("no sandbox state found");
  }
  rmSync(SANDBOX_DIR, { recursive: true, force: true });
  console.log("removed .sandbox/ — nothing of the sandbox is left");
}

main().catch((error: Error) => {
  console.error(`sandbox:down failed: ${error.message}`);
  process.exit(1);
});
