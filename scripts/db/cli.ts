/**
 * `npm run db:migrate -- <env>`: brings an environment's database to the application's schema
 * (functions/api/migrations) and makes its API user and grants exactly what scripts/db/roles.ts
 * says. Idempotent: run it after every apply (the apply workflow does, before the smoke test).
 *
 *   sandbox running   the environment's PostgreSQL on loopback (the sandbox's data plane), as the
 *                     cluster's master user; the API user logs in with the sandbox's password.
 *   AWS               the RDS Data API, as the cluster's master user (its managed secret): the
 *                     database sits in isolated subnets with no NAT and stays there. The Data
 *                     API is switched on for the run when it is off, and off again after.
 *                     The API user gets rds_iam (IAM authentication, no password).
 *   --database-url    any PostgreSQL you can reach (tests, break-glass); the password in the URL
 *                     or PGPASSWORD; the API user's password (with --api-auth password) from
 *                     API_DATABASE_PASSWORD.
 *
 * Exit codes: 0 done, 1 failed, 2 refused or bad usage.
 */
import { DBCluster, DescribeDBClustersCommand, DisableHttpEndpointCommand, EnableHttpEndpointCommand, RDSClient } from "@aws-sdk/client-rds";
import { Command, Option } from "commander";
import { Client } from "pg";
import { ConfigError, type EnvironmentConfig } from "../../environments/config";
import { stackId } from "../../environments/naming";
import { environmentInputs, resolveEnvironment } from "../../environments/registry";
import { connectAccount } from "../refresh/accounts";
import { parseCommand, runAsScript } from "../lib/cli-main";
import { maskAccounts, realClock, waitFor } from "../refresh/core";
import { masterUrl, readDataPlane, serverForCluster } from "../sandbox/dataplane";
import { assumeRoleCredentials } from "../sandbox/emulator";
import { sandboxForCommand } from "../sandbox/services";
import type { SandboxState } from "../lib/aws-context";
import { DataApiQueryClient } from "./data-api";
import { MigrateReport, migrateDatabase } from "./migrate";
import type { ApiAuth } from "./roles";

class UsageError extends Error {}

interface Options {
  databaseUrl?: string;
  apiUser?: string;
  apiAuth?: ApiAuth;
  assumeRole: boolean;
  waitSeconds: string;
}

async function withClient(url: string, work: (client: Client) => Promise<MigrateReport>): Promise<MigrateReport> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function describeTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.username || "?"}@${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

/** The sandbox: the environment's cluster → its PostgreSQL on loopback (scripts/sandbox/dataplane.ts). */
async function migrateSandbox(config: EnvironmentConfig, sandbox: SandboxState, log: (line: string) => void): Promise<MigrateReport> {
  const plane = readDataPlane();
  if (!plane) throw new UsageError("the sandbox runs but has no databases (.sandbox/dataplane.json): run npm start again");
  // The environment's account in the emulator, as its deploy role sees it.
  const credentials = await assumeRoleCredentials(sandbox.endpoint, config.deployRoleArn as string, "db-migrate");
  const rds = new RDSClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials });
  try {
    const found = await serverForCluster(plane, rds, stackId(config));
    if (!found) throw new Error(`the sandbox has no database for cluster ${stackId(config)}: run npm start again`);
    const url = masterUrl(plane, found.server);
    log(`${config.name}: ${describeTarget(url)} (the sandbox's PostgreSQL for cluster ${stackId(config)})`);
    return await withClient(url, (client) =>
      migrateDatabase(client, { database: found.server.database, apiUser: config.api.databaseUser, apiAuth: "password", apiPassword: plane.apiPassword, log }),
    );
  } finally {
    rds.destroy();
  }
}

async function describeCluster(rds: RDSClient, identifier: string): Promise<DBCluster> {
  const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }))).DBClusters?.[0];
  if (!cluster?.DBClusterArn) throw new Error(`cluster ${identifier} not found`);
  return cluster;
}

/** AWS: the Data API with the cluster's managed master secret. */
async function migrateAws(config: EnvironmentConfig, options: Options, log: (line: string) => void): Promise<MigrateReport> {
  const clients = await connectAccount(config, { clock: realClock, noAssumeRole: !options.assumeRole, sessionName: `twinstack-db-migrate-${config.name}` });
  const identifier = stackId(config);
  const cluster = await describeCluster(clients.rds, identifier);
  const secretArn = cluster.MasterUserSecret?.SecretArn;
  if (!secretArn) throw new Error(`cluster ${identifier} has no managed master secret (ManageMasterUserPassword): the Data API needs one`);
  const resourceArn = cluster.DBClusterArn as string;
  const switchedOn = !cluster.HttpEndpointEnabled;
  if (switchedOn) {
    log(`${identifier}: switching the Data API on for this run`);
    // Aurora Serverless v2 and provisioned clusters: EnableHttpEndpoint (ModifyDBCluster's flag is for Serverless v1).
    await clients.rds.send(new EnableHttpEndpointCommand({ ResourceArn: resourceArn }));
    // At most 4.8 s between looks (4 s ± 20 %).
    await waitFor(
      `${identifier}: the Data API`,
      async () => ((await describeCluster(clients.rds, identifier)).HttpEndpointEnabled ? { done: true } : { done: false, detail: "not on yet" }),
      { clock: realClock, timeoutMs: Number(options.waitSeconds) * 1000, minDelayMs: 4_000, maxDelayMs: 4_000 },
    );
  }
  try {
    const client = new DataApiQueryClient(clients.rdsData, { resourceArn, secretArn, database: config.database.databaseName });
    // node-pg-migrate's advisory lock is per session, which the Data API does not keep: one run at a
    // time is the apply workflow's concurrency group's job.
    return await migrateDatabase(client, { database: config.database.databaseName, apiUser: config.api.databaseUser, apiAuth: "iam", noLock: true, log });
  } finally {
    if (switchedOn) {
      await clients.rds.send(new DisableHttpEndpointCommand({ ResourceArn: resourceArn }));
      log(`${identifier}: Data API switched off again`);
    }
  }
}

export async function main(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let code = 0;
  const program = new Command("db:migrate")
    .description("Bring an environment's database to the application's schema (functions/api/migrations) and set its API user's grants")
    .argument("[env]", "environment (staging, production, preview-pr-<n>)")
    .option("--database-url <url>", "migrate this PostgreSQL instead (password in the URL or PGPASSWORD)")
    .option("--api-user <name>", "with --database-url: the API's database user", "app_api")
    .addOption(new Option("--api-auth <kind>", "with --database-url: how the API logs in (password: API_DATABASE_PASSWORD)").choices(["iam", "password"]).default("iam"))
    .option("--no-assume-role", "AWS: use the caller's credentials as they are instead of assuming the environment's deploy role")
    .option("--wait-seconds <s>", "AWS: how long to wait for the Data API to switch on", "300")
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) })
    .action(async (envName: string | undefined, options: Options) => {
      const log = (line: string) => out(maskAccounts(line));
      try {
        let report: MigrateReport;
        if (options.databaseUrl) {
          if (envName) throw new UsageError("give an environment or --database-url, not both");
          const url = options.databaseUrl;
          log(`migrating ${describeTarget(url)}`);
          const auth = options.apiAuth ?? "iam";
          report = await withClient(url, (client) =>
            migrateDatabase(client, {
              database: new URL(url).pathname.slice(1) || "postgres",
              apiUser: options.apiUser ?? "app_api",
              apiAuth: auth,
              apiPassword: auth === "password" ? process.env.API_DATABASE_PASSWORD : undefined,
              log,
            }),
          );
        } else {
          if (!envName) throw new UsageError("name the environment: npm run db:migrate -- <env> (or pass --database-url)");
          const sandbox = sandboxForCommand();
          const config = resolveEnvironment(envName, environmentInputs(process.env));
          report = sandbox ? await migrateSandbox(config, sandbox, log) : await migrateAws(config, options, log);
        }
        log(report.applied.length > 0 ? `applied ${report.applied.length} migration(s): ${report.applied.join(", ")}` : "schema already current: no migration to apply");
      } catch (error) {
        code = error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
        err(`db:migrate: ${maskAccounts((error as Error).message)}`);
      }
    });
  return (await parseCommand(program, argv)) ?? code;
}

if (require.main === module) runAsScript(main);
