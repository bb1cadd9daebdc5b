/**
 * Applies migrations with node-pg-migrate's programmatic runner (`runner`, node-pg-migrate 9),
 * the one the application uses. node-pg-migrate 9 is an ES module, which Jest's CommonJS
 * loader cannot import, so the runner runs in a child Node process.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export const REPOSITORY_ROOT = join(__dirname, "..", "..");
export const APPLICATION_MIGRATIONS = join(REPOSITORY_ROOT, "functions", "api", "migrations");

export function migrateUp(connection: { host: string; port: number; user: string; database: string; password?: string }, dirs: string[] = [APPLICATION_MIGRATIONS]): void {
  const options = { databaseUrl: connection, dir: dirs.map((dir) => `${dir}/*.js`), useGlob: true, direction: "up", migrationsTable: "pgmigrations", checkOrder: true, log: () => undefined };
  const script = `import { runner } from "node-pg-migrate";
const options = JSON.parse(process.env.MIGRATE_OPTIONS);
await runner({ ...options, log: () => undefined });`;
  execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, MIGRATE_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "ignore", "pipe"],
  });
}
