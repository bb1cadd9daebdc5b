/**
 * An in-memory model of the AWS state the refresh touches (RDS clusters, instances, snapshots
 * and their sharing, KMS aliases, the DynamoDB lock table, STS sessions, Cognito users), with a
 * simulated clock and a latency model. It drives the contract tests of the refresh and of the DR
 * drill (through aws-sdk-client-mock) and the downtime model (scripts/bench/refresh-model.ts). It is NOT an emulator of AWS in
 * general: only the behaviour the refresh relies on.
 *
 * It is no kinder than AWS: every refusal AWS documents for a call the refresh makes is modelled
 * here, each citing the API reference it comes from (`API:` below). It may leave out what AWS
 * has; a test that passes only because this fake is lenient is a defect.
 *
 * API references (Amazon RDS API Reference, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/):
 *   API_ModifyDBCluster.html, API_ModifyDBInstance.html, API_DeleteDBCluster.html,
 *   API_DeleteDBInstance.html, API_CreateDBInstance.html, API_RestoreDBClusterFromSnapshot.html,
 *   API_ModifyDBClusterSnapshotAttribute.html, API_CopyDBClusterSnapshot.html,
 *   API_DeleteDBClusterSnapshot.html, API_DescribeDBClusterSnapshots.html, API_DescribeDBClusters.html,
 *   API_DescribeDBInstances.html, API_RestoreDBClusterToPointInTime.html, CommonErrors.html;
 * AWS STS API Reference: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html;
 * DynamoDB: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html (ConditionExpression).
 */
import type { Clock } from "../../../scripts/refresh/core";

export class SimClock implements Clock {
  private t: number;
  private readonly listeners: Array<(now: number) => void> = [];
  constructor(start = Date.parse("2025-01-31T12:00:00Z"), private readonly tickMs = 1000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  onTick(listener: (now: number) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }
  /** Ticks as simulated time passes (it passes only while someone sleeps). */
  every(ms: number, tick: () => void): () => void {
    let next = this.t + ms;
    return this.onTick((now) => {
      while (now >= next) {
        next += ms;
        tick();
      }
    });
  }
  async sleep(ms: number): Promise<void> {
    const end = this.t + Math.max(0, ms);
    while (this.t < end) {
      this.t = Math.min(end, this.t + this.tickMs);
      for (const listener of this.listeners) listener(this.t);
    }
    await Promise.resolve();
  }
}

export interface Latency {
  snapshotMs: number;
  copyMs: number;
  restoreMs: number;
  instanceMs: number;
  renameMs: number;
  modifyMs: number;
  deleteMs: number;
}

const MIN = 60_000;
export const defaultLatency: Latency = { snapshotMs: 10 * MIN, copyMs: 10 * MIN, restoreMs: 20 * MIN, instanceMs: 10 * MIN, renameMs: 1 * MIN, modifyMs: 1 * MIN, deleteMs: 5 * MIN };

interface Timed {
  status: string;
  readyAt?: number;
  next?: string;
  tags: Record<string, string>;
}
export interface FakeCluster extends Timed {
  id: string;
  account: string;
  engineVersion: string;
  encrypted: boolean;
  kmsKeyArn?: string;
  masterUsername: string;
  databaseName: string;
  subnetGroup: string;
  securityGroupIds: string[];
  parameterGroup: string;
  secret?: { arn: string; kmsKeyArn: string };
  httpEndpoint: boolean;
  deletionProtection: boolean;
  /** Which data it holds (for assertions): `production@<time>` or `staging-original`. */
  data: string;
  scaling?: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number };
  /** BackupRetentionPeriod, days (API: CreateDBCluster — "Default: 1"): how far back a point-in-time restore may go. */
  backupRetentionDays?: number;
}
export interface FakeInstance extends Timed {
  id: string;
  clusterId: string;
}
export interface FakeSnapshot extends Timed {
  id: string;
  account: string;
  clusterId: string;
  /** `awsbackup`: a recovery point AWS Backup took of an Aurora cluster (`awsbackup:job-…`). */
  type: "manual" | "automated" | "awsbackup";
  encrypted: boolean;
  kmsKeyArn?: string;
  engineVersion: string;
  createdAt: number;
  sharedWith: string[];
  data: string;
  masterUsername: string;
  databaseName: string;
}
interface Key {
  arn: string;
  manager: "AWS" | "CUSTOMER";
}
export interface FakeAccount {
  clusters: Map<string, FakeCluster>;
  instances: Map<string, FakeInstance>;
  snapshots: Map<string, FakeSnapshot>;
  /** alias name or key ARN → key */
  keys: Map<string, Key>;
  locks: Map<string, Record<string, { S?: string; N?: string }>>;
  cognitoUsers: Array<{ email: string; sub: string }>;
  ssm: Map<string, string>;
}

export class AwsError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status = 400) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

const REGION = "us-east-1";
const clusterArn = (account: string, id: string) => `arn:aws:rds:${REGION}:${account}:cluster:${id}`;
const instanceArn = (account: string, id: string) => `arn:aws:rds:${REGION}:${account}:db:${id}`;
const snapshotArn = (account: string, id: string) => `arn:aws:rds:${REGION}:${account}:cluster-snapshot:${id}`;
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagMap = (tags?: Array<{ Key?: string; Value?: string }>) => Object.fromEntries((tags ?? []).map((t) => [t.Key!, t.Value!]));

export interface Watch {
  /** Environment cluster id that must stay working (e.g. `twinstack-staging`). */
  account: string;
  live: string;
}

type Handler = (input: any, account: string) => unknown;

export class FakeAws {
  readonly accounts = new Map<string, FakeAccount>();
  readonly calls: Array<{ account: string; command: string; input: unknown; at: number }> = [];
  /** Queued failures: command name → errors to throw, in order. */
  private readonly failures = new Map<string, Error[]>();
  /** Working/unavailable timeline of the watched cluster. */
  readonly timeline: Array<{ at: number; working: boolean }> = [];
  private watch?: Watch;
  /** Sessions minted by AssumeRole: access key id → account and expiry (simulated clock). */
  readonly sessions = new Map<string, { account: string; expiresAt: number }>();
  /** The role's maximum session duration (IAM MaxSessionDuration, default 1 h). */
  maxSessionSeconds = 3600;
  /** How far a cluster's LatestRestorableTime trails the clock (Aurora: typically within 5 minutes). */
  restorableLagMs = 5 * MIN;

  constructor(
    readonly clock: SimClock,
    readonly latency: Latency = defaultLatency,
  ) {
    clock.onTick(() => this.settleAll());
  }

  account(id: string): FakeAccount {
    let account = this.accounts.get(id);
    if (!account) {
      account = { clusters: new Map(), instances: new Map(), snapshots: new Map(), keys: new Map(), locks: new Map(), cognitoUsers: [], ssm: new Map() };
      const managed: Key = { arn: `arn:aws:kms:${REGION}:${id}:key/aws-rds-managed`, manager: "AWS" };
      account.keys.set("alias/aws/rds", managed);
      account.keys.set(managed.arn, managed);
      this.accounts.set(id, account);
    }
    return account;
  }

  addKey(accountId: string, alias: string, manager: "AWS" | "CUSTOMER" = "CUSTOMER"): string {
    const arn = `arn:aws:kms:${REGION}:${accountId}:key/${alias.replace(/\W/g, "")}`;
    const key = { arn, manager };
    this.account(accountId).keys.set(alias, key);
    this.account(accountId).keys.set(arn, key);
    return arn;
  }

  /** A deployed environment's cluster, as Terraform leaves it. */
  addCluster(accountId: string, id: string, options: Partial<FakeCluster> & { instances: number }): FakeCluster {
    const cluster: FakeCluster = {
      id,
      account: accountId,
      status: "available",
      tags: {},
      engineVersion: "16.4",
      encrypted: true,
      masterUsername: "twinstack_admin",
      databaseName: "app",
      subnetGroup: `${id}-database`,
      securityGroupIds: [`sg-${id.length}abc`],
      parameterGroup: `${id}-aurora-postgresql16`,
      httpEndpoint: false,
      deletionProtection: false,
      data: `${id}-original`,
      ...options,
    };
    this.account(accountId).clusters.set(id, cluster);
    for (let i = 1; i <= options.instances; i++) this.account(accountId).instances.set(`${id}-${i}`, { id: `${id}-${i}`, clusterId: id, status: "available", tags: {} });
    this.check();
    return cluster;
  }

  /** Watch a cluster identifier: the timeline records whether it works at every moment. */
  watchCluster(watch: Watch): void {
    this.watch = watch;
    this.check();
  }

  working(accountId: string, live: string): boolean {
    const account = this.account(accountId);
    const cluster = account.clusters.get(live);
    if (!cluster || cluster.status !== "available") return false;
    return [...account.instances.values()].some((i) => i.clusterId === live && i.status === "available");
  }

  private check(): void {
    if (!this.watch) return;
    const working = this.working(this.watch.account, this.watch.live);
    const last = this.timeline[this.timeline.length - 1];
    if (!last || last.working !== working) this.timeline.push({ at: this.clock.now(), working });
  }

  /** Total time the watched cluster was not working, up to now. */
  downtimeMs(until = this.clock.now()): number {
    let total = 0;
    this.timeline.forEach((entry, i) => {
      const end = this.timeline[i + 1]?.at ?? until;
      if (!entry.working) total += end - entry.at;
    });
    return total;
  }

  /** True if the watched cluster never stopped working (apart from allowed windows). */
  outages(): Array<{ from: number; to: number }> {
    const out: Array<{ from: number; to: number }> = [];
    this.timeline.forEach((entry, i) => {
      if (!entry.working) out.push({ from: entry.at, to: this.timeline[i + 1]?.at ?? this.clock.now() });
    });
    return out;
  }

  failNext(command: string, ...errors: Error[]): void {
    this.failures.set(command, [...(this.failures.get(command) ?? []), ...errors]);
  }

  private settle<T extends Timed>(resource: T): void {
    if (resource.readyAt !== undefined && resource.readyAt <= this.clock.now()) {
      resource.status = resource.next ?? "available";
      resource.readyAt = undefined;
      resource.next = undefined;
    }
  }

  private settleAll(): void {
    for (const account of this.accounts.values()) {
      for (const map of [account.clusters, account.instances, account.snapshots] as Array<Map<string, Timed>>) {
        for (const [id, resource] of map) {
          this.settle(resource);
          if (resource.status === "deleted") map.delete(id);
        }
      }
    }
    this.check();
  }

  private setHttpEndpoint(account: string, resourceArn: string, enabled: boolean) {
    const c = [...this.account(account).clusters.values()].find((candidate) => clusterArn(account, candidate.id) === resourceArn);
    if (!c) throw new AwsError("ResourceNotFoundFault", `DBCluster ${resourceArn} not found`, 404);
    if (c.status !== "available") throw new AwsError("InvalidResourceStateFault", `DBCluster ${c.id} is ${c.status}: another operation is in progress`);
    c.httpEndpoint = enabled;
    return { ResourceArn: resourceArn, HttpEndpointEnabled: enabled };
  }

  private busy(resource: Timed, status: string, ms: number, next = "available"): void {
    resource.status = status;
    resource.readyAt = this.clock.now() + ms;
    resource.next = next;
  }

  /** API: RestoreDBClusterToPointInTime — "restore to any point in time before LatestRestorableTime for up to BackupRetentionPeriod days". */
  private restorableWindow(c: FakeCluster): { earliest: number; latest: number; retentionDays: number } {
    const retentionDays = c.backupRetentionDays ?? 1;
    const now = this.clock.now();
    return { earliest: now - retentionDays * 24 * 3600_000, latest: now - this.restorableLagMs, retentionDays };
  }

  /** Entry point: one API call, signed with `accessKeyId` (a session this fake minted, or long-term keys). */
  async handle(command: string, input: any, account: string, accessKeyId?: string): Promise<unknown> {
    this.settleAll();
    this.calls.push({ account, command, input, at: this.clock.now() });
    const session = accessKeyId ? this.sessions.get(accessKeyId) : undefined;
    // API: CommonErrors — ExpiredTokenException (HTTP 403): "The security token included in the request is expired".
    if (session && session.expiresAt <= this.clock.now()) {
      throw new AwsError("ExpiredTokenException", "The security token included in the request is expired", 403);
    }
    const queued = this.failures.get(command);
    if (queued && queued.length > 0) throw queued.shift();
    const handler = (this.handlers as Record<string, Handler>)[command];
    if (!handler) throw new AwsError("UnsupportedOperation", `fake AWS does not implement ${command}`);
    const result = handler(input, account);
    this.check();
    return result;
  }

  private resolveSnapshot(ref: string, account: string): FakeSnapshot {
    const arn = /^arn:aws:rds:[^:]+:(\d{12}):cluster-snapshot:(.+)$/.exec(ref);
    const owner = arn ? arn[1] : account;
    const id = arn ? arn[2] : ref;
    const snap = this.account(owner).snapshots.get(id);
    if (!snap) throw new AwsError("DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${id} not found`, 404);
    // API: RestoreDBClusterFromSnapshot / DescribeDBClusterSnapshots — a snapshot of another account
    // that is not shared with the caller (attribute `restore`) is DBClusterSnapshotNotFoundFault.
    if (owner !== account && !snap.sharedWith.includes(account) && !snap.sharedWith.includes("all")) {
      throw new AwsError("DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${ref} not found (not shared with ${account})`, 404);
    }
    return snap;
  }

  private key(account: string, keyId: string | undefined): Key | undefined {
    if (!keyId) return undefined;
    const arnAccount = /^arn:aws:kms:[^:]+:(\d{12}):/.exec(keyId)?.[1];
    return this.account(arnAccount ?? account).keys.get(keyId);
  }

  private clusterOut(c: FakeCluster) {
    const instances = [...this.account(c.account).instances.values()].filter((i) => i.clusterId === c.id);
    const window = this.restorableWindow(c);
    return {
      DBClusterIdentifier: c.id,
      DBClusterArn: clusterArn(c.account, c.id),
      Status: c.status,
      Engine: "aurora-postgresql",
      EngineVersion: c.engineVersion,
      StorageEncrypted: c.encrypted,
      KmsKeyId: c.kmsKeyArn,
      MasterUsername: c.masterUsername,
      DatabaseName: c.databaseName,
      DBSubnetGroup: c.subnetGroup,
      VpcSecurityGroups: c.securityGroupIds.map((VpcSecurityGroupId) => ({ VpcSecurityGroupId, Status: "active" })),
      DBClusterParameterGroup: c.parameterGroup,
      DBClusterMembers: instances.map((i) => ({ DBInstanceIdentifier: i.id, IsClusterWriter: i.id.endsWith("-1") })),
      MasterUserSecret: c.secret ? { SecretArn: c.secret.arn, KmsKeyId: c.secret.kmsKeyArn, SecretStatus: "active" } : undefined,
      HttpEndpointEnabled: c.httpEndpoint,
      DeletionProtection: c.deletionProtection,
      ServerlessV2ScalingConfiguration: c.scaling,
      BackupRetentionPeriod: window.retentionDays,
      LatestRestorableTime: new Date(window.latest),
      EarliestRestorableTime: new Date(window.earliest),
      TagList: tagList(c.tags),
    };
  }

  private readonly handlers: Record<string, Handler> = {
    // STS: the account comes from the credentials (tests mint them per account).
    GetCallerIdentity: (_input, account) => ({ Account: account, Arn: `arn:aws:sts::${account}:assumed-role/twinstack-deploy/refresh`, UserId: "AROAFAKE:refresh" }),
    AssumeRole: (input: { RoleArn: string; DurationSeconds?: number }) => {
      const account = /::(\d{12}):/.exec(input.RoleArn)?.[1] ?? "000000000000";
      const seconds = input.DurationSeconds ?? 3600;
      // API: AssumeRole — DurationSeconds "can have a value from 900 seconds (15 minutes) up to the maximum session duration setting for the role".
      if (seconds < 900 || seconds > this.maxSessionSeconds) {
        throw new AwsError("ValidationError", `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (or is below 900): ${seconds}`);
      }
      const accessKeyId = `ASIAFAKE${account}X${this.sessions.size + 1}`;
      const expiresAt = this.clock.now() + seconds * 1000;
      this.sessions.set(accessKeyId, { account, expiresAt });
      return { Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: "fake-secret", SessionToken: "fake-token", Expiration: new Date(expiresAt) } };
    },
    // KMS
    DescribeKey: (input: { KeyId: string }, account) => {
      const key = this.key(account, input.KeyId);
      if (!key) throw new AwsError("NotFoundException", `Alias ${input.KeyId} is not found.`);
      return { KeyMetadata: { Arn: key.arn, KeyId: key.arn.split("/").pop(), KeyManager: key.manager, Enabled: true } };
    },
    // RDS reads
    DescribeDBClusters: (input: { DBClusterIdentifier?: string }, account) => {
      const clusters = [...this.account(account).clusters.values()].filter((c) => !input.DBClusterIdentifier || c.id === input.DBClusterIdentifier);
      if (input.DBClusterIdentifier && clusters.length === 0) throw new AwsError("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found`, 404);
      return { DBClusters: clusters.map((c) => this.clusterOut(c)) };
    },
    DescribeDBInstances: (input: { DBInstanceIdentifier?: string }, account) => {
      const instances = [...this.account(account).instances.values()].filter((i) => !input.DBInstanceIdentifier || i.id === input.DBInstanceIdentifier);
      // API: DescribeDBInstances — DBInstanceIdentifier "If supplied, must match the identifier of an existing DB instance":
      // DBInstanceNotFoundFault (404).
      if (input.DBInstanceIdentifier && instances.length === 0) throw new AwsError("DBInstanceNotFoundFault", `DBInstance ${input.DBInstanceIdentifier} not found`, 404);
      return {
        DBInstances: instances.map((i) => ({
          DBInstanceIdentifier: i.id,
          DBClusterIdentifier: i.clusterId,
          DBInstanceStatus: i.status,
          DBInstanceClass: "db.serverless",
          TagList: tagList(i.tags),
        })),
      };
    },
    DescribeDBClusterSnapshots: (input: { DBClusterIdentifier?: string; DBClusterSnapshotIdentifier?: string; SnapshotType?: string }, account) => {
      if (input.DBClusterSnapshotIdentifier) {
        const s = this.resolveSnapshot(input.DBClusterSnapshotIdentifier, account);
        // API: DescribeDBClusterSnapshots — DBClusterSnapshotIdentifier: "If this identifier is for an automated
        // snapshot, the SnapshotType parameter must also be specified." Without it AWS answers DBClusterSnapshotNotFoundFault.
        if (s.type === "automated" && input.SnapshotType !== "automated") {
          throw new AwsError("DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${input.DBClusterSnapshotIdentifier} not found`, 404);
        }
        return { DBClusterSnapshots: [this.snapshotOut(s)] };
      }
      // API: DescribeDBClusterSnapshots — SnapshotType: "If you don't specify a SnapshotType value, then both automated and
      // manual DB cluster snapshots are returned." DBClusterIdentifier: "The ID of the DB cluster to retrieve the list of DB
      // cluster snapshots for." The reference lists automated, manual, shared and public as values; AWS Backup's recovery
      // points of a cluster carry SnapshotType `awsbackup` (DescribeDBSnapshots documents that value), so they are listed
      // only when asked for by that type (an assumption the DR drill makes too: not confirmed by the cluster reference).
      const all = [...this.account(account).snapshots.values()]
        .filter((s) => (input.SnapshotType ? s.type === input.SnapshotType : s.type === "automated" || s.type === "manual"))
        .filter((s) => !input.DBClusterIdentifier || s.clusterId === input.DBClusterIdentifier);
      return { DBClusterSnapshots: all.map((s) => this.snapshotOut(s)) };
    },
    DescribeDBClusterSnapshotAttributes: (input: { DBClusterSnapshotIdentifier: string }, account) => {
      const s = this.resolveSnapshot(input.DBClusterSnapshotIdentifier, account);
      return { DBClusterSnapshotAttributesResult: { DBClusterSnapshotIdentifier: s.id, DBClusterSnapshotAttributes: [{ AttributeName: "restore", AttributeValues: s.sharedWith }] } };
    },
    DescribeAccountAttributes: (_input, account) => ({
      AccountQuotas: [{ AccountQuotaName: "ManualClusterSnapshots", Used: [...this.account(account).snapshots.values()].filter((s) => s.type === "manual").length, Max: 100 }],
    }),
    // RDS writes
    CreateDBClusterSnapshot: (input: { DBClusterIdentifier: string; DBClusterSnapshotIdentifier: string; Tags?: Array<{ Key: string; Value: string }> }, account) => {
      const c = this.account(account).clusters.get(input.DBClusterIdentifier);
      if (!c) throw new AwsError("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found`, 404);
      if (this.account(account).snapshots.has(input.DBClusterSnapshotIdentifier)) throw new AwsError("DBClusterSnapshotAlreadyExistsFault", "exists");
      const snap: FakeSnapshot = {
        id: input.DBClusterSnapshotIdentifier,
        account,
        clusterId: c.id,
        type: "manual",
        encrypted: c.encrypted,
        kmsKeyArn: c.kmsKeyArn,
        engineVersion: c.engineVersion,
        createdAt: this.clock.now(),
        sharedWith: [],
        data: `${c.data}@${new Date(this.clock.now()).toISOString()}`,
        masterUsername: c.masterUsername,
        databaseName: c.databaseName,
        status: "creating",
        tags: tagMap(input.Tags),
      };
      this.busy(snap, "creating", this.latency.snapshotMs);
      this.account(account).snapshots.set(snap.id, snap);
      return { DBClusterSnapshot: this.snapshotOut(snap) };
    },
    CopyDBClusterSnapshot: (input: { SourceDBClusterSnapshotIdentifier: string; TargetDBClusterSnapshotIdentifier: string; KmsKeyId?: string; Tags?: Array<{ Key: string; Value: string }> }, account) => {
      const from = this.resolveSnapshot(input.SourceDBClusterSnapshotIdentifier, account);
      if (from.status !== "available") throw new AwsError("InvalidDBClusterSnapshotStateFault", `snapshot ${from.id} is ${from.status}`);
      if (this.account(account).snapshots.has(input.TargetDBClusterSnapshotIdentifier)) throw new AwsError("DBClusterSnapshotAlreadyExistsFault", "exists");
      let kms = from.kmsKeyArn;
      if (input.KmsKeyId) {
        if (!from.encrypted) throw new AwsError("InvalidParameterCombination", "cannot encrypt an unencrypted cluster snapshot while copying");
        const key = this.key(account, input.KmsKeyId);
        if (!key) throw new AwsError("KMSKeyNotAccessibleFault", `key ${input.KmsKeyId} not found`);
        kms = key.arn;
      }
      const snap: FakeSnapshot = { ...from, id: input.TargetDBClusterSnapshotIdentifier, account, type: "manual", kmsKeyArn: kms, sharedWith: [], createdAt: this.clock.now(), tags: tagMap(input.Tags), status: "copying" };
      this.busy(snap, "copying", this.latency.copyMs);
      this.account(account).snapshots.set(snap.id, snap);
      return { DBClusterSnapshot: this.snapshotOut(snap) };
    },
    ModifyDBClusterSnapshotAttribute: (input: { DBClusterSnapshotIdentifier: string; AttributeName: string; ValuesToAdd?: string[]; ValuesToRemove?: string[] }, account) => {
      const s = this.account(account).snapshots.get(input.DBClusterSnapshotIdentifier);
      if (!s) throw new AwsError("DBClusterSnapshotNotFoundFault", "not found", 404);
      if (s.type !== "manual") throw new AwsError("InvalidDBClusterSnapshotStateFault", "only manual snapshots can be shared");
      if (s.encrypted && this.key(account, s.kmsKeyArn)?.manager === "AWS") {
        throw new AwsError("InvalidParameterValue", "snapshots encrypted with the default AWS KMS key cannot be shared");
      }
      const removed = new Set(input.ValuesToRemove ?? []);
      s.sharedWith = [...new Set([...s.sharedWith, ...(input.ValuesToAdd ?? [])])].filter((a) => !removed.has(a));
      return {};
    },
    RestoreDBClusterFromSnapshot: (input: any, account) => {
      const snap = this.resolveSnapshot(input.SnapshotIdentifier, account);
      if (snap.status !== "available") throw new AwsError("InvalidDBClusterSnapshotStateFault", `snapshot is ${snap.status}`);
      if (snap.account !== account && snap.encrypted && this.key(snap.account, snap.kmsKeyArn)?.manager === "AWS") {
        throw new AwsError("KMSKeyNotAccessibleFault", "the snapshot's key (aws/rds) is not accessible from this account");
      }
      if (this.account(account).clusters.has(input.DBClusterIdentifier)) throw new AwsError("DBClusterAlreadyExistsFault", `DBCluster ${input.DBClusterIdentifier} already exists`);
      const key = this.key(account, input.KmsKeyId);
      if (input.KmsKeyId && !key) throw new AwsError("KMSKeyNotAccessibleFault", `key ${input.KmsKeyId} not found`);
      const cluster: FakeCluster = {
        id: input.DBClusterIdentifier,
        account,
        status: "creating",
        tags: tagMap(input.Tags),
        engineVersion: input.EngineVersion ?? snap.engineVersion,
        encrypted: snap.encrypted || !!input.KmsKeyId,
        kmsKeyArn: key?.arn ?? snap.kmsKeyArn,
        masterUsername: snap.masterUsername,
        databaseName: snap.databaseName,
        subnetGroup: input.DBSubnetGroupName ?? "default",
        securityGroupIds: input.VpcSecurityGroupIds ?? [],
        parameterGroup: input.DBClusterParameterGroupName ?? "default.aurora-postgresql16",
        httpEndpoint: false,
        deletionProtection: input.DeletionProtection ?? false,
        data: snap.data,
        scaling: input.ServerlessV2ScalingConfiguration,
      };
      this.busy(cluster, "creating", this.latency.restoreMs);
      this.account(account).clusters.set(cluster.id, cluster);
      return { DBCluster: this.clusterOut(cluster) };
    },
    RestoreDBClusterToPointInTime: (input: any, account) => {
      const a = this.account(account);
      const source = a.clusters.get(input.SourceDBClusterIdentifier);
      // API: RestoreDBClusterToPointInTime — SourceDBClusterIdentifier "Must match the identifier of an existing DBCluster" (DBClusterNotFoundFault, 404).
      if (!source) throw new AwsError("DBClusterNotFoundFault", `DBCluster ${input.SourceDBClusterIdentifier} not found`, 404);
      // API: RestoreToTime — "Must be specified if UseLatestRestorableTime parameter isn't provided. Can't be specified if the
      // UseLatestRestorableTime parameter is enabled. Can't be specified if the RestoreType parameter is copy-on-write."
      // (CommonErrors: InvalidParameterCombination, "Parameters that must not be used together were used together".)
      const useLatest = input.UseLatestRestorableTime === true;
      if (useLatest === (input.RestoreToTime !== undefined)) throw new AwsError("InvalidParameterCombination", "RestoreDBClusterToPointInTime: give exactly one of RestoreToTime and UseLatestRestorableTime");
      if (input.RestoreToTime !== undefined && input.RestoreType === "copy-on-write") throw new AwsError("InvalidParameterCombination", "RestoreToTime can't be specified with RestoreType copy-on-write");
      // API: "Users can restore to any point in time before LatestRestorableTime for up to BackupRetentionPeriod days";
      // RestoreToTime "Must be before the latest restorable time for the DB instance" (CommonErrors: InvalidParameterValue).
      const window = this.restorableWindow(source);
      const at = useLatest ? window.latest : new Date(input.RestoreToTime).getTime();
      if (at > window.latest || at < window.earliest) {
        throw new AwsError("InvalidParameterValue", `RestoreToTime ${new Date(at).toISOString()} is outside ${source.id}'s restorable window ${new Date(window.earliest).toISOString()} – ${new Date(window.latest).toISOString()}`);
      }
      // API: DBClusterAlreadyExistsFault — "The user already has a DB cluster with the given identifier."
      if (a.clusters.has(input.DBClusterIdentifier)) throw new AwsError("DBClusterAlreadyExistsFault", `DBCluster ${input.DBClusterIdentifier} already exists`);
      // API: KmsKeyId — without it the restored cluster is encrypted as the source is; "If DBClusterIdentifier refers to a DB
      // cluster that isn't encrypted, then the restore request is rejected." KMSKeyNotAccessibleFault for a key that cannot be used.
      const key = this.key(account, input.KmsKeyId);
      if (input.KmsKeyId && !key) throw new AwsError("KMSKeyNotAccessibleFault", `key ${input.KmsKeyId} not found`);
      if (input.KmsKeyId && !source.encrypted) throw new AwsError("InvalidParameterCombination", `${source.id} isn't encrypted: a restore with KmsKeyId is rejected`);
      // API: "The target DB cluster is created from the source DB cluster with the same configuration as the original DB
      // cluster, except that the new DB cluster is created with the default DB security group."
      const cluster: FakeCluster = {
        ...source,
        id: input.DBClusterIdentifier,
        status: "creating",
        tags: tagMap(input.Tags),
        kmsKeyArn: key?.arn ?? source.kmsKeyArn,
        subnetGroup: input.DBSubnetGroupName ?? source.subnetGroup,
        securityGroupIds: input.VpcSecurityGroupIds ?? ["default"],
        parameterGroup: input.DBClusterParameterGroupName ?? source.parameterGroup,
        secret: undefined,
        httpEndpoint: false,
        deletionProtection: input.DeletionProtection ?? false,
        data: `${source.data}@${new Date(at).toISOString()}`,
        scaling: input.ServerlessV2ScalingConfiguration ?? source.scaling,
        readyAt: undefined,
        next: undefined,
      };
      this.busy(cluster, "creating", this.latency.restoreMs);
      a.clusters.set(cluster.id, cluster);
      return { DBCluster: this.clusterOut(cluster) };
    },
    CreateDBInstance: (input: any, account) => {
      const a = this.account(account);
      if (a.instances.has(input.DBInstanceIdentifier)) throw new AwsError("DBInstanceAlreadyExistsFault", `DBInstance ${input.DBInstanceIdentifier} already exists`);
      const cluster = a.clusters.get(input.DBClusterIdentifier);
      if (!cluster) throw new AwsError("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found`, 404);
      // API: CreateDBInstance — InvalidDBClusterStateFault: "The requested operation can't be performed while the cluster is in this state."
      if (cluster.status !== "available") throw new AwsError("InvalidDBClusterStateFault", `DBCluster ${cluster.id} is ${cluster.status}`);
      const instance: FakeInstance = { id: input.DBInstanceIdentifier, clusterId: input.DBClusterIdentifier, status: "creating", tags: tagMap(input.Tags) };
      this.busy(instance, "creating", this.latency.instanceMs);
      a.instances.set(instance.id, instance);
      return { DBInstance: { DBInstanceIdentifier: instance.id } };
    },
    ModifyDBCluster: (input: any, account) => {
      const a = this.account(account);
      const c = a.clusters.get(input.DBClusterIdentifier);
      if (!c) throw new AwsError("DBClusterNotFoundFault", `DBCluster ${input.DBClusterIdentifier} not found`, 404);
      // API: ModifyDBCluster — InvalidDBClusterStateFault while the cluster is not available (deleting, renaming, modifying…):
      // a rename can never cancel a delete.
      if (c.status !== "available") throw new AwsError("InvalidDBClusterStateFault", `DBCluster ${c.id} is ${c.status}`);
      if (input.NewDBClusterIdentifier) {
        notLaterThanNow("ModifyDBCluster", input.ApplyImmediately);
        // API: ModifyDBCluster — DBClusterAlreadyExistsFault: "The user already has a DB cluster with the given identifier."
        if (a.clusters.has(input.NewDBClusterIdentifier)) throw new AwsError("DBClusterAlreadyExistsFault", `DBCluster ${input.NewDBClusterIdentifier} already exists`);
        a.clusters.delete(c.id);
        // AWS keeps the instances in the renamed cluster.
        for (const i of a.instances.values()) if (i.clusterId === c.id) i.clusterId = input.NewDBClusterIdentifier;
        c.id = input.NewDBClusterIdentifier;
        a.clusters.set(c.id, c);
        this.busy(c, "renaming", this.latency.renameMs);
      }
      if (input.ManageMasterUserPassword) {
        const key = this.key(account, input.MasterUserSecretKmsKeyId);
        c.secret = { arn: `arn:aws:secretsmanager:${REGION}:${account}:secret:rds!cluster-${c.id}`, kmsKeyArn: key?.arn ?? "aws/secretsmanager" };
        this.busy(c, "modifying", this.latency.modifyMs);
      }
      // API: ModifyDBCluster — EnableHttpEndpoint "applies only to Aurora Serverless v1 DB clusters. To enable or
      // disable the HTTP endpoint for an Aurora Serverless v2 or provisioned DB cluster, use the EnableHttpEndpoint and
      // DisableHttpEndpoint operations." Every cluster here is Serverless v2 (provisioned engine mode): the parameter
      // changes nothing, as on AWS.
      if (input.DeletionProtection !== undefined) c.deletionProtection = input.DeletionProtection;
      return { DBCluster: this.clusterOut(c) };
    },
    // API: EnableHttpEndpoint / DisableHttpEndpoint — by the cluster's ARN; ResourceNotFoundFault (404) for an unknown
    // one, InvalidResourceStateFault "another operation is in progress" while it is not available.
    EnableHttpEndpoint: (input: any, account) => this.setHttpEndpoint(account, input.ResourceArn, true),
    DisableHttpEndpoint: (input: any, account) => this.setHttpEndpoint(account, input.ResourceArn, false),
    ModifyDBInstance: (input: any, account) => {
      const a = this.account(account);
      const i = a.instances.get(input.DBInstanceIdentifier);
      if (!i) throw new AwsError("DBInstanceNotFoundFault", `DBInstance ${input.DBInstanceIdentifier} not found`, 404);
      // API: ModifyDBInstance — InvalidDBInstanceStateFault: "The DB instance isn't in a valid state." A deleting
      // instance cannot be renamed (so a rename never cancels its deletion), nor a renaming one renamed again.
      if (i.status !== "available") throw new AwsError("InvalidDBInstanceStateFault", `DBInstance ${i.id} is ${i.status}`);
      if (input.NewDBInstanceIdentifier) {
        notLaterThanNow("ModifyDBInstance", input.ApplyImmediately);
        // API: ModifyDBInstance — DBInstanceAlreadyExistsFault.
        if (a.instances.has(input.NewDBInstanceIdentifier)) throw new AwsError("DBInstanceAlreadyExistsFault", `DBInstance ${input.NewDBInstanceIdentifier} already exists`);
        a.instances.delete(i.id);
        i.id = input.NewDBInstanceIdentifier;
        a.instances.set(i.id, i);
        this.busy(i, "renaming", this.latency.renameMs);
      }
      return { DBInstance: { DBInstanceIdentifier: i.id } };
    },
    AddTagsToResource: (input: { ResourceName: string; Tags: Array<{ Key: string; Value: string }> }, account) => {
      const m = /^arn:aws:rds:[^:]+:(\d{12}):(cluster|db|cluster-snapshot):(.+)$/.exec(input.ResourceName);
      if (!m) throw new AwsError("InvalidParameterValue", `bad ARN ${input.ResourceName}`);
      // API: AddTagsToResource — DBClusterNotFoundFault (404): "DBClusterIdentifier doesn't refer to an existing DB
      // cluster" (DBInstanceNotFoundFault likewise). Only the caller's account is searched: another account's resource
      // cannot be tagged (AWS answers not found or access denied), so it is not found here.
      const a = this.account(account);
      const resource = m[1] !== account ? undefined : m[2] === "cluster" ? a.clusters.get(m[3]) : m[2] === "db" ? a.instances.get(m[3]) : a.snapshots.get(m[3]);
      if (!resource) {
        const where = m[1] !== account ? ` (not in the caller's account ${account})` : "";
        throw new AwsError(m[2] === "cluster" ? "DBClusterNotFoundFault" : "DBInstanceNotFoundFault", `${input.ResourceName} not found${where}`, 404);
      }
      Object.assign(resource.tags, tagMap(input.Tags));
      return {};
    },
    DeleteDBInstance: (input: { DBInstanceIdentifier: string }, account) => {
      const i = this.account(account).instances.get(input.DBInstanceIdentifier);
      if (!i) throw new AwsError("DBInstanceNotFoundFault", "not found", 404);
      // API: DeleteDBInstance — InvalidDBInstanceStateFault when the instance is already deleting (or mid-rename).
      if (i.status === "deleting" || i.status === "renaming") throw new AwsError("InvalidDBInstanceStateFault", `DBInstance ${i.id} is ${i.status}`);
      this.busy(i, "deleting", this.latency.deleteMs, "deleted");
      return {};
    },
    DeleteDBCluster: (input: { DBClusterIdentifier: string }, account) => {
      const a = this.account(account);
      const c = a.clusters.get(input.DBClusterIdentifier);
      if (!c) throw new AwsError("DBClusterNotFoundFault", "not found", 404);
      // API: DeleteDBCluster — "The DB cluster can't be deleted when deletion protection is enabled" (InvalidParameterCombination).
      if (c.deletionProtection) throw new AwsError("InvalidParameterCombination", "deletion protection is on");
      // API: DeleteDBCluster — InvalidDBClusterStateFault: not while it is deleting or being renamed/modified.
      if (c.status !== "available") throw new AwsError("InvalidDBClusterStateFault", `DBCluster ${c.id} is ${c.status}`);
      // API: DeleteDBCluster — an Aurora cluster with DB instances cannot be deleted (delete the instances first): InvalidDBClusterStateFault.
      if ([...a.instances.values()].some((i) => i.clusterId === c.id)) throw new AwsError("InvalidDBClusterStateFault", "cluster still has instances");
      this.busy(c, "deleting", this.latency.deleteMs, "deleted");
      return {};
    },
    DeleteDBClusterSnapshot: (input: { DBClusterSnapshotIdentifier: string }, account) => {
      const s = this.account(account).snapshots.get(input.DBClusterSnapshotIdentifier);
      if (!s) throw new AwsError("DBClusterSnapshotNotFoundFault", "not found", 404);
      // API: DeleteDBClusterSnapshot — "The DB cluster snapshot must be in the available state to be deleted" (InvalidDBClusterSnapshotStateFault).
      if (s.status !== "available") throw new AwsError("InvalidDBClusterSnapshotStateFault", `snapshot ${s.id} is ${s.status}`);
      this.busy(s, "deleting", 30_000, "deleted");
      return {};
    },
    // DynamoDB lock table. API: PutItem / UpdateItem / DeleteItem — a ConditionExpression that
    // evaluates false fails the write with ConditionalCheckFailedException (HTTP 400).
    PutItem: (input: any, account) => {
      const table = this.account(account).locks;
      const key = input.Item.LockID.S;
      conditionOrThrow(input, table.get(key));
      table.set(key, { ...input.Item });
      return {};
    },
    UpdateItem: (input: any, account) => {
      const table = this.account(account).locks;
      const key = input.Key.LockID.S;
      const existing = table.get(key);
      conditionOrThrow(input, existing);
      const item = { ...(existing ?? input.Key) };
      for (const assignment of String(input.UpdateExpression).replace(/^SET\s+/i, "").split(",")) {
        const [name, value] = assignment.split("=").map((part) => part.trim());
        item[attributeName(name, input)] = input.ExpressionAttributeValues[value];
      }
      table.set(key, item);
      return {};
    },
    GetItem: (input: any, account) => ({ Item: this.account(account).locks.get(input.Key.LockID.S) }),
    DeleteItem: (input: any, account) => {
      const table = this.account(account).locks;
      conditionOrThrow(input, table.get(input.Key.LockID.S));
      table.delete(input.Key.LockID.S);
      return {};
    },
    // Cognito, SSM
    ListUsers: (_input, account) => ({
      Users: this.account(account).cognitoUsers.map((u) => ({ Username: u.sub, Attributes: [{ Name: "email", Value: u.email }, { Name: "sub", Value: u.sub }] })),
    }),
    GetParameter: (input: { Name: string }, account) => {
      const value = this.account(account).ssm.get(input.Name);
      if (value === undefined) throw new AwsError("ParameterNotFound", `${input.Name} not found`);
      return { Parameter: { Name: input.Name, Value: value } };
    },
  };

  private snapshotOut(s: FakeSnapshot) {
    return {
      DBClusterSnapshotIdentifier: s.id,
      DBClusterSnapshotArn: snapshotArn(s.account, s.id),
      DBClusterIdentifier: s.clusterId,
      SnapshotType: s.type,
      Status: s.status,
      StorageEncrypted: s.encrypted,
      KmsKeyId: s.kmsKeyArn,
      EngineVersion: s.engineVersion,
      SnapshotCreateTime: new Date(s.createdAt),
      TagList: tagList(s.tags),
    };
  }

  /** An automated snapshot of a cluster, as RDS takes daily. */
  addAutomatedSnapshot(accountId: string, clusterId: string, id: string): FakeSnapshot {
    return this.addRecoveryPoint(accountId, clusterId, id, "automated");
  }

  /** A recovery point AWS Backup took of a cluster: a cluster snapshot named `awsbackup:job-…`, of type `awsbackup`. */
  addAwsBackupSnapshot(accountId: string, clusterId: string, id: string): FakeSnapshot {
    return this.addRecoveryPoint(accountId, clusterId, id, "awsbackup");
  }

  private addRecoveryPoint(accountId: string, clusterId: string, id: string, type: "automated" | "awsbackup"): FakeSnapshot {
    const c = this.account(accountId).clusters.get(clusterId)!;
    const snap: FakeSnapshot = {
      id,
      account: accountId,
      clusterId,
      type,
      encrypted: c.encrypted,
      kmsKeyArn: c.kmsKeyArn,
      engineVersion: c.engineVersion,
      createdAt: this.clock.now() - 3600_000,
      sharedWith: [],
      data: `${c.data}@${type}`,
      masterUsername: c.masterUsername,
      databaseName: c.databaseName,
      status: "available",
      tags: {},
    };
    this.account(accountId).snapshots.set(id, snap);
    return snap;
  }

  instanceArn(account: string, id: string): string {
    return instanceArn(account, id);
  }
}

/**
 * API: ModifyDBInstance — NewDBInstanceIdentifier: "This change occurs during the next maintenance window if you
 * disable ApplyImmediately, or will occur immediately if you enable ApplyImmediately"; ModifyDBCluster —
 * ApplyImmediately: "If this parameter is disabled, changes to the DB cluster are applied during the next
 * maintenance window." AWS accepts such a rename and applies it later; this fake has no maintenance windows, so it
 * refuses it rather than rename at once (kinder than AWS).
 */
function notLaterThanNow(action: string, applyImmediately: unknown): void {
  if (applyImmediately !== true) {
    throw new AwsError("InvalidParameterCombination", `${action}: a new identifier without ApplyImmediately=true waits for the next maintenance window, which this fake does not model`);
  }
}

type Item = Record<string, { S?: string; N?: string }>;

function attributeName(token: string, input: { ExpressionAttributeNames?: Record<string, string> }): string {
  return token.startsWith("#") ? (input.ExpressionAttributeNames?.[token] ?? token) : token;
}

/**
 * The condition-expression subset the lock uses: `attribute_not_exists(a)`, `attribute_exists(a)`,
 * `a = :v`, `a <> :v`, `a < :v`, joined by AND (binding tighter) and OR. Strings compare as
 * DynamoDB compares them (UTF-8 bytes; ISO timestamps sort as time).
 */
function conditionHolds(expression: string, item: Item | undefined, input: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item }): boolean {
  const value = (token: string) => input.ExpressionAttributeValues?.[token]?.S ?? input.ExpressionAttributeValues?.[token]?.N;
  const atom = (text: string): boolean => {
    const fn = /^attribute_(not_)?exists\((\S+)\)$/.exec(text);
    if (fn) return (item?.[attributeName(fn[2], input)] === undefined) === Boolean(fn[1]);
    const cmp = /^(\S+)\s*(=|<>|<)\s*(:\w+)$/.exec(text);
    if (!cmp) throw new AwsError("ValidationException", `fake DynamoDB cannot parse condition ${JSON.stringify(text)}`);
    const actual = item?.[attributeName(cmp[1], input)]?.S ?? item?.[attributeName(cmp[1], input)]?.N;
    const expected = value(cmp[3]);
    if (actual === undefined || expected === undefined) return false;
    return cmp[2] === "=" ? actual === expected : cmp[2] === "<>" ? actual !== expected : actual < expected;
  };
  return expression.split(/\s+OR\s+/).some((any) => any.split(/\s+AND\s+/).every((all) => atom(all.trim())));
}

function conditionOrThrow(input: { ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item }, item: Item | undefined): void {
  if (input.ConditionExpression && !conditionHolds(input.ConditionExpression, item, input)) {
    throw new AwsError("ConditionalCheckFailedException", "The conditional request failed");
  }
}
