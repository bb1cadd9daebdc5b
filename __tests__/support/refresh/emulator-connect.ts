/**
 * The refresh CLI's `connect` for tests against the emulator: whichever account is asked for
 * gets the emulator's clients (one emulated account, as in the sandbox).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AccountClients } from "../../../scripts/refresh/accounts";
import type { CliDeps } from "../../../scripts/refresh/cli";
import { createSyncClient } from "../../../scripts/refresh/objects/client";
import { clientConfig, type Emulator } from "../../../scripts/sandbox/emulator";

export function emulatorConnect(emulator: Emulator): CliDeps["connect"] {
  return async (config) =>
    ({ config, s3: createSyncClient({ ...clientConfig(emulator), maxSockets: 16 }), dynamodb: new DynamoDBClient(clientConfig(emulator)) }) as unknown as AccountClients;
}
