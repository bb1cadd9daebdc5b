/**
 * The objects half of `npm run refresh` (RefreshHalf from ../core): makes the staging bucket a
 * mirror of production's with the sync engine, under the runner's lock, confirmation and event
 * stream. One step, `sync-objects`, which is idempotent: a re-run copies only what still differs.
 */
import { EventSink, NEVER_STOP, PlanReport, PreflightReport, RefreshHalf, RefusedError, RunControl, StepFailedError } from "../core";
import { formatBytes } from "./format";
import { PreflightError, preflightObjectSync } from "./preflight";
import { planObjectSync, runObjectSync, type BucketRef, type ObjectSyncOptions, type ObjectSyncProgress } from "./sync";

const STEP = "sync-objects";

export interface ObjectsHalfProps {
  /** Production uploads bucket, read with the target account's credentials. */
  readonly source: BucketRef;
  /** Staging uploads bucket. */
  readonly destination: BucketRef;
  /** The refresh's event stream. */
  readonly events: EventSink;
  /** Engine settings (delete, concurrency, include/exclude, multipart threshold, retries). Defaults: see ObjectSyncOptions. */
  readonly sync?: Omit<ObjectSyncOptions, "source" | "destination" | "onEvent" | "preflight" | "signal">;
  /** Progress for a terminal display (objects and bytes done/total), about every 250 ms. */
  readonly onProgress?: (progress: ObjectSyncProgress) => void;
  /** Interval between `info` progress events on the event stream (default 5,000 ms). */
  readonly progressEventIntervalMs?: number;
  /** Stops scheduling new copies (running ones finish); the run then fails with exit 1. */
  readonly signal?: AbortSignal;
}

export class ObjectsHalf implements RefreshHalf {
  readonly name = "objects" as const;
  constructor(private readonly props: ObjectsHalfProps) {}

  private get identifiers(): Record<string, string> {
    return { source: this.props.source.bucket, destination: this.props.destination.bucket };
  }

  private options(): ObjectSyncOptions {
    return { ...this.props.sync, source: this.props.source, destination: this.props.destination, preflight: true, signal: this.props.signal };
  }

  async plan(_refreshId: string): Promise<PlanReport> {
    try {
      const plan = await planObjectSync(this.options());
      const todo = plan.copy + plan.delete > 0;
      return {
        half: "objects",
        problems: [],
        refusals: [],
        steps: [
          {
            step: STEP,
            status: todo ? "todo" : "done",
            description:
              `copy ${plan.copy} objects (${formatBytes(plan.bytesToCopy)}), delete ${plan.delete} (${formatBytes(plan.bytesToDelete)}), ` +
              `unchanged ${plan.skip}; source ${plan.source.objects} objects (${formatBytes(plan.source.bytes)})`,
            identifiers: {
              ...this.identifiers,
              copy: String(plan.copy),
              bytesToCopy: String(plan.bytesToCopy),
              delete: String(plan.delete),
              bytesToDelete: String(plan.bytesToDelete),
            },
          },
        ],
      };
    } catch (error) {
      if (error instanceof PreflightError) {
        return { half: "objects", problems: error.checks.filter((check) => !check.ok).map((check) => check.problem ?? check.check), refusals: [], steps: [] };
      }
      throw error;
    }
  }

  /** Both buckets readable/writable by the right owner (a key listed and read on each side), before any write. */
  async preflight(_refreshId: string): Promise<PreflightReport> {
    try {
      await preflightObjectSync({ source: this.props.source, destination: this.props.destination });
      return { problems: [], refusals: [] };
    } catch (error) {
      if (error instanceof PreflightError) return { problems: error.checks.filter((check) => !check.ok).map((check) => check.problem ?? check.check), refusals: [] };
      throw error;
    }
  }

  async run(refreshId: string, control: RunControl = NEVER_STOP): Promise<void> {
    // Stop scheduling copies when the runner says so (a signal, a lost lock); running copies finish.
    const stop = new AbortController();
    const outer = this.props.signal;
    const watch = setInterval(() => {
      if (control.shouldStop() || outer?.aborted) stop.abort();
    }, 250);
    watch.unref();
    try {
      await this.sync(refreshId, stop.signal);
    } finally {
      clearInterval(watch);
    }
  }

  private async sync(refreshId: string, signal: AbortSignal): Promise<void> {
    const { events } = this.props;
    const interval = this.props.progressEventIntervalMs ?? 5_000;
    let lastEvent = 0;
    events.emit({ refreshId, half: "objects", step: STEP, state: "started", identifiers: this.identifiers });
    let summary;
    try {
      summary = await runObjectSync({
        ...this.options(),
        signal,
        onEvent: (event) => {
          if (event.type === "progress") {
            this.props.onProgress?.(event);
            const now = Date.now();
            if (now - lastEvent >= interval) {
              lastEvent = now;
              events.emit({
                refreshId,
                half: "objects",
                step: STEP,
                state: "info",
                message: `${event.objectsDone}/${event.objectsTotal} objects, ${formatBytes(event.bytesDone)}/${formatBytes(event.bytesTotal)}`,
              });
            }
          } else if (event.type === "planned") {
            events.emit({
              refreshId,
              half: "objects",
              step: STEP,
              state: "info",
              message: `copy ${event.copy} (${formatBytes(event.bytesToCopy)}), delete ${event.delete}, unchanged ${event.skip}`,
            });
          } else if (event.type === "failure") {
            events.emit({ refreshId, half: "objects", step: STEP, state: "info", identifiers: { key: event.key, action: event.action }, message: `${event.code}: ${event.message}` });
          }
        },
      });
    } catch (error) {
      if (error instanceof PreflightError) {
        events.emit({ refreshId, half: "objects", step: STEP, state: "refused", message: error.message });
        throw new RefusedError(error.message);
      }
      throw error;
    }
    const identifiers = {
      ...this.identifiers,
      copied: String(summary.copied),
      skipped: String(summary.skipped),
      deleted: String(summary.deleted),
      bytes: String(summary.bytes),
      failures: String(summary.failures.length),
    };
    if (summary.failures.length > 0 || summary.aborted) {
      const listed = summary.failures.slice(0, 10).map((failure) => `${failure.action} ${JSON.stringify(failure.key)} (${failure.code})`);
      const message = summary.aborted
        ? `interrupted before every object was copied: \`npm run refresh -- resume ${refreshId}\` finishes`
        : `${summary.failures.length} keys failed: ${listed.join(", ")}${summary.failures.length > 10 ? ", …" : ""}; re-run to retry them`;
      events.emit({ refreshId, half: "objects", step: STEP, state: "failed", identifiers, message });
      throw new StepFailedError(STEP, message);
    }
    events.emit({
      refreshId,
      half: "objects",
      step: STEP,
      state: "done",
      identifiers,
      message: `copied ${summary.copied}, skipped ${summary.skipped}, deleted ${summary.deleted}, ${formatBytes(summary.bytes)} in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    });
  }

  async rollback(refreshId: string): Promise<void> {
    // Server-side copies replace objects in place (versioning on the staging bucket keeps the
    // previous versions); there is nothing of this tool's own to undo. A re-run converges.
    this.props.events.emit({ refreshId, half: "objects", step: STEP, state: "skipped", message: "objects are not rolled back: re-run the refresh to converge" });
  }

  async cleanup(_options: { olderThanMs: number }): Promise<void> {
    // Nothing tagged or temporary is left behind: failed multipart copies are aborted on failure.
  }

  async status(_refreshId?: string): Promise<Array<Record<string, string>>> {
    return [{ half: "objects", ...this.identifiers }];
  }
}
