/**
 * npm start — the sandbox: an emulated AWS on loopback, the account bootstrapped, staging and
 * production deployed (single-account topology: the emulator cannot restore a snapshot shared
 * from another account), sample production data seeded, versions read back, and a summary.
 * Leaves the emulator running (pid and endpoint in .sandbox/state.json) so that
 * `npm run plan|apply|refresh` target it; `npm run sandbox:down` removes everything.
 */
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import type { EnvironmentConfig } from "../../environments/config";
import { bootstrapStackId, stackId } from "../../environments/naming";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { SANDBOX_STATE_FILE, SandboxState, readSandboxState, sandboxEnv } from "../lib/aws-context";
import { StackRunner } from "../lib/deploy";
import { StepList } from "../lib/progress";
import { REPO_ROOT, synthesizeTo } from "../lib/synth";
import { MissingToolError, assertTerraformAvailable, describeProviderSource, runCommand, writeTerraformCliConfig } from "../lib/terraform";
import { seedUsers } from "../users/seed";
import { assumeRoleCredentials, emulatorUnavailableReason, startEmulator } from "./emulator";
import { SANDBOX_ACCOUNT, SANDBOX_DIR, SANDBOX_LOG, SANDBOX_OUTDIR, SANDBOX_REGION, bootstrapStatePath } from "./paths";

const SAMPLE_OBJECTS = 60;

interface EnvironmentSummary {
  name: string;
  resources: number;
  outputs: Record<string, unknown>;
  versionFromSsm?: string;
  versionFromFunction?: string;
  state: string;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("npm start --")
    .description("Bring up the sandbox: emulated AWS, both environments deployed, sample data, a summary")
    .option("--yes", "non-interactive (also implied by CI=true or no terminal)")
    .option("--fresh", "replace a running sandbox instead of reusing it")
    .parse();
  const options = program.opts<{ yes?: boolean; fresh?: boolean }>();

  const steps = new StepList(8);
  console.log("twinstack sandbox: emulated AWS on loopback, no AWS account needed\n");

  // 1. Tools, with a clear message naming whatever is missing.
  const cliConfigFile = await steps.step("Checking tools (terraform, AWS provider source, moto_server)", async (note) => {
    const version = await assertTerraformAvailable();
    const missingEmulator = emulatorUnavailableReason();
    if (missingEmulator) throw new MissingToolError(missingEmulator);
    mkdirSync(SANDBOX_DIR, { recursive: true });
    // The local mirror when there is one; otherwise terraform init installs the provider from its registry.
    const config = writeTerraformCliConfig(`${SANDBOX_DIR}/terraform-cli`);
    note(`terraform ${version}, ${describeProviderSource(config.providerSource)}`);
    return config.cliConfigFile;
  });

  // 2. The emulator: reuse a running sandbox (npm start twice is safe) or start one that outlives us.
  const sandbox = await steps.step("Starting the emulated AWS", async (note) => {
    const running = readSandboxState();
    if (running && !options.fresh) {
      note(`reusing ${running.endpoint} (pid ${running.pid})`);
      return running;
    }
    if (running) {
      process.kill(running.pid, "SIGTERM");
      rmSync(SANDBOX_STATE_FILE, { force: true });
    }
    for (const stale of [SANDBOX_OUTDIR]) rmSync(stale, { recursive: true, force: true });
    const emulator = await startEmulator({ persistent: true, logFile: SANDBOX_LOG });
    const state: SandboxState = { endpoint: emulator.endpoint, pid: emulator.pid, startedAt: new Date().toISOString(), accountId: SANDBOX_ACCOUNT, region: SANDBOX_REGION };
    writeFileSync(SANDBOX_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
    note(`${emulator.endpoint} (pid ${emulator.pid})`);
    return state;
  });

  const env: NodeJS.ProcessEnv = { ...process.env, ...sandboxEnv(sandbox), TWINSTACK_SINGLE_ACCOUNT: sandbox.accountId };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  const inputs = environmentInputs(env);
  const environments = [resolveEnvironment("staging", inputs), resolveEnvironment("production", inputs)];

  // 3. Synthesis, into the sandbox's own folder.
  await steps.step("Synthesizing staging, production and the account bootstrap", async () => {
    const result = await synthesizeTo(SANDBOX_OUTDIR, env);
    if (result.code !== 0) throw new Error(`synth failed:\n${result.stderr}`);
  });

  // 4. The account's state bucket and lock table (local state kept inside .sandbox/).
  const bootstrap = bootstrapStackId("twinstack", sandbox.accountId);
  await steps.step(`Bootstrapping account ${sandbox.accountId} (state bucket, lock table, OIDC roles)`, async () => {
    const runner = new StackRunner(bootstrap, SANDBOX_OUTDIR, cliConfigFile, env);
    await runner.init({ path: bootstrapStatePath(bootstrap) });
    await runner.applyAuto();
  });

  // 5. Both environments, in parallel.
  const summaries = await steps.step("Deploying staging and production", async (note) => {
    const done: string[] = [];
    return Promise.all(
      environments.map(async (config): Promise<EnvironmentSummary> => {
        const runner = new StackRunner(stackId(config), SANDBOX_OUTDIR, cliConfigFile, env);
        await runner.init();
        await runner.applyAuto();
        done.push(config.name);
        note(`applied: ${done.join(", ")}`);
        const outputs = Object.fromEntries(Object.entries(await runner.outputs()).map(([key, output]) => [key, output.value]));
        return { name: config.name, resources: await runner.stateResourceCount(), outputs, state: `s3://twinstack-tfstate-${config.accountId}/${stackId(config)}/terraform.tfstate` };
      }),
    );
  });

  const credentials = await assumeRoleCredentials(sandbox.endpoint, environments[0].deployRoleArn as string);
  const clientOptions = { endpoint: sandbox.endpoint, region: sandbox.region, credentials };
  const production = summaries.find((summary) => summary.name === "production") as EnvironmentSummary;

  // 6. Sample production data: objects in the uploads bucket, the configured users in the pool.
  await steps.step("Seeding sample production data (uploads, users)", async (note) => {
    const s3 = new S3Client({ ...clientOptions, forcePathStyle: true });
    const bucket = String(production.outputs.uploads_bucket);
    await Promise.all(
      Array.from({ length: SAMPLE_OBJECTS }, (_, index) =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `listings/${String(index % 6).padStart(2, "0")}/photo-${index}.txt`,
            Body: `sample upload ${index}\n`,
            ContentType: "text/plain",
          }),
        ),
      ),
    );
    const productionConfig = environments.find((config) => config.name === "production") as EnvironmentConfig;
    // Not `npm run users:seed` (which refuses production): seedUsers writes unguarded only through a client with an explicit loopback endpoint, the emulator's.
    // A throwaway temporary password, never printed: sandbox users only.
    const temporaryPassword = `Tw1n!${randomBytes(12).toString("base64url")}`;
    const results = await seedUsers(new CognitoIdentityProviderClient(clientOptions), {
      userPoolId: String(production.outputs.user_pool_id),
      users: productionConfig.users,
      temporaryPassword,
    });
    note(`${SAMPLE_OBJECTS} objects in ${bucket}, ${results.length} users in the production pool`);
  });

  // 7. What each environment runs, read back from AWS (the emulator cannot invoke functions without Docker).
  await steps.step("Reading back the deployed versions", async () => {
    const ssm = new SSMClient(clientOptions);
    const lambda = new LambdaClient(clientOptions);
    for (const summary of summaries) {
      const parameter = await ssm.send(new GetParameterCommand({ Name: `/twinstack/${summary.name}/version` }));
      summary.versionFromSsm = parameter.Parameter?.Value;
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: String(summary.outputs.api_function_name) }));
      summary.versionFromFunction = fn.Environment?.Variables?.APP_VERSION;
    }
  });

  // 8. A refresh: staging's uploads become a mirror of production's (the objects half). The
  // database half needs a real PostgreSQL for its scrub (the emulated cluster has no engine).
  const refresh = await steps.step("Refreshing staging's uploads from production (npm run refresh -- run --only objects)", async (note) => {
    const result = await runCommand(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "scripts", "refresh", "cli.ts"), "run", "--from", "production", "--to", "staging", "--yes", "--only", "objects", "--json"], { cwd: REPO_ROOT, env });
    if (result.code !== 0) throw new Error(`refresh failed (exit ${result.code}):\n${result.stderr}`);
    const done = result.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { step: string; state: string; message?: string })
      .find((event) => event.step === "sync-objects" && event.state === "done");
    note(done?.message ?? "done");
    return done?.message ?? "done";
  });

  printSummary(summaries, sandbox, steps.elapsedSeconds);
  console.log(`refresh       staging's uploads from production: ${refresh}`);
  void options.yes; // nothing asks a question today; kept so CI can pass --yes safely
}

function printSummary(summaries: EnvironmentSummary[], sandbox: SandboxState, seconds: number): void {
  const shown = ["site_url", "api_url", "user_pool_id", "user_pool_client_id", "hosted_ui_domain", "database_endpoint", "uploads_bucket", "site_bucket"];
  console.log("\n─── twinstack sandbox is up ───────────────────────────────────────────");
  console.log(`emulated AWS  ${sandbox.endpoint} (pid ${sandbox.pid}), account ${sandbox.accountId}, ${sandbox.region}`);
  for (const summary of summaries) {
    console.log(`\n${summary.name}: ${summary.resources} resources, version ${summary.versionFromFunction ?? "?"} (function) / ${summary.versionFromSsm ?? "?"} (SSM)`);
    for (const key of shown) console.log(`  ${key.padEnd(20)} ${summary.outputs[key]}`);
    console.log(`  ${"state".padEnd(20)} ${summary.state}`);
  }
  console.log(`\nnext:
  npm run plan -- staging                                   # plan against the sandbox (no changes expected)
  npm run refresh -- plan --from production --to staging    # what a refresh would do (database and objects)
  npm run refresh -- run --from production --to staging --yes --only objects   # uploads: production → staging
  npm run refresh -- run --from production --to staging --yes --executor postgres --pg-host <host>
                                                            # the database half: the emulated cluster has no engine,
                                                            # so the scrub needs a real PostgreSQL standing in for it
  npm run sandbox:down                                      # destroy everything, stop the emulator`);
  console.log(`\nup in ${seconds.toFixed(0)} s`);
}

main().catch((error: Error) => {
  console.error(`\nnpm start failed: ${error.message}`);
  if (existsSync(SANDBOX_LOG)) console.error(`emulator log: ${SANDBOX_LOG}`);
  process.exit(error instanceof MissingToolError ? 2 : 1);
});
