/**
 * One refresh per target at a time: a record in the target account's lock table
 * (`<project>-tflock`, from the bootstrap stack; key `LockID`), taken with a conditional put.
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { EnvironmentConfig } from "../../environments/config";
import { Clock, RefusedError, withRetries } from "./core";

export interface LockRecord {
  lockId: string;
  holder: string;
  refreshId: string;
  startedAt: string;
}

export const lockTableName = (config: Pick<EnvironmentConfig, "project">): string => `${config.project}-tflock`;
export const lockId = (config: Pick<EnvironmentConfig, "name">): string => `twinstack-refresh/${config.name}`;

export class RefreshLock {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly target: EnvironmentConfig,
    private readonly clock: Clock,
    /** A lock older than this is stale and may be taken over. Default 6 h. */
    private readonly staleAfterMs = 6 * 3600_000,
  ) {}

  get id(): string {
    return lockId(this.target);
  }

  get table(): string {
    return lockTableName(this.target);
  }

  async read(): Promise<LockRecord | undefined> {
    const out = await withRetries("dynamodb:GetItem", () => this.dynamodb.send(new GetItemCommand({ TableName: this.table, Key: { LockID: { S: lockId(this.target) } }, ConsistentRead: true })), {
      clock: this.clock,
    });
    const item = out.Item;
    if (!item) return undefined;
    return { lockId: lockId(this.target), holder: item.Holder?.S ?? "?", refreshId: item.RefreshId?.S ?? "?", startedAt: item.StartedAt?.S ?? "?" };
  }

  /** Takes the lock for a refresh (again, on resume). Refuses (exit 2) when another fresh refresh holds it. */
  async acquire(refreshId: string, holder: string): Promise<void> {
    const now = new Date(this.clock.now()).toISOString();
    const staleBefore = new Date(this.clock.now() - this.staleAfterMs).toISOString();
    try {
      await withRetries(
        "dynamodb:PutItem",
        () =>
          this.dynamodb.send(
            new PutItemCommand({
              TableName: this.table,
              Item: { LockID: { S: lockId(this.target) }, Holder: { S: holder }, RefreshId: { S: refreshId }, StartedAt: { S: now } },
              ConditionExpression: "attribute_not_exists(LockID) OR RefreshId = :rid OR StartedAt < :staleBefore",
              ExpressionAttributeValues: { ":rid": { S: refreshId }, ":staleBefore": { S: staleBefore } },
            }),
          ),
        { clock: this.clock },
      );
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
      const current = await this.read();
      throw new RefusedError(
        `another refresh of ${this.target.name} holds the lock: ${current?.refreshId} by ${current?.holder} since ${current?.startedAt} (stale after ${this.staleAfterMs / 3600_000} h). Resume it with \`refresh resume ${current?.refreshId}\`, or roll it back.`,
      );
    }
  }

  async release(refreshId: string): Promise<void> {
    try {
      await withRetries(
        "dynamodb:DeleteItem",
        () =>
          this.dynamodb.send(
            new DeleteItemCommand({
              TableName: this.table,
              Key: { LockID: { S: lockId(this.target) } },
              ConditionExpression: "attribute_not_exists(LockID) OR RefreshId = :rid",
              ExpressionAttributeValues: { ":rid": { S: refreshId } },
            }),
          ),
        { clock: this.clock },
      );
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
  }
}
