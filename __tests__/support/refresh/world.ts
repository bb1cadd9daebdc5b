/**
 * A simulated two-account world (production → staging) on the FakeAws, and the database half
 * wired to it exactly as the CLI wires it to AWS. Shared by the contract tests and the model.
 */
import type { EnvironmentConfig } from "../../../environments/config";
import { resolveEnvironment } from "../../../environments/registry";
import { ENVIRONMENT_TAG, stackId } from "../../../environments/naming";
import { AccountClients, connectAccount } from "../../../scripts/refresh/accounts";
import { EventLog } from "../../../scripts/refresh/core";
import { DatabaseHalf, DatabaseHalfOptions } from "../../../scripts/refresh/database/half";
import { RefreshLock } from "../../../scripts/refresh/lock";
import { CognitoUserSource, Row, SqlExecutor, SqlReader, SqlStatement, createScrubHooks, loadScrubManifest } from "../../../scripts/refresh/scrub";
import { SCHEMA_QUERY } from "../../../scripts/refresh/scrub/schema";
import { FakeAws, Latency, SimClock, defaultLatency } from "./fake-aws";

export interface World {
  clock: SimClock;
  fake: FakeAws;
  source: EnvironmentConfig;
  target: EnvironmentConfig;
  sourceId: string;
  targetId: string;
}

export interface WorldOptions {
  latency?: Latency;
  /** `CUSTOMER` (the aurora module's key), `AWS` (aws/rds) or `none` (unencrypted). */
  sourceKey?: "CUSTOMER" | "AWS" | "none";
  /** Override configs (e.g. a same-account topology). */
  source?: EnvironmentConfig;
  target?: EnvironmentConfig;
}

export function createWorld(options: WorldOptions = {}): World {
  const clock = new SimClock();
  const fake = new FakeAws(clock, options.latency ?? defaultLatency);
  const source = options.source ?? resolveEnvironment("production");
  const target = options.target ?? resolveEnvironment("staging");
  const sourceId = stackId(source);
  const targetId = stackId(target);
  const sourceCmk = fake.addKey(source.accountId, `alias/${sourceId}-database`);
  const targetCmk = fake.addKey(target.accountId, `alias/${targetId}-database`);
  const sourceKey = options.sourceKey ?? "CUSTOMER";
  fake.addCluster(source.accountId, sourceId, {
    instances: source.database.instanceCount,
    encrypted: sourceKey !== "none",
    kmsKeyArn: sourceKey === "CUSTOMER" ? sourceCmk : sourceKey === "AWS" ? fake.account(source.accountId).keys.get("alias/aws/rds")!.arn : undefined,
    data: "production",
    deletionProtection: true,
    // As the stacks' default tags put them: the write guard reads the target's before any write.
    tags: { [ENVIRONMENT_TAG]: source.name },
  });
  fake.addCluster(target.accountId, targetId, { instances: target.database.instanceCount, kmsKeyArn: targetCmk, data: "staging-original", tags: { [ENVIRONMENT_TAG]: target.name } });
  fake.account(target.accountId).cognitoUsers.push({ email: "qa@example.com", sub: "staging-sub-qa" });
  fake.account(target.accountId).ssm.set(`/${target.project}/${target.name}/cognito/user-pool-id`, "us-east-1_FAKEPOOL");
  fake.watchCluster({ account: target.accountId, live: targetId });
  return { clock, fake, source, target, sourceId, targetId };
}

/**
 * A database shaped exactly as staging's scrub manifest classifies it (text columns, key `id`),
 * as rows of the scrub's schema query: what a restored copy of the application looks like here.
 */
export function manifestSchemaRows(): Row[] {
  const { manifest } = loadScrubManifest("staging");
  return Object.entries(manifest.tables).flatMap(([table, entry]) =>
    Object.keys(entry === "truncate" ? { id: "keep" } : entry.columns).map((column) => ({
      schema_name: "public", table_name: table, kind: "r", column_name: column, column_type: "text", not_null: false, generated: false, key_position: column === "id" ? 1 : 0,
    })),
  );
}

/** Answers the scrub's reads: the schema (manifestSchemaRows), and zero for every verification count. */
export const answerScrubReads = (statement: SqlStatement): Row[] => (statement.sql === SCHEMA_QUERY ? manifestSchemaRows() : [{ n: 0 }]);

/** Records the statements the scrub would run (the real SQL is tested against PostgreSQL). */
export class RecordingExecutor implements SqlExecutor {
  readonly runs: SqlStatement[][] = [];
  constructor(private readonly fail?: () => Error | undefined) {}
  async transaction(statements: SqlStatement[], beforeCommit?: (read: SqlReader) => Promise<void>): Promise<void> {
    const error = this.fail?.();
    if (error) throw error;
    await beforeCommit?.(async (s) => answerScrubReads(s));
    this.runs.push(statements);
  }
  async query(statement: SqlStatement): Promise<Row[]> {
    return answerScrubReads(statement);
  }
  async close(): Promise<void> {}
}

export interface HalfHarness {
  half: DatabaseHalf;
  events: EventLog;
  lock: RefreshLock;
  source: AccountClients;
  target: AccountClients;
  executor: RecordingExecutor;
  /** Refresh ids the converge hook was called for (it stands in for `terraform apply`). */
  converged: string[];
}

export async function connectHalf(
  world: World,
  overrides: Partial<DatabaseHalfOptions> = {},
  executor = new RecordingExecutor(),
  connect: { sessionSeconds?: number } = {},
): Promise<HalfHarness> {
  const source = await connectAccount(world.source, { clock: world.clock, ...connect });
  const target = await connectAccount(world.target, { clock: world.clock, ...connect });
  const events = new EventLog(world.clock);
  const users: CognitoUserSource = { list: async () => world.fake.account(world.target.accountId).cognitoUsers };
  const converged: string[] = [];
  const half = new DatabaseHalf({
    source,
    target,
    clock: world.clock,
    events,
    executor: "postgres",
    executorFactory: () => executor,
    ...createScrubHooks({ environment: world.target.name, cognitoUsers: users }),
    converge: async ({ refreshId }) => {
      converged.push(refreshId);
      return { message: "converged (test stand-in for terraform apply)" };
    },
    keepOldMs: 0,
    random: () => 0.5,
    ...overrides,
  });
  return { half, events, lock: new RefreshLock(target.dynamodb, world.target, world.clock), source, target, executor, converged };
}

/**
 * The procedure this tool replaces: snapshot production, delete staging, restore under staging's
 * name, create the instance(s). Driven through the same fake, clock and adapter.
 */
export async function deleteThenRestore(world: World, harness: HalfHarness, refreshId: string): Promise<void> {
  const adapter = harness.half.adapter;
  const ctx = harness.half.context(refreshId);
  const n = ctx.names;
  const wait = async (done: () => boolean) => {
    while (!done()) await world.clock.sleep(15_000);
  };
  const src = world.fake.account(world.source.accountId);
  const tgt = world.fake.account(world.target.accountId);
  await adapter.execute({ kind: "createSnapshot", clusterId: n.sourceCluster, snapshotId: n.snapshot, tags: {} });
  await wait(() => src.snapshots.get(n.snapshot)?.status === "available");
  if (world.source.accountId !== world.target.accountId) await adapter.execute({ kind: "shareSnapshot", snapshotId: n.snapshot, accountId: world.target.accountId });
  const live = tgt.clusters.get(n.live)!;
  const saved = { subnetGroup: live.subnetGroup, sgs: live.securityGroupIds, params: live.parameterGroup };
  for (const id of n.liveInstances) await adapter.execute({ kind: "deleteInstance", instanceId: id });
  await wait(() => n.liveInstances.every((id) => !tgt.instances.has(id)));
  await adapter.execute({ kind: "deleteCluster", clusterId: n.live });
  await wait(() => !tgt.clusters.has(n.live));
  await adapter.execute({
    kind: "restoreCluster",
    clusterId: n.live,
    snapshotArn: `arn:aws:rds:us-east-1:${world.source.accountId}:cluster-snapshot:${n.snapshot}`,
    engineVersion: world.target.database.engineVersion,
    kmsKeyId: `alias/${n.live}-database`,
    subnetGroup: saved.subnetGroup,
    securityGroupIds: saved.sgs,
    parameterGroup: saved.params,
    minCapacity: world.target.database.minCapacity,
    maxCapacity: world.target.database.maxCapacity,
    deletionProtection: false,
    tags: {},
  });
  await wait(() => tgt.clusters.get(n.live)?.status === "available");
  for (const [i, id] of n.liveInstances.entries()) await adapter.execute({ kind: "createInstance", instanceId: id, clusterId: n.live, promotionTier: i, tags: {} });
  await wait(() => n.liveInstances.every((id) => tgt.instances.get(id)?.status === "available"));
}
