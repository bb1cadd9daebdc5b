/**
 * The drill's one protection check, run before every write (restore, create instance, modify,
 * delete): it may only touch clusters and instances named `<project>-<env>-drill-…`, never the
 * live cluster or its instances. Kept in one function so the shared guard
 * (scripts/lib/guard.ts, every writing command) can replace it in one place.
 */
import type { EnvironmentConfig } from "../../environments/config";
import { drillResourcesName, stackId } from "../../environments/naming";
import { RefusedError } from "../refresh/core";

/** `twinstack-production-drill-`: every scratch identifier starts with it. */
export function scratchPrefix(config: Pick<EnvironmentConfig, "project" | "name">): string {
  return `${drillResourcesName(config)}-`;
}

/**
 * Refuses (exit 2) unless `identifier` is a drill scratch resource of this environment.
 * The live cluster is `<project>-<env>` and its instances `<project>-<env>-<n>`: neither can
 * start with the drill prefix, and both are refused by name as well.
 */
export function assertScratchIdentifier(config: Pick<EnvironmentConfig, "project" | "name">, identifier: string, action: string): void {
  const live = stackId(config);
  const prefix = scratchPrefix(config);
  const isLive = identifier === live || new RegExp(`^${live}-\\d+$`).test(identifier);
  if (isLive || !identifier.startsWith(prefix) || identifier.length <= prefix.length || identifier.length > 63) {
    throw new RefusedError(`dr: refusing to ${action} ${JSON.stringify(identifier)}: the drill only touches its own scratch resources (${prefix}…), never ${live}`);
  }
}
