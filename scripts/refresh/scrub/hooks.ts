/**
 * What the refresh engine calls (DatabaseHalfOptions): `validateScrubOffline` in `plan` and in
 * `run`'s preflight, before any AWS write; `scrub` on the restored temporary cluster, before
 * the swap. Both read the target's manifest (previews: staging's).
 */
import type { CognitoUserSource } from "./cognito";
import type { SqlExecutor } from "./executor";
import { LoadedManifest, loadScrubManifest } from "./manifest";
import { scrubDatabase, validateManifestOffline } from "./run";

export interface ScrubHooks {
  /** Classification check on the restored copy → generated scrub in one transaction → verification. Throws (exit 1) naming what failed. */
  scrub: (executor: SqlExecutor, ctx?: unknown) => Promise<{ message: string }>;
  /** Manifest and SQL problems, found without AWS or a database. */
  validateScrubOffline: () => Promise<string[]>;
}

export function createScrubHooks(options: { environment: string; cognitoUsers: CognitoUserSource; load?: (environment: string) => LoadedManifest }): ScrubHooks {
  const load = options.load ?? loadScrubManifest;
  return {
    validateScrubOffline: async () => (await validateManifestOffline(options.environment, load)).problems,
    scrub: async (executor) => {
      const { loaded, problems } = await validateManifestOffline(options.environment, load);
      if (!loaded || problems.length > 0) throw new Error(`the scrub manifest has problems (nothing was scrubbed):\n  ${problems.join("\n  ")}`);
      const { message } = await scrubDatabase(executor, { loaded, cognitoUsers: options.cognitoUsers });
      return { message };
    },
  };
}
