/**
 * The local topology's private Postgres, as `up` starts it: the region's
 * role (`logimesh_region`) is not a superuser, cannot create databases or
 * roles, owns only its region's database, and logs in over TCP with a SCRAM
 * password generated into the state folder (0600). Over TCP nobody gets in
 * without a password: neither the superuser (control: it does get in over
 * the cluster's own socket) nor the role with a wrong one.
 */
import { readFileSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  clusterAdminUrl,
  clusterRoleUrl,
  ensureRolePassword,
  initPostgresCluster,
  type PostgresClusterSpec,
  postgresClusterDir,
  provisionRegionDatabase,
  REGION_DB_ROLE,
  repoRoot,
  rolePasswordFile,
  startPostgresClusterOnFreePort,
  stopPostgresCluster
} from "@logimesh/topology"

const HOST = "127.0.0.1"
const DATABASE = "logimesh_role_test"
const stateDir = join(repoRoot, ".test-runs", `db-role-${process.pid}-${Math.random().toString(16).slice(2, 10)}`)
const cluster = { host: HOST, clusterDir: postgresClusterDir(stateDir, "eu-west") }
let spec: PostgresClusterSpec | undefined
let password = ""

/** The error message of a connection attempt, or "connected". */
const tryConnect = async (url: string): Promise<string> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    return "connected"
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

const query = async <R extends pg.QueryResultRow>(url: string, sql: string): Promise<ReadonlyArray<R>> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<R>(sql)).rows
  } finally {
    await client.end()
  }
}

/** pg reads a socket host from the URL's `host` parameter. */
const adminUrl = (database = "postgres") => {
  const url = new URL(clusterAdminUrl(spec!))
  url.pathname = `/${database}`
  return url.toString()
}

beforeAll(async () => {
  await initPostgresCluster({ ...cluster, port: 0 })
  const started = await startPostgresClusterOnFreePort(cluster)
  spec = { ...cluster, port: started.port }
  password = ensureRolePassword(rolePasswordFile(stateDir, "eu-west"))
  await provisionRegionDatabase(clusterAdminUrl(spec), DATABASE, password)
}, 60_000)

afterAll(async () => {
  if (spec !== undefined) await stopPostgresCluster(spec, undefined)
  rmSync(cluster.clusterDir, { recursive: true, force: true })
  rmSync(stateDir, { recursive: true, force: true })
}, 60_000)

describe("the region's database role on a private cluster", () => {
  it("keeps the generated password in the state folder, readable by its owner only", () => {
    const file = rolePasswordFile(stateDir, "eu-west")
    expect(readFileSync(file, "utf8").trim()).toBe(password)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(password).toMatch(/^[0-9a-f]{32}$/)
  })

  it("lets nobody in over TCP without the password; the superuser only over the cluster's socket (control)", async () => {
    expect(await tryConnect(adminUrl())).toBe("connected")
    const port = spec!.port
    expect(await tryConnect(`postgres://postgres@${HOST}:${port}/postgres`)).toMatch(/password/i)
    expect(await tryConnect(`postgres://postgres:postgres@${HOST}:${port}/postgres`)).toMatch(/password authentication failed/)
    expect(await tryConnect(clusterRoleUrl(spec!, DATABASE, REGION_DB_ROLE, "wrong"))).toMatch(/password authentication failed/)
    expect(await tryConnect(clusterRoleUrl(spec!, DATABASE, REGION_DB_ROLE, password))).toBe("connected")
    const [stored] = await query<{ scram: boolean }>(
      adminUrl(),
      `SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = '${REGION_DB_ROLE}'`
    )
    expect(stored?.scram).toBe(true)
  })

  it("is no superuser, cannot create databases or roles, and owns only its own database", async () => {
    const url = clusterRoleUrl(spec!, DATABASE, REGION_DB_ROLE, password)
    const [role] = await query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolreplication: boolean; rolbypassrls: boolean }>(
      url,
      "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    expect(role).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false })
    const owned = await query<{ datname: string }>(url, "SELECT datname FROM pg_database WHERE pg_get_userbyid(datdba) = current_user")
    expect(owned.map((d) => d.datname)).toEqual([DATABASE])
    // its own schema is its to migrate
    await query(url, "CREATE TABLE migrated_here (id int PRIMARY KEY); DROP TABLE migrated_here")
    await expect(query(url, "CREATE DATABASE another")).rejects.toThrow(/permission denied/)
    await expect(query(url, "CREATE ROLE intruder")).rejects.toThrow(/permission denied/)
    await expect(query(url, "ALTER ROLE logimesh_region SUPERUSER")).rejects.toThrow(/permission denied|must be superuser/)
    await expect(query(url, "COPY (SELECT 1) TO PROGRAM 'true'")).rejects.toThrow(/permission denied|must be superuser/)
  })

  it("hands tables a database had before the role to it, and keeps the password on a second provisioning", async () => {
    await query(adminUrl(DATABASE), "CREATE TABLE made_by_superuser (id serial PRIMARY KEY)")
    await provisionRegionDatabase(clusterAdminUrl(spec!), DATABASE, ensureRolePassword(rolePasswordFile(stateDir, "eu-west")))
    const url = clusterRoleUrl(spec!, DATABASE, REGION_DB_ROLE, password)
    await query(url, "INSERT INTO made_by_superuser DEFAULT VALUES; ALTER TABLE made_by_superuser ADD COLUMN note text")
    const [row] = await query<{ owner: string }>(url, "SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'made_by_superuser'")
    expect(row?.owner).toBe(REGION_DB_ROLE)
  })
})
