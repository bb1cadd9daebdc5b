/**
 * Jest helpers for the refresh tests on the fake AWS: a world per test (its mocks removed after
 * each test) and the CLI's dependencies wired to it, capturing every line.
 */
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient } from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import { connectAccount } from "../../../scripts/refresh/accounts";
import type { CliDeps } from "../../../scripts/refresh/cli";
import type { RefreshEvent } from "../../../scripts/refresh/core";
import { installFakeAws } from "./wire-mocks";
import { World, WorldOptions, answerScrubReads, createWorld } from "./world";

/** Registers an afterEach that removes the mocks; returns a function that sets up a fresh world. */
export function fakeWorlds(): (options?: WorldOptions) => World {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });
  return (options = {}) => {
    restore?.();
    const world = createWorld(options);
    restore = installFakeAws(world.fake, world.target.accountId).restore;
    return world;
  };
}

export interface CapturedDeps extends CliDeps {
  lines: string[];
  /** The `--json` events printed so far. */
  events(): RefreshEvent[];
  text(): string;
}

/**
 * The CLI's dependencies on the fake world: no terminal, staging's pool users, converge stood in
 * for. Only the world's clock is read: other tests pass `{ clock: realClock }` and their own
 * `connect` (the emulator's, or one that must not be called).
 */
export function cliDeps(world: Pick<CliDeps, "clock">, env: NodeJS.ProcessEnv = {}, overrides: Partial<CliDeps> = {}): CapturedDeps {
  const lines: string[] = [];
  return {
    clock: world.clock,
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    isTTY: false,
    ask: async () => "",
    connect: connectAccount,
    cognitoUsers: () => ({ list: async () => [{ email: "qa@example.com", sub: "staging-sub-qa" }] }),
    // Stands in for `terraform apply` of staging (the emulator e2e test runs the real one).
    converge: () => async () => ({ message: "converged (stand-in)" }),
    env,
    ...overrides,
    lines,
    events: () => lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as RefreshEvent),
    text: () => lines.join("\n"),
  };
}

/** The RDS Data API answering every statement (the fake has no database engine); call `restore()` after. */
export function mockDataApi() {
  const data = mockClient(RDSDataClient);
  data.on(BeginTransactionCommand).resolves({ transactionId: "tx-1" });
  // Reads (schema, verification counts) answer as a database shaped like staging's manifest.
  data.on(ExecuteStatementCommand).callsFake((input) => (input.formatRecordsAs === "JSON" ? { formattedRecords: JSON.stringify(answerScrubReads({ sql: input.sql })) } : {}));
  data.on(CommitTransactionCommand).resolves({});
  return data;
}
