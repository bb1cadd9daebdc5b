/**
 * What every refresh half (database, objects) shares: the clock, the event stream, errors that
 * carry an exit code, masking and bounded polling (retries: retry.ts).
 */
import { randomBytes } from "node:crypto";

/** Time source; the model and tests use a simulated one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Calls `tick` every `ms` until the returned function is called (the lock's heartbeat). */
  every(ms: number, tick: () => void): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  every: (ms, tick) => {
    // Never keeps the process alive on its own.
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export type HalfName = "database" | "objects";

export type EventState = "planned" | "skipped" | "started" | "waiting" | "done" | "failed" | "refused" | "info";

/** One line of `--json` output. */
export interface RefreshEvent {
  refreshId?: string;
  half?: HalfName | "refresh";
  step: string;
  state: EventState;
  /** Milliseconds since the command started. */
  elapsedMs: number;
  identifiers?: Record<string, string>;
  message?: string;
}

export interface EventSink {
  emit(event: Omit<RefreshEvent, "elapsedMs">): void;
}

/** Collects events (tests) and optionally forwards them. */
export class EventLog implements EventSink {
  readonly events: RefreshEvent[] = [];
  private readonly started: number;
  constructor(
    private readonly clock: Clock = realClock,
    private readonly forward?: (event: RefreshEvent) => void,
  ) {
    this.started = clock.now();
  }
  emit(event: Omit<RefreshEvent, "elapsedMs">): void {
    const full: RefreshEvent = { ...event, elapsedMs: this.clock.now() - this.started };
    this.events.push(full);
    this.forward?.(full);
  }
}

/** Refused before any write, or bad usage: exit 2. */
export class RefusedError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "RefusedError";
  }
}

/** Stopped at a step boundary on SIGINT/SIGTERM (or a lost lock): exit 1, `resume` continues. */
export class InterruptedError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = "InterruptedError";
  }
}

/** A step failed; staging is left working: exit 1. */
export class StepFailedError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
    this.name = "StepFailedError";
  }
}

/** `222222222222` → `********2222`. */
export function maskTail(value: string, keep = 4): string {
  if (value.length <= keep) return value;
  return "*".repeat(value.length - keep) + value.slice(-keep);
}

/** Masks every 12-digit account id inside a string (ARNs, messages). */
export function maskAccounts(text: string): string {
  return text.replace(/\b\d{12}\b/g, (account) => maskTail(account));
}

/** A well-formed refresh id that names no refresh: for work about every refresh (cleanup, status of all). */
export const ANY_REFRESH = "r000000000000-0000";

/**
 * A refresh id: `r<yyyymmddhhmm>-<4 hex>`, 18 characters, a valid part of an RDS identifier
 * (starts with a letter, lowercase letters, digits, single hyphens).
 */
export function newRefreshId(now = new Date(), random = randomBytes(2).toString("hex")): string {
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 12);
  return `r${stamp}-${random}`;
}

export const REFRESH_ID = /^r\d{12}-[0-9a-f]{4}$/;

export function assertRefreshId(id: string): string {
  if (!REFRESH_ID.test(id)) throw new RefusedError(`refresh id ${JSON.stringify(id)} must look like r202501311200-ab12 (see \`status\`)`);
  return id;
}

export interface WaitOptions {
  clock: Clock;
  /** Overall limit for this wait. */
  timeoutMs: number;
  /** First delay; grows ×1.5 per poll up to maxDelayMs, each with ±20 % jitter. */
  minDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  /** Called on every poll that is not yet done (for progress events). */
  onPoll?: (detail: string, elapsedMs: number) => void;
}

/** What a poll found: done, not yet (with a reason), or gone (the thing does not exist). */
export type PollResult = { done: true } | { done: false; detail: string; missing?: boolean };

/**
 * Bounded, jittered polling with an overall timeout. A resource reported missing on three
 * consecutive polls fails fast: a wrong identifier must not spin until the timeout.
 */
export async function waitFor(what: string, poll: () => Promise<PollResult>, options: WaitOptions): Promise<void> {
  const start = options.clock.now();
  const random = options.random ?? Math.random;
  let delay = options.minDelayMs ?? 5_000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  let missing = 0;
  for (;;) {
    const result = await poll();
    if (result.done) return;
    missing = result.missing ? missing + 1 : 0;
    if (missing >= 3) throw new Error(`${what}: ${result.detail} (not found on 3 consecutive polls: is the identifier right?)`);
    const elapsed = options.clock.now() - start;
    if (elapsed >= options.timeoutMs) {
      throw new Error(`${what}: timed out after ${Math.round(elapsed / 1000)} s (${result.detail})`);
    }
    options.onPoll?.(result.detail, elapsed);
    const jittered = Math.round(delay * (0.8 + 0.4 * random()));
    await options.clock.sleep(Math.min(jittered, Math.max(0, options.timeoutMs - elapsed) + 1));
    delay = Math.min(maxDelay, Math.round(delay * 1.5));
  }
}

/** What a half reports for `plan`. */
export interface PlanReport {
  half: HalfName;
  /** Failed checks, each saying what to fix. Empty means runnable. */
  problems: string[];
  /** Refusals (protected target, account mismatch, an unfinished refresh): exit 2. */
  refusals: string[];
  steps: Array<{
    step: string;
    status: "todo" | "done" | "skipped";
    description: string;
    identifiers: Record<string, string>;
    /** The first step `rollback` cannot undo. */
    pointOfNoReturn?: boolean;
  }>;
}

/** The read-only checks a half makes before the first write of a run. */
export interface PreflightReport {
  problems: string[];
  refusals: string[];
}

/** What the runner tells a running half: stop at the next step boundary when this says so (a signal, a lost lock). */
export interface RunControl {
  shouldStop(): boolean;
}

export const NEVER_STOP: RunControl = { shouldStop: () => false };

/**
 * One half of a refresh (database, objects). Halves run in parallel under one lock, one
 * confirmation and one event stream, owned by the runner.
 */
export interface RefreshHalf {
  readonly name: HalfName;
  /** Read-only: checks and the steps that would run. */
  plan(refreshId: string): Promise<PlanReport>;
  /** Read-only: every input and permission checked before the first write of `run`/`resume`. */
  preflight(refreshId: string): Promise<PreflightReport>;
  /** Runs (or resumes) every remaining step, deciding from observed state. */
  run(refreshId: string, control?: RunControl): Promise<void>;
  /** Puts the target back as it was before this refresh, while that is still possible (else RefusedError). */
  rollback(refreshId: string, control?: RunControl): Promise<void>;
  /** Deletes what this tool tagged and no longer needs. */
  cleanup(options: { olderThanMs: number }): Promise<void>;
  /** Human summary of what exists for a refresh (or all refreshes). */
  status(refreshId?: string): Promise<Array<Record<string, string>>>;
}
