/**
 * `npm run sandbox:status [-- --json]`: what the running sandbox serves, per environment — the
 * local API URL, the database URL (loopback, password masked), the deployed version and
 * commit, the buckets — read from the sandbox's records and the emulator (the deployed function's
 * configuration, the cluster → PostgreSQL map). `npm start` prints the same at the end.
 * Exit codes: 0 running, 1 not running.
 */
import { RDSClient } from "@aws-sdk/client-rds";
import { Command } from "commander";
import { stackId } from "../../environments/naming";
import { SandboxState, readSandboxState, sandboxEnvironment } from "../lib/aws-context";
import { maskAccounts } from "../refresh/core";
import { maskedUrl, readDataPlane, serverForCluster } from "./dataplane";
import { deployedFunctionVariables } from "./deployed-function";
import { assumeRoleCredentials } from "./emulator";
import { readSandboxServices } from "./services";

export interface EnvironmentStatus {
  name: string;
  api: { url: string | null };
  database: { url: string | null; pid: number | null };
  version: string | null;
  gitSha: string | null;
  deployedAt: string | null;
  siteBucket: string | null;
  uploadsBucket: string | null;
  siteUrl: string | null;
}

export async function environmentStatus(name: string): Promise<EnvironmentStatus> {
  const sandbox = readSandboxState();
  if (!sandbox) throw new Error("the sandbox is not running: npm start");
  const config = sandboxEnvironment(name, sandbox);
  const services = readSandboxServices();
  const plane = readDataPlane();
  const credentials = await assumeRoleCredentials(sandbox.endpoint, config.deployRoleArn as string, "sandbox-status");
  const rds = new RDSClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials });
  try {
    const found = plane ? await serverForCluster(plane, rds, stackId(config)).catch(() => undefined) : undefined;
    const variables: Record<string, string> = await deployedFunctionVariables(sandbox, config, "sandbox-status").catch(() => ({}));
    const facts = services?.environments?.[config.name];
    const port = services?.gateway?.ports[config.name];
    return {
      name: config.name,
      api: { url: port ? `http://127.0.0.1:${port}` : null },
      database: { url: found ? maskedUrl(found.server) : null, pid: found?.server.pid ?? null },
      version: variables.APP_VERSION ?? null,
      gitSha: variables.GIT_SHA ?? null,
      deployedAt: variables.DEPLOYED_AT ?? null,
      siteBucket: facts?.siteBucket ?? null,
      uploadsBucket: facts?.uploadsBucket ?? null,
      siteUrl: facts?.siteUrl ?? null,
    };
  } finally {
    rds.destroy();
  }
}

export function printSummary(sandbox: SandboxState, statuses: EnvironmentStatus[]): void {
  console.log("\n─── twinstack sandbox is up ───────────────────────────────────────────");
  console.log(`emulated AWS   ${sandbox.endpoint} (pid ${sandbox.pid}), account ${maskAccounts(sandbox.accountId)}, ${sandbox.region}`);
  for (const s of statuses) {
    console.log(`\n${s.name}: version ${s.version ?? "?"}, commit ${s.gitSha?.slice(0, 12) ?? "?"}`);
    console.log(`  API           ${s.api.url ?? "(not served)"}`);
    console.log(`  database      ${s.database.url ?? "(none)"}`);
    console.log(`  site bucket   ${maskAccounts(s.siteBucket ?? "?")}`);
    console.log(`  uploads       ${maskAccounts(s.uploadsBucket ?? "?")}`);
  }
  console.log(`
next:
  npm run sandbox:status -- --json                 # the above, as JSON
  curl ${statuses[0]?.api.url ?? "http://127.0.0.1:<port>"}/version            # the API (GET /me needs a token from the pool)
  npm run smoke -- staging                         # /health, /version, the authorizer
  npm run db:migrate -- staging                    # migrations + the API user's grants (idempotent)
  npm run plan -- staging                          # no change but the allowlisted emulator quirks (offline with a provider mirror)
  npm run refresh -- plan --from production --to staging
  npm run sandbox:down                             # stop everything: emulator, PostgreSQL, gateway`);
}

async function main(): Promise<void> {
  const options = new Command("sandbox:status").description("What the running sandbox serves, per environment").option("--json", "as JSON").parse().opts<{ json?: boolean }>();
  const sandbox = readSandboxState();
  if (!sandbox) {
    if (options.json) console.log(JSON.stringify({ running: false }));
    else console.log("the sandbox is not running (npm start)");
    process.exitCode = 1;
    return;
  }
  const statuses = await Promise.all(["staging", "production"].map(environmentStatus));
  if (options.json) {
    const services = readSandboxServices();
    console.log(
      maskAccounts(JSON.stringify(
        { running: true, emulator: { endpoint: sandbox.endpoint, pid: sandbox.pid }, gateway: services?.gateway ?? null, completedAt: services?.completedAt ?? null, environments: Object.fromEntries(statuses.map((s) => [s.name, s])) },
        null,
        2,
      )),
    );
  } else {
    printSummary(sandbox, statuses);
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`sandbox:status: ${error.message}`);
    process.exitCode = 1;
  });
}
