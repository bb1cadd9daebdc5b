/**
 * Declarations of db.js: the API's database settings, pool and queries (checked by
 * `npx tsc -p functions/api`; see index.d.ts).
 */

/** What the routes need of a database connection (pg's Pool and Client both have it). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

/** How the function reaches its database, from its environment. */
export interface DatabaseSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** `iam` on AWS (a token per connection); `password` in the sandbox only. */
  readonly auth: { readonly kind: "iam"; readonly region: string } | { readonly kind: "password"; readonly password: string };
  /** TLS, verified (on AWS). */
  readonly ssl: boolean;
}

/** The caller's profile (GET /me). */
export interface Profile {
  readonly id: string;
  readonly email: string;
  readonly fullName: string;
  readonly displayName: string | null;
  readonly createdAt: string;
}

/** A project as the API returns it. */
export interface Project {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  /** Number of notes in it. */
  readonly notes: number;
  readonly createdAt: string;
}

/** Database settings from DB_HOST, DB_PORT, DB_NAME, DB_USER and AWS_REGION (or the sandbox's settings); throws naming what is wrong. */
export declare function databaseSettingsFromEnv(env?: Readonly<Record<string, string | undefined>>): DatabaseSettings;
/** A small pool for one execution environment. */
export declare function createPool(settings: DatabaseSettings): Queryable & { end(): Promise<void> };
/** `SELECT 1` answered. */
export declare function databaseReachable(db: Queryable): Promise<boolean>;
/** The app_users row signed in with this Cognito sub. */
export declare function findUserBySub(db: Queryable, sub: string): Promise<Profile | undefined>;
/** The projects a user owns, newest first (at most 100). */
export declare function listProjects(db: Queryable, ownerId: string): Promise<Project[]>;
/** A new project owned by the user. */
export declare function createProject(db: Queryable, ownerId: string, input: { name: string; description?: string }): Promise<Project>;
