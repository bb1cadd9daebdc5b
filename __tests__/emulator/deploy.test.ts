/**
 * Emulator integration test (real Terraform + the real AWS provider 5.100 against moto):
 * every environment — staging, production and a preview — in the two-account topology
 * (staging and previews in 111111111111, production in 222222222222, reached by assuming
 * the deploy roles through the emulator's STS): bootstrap the account's state bucket and lock
 * table → synth → init with the S3 backend in the emulator → plan → assertions on planned
 * values → apply → a second plan that must be empty but for listed emulator quirks → destroy.
 * Resource types moto 5.2.1 lacks (EMULATOR_MISSING_TYPES in environments/aws-target.ts: backup
 * selections, budgets, cost anomaly monitors) are left out of the emulator's stacks; terraform
 * validate (terraform-validate.test.ts) and the unit tests cover them.
 */
import { CognitoIdentityProviderClient, UpdateUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { ModifyDBClusterCommand, RDSClient } from "@aws-sdk/client-rds";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvironmentConfig } from "../../environments/config";
import { resolveEnvironment, previewConfig } from "../../environments/registry";
import { PlanJson, StackRunner, changesOf, countByType } from "../../scripts/lib/deploy";
import { synthesizeTo } from "../../scripts/lib/synth";
import { writeTerraformCliConfig } from "../../scripts/lib/terraform";
import { Emulator, assumeRoleCredentials, clientConfig, emulatorProcessEnv, startEmulator } from "../../scripts/sandbox/emulator";
import { isQuirk } from "../helpers/emulator-quirks";
import { describeWithTools } from "../helpers/requirements";

interface EnvironmentRun {
  config: EnvironmentConfig;
  plan?: PlanJson;
  replanChanges?: ReturnType<typeof changesOf>;
  unprotectedDestroyError?: string;
  destroyed?: boolean;
  seconds: Record<string, number>;
  error?: Error;
}

const ENVIRONMENTS = [resolveEnvironment("staging"), resolveEnvironment("production"), previewConfig(1)];

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

describeWithTools("every environment applies into the emulator and converges", ["terraform", "provider-mirror", "moto_server"], () => {
  let emulator: Emulator;
  const work = mkdtempSync(join(tmpdir(), "twinstack-deploy-"));
  const outdir = join(work, "out");
  const runs = new Map<string, EnvironmentRun>();
  const started = Date.now();

  beforeAll(async () => {
    emulator = await startEmulator({ logFile: join(work, "moto.log") });
    const env = emulatorProcessEnv(emulator);
    const synth = await synthesizeTo(outdir, { ...env, PREVIEW_PR: "1" });
    if (synth.code !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
    const { cliConfigFile } = writeTerraformCliConfig(join(work, "terraform"));

    // Each account's state bucket and lock table first: the environment stacks' backends live there.
    await pool(["111111111111", "222222222222"], 2, async (account) => {
      const bootstrap = new StackRunner(`twinstack-bootstrap-${account}`, outdir, cliConfigFile, env);
      await bootstrap.init();
      await bootstrap.applyAuto();
    });

    await pool(ENVIRONMENTS, 2, async (config) => {
      const run: EnvironmentRun = { config, seconds: {} };
      runs.set(config.name, run);
      const runner = new StackRunner(`twinstack-${config.name}`, outdir, cliConfigFile, env);
      const timed = async <T>(step: string, action: () => Promise<T>): Promise<T> => {
        const t0 = Date.now();
        try {
          return await action();
        } finally {
          run.seconds[step] = (Date.now() - t0) / 1000;
        }
      };
      try {
        await timed("init", () => runner.init());
        const planFile = await timed("plan", () => runner.plan());
        run.plan = await runner.show(planFile);
        await timed("apply", () => runner.apply(planFile));
        run.replanChanges = changesOf((await timed("replan", () => runner.replan())).plan);
        if (config.protected) {
          // Production must refuse to be destroyed; an operator decommissioning it lifts the guards first.
          const outputs = await runner.outputs(); // read now: a refused destroy still removes what it can
          const refused = await runner.destroy([0, 1]);
          run.unprotectedDestroyError = refused.code === 0 ? "" : refused.stderr;
          await liftDeletionProtection(emulator, config, outputs);
        }
        await timed("destroy", () => runner.destroy());
        run.destroyed = true;
      } catch (error) {
        run.error = error as Error;
      }
    });
    // Wall time per environment, for the issue note.
    for (const run of runs.values()) {
      console.log(`${run.config.name}: ${JSON.stringify(run.seconds)} (all environments ${((Date.now() - started) / 1000).toFixed(0)} s)${run.error ? `\nFAILED: ${run.error.message}` : ""}`);
    }
  }, 15 * 60 * 1000);

  afterAll(async () => {
    await emulator?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  describe.each(ENVIRONMENTS.map((config) => [config.name, config] as const))("%s", (name, config) => {
    const runOf = (): EnvironmentRun => {
      const run = runs.get(name);
      if (!run) throw new Error(`${name} did not run`);
      if (run.error) throw run.error;
      return run;
    };

    test("the plan has the expected resources: no NAT gateway, Serverless v2 scaling, encryption everywhere", () => {
      const plan = runOf().plan as PlanJson;
      const counts = countByType(plan);
      expect(counts.aws_nat_gateway).toBeUndefined();
      expect(counts).toMatchObject({
        aws_vpc: 1,
        aws_subnet: 3 * config.network.availabilityZones.length,
        aws_rds_cluster: 1,
        aws_rds_cluster_instance: config.database.instanceCount,
        aws_s3_bucket: 2,
        aws_cloudfront_distribution: 1,
        aws_lambda_function: 1,
        aws_apigatewayv2_api: 1,
        aws_cognito_user_pool: 1,
        // P0 (paging) and P1 (degraded) alarm tiers; a dashboard per environment
        aws_sns_topic: 2,
        aws_cloudwatch_dashboard: 1,
      });
      // Backups (protected environments): vaults (here and in the copy region), locks and the plan apply;
      // the backup selection, the budget and the anomaly monitor are left out (moto lacks them: environments/aws-target.ts)
      if (config.backup.enabled) expect(counts).toMatchObject({ aws_backup_vault: 2, aws_backup_vault_lock_configuration: 2, aws_backup_plan: 1 });
      for (const missing of ["aws_backup_selection", "aws_budgets_budget", "aws_ce_anomaly_monitor"]) expect(counts[missing]).toBeUndefined();
      const resources = plan.planned_values?.root_module?.resources ?? [];
      const cluster = resources.find((resource) => resource.type === "aws_rds_cluster")?.values as Record<string, unknown>;
      const scaling: Record<string, unknown> = { min_capacity: config.database.minCapacity, max_capacity: config.database.maxCapacity };
      if (config.database.minCapacity === 0) scaling.seconds_until_auto_pause = config.database.secondsUntilAutoPause;
      expect(cluster).toMatchObject({ storage_encrypted: true, engine_mode: "provisioned", serverlessv2_scaling_configuration: [scaling] });
      const encryption = resources.filter((resource) => resource.type === "aws_s3_bucket_server_side_encryption_configuration");
      expect(encryption).toHaveLength(2);
      expect(resources.filter((resource) => resource.type === "aws_kms_key").every((key) => key.values.enable_key_rotation === true)).toBe(true);
    });

    test("a second plan after apply changes nothing but listed emulator quirks", () => {
      const changes = runOf().replanChanges ?? [];
      const unexpected = changes.flatMap((change) => {
        if (change.actions.join() !== "update") return [`${change.address}: ${change.actions.join("+")}`];
        return change.attributes.filter((attribute) => !isQuirk(change.type, attribute)).map((attribute) => `${change.address}.${attribute}`);
      });
      expect(unexpected).toEqual([]);
    });

    test(config.protected ? "refuses destroy while protected, then destroys once the guards are lifted" : "destroys cleanly", () => {
      const run = runOf();
      if (config.protected) expect(run.unprotectedDestroyError).toMatch(/deletion protection|DeletionProtection|deletion_protection/i);
      expect(run.destroyed).toBe(true);
    });
  });
});

/** What an operator does before decommissioning a protected environment. */
async function liftDeletionProtection(emulator: Emulator, config: EnvironmentConfig, outputs: Record<string, { value: unknown }>): Promise<void> {
  const credentials = await assumeRoleCredentials(emulator.endpoint, config.deployRoleArn as string);
  const rds = new RDSClient(clientConfig(emulator, credentials));
  await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: `twinstack-${config.name}`, DeletionProtection: false, ApplyImmediately: true }));
  const cognito = new CognitoIdentityProviderClient(clientConfig(emulator, credentials));
  await cognito.send(new UpdateUserPoolCommand({ UserPoolId: String(outputs.user_pool_id.value), DeletionProtection: "INACTIVE" }));
}
