/**
 * npm run sandbox:down — stops everything `npm start` left running, each by the pid it recorded
 * (never by name): the API gateway, every PostgreSQL server of the data plane (and any other
 * server whose data directory is under .sandbox/postgres), and the emulator. Then it checks that
 * none of their ports still listens and removes .sandbox/. Everything deployed lived in the
 * emulator's memory and those servers' directories, so nothing is left behind.
 * Exit codes: 0 done, 1 something could not be stopped.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { Command } from "commander";
import { SANDBOX_STATE_FILE, SandboxState, processAlive } from "../lib/aws-context";
import { postmasterPid, stopServerByPid } from "../db/embedded";
import { readDataPlane, serverDirectories } from "./dataplane";
import { SANDBOX_DIR } from "./paths";
import { readSandboxServices } from "./services";

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !processAlive(pid);
}

/** SIGTERM, then SIGKILL after the grace period: exactly this pid. */
async function stopPid(pid: number, graceMs = 5000): Promise<boolean> {
  if (!processAlive(pid)) return false;
  process.kill(pid, "SIGTERM");
  if (!(await waitForExit(pid, graceMs))) {
    process.kill(pid, "SIGKILL");
    await waitForExit(pid, 2000);
  }
  return true;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function main(): Promise<void> {
  new Command().name("npm run sandbox:down").description("Stop the sandbox (gateway, PostgreSQL servers, emulator) by pid and remove .sandbox/").parse();
  const ports: number[] = [];
  const problems: string[] = [];

  const services = readSandboxServices();
  if (services?.gateway) {
    ports.push(...Object.values(services.gateway.ports));
    console.log((await stopPid(services.gateway.pid)) ? `stopped the API gateway (pid ${services.gateway.pid})` : `the API gateway (pid ${services.gateway.pid}) was not running`);
  }

  // Every server directory under .sandbox/postgres: the data plane's servers live there, and so does a refresh's copy left by a crash.
  const plane = readDataPlane();
  for (const server of Object.values(plane?.clusters ?? {})) ports.push(server.port);
  const pids = new Map<number, string>();
  for (const dataDir of serverDirectories()) {
    const pid = postmasterPid(dataDir);
    if (pid !== undefined) pids.set(pid, dataDir);
  }
  for (const [pid, dataDir] of pids) {
    if (await stopServerByPid(pid)) console.log(`stopped PostgreSQL (pid ${pid}, ${dataDir})`);
    if (processAlive(pid)) problems.push(`PostgreSQL pid ${pid} is still running`);
  }

  if (existsSync(SANDBOX_STATE_FILE)) {
    const state = JSON.parse(readFileSync(SANDBOX_STATE_FILE, "utf8")) as SandboxState;
    ports.push(Number(new URL(state.endpoint).port));
    console.log((await stopPid(state.pid)) ? `stopped the emulator (pid ${state.pid}, ${state.endpoint})` : `the emulator (pid ${state.pid}) was not running`);
    if (processAlive(state.pid)) problems.push(`emulator pid ${state.pid} is still running`);
  } else if (!services && !plane) {
    console.log("no sandbox state found");
  }

  for (const port of ports) if (await listening(port)) problems.push(`127.0.0.1:${port} still listens`);
  if (problems.length > 0) {
    console.error(`sandbox:down: ${problems.join("; ")} — .sandbox/ kept`);
    process.exitCode = 1;
    return;
  }
  rmSync(SANDBOX_DIR, { recursive: true, force: true });
  console.log(`removed .sandbox/ — nothing of the sandbox is left${ports.length ? ` (ports ${ports.join(", ")} closed)` : ""}`);
}

main().catch((error: Error) => {
  console.error(`sandbox:down failed: ${error.message}`);
  process.exit(1);
});
