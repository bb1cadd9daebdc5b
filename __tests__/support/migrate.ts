/**
 * Applies migrations with node-pg-migrate's programmatic runner (`runner`, node-pg-migrate 9),
 * the one the application uses. node-pg-migrate 9 is an ES module, which Jest's CommonJS
 * loader cannot import, so the runner runs in a child Node process.
 */
import { execFileSync } from "node:child_process";
import { MIGRATIONS_DIR } from "../../scripts/db/migrate";
import { MIGRATIONS_TABLE } from "../../scripts/db/roles";
import { REPO_ROOT } from "../../scripts/lib/synth";

/** The application's migrations (scripts/db/migrate.ts's MIGRATIONS_DIR), under the name these tests use. */
export { MIGRATIONS_DIR as APPLICATION_MIGRATIONS };

export function migrateUp(connection: { host: string; port: number; user: string; database: string; password?: string }, dirs: string[] = [MIGRATIONS_DIR]): void {
  const options = { databaseUrl: connection, dir: dirs.map((dir) => `${dir}/*.js`), useGlob: true, direction: "up", migrationsTable: MIGRATIONS_TABLE, checkOrder: true, log: () => undefined };
  const script = `import { runner } from "node-pg-migrate";
const options = JSON.parse(process.env.MIGRATE_OPTIONS);
await runner({ ...options, log: () => undefined });`;
  execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    env: { ...process.env, MIGRATE_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "ignore", "pipe"],
  });
}
