/**
 * npm start — the whole journey on one machine, no AWS account: an emulated AWS and one real
 * PostgreSQL per environment; the account bootstrapped; staging and production deployed
 * (single-account topology: the emulator cannot restore a snapshot shared from another account);
 * the schema migrated; production seeded with sample people and uploads; both APIs served from
 * what was deployed and smoke-tested; a full refresh of staging from production (database and
 * uploads, with the scrub); staging's API serving production's data, scrubbed; smoke again; and
 * a plan of staging that changes nothing. Each step prints its elapsed time; the summary lists
 * every environment's URLs and the next commands.
 *
 * Leaves everything running (pids in .sandbox/) so that `npm run plan|apply|refresh|smoke|
 * db:migrate` target it; a second `npm start` reuses it; `npm run sandbox:down` stops it all.
 */
import { AdminSetUserPasswordCommand, CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { Client } from "pg";
import type { EnvironmentConfig } from "../../environments/config";
import { bootstrapStackId, stackId } from "../../environments/naming";
import { embeddedPostgresUnavailableReason, postgresBinaries } from "../db/embedded";
import { SANDBOX_STATE_FILE, SandboxState, processAlive, readSandboxState, sandboxEnvironment, sandboxProcessEnv } from "../lib/aws-context";
import { StackRunner, changesOf } from "../lib/deploy";
import { StepList } from "../lib/progress";
import { REPO_ROOT, synthesizeTo } from "../lib/synth";
import { MissingToolError, assertTerraformAvailable, describeProviderSource, runCommand, writeTerraformCliConfig } from "../lib/terraform";
import { isAllowlisted, loadScrubManifest } from "../refresh/scrub/manifest";
import { maskEmail, seedUsers } from "../users/seed";
import {
  DataPlane,
  DataPlaneServer,
  copyServer,
  mapCluster,
  masterUrl,
  newDataPlane,
  readDataPlane,
  reconcileDataPlane,
  serverAlive,
  serverForCluster,
  startClusterServer,
  stopDataPlaneServer,
  writeDataPlane,
} from "./dataplane";
import { assumeRoleCredentials, emulatorUnavailableReason, startEmulator } from "./emulator";
import { isQuirk } from "./emulator-quirks";
import type { GatewayProcessConfig } from "./gateway";
import { SANDBOX_ACCOUNT, SANDBOX_DIR, SANDBOX_LOG, SANDBOX_OUTDIR, SANDBOX_REGION, bootstrapStatePath } from "./paths";
import { insertSampleData, sampleData } from "./sample-data";
import { SandboxServices, readSandboxServices, writeSandboxServices } from "./services";
import { signInWithSrp } from "./signin";
import { EnvironmentStatus, environmentStatus, printSummary } from "./status";

const SAMPLE_PEOPLE = 40;
const TSX = join(REPO_ROOT, "node_modules", ".bin", "tsx");
const GATEWAY_LOG = join(SANDBOX_DIR, "gateway.log");

interface Outputs {
  [key: string]: string;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("npm start --")
    .description("The whole journey in a sandbox: deploy, serve, seed, refresh with the scrub, serve scrubbed data, plan clean")
    .option("--yes", "non-interactive (also implied by CI=true or no terminal)")
    .option("--fresh", "replace a running sandbox instead of reusing it")
    .parse();
  const options = program.opts<{ yes?: boolean; fresh?: boolean }>();
  void options.yes; // nothing asks a question; kept so CI can pass --yes safely

  const running = readSandboxState();
  const services = readSandboxServices();
  if (running && !options.fresh && services?.completedAt && sandboxComplete(services)) {
    await reuse(running);
    return;
  }

  const steps = new StepList(13);
  console.log("twinstack sandbox: emulated AWS and real PostgreSQL on loopback, no AWS account needed\n");

  // 1. Tools.
  const cliConfigFile = await steps.step("Checking tools (terraform, AWS provider source, moto_server, PostgreSQL 16 from npm)", async (note) => {
    const version = await assertTerraformAvailable();
    const missingEmulator = emulatorUnavailableReason();
    if (missingEmulator) throw new MissingToolError(missingEmulator);
    const missingPostgres = embeddedPostgresUnavailableReason();
    if (missingPostgres) throw new MissingToolError(missingPostgres);
    mkdirSync(SANDBOX_DIR, { recursive: true });
    // The local mirror when there is one; otherwise terraform init installs the provider from its registry.
    const config = writeTerraformCliConfig(`${SANDBOX_DIR}/terraform-cli`);
    note(`terraform ${version}, ${describeProviderSource(config.providerSource)}, PostgreSQL ${postgresBinaries().version} (${postgresBinaries().packageName})`);
    return config.cliConfigFile;
  });

  // 2. The emulator (reused when running) and one PostgreSQL per environment.
  const { sandbox, plane, freshServers, environments } = await steps.step("Starting the emulated AWS and one PostgreSQL per environment", async (note) => {
    let state = options.fresh ? undefined : running;
    if (options.fresh) await stopEverything();
    if (!state) {
      rmSync(SANDBOX_OUTDIR, { recursive: true, force: true });
      const emulator = await startEmulator({ persistent: true, logFile: SANDBOX_LOG });
      // The commit and deploy time every synthesis against this sandbox uses (npm run plan included).
      const deployment = { gitSha: gitSha(), deployedAt: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") };
      state = { endpoint: emulator.endpoint, pid: emulator.pid, startedAt: new Date().toISOString(), accountId: SANDBOX_ACCOUNT, region: SANDBOX_REGION, deployment };
      writeFileSync(SANDBOX_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
    }
    // The single-account topology is honoured only against a loopback emulator: resolved once its endpoint is known.
    const sandboxState = state;
    const configs = ["staging", "production"].map((name) => sandboxEnvironment(name, sandboxState));
    const existing = readDataPlane();
    const dataPlane = existing ?? newDataPlane();
    const live = Object.values(dataPlane.clusters).filter(serverAlive);
    // A fresh emulator knows no cluster yet: new servers now (in parallel), mapped once the clusters exist.
    const fresh: Record<string, DataPlaneServer> = {};
    if (live.length === 0) {
      await Promise.all(
        configs.map(async (config) => {
          fresh[config.name] = await startClusterServer(dataPlane, { label: `${config.name}-initial`, identifier: stackId(config), masterUser: config.database.masterUsername, database: config.database.databaseName });
        }),
      );
    }
    writeDataPlane(dataPlane);
    note(`emulator ${state.endpoint} (pid ${state.pid}); PostgreSQL ${Object.values(fresh).length ? Object.entries(fresh).map(([env, s]) => `${env} :${s.port}`).join(", ") : `${live.length} running, reused`}`);
    return { sandbox: state, plane: dataPlane, freshServers: fresh, environments: configs };
  });
  const [staging, production] = environments;

  const deployment = sandbox.deployment ?? { gitSha: "unknown", deployedAt: "unknown" };
  const env = sandboxProcessEnv(process.env, sandbox);
  const record: SandboxServices = { ...(services ?? {}), completedAt: undefined };
  writeSandboxServices(record);

  // 3. Synthesis.
  await steps.step("Synthesizing staging, production and the account bootstrap", async (note) => {
    const result = await synthesizeTo(SANDBOX_OUTDIR, env);
    if (result.code !== 0) throw new Error(`synth failed:\n${result.stderr}`);
    note(`commit ${deployment.gitSha.slice(0, 12)}, deployed at ${deployment.deployedAt}`);
  });

  // 4. Bootstrap.
  await steps.step(`Bootstrapping account ${sandbox.accountId} (state bucket, lock table, OIDC roles)`, async () => {
    const runner = new StackRunner(bootstrapStackId("twinstack", sandbox.accountId), SANDBOX_OUTDIR, cliConfigFile, env);
    await runner.init({ path: bootstrapStatePath(bootstrapStackId("twinstack", sandbox.accountId)) });
    await runner.applyAuto();
  });

  // 5. Both environments, in parallel.
  const outputs: Record<string, Outputs> = {};
  const runners: Record<string, StackRunner> = {};
  await steps.step("Deploying staging and production", async (note) => {
    const done: string[] = [];
    await Promise.all(
      environments.map(async (config) => {
        const runner = new StackRunner(stackId(config), SANDBOX_OUTDIR, cliConfigFile, env);
        runners[config.name] = runner;
        await runner.init();
        await runner.applyAuto();
        outputs[config.name] = Object.fromEntries(Object.entries(await runner.outputs()).map(([key, output]) => [key, String(output.value)]));
        done.push(`${config.name} (${await runner.stateResourceCount()} resources)`);
        note(`applied: ${done.join(", ")}`);
      }),
    );
  });

  const credentials = await assumeRoleCredentials(sandbox.endpoint, staging.deployRoleArn as string);
  const clientOptions = { endpoint: sandbox.endpoint, region: sandbox.region, credentials };
  const rds = new RDSClient(clientOptions);

  // 6. Each cluster → its PostgreSQL; the schema and the API user (npm run db:migrate).
  await steps.step("Mapping each emulated cluster to its PostgreSQL; migrating (npm run db:migrate -- <env>)", async (note) => {
    for (const config of environments) {
      const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: stackId(config) }))).DBClusters?.[0];
      if (!cluster?.DbClusterResourceId) throw new Error(`cluster ${stackId(config)} not found after deploy`);
      const mapped = plane.clusters[cluster.DbClusterResourceId];
      if (mapped && serverAlive(mapped)) continue;
      const server = freshServers[config.name] ?? (await startClusterServer(plane, { label: `${config.name}-${Date.now().toString(36)}`, identifier: stackId(config), masterUser: config.database.masterUsername, database: config.database.databaseName }));
      mapCluster(plane, cluster.DbClusterResourceId, server, stackId(config));
    }
    // Servers standing for clusters the emulator no longer has (a --fresh emulator) go.
    await reconcileDataPlane(plane, rds);
    writeDataPlane(plane);
    // Both migrations finish before a failure is reported.
    const results = await Promise.allSettled(environments.map((config) => runScript(`npm run db:migrate -- ${config.name}`, "db/cli.ts", [config.name], env)));
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    note(results.map((result, index) => `${environments[index].name}: ${(result as PromiseFulfilledResult<string>).value}`).join("; "));
  });

  // 7. Production's sample data: people and what they own, their uploads, Cognito users.
  const cognito = new CognitoIdentityProviderClient(clientOptions);
  const stagingPassword = `Tw1n!${randomBytes(12).toString("base64url")}`;
  const seeded = await steps.step("Seeding production: sample people, their projects and uploads; Cognito users of both pools", async (note) => {
    const temporaryPassword = `Tw1n!${randomBytes(12).toString("base64url")}`;
    // Not `npm run users:seed` (which refuses production): seedUsers writes unguarded only through a client with an explicit loopback endpoint, the emulator's.
    await Promise.all(environments.map((config) => seedUsers(cognito, { userPoolId: outputs[config.name].user_pool_id, users: config.users, temporaryPassword })));
    // Staging's team accounts sign in with a password only this run knows (never printed).
    for (const user of staging.users) {
      await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: outputs.staging.user_pool_id, Username: user.email, Password: stagingPassword, Permanent: true }));
    }
    const productionSubs = await poolSubs(cognito, outputs.production.user_pool_id);
    const accounts = [
      ...production.users.map((user) => ({ email: user.email, sub: productionSubs[user.email] ?? null, name: nameFromEmail(user.email) })),
      // Staging's team accounts also use production (with production's own sign-in).
      ...staging.users.filter((user) => !production.users.some((p) => p.email === user.email)).map((user) => ({ email: user.email, sub: null, name: nameFromEmail(user.email) })),
    ];
    const data = sampleData(SAMPLE_PEOPLE, accounts);
    await withDatabase(plane, rds, stackId(production), (client) => insertSampleData(client, data));
    const s3 = new S3Client({ ...clientOptions, forcePathStyle: true });
    await Promise.all(data.attachments.map((a) => s3.send(new PutObjectCommand({ Bucket: outputs.production.uploads_bucket, Key: a.objectKey, Body: a.body, ContentType: a.contentType }))));
    s3.destroy();
    note(`${data.people.length} people, ${data.projects.length} projects, ${data.notes.length} notes, ${data.attachments.length} uploads in ${outputs.production.uploads_bucket}`);
    return data;
  });

  // 8. The APIs, served from what is deployed; smoke-tested.
  const gateway = await steps.step("Serving both APIs from the deployed stacks; smoke tests (npm run smoke -- <env>)", async (note) => {
    const started = await ensureGateway(sandbox, environments, record);
    const results = await Promise.all(environments.map((config) => smoke(config.name, env)));
    note(`${Object.entries(started.ports).map(([name, port]) => `${name} http://127.0.0.1:${port}`).join(", ")}; ${results.join("; ")}`);
    return started;
  });

  // 9. The refresh, both halves, with the scrub.
  const teamAccounts = new Set([...staging.users, ...production.users].map((user) => user.email));
  const before = await sampleRows(plane, rds, stackId(production), seeded.people.filter((p) => !teamAccounts.has(p.email)).slice(0, 3).map((p) => p.id));
  await steps.step("Refreshing staging from production: database (snapshot, restore, scrub, swap, converge) and uploads, in parallel", async (note) => {
    const source = await serverForCluster(plane, rds, stackId(production));
    if (!source) throw new Error("production's cluster has no PostgreSQL");
    // The data the restored cluster will hold: a physical copy of production's, as of now.
    const copy = await copyServer(plane, source.server, `refresh-${Date.now().toString(36)}`);
    let result;
    try {
      result = await runCommand(
        TSX,
        [join(REPO_ROOT, "scripts", "refresh", "cli.ts"), "run", "--from", "production", "--to", "staging", "--yes", "--json", "--executor", "postgres", "--pg-host", "127.0.0.1", "--pg-port", String(copy.port), "--poll-seconds", "1"],
        { cwd: REPO_ROOT, env: { ...env, REFRESH_PG_PASSWORD: plane.masterPassword } },
      );
    } catch (error) {
      await stopDataPlaneServer(copy);
      throw error;
    }
    if (result.code !== 0) {
      await stopDataPlaneServer(copy);
      throw new Error(`refresh failed (exit ${result.code}):\n${result.stdout.split("\n").slice(-15).join("\n")}\n${result.stderr}`);
    }
    // Staging's identifier now names the restored cluster: its resource id is the copy.
    const restored = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: stackId(staging) }))).DBClusters?.[0];
    if (!restored?.DbClusterResourceId) throw new Error(`${stackId(staging)} not found after the refresh`);
    mapCluster(plane, restored.DbClusterResourceId, copy, stackId(staging));
    const stopped = await reconcileDataPlane(plane, rds);
    writeDataPlane(plane);
    writeFileSync(join(SANDBOX_DIR, "refresh.jsonl"), result.stdout);
    const events = result.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { half?: string; step: string; state: string; identifiers?: Record<string, string> });
    const objects = events.filter((e) => e.half === "objects" && e.step === "sync-objects" && e.state === "done").at(-1);
    note(`database: ${events.filter((e) => e.half === "database" && e.state === "done").map((e) => e.step).join(" → ")}; uploads: ${objects?.identifiers?.copied ?? "?"} copied; old staging's PostgreSQL stopped (${stopped.length})`);
  });

  // 10. The refresh converged staging's stack with Terraform after the swap (its converge step:
  // the function's settings, the grant, SSM follow the restored cluster). What Terraform does not
  // own converges the way it does after every apply: `db:migrate`. The scrub gave every other
  // login role of the copy a random password; on AWS the API logs in by IAM (rds_iam survives),
  // in the sandbox by the password db:migrate sets — running it is the sandbox's "staging converges".
  await steps.step("Converging staging's database roles after the swap (npm run db:migrate -- staging)", async (note) => {
    note(`${await runScript(`npm run db:migrate -- ${staging.name}`, "db/cli.ts", [staging.name], env)}; the API user's login and grants set again`);
  });

  // 11. Staging now serves production's data, scrubbed.
  await steps.step("Staging's API serves production's data, scrubbed (before/after, masked)", async (note) => {
    const after = await sampleRows(plane, rds, stackId(staging), before.map((row) => row.id));
    console.log("\n    production (before)                               staging (after the refresh)");
    for (const row of before) {
      const other = after.find((a) => a.id === row.id);
      console.log(`    ${describePerson(row).padEnd(50)} ${other ? describePerson(other) : "(missing)"}`);
    }
    // Production's addresses outside the allowlist of staging's scrub manifest (the team's accounts keep theirs).
    const { manifest } = loadScrubManifest(staging.name);
    const customers = seeded.people.map((p) => p.email).filter((email) => !isAllowlisted(manifest, email));
    const leaks = await productionEmailsIn(plane, rds, stackId(staging), customers);
    if (leaks.length > 0) throw new Error(`production email addresses found in staging's database: ${leaks.map((l) => `${l.table}.${l.column}: ${maskEmail(l.email)}`).join(", ")}`);
    const qa = staging.users[0];
    if (!qa) throw new Error("staging has no team account (environments/staging users) to sign in with");
    const tokens = await signInWithSrp(cognito, { userPoolId: outputs.staging.user_pool_id, clientId: outputs.staging.user_pool_client_id, username: qa.email, password: stagingPassword });
    const api = `http://127.0.0.1:${gateway.ports.staging}`;
    const headers = { authorization: `Bearer ${tokens.accessToken}`, "content-type": "application/json" };
    const me = await fetch(`${api}/me`, { headers });
    const projects = await fetch(`${api}/me/projects`, { headers });
    if (me.status !== 200 || projects.status !== 200) throw new Error(`signed in to staging as ${maskEmail(qa.email)}: GET /me ${me.status} ${await me.text()}, GET /me/projects ${projects.status}`);
    const profile = (await me.json()) as { email: string; fullName: string };
    const listed = ((await projects.json()) as { projects: Array<{ name: string }> }).projects;
    const created = await fetch(`${api}/projects`, { method: "POST", headers, body: JSON.stringify({ name: "Sandbox check", description: "written through staging's API" }) });
    if (created.status !== 201) throw new Error(`POST /projects on staging: HTTP ${created.status} ${await created.text()}`);
    console.log(`\n    signed in to staging as ${maskEmail(qa.email)} (USER_SRP_AUTH, token from the staging pool):`);
    console.log(`      GET /me           → ${maskEmail(profile.email)}, ${profile.fullName} (production's row, scrubbed)`);
    console.log(`      GET /me/projects  → ${listed.length} project(s) from production: ${listed.map((p) => p.name).join(", ")}`);
    console.log(`      POST /projects    → 201 (the API user writes)`);
    note(`no production email address outside the allowlist in staging's database (${customers.length} checked in every text column; ${seeded.people.length - customers.length} allowlisted team accounts kept)`);
  });

  // 12. Smoke again.
  await steps.step("Smoke-testing staging again (npm run smoke -- staging)", async (note) => {
    note(await smoke("staging", env));
  });

  // 13. The plan: the refresh's converge applied what the swap changed; nothing may be left but quirks.
  await steps.step("Planning staging: no change but the allowlisted emulator quirks", async (note) => {
    const replan = await runners.staging.replan("after-refresh.tfplan");
    const changes = changesOf(replan.plan);
    const unexpected = changes.filter((c) => c.actions.some((a) => a !== "update") || c.attributes.some((attribute) => !isQuirk(c.type, attribute)));
    if (unexpected.length > 0) {
      throw new Error(`staging's plan after the refresh changes more than emulator quirks:\n${unexpected.map((c) => `  ${c.address}: ${c.actions.join("+")} ${c.attributes.join(", ")}`).join("\n")}`);
    }
    note(changes.length === 0 ? "no changes" : `only allowlisted emulator quirks: ${changes.map((c) => `${c.address} (${c.attributes.join(", ")})`).join("; ")}`);
  });

  rds.destroy();
  cognito.destroy();
  writeSandboxServices({ ...record, gateway: gateway.record, completedAt: new Date().toISOString(), environments: summaryFacts(outputs) });
  const statuses = await Promise.all(environments.map((config) => environmentStatus(config.name)));
  printSummary(sandbox, statuses as EnvironmentStatus[]);
  console.log(`\nthe whole journey took ${steps.elapsedSeconds.toFixed(0)} s`);
}

function summaryFacts(outputs: Record<string, Outputs>): SandboxServices["environments"] {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, o]) => [name, { siteBucket: o.site_bucket, uploadsBucket: o.uploads_bucket, userPoolId: o.user_pool_id, userPoolClientId: o.user_pool_client_id, functionName: o.api_function_name, siteUrl: o.site_url }]),
  );
}

function sandboxComplete(services: SandboxServices): boolean {
  const plane = readDataPlane();
  return Boolean(services.gateway && processAlive(services.gateway.pid) && plane && Object.values(plane.clusters).length >= 2 && Object.values(plane.clusters).every(serverAlive));
}

/** A second `npm start`: everything runs — check it answers and print the summary. */
async function reuse(sandbox: SandboxState): Promise<void> {
  const steps = new StepList(1);
  console.log("twinstack sandbox: already running — reusing it (npm start -- --fresh replaces it)\n");
  const env = sandboxProcessEnv(process.env, sandbox);
  await steps.step("Smoke-testing staging and production (npm run smoke -- <env>)", async (note) => {
    note((await Promise.all(["staging", "production"].map((name) => smoke(name, env)))).join("; "));
  });
  const statuses = await Promise.all(["staging", "production"].map((name) => environmentStatus(name)));
  printSummary(sandbox, statuses as EnvironmentStatus[]);
  console.log(`\nreused in ${steps.elapsedSeconds.toFixed(0)} s`);
}

async function smoke(name: string, env: NodeJS.ProcessEnv): Promise<string> {
  return `${name}: ${await runScript(`npm run smoke -- ${name}`, "smoke/cli.ts", [name, "--timeout-seconds", "30"], env)}`;
}

/**
 * `tsx scripts/<script> <args>` from the repository root with `env`; its last line of output.
 * A non-zero exit fails with `command` (what an operator would type) and the whole output.
 */
async function runScript(command: string, script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const result = await runCommand(TSX, [join(REPO_ROOT, "scripts", script), ...args], { cwd: REPO_ROOT, env });
  if (result.code !== 0) throw new Error(`${command} failed (exit ${result.code}):\n${result.stdout}${result.stderr}`);
  return result.stdout.trim().split("\n").at(-1) ?? "";
}

/** Starts the gateway process (or keeps the running one) and waits until every port answers. */
async function ensureGateway(sandbox: SandboxState, environments: EnvironmentConfig[], record: SandboxServices): Promise<{ ports: Record<string, number>; record: NonNullable<SandboxServices["gateway"]> }> {
  if (record.gateway && processAlive(record.gateway.pid)) return { ports: record.gateway.ports, record: record.gateway };
  const config: GatewayProcessConfig = {
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    environments: environments.map((c) => ({ name: c.name, apiName: stackId(c), port: 0, roleArn: c.deployRoleArn as string })),
    assetsRoot: SANDBOX_OUTDIR,
    extractRoot: join(SANDBOX_DIR, "functions"),
  };
  const configFile = join(SANDBOX_DIR, "gateway.json");
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  // Only what this process writes counts: the log is appended to across runs.
  const offset = existsSync(GATEWAY_LOG) ? statSync(GATEWAY_LOG).size : 0;
  const log = openSync(GATEWAY_LOG, "a");
  // Node itself with tsx's loader (not the tsx wrapper, which runs a second process): the recorded pid is the server.
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts", "sandbox", "gateway.ts"), configFile], { cwd: REPO_ROOT, detached: true, stdio: ["ignore", log, log], env: sandboxProcessEnv(process.env, sandbox) });
  closeSync(log);
  child.unref();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listening = readFileSync(GATEWAY_LOG).subarray(offset).toString("utf8").split("\n").map((line) => /^\{"listening":(.*)\}$/.exec(line)?.[1]).filter(Boolean).at(-1);
    if (listening) {
      const gateway = { pid: child.pid as number, ports: JSON.parse(listening) as Record<string, number>, logFile: GATEWAY_LOG };
      record.gateway = gateway;
      writeSandboxServices(record);
      return { ports: gateway.ports, record: gateway };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the API gateway did not start (see ${GATEWAY_LOG})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function poolSubs(cognito: CognitoIdentityProviderClient, userPoolId: string): Promise<Record<string, string>> {
  const subs: Record<string, string> = {};
  const listed = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }));
  for (const user of listed.Users ?? []) {
    const attributes = Object.fromEntries((user.Attributes ?? []).map((a) => [a.Name, a.Value]));
    if (attributes.email && attributes.sub) subs[attributes.email] = attributes.sub;
  }
  return subs;
}

/** `qa-admin@example.com` → `Qa Admin` (the team's accounts have no other name). */
function nameFromEmail(email: string): string {
  return email.split("@")[0].split(/[.\-_]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(" ");
}

interface PersonRow {
  id: string;
  email: string;
  full_name: string;
  phone: string | null;
  cognito_sub: string | null;
}

async function withDatabase<T>(plane: DataPlane, rds: RDSClient, cluster: string, work: (client: Client) => Promise<T>): Promise<T> {
  const found = await serverForCluster(plane, rds, cluster);
  if (!found) throw new Error(`cluster ${cluster} has no PostgreSQL in the sandbox`);
  const client = new Client({ connectionString: masterUrl(plane, found.server) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function sampleRows(plane: DataPlane, rds: RDSClient, cluster: string, ids: string[]): Promise<PersonRow[]> {
  return withDatabase(plane, rds, cluster, async (client) => (await client.query("SELECT id, email, full_name, phone, cognito_sub FROM app_users WHERE id = ANY($1::uuid[]) ORDER BY email", [ids])).rows);
}

/** Personal data on screen, masked: the shape shows, the person does not. */
function describePerson(row: PersonRow): string {
  const name = row.full_name.split(" ").map((part) => `${part.charAt(0)}${"*".repeat(Math.max(0, Math.min(part.length - 1, 5)))}`).join(" ");
  const phone = row.phone ? `${row.phone.slice(0, 3)}…${row.phone.slice(-2)}` : "no phone";
  return `${maskEmail(row.email)}, ${name}, ${phone}`;
}

/** Every text column of every table in the cluster's database, searched for the given addresses. */
async function productionEmailsIn(plane: DataPlane, rds: RDSClient, cluster: string, emails: string[]): Promise<Array<{ table: string; column: string; email: string }>> {
  return withDatabase(plane, rds, cluster, async (client) => {
    const columns = (
      await client.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type IN ('text', 'character varying') ORDER BY table_name, column_name")
    ).rows as Array<{ table_name: string; column_name: string }>;
    const found: Array<{ table: string; column: string; email: string }> = [];
    const lowered = emails.map((email) => email.toLowerCase());
    for (const { table_name, column_name } of columns) {
      const { rows } = await client.query(`SELECT DISTINCT e AS email FROM "${table_name}", unnest($1::text[]) AS e WHERE position(e IN lower("${column_name}")) > 0`, [lowered]);
      for (const row of rows) found.push({ table: table_name, column: column_name, email: row.email });
    }
    return found;
  });
}

function gitSha(): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/** For --fresh: the running sandbox goes first (scripts/sandbox/down.ts does the same). */
async function stopEverything(): Promise<void> {
  const result = await runCommand(TSX, [join(REPO_ROOT, "scripts", "sandbox", "down.ts")], { cwd: REPO_ROOT });
  if (result.code !== 0) throw new Error(`stopping the running sandbox failed:\n${result.stderr}`);
  if (existsSync(SANDBOX_DIR)) rmSync(SANDBOX_DIR, { recursive: true, force: true });
}

main().catch((error: Error) => {
  console.error(`\nnpm start failed: ${error.message}`);
  if (existsSync(SANDBOX_LOG)) console.error(`emulator log: ${SANDBOX_LOG}`);
  if (existsSync(GATEWAY_LOG)) console.error(`gateway log: ${GATEWAY_LOG}`);
  process.exit(error instanceof MissingToolError ? 2 : 1);
});
