/**
 * One refresh per target at a time: a record in the target account's lock table
 * (`<project>-tflock`, from the bootstrap stack; key `LockID` = refreshLockKey(target)), taken
 * with a conditional put. The holder renews a heartbeat while it runs; staleness is judged by
 * the heartbeat alone, so a lock whose holder is alive can never be taken over. Every exit path
 * releases it (the runner and the CLI's signal handlers).
 */
import { randomBytes } from "node:crypto";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { EnvironmentConfig } from "../../environments/config";
import { refreshLockKey } from "../../environments/naming";
import { Clock, RefusedError } from "./core";
import { withRetries } from "./retry";

export interface LockRecord {
  lockId: string;
  holder: string;
  refreshId: string;
  /** What the holder is doing: run, resume, rollback, cleanup. */
  command: string;
  startedAt: string;
  heartbeatAt: string;
}

/** How often the holder renews its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 60_000;
/** A heartbeat younger than this is always fresh, whatever `--lock-stale-hours` says (five missed beats). */
export const MIN_STALE_MS = 5 * HEARTBEAT_INTERVAL_MS;
/** Default `--lock-stale-hours`: a holder silent for 15 minutes is gone. */
export const DEFAULT_STALE_MS = 15 * 60_000;

export const lockTableName = (config: Pick<EnvironmentConfig, "project">): string => `${config.project}-tflock`;

const failedCondition = (error: unknown): boolean => (error as Error)?.name === "ConditionalCheckFailedException";

/** A held lock: its heartbeat runs until `release`. `lost` turns true if someone else took it (then stop). */
export interface HeldLock {
  readonly lost: boolean;
  release(): Promise<void>;
}

export class RefreshLock {
  /** This process's token: heartbeats and the release touch only a lock this process holds. */
  readonly owner = randomBytes(8).toString("hex");

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly target: EnvironmentConfig,
    private readonly clock: Clock,
    /** A lock whose heartbeat is older than this may be taken over (never less than MIN_STALE_MS). */
    private readonly staleAfterMs = DEFAULT_STALE_MS,
  ) {}

  get id(): string {
    return refreshLockKey(this.target);
  }

  get table(): string {
    return lockTableName(this.target);
  }

  /** The effective staleness window. */
  get staleMs(): number {
    return Math.max(this.staleAfterMs, MIN_STALE_MS);
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, { what, clock: this.clock });
  }

  async read(): Promise<LockRecord | undefined> {
    const out = await this.call("dynamodb:GetItem", () => this.dynamodb.send(new GetItemCommand({ TableName: this.table, Key: { LockID: { S: this.id } }, ConsistentRead: true })));
    const item = out.Item;
    if (!item) return undefined;
    return {
      lockId: this.id,
      holder: item.Holder?.S ?? "?",
      refreshId: item.RefreshId?.S ?? "?",
      command: item.Command?.S ?? "?",
      startedAt: item.StartedAt?.S ?? "?",
      heartbeatAt: item.Heartbeat?.S ?? item.StartedAt?.S ?? "?",
    };
  }

  /** Whether a record's heartbeat is older than the staleness window. */
  isStale(record: LockRecord): boolean {
    return Date.parse(record.heartbeatAt) < this.clock.now() - this.staleMs;
  }

  /**
   * Takes the lock for `command` on a refresh and starts its heartbeat. Refuses (exit 2) while
   * another holder's heartbeat is fresh, even one working on the same refresh id.
   */
  async acquire(refreshId: string, holder: string, command: string): Promise<HeldLock> {
    const now = new Date(this.clock.now()).toISOString();
    const staleBefore = new Date(this.clock.now() - this.staleMs).toISOString();
    try {
      await this.call("dynamodb:PutItem", () =>
        this.dynamodb.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              LockID: { S: this.id },
              Holder: { S: holder },
              LockOwner: { S: this.owner },
              RefreshId: { S: refreshId },
              Command: { S: command },
              StartedAt: { S: now },
              Heartbeat: { S: now },
            },
            ConditionExpression: "attribute_not_exists(LockID) OR Heartbeat < :staleBefore",
            ExpressionAttributeValues: { ":staleBefore": { S: staleBefore } },
          }),
        ),
      );
    } catch (error) {
      if (!failedCondition(error)) throw error;
      const current = await this.read();
      throw new RefusedError(
        `another ${current?.command ?? "refresh"} of ${this.target.name} holds the lock ${this.id}: refresh ${current?.refreshId} by ${current?.holder} since ${current?.startedAt}, heartbeat ${current?.heartbeatAt} (taken over only once its heartbeat is older than ${Math.round(this.staleMs / 60_000)} min). Wait for it, or if its process is gone, for the heartbeat to go stale.`,
      );
    }
    return this.hold();
  }

  /** Renews the heartbeat; false when this process no longer holds the lock. */
  async renew(): Promise<boolean> {
    try {
      await this.call("dynamodb:UpdateItem", () =>
        this.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { LockID: { S: this.id } },
            UpdateExpression: "SET Heartbeat = :now",
            ConditionExpression: "LockOwner = :owner",
            ExpressionAttributeValues: { ":now": { S: new Date(this.clock.now()).toISOString() }, ":owner": { S: this.owner } },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (failedCondition(error)) return false;
      throw error;
    }
  }

  /** Deletes the lock if this process holds it. */
  async release(): Promise<void> {
    try {
      await this.call("dynamodb:DeleteItem", () =>
        this.dynamodb.send(
          new DeleteItemCommand({
            TableName: this.table,
            Key: { LockID: { S: this.id } },
            ConditionExpression: "LockOwner = :owner",
            ExpressionAttributeValues: { ":owner": { S: this.owner } },
          }),
        ),
      );
    } catch (error) {
      if (!failedCondition(error)) throw error;
    }
  }

  private hold(): HeldLock {
    let lost = false;
    let beating: Promise<void> = Promise.resolve();
    const stop = this.clock.every(HEARTBEAT_INTERVAL_MS, () => {
      // One renewal at a time; a failed renewal is retried at the next beat (the window allows five).
      beating = beating.then(async () => {
        if (lost) return;
        lost = !(await this.renew().catch(() => true));
      });
    });
    let released = false;
    return {
      get lost() {
        return lost;
      },
      release: async () => {
        if (released) return;
        released = true;
        stop();
        await beating;
        await this.release();
      },
    };
  }
}
