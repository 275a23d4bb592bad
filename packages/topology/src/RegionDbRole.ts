/**
 * The Postgres role a region connects as on its private cluster (and in
 * compose): `logimesh_region`, a login role that is not a superuser, cannot
 * create databases or roles, and owns its region's database (so the
 * migrations the region runs at boot create and alter its own tables), with
 * a SCRAM password generated once and kept in the git-ignored state folder
 * (`<stateDir>/secrets/postgres-<region>.password`, mode 0600). The cluster's
 * superuser is reached only over the cluster's own Unix socket (trust there;
 * every TCP connection needs a SCRAM password: pg_hba.conf, PostgresCluster.ts).
 */
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { psql } from "./ensureDatabase.ts"

export const REGION_DB_ROLE = "logimesh_region"

export const rolePasswordFile = (stateDir: string, region: string): string => join(stateDir, "secrets", `postgres-${region}.password`)

/** A new random password: 32 hex characters (URL-safe, no quoting needed). */
export const generatePassword = (): string => randomBytes(16).toString("hex")

/** The password in `file`, generated and written (0600) the first time. */
export const ensureRolePassword = (file: string): string => {
  if (existsSync(file)) return readFileSync(file, "utf8").trim()
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const password = generatePassword()
  writeFileSync(file, `${password}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return password
}

const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`
const identifier = (value: string): string => `"${value.replace(/"/g, '""')}"`

/** The statements that make `role` the least-privileged owner of `database` (run as the superuser). */
export const roleStatements = (role: string, password: string): string => `
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(role)}) THEN CREATE ROLE ${identifier(role)}; END IF;
END $$;
ALTER ROLE ${identifier(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(password)};`

/** Hands every table, view and free-standing sequence of `public` still owned by another role to `role` (a database made before the role existed). */
const ownershipStatements = (role: string): string => `
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
             AND pg_get_userbyid(c.relowner) <> ${literal(role)}
             AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
  LOOP
    EXECUTE format('ALTER %s public.%I OWNER TO %I',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.relname, ${literal(role)});
  END LOOP;
END $$;`

/**
 * Creates (or updates) the region's role with `password`, and its database owned by it. `adminUrl` is the
 * superuser's URL of the server's `postgres` database.
 */
export const provisionRegionDatabase = async (adminUrl: string, database: string, password: string, role = REGION_DB_ROLE): Promise<void> => {
  const run = async (url: string, sql: string, what: string) => {
    const result = await psql(url, sql)
    if (result.code !== 0) throw new Error(`${what} failed: ${result.output}`)
    return result.output
  }
  await run(adminUrl, roleStatements(role, password), `creating the role ${role}`)
  const exists = (await run(adminUrl, `SELECT 1 FROM pg_database WHERE datname = ${literal(database)}`, "looking up the database")) === "1"
  await run(
    adminUrl,
    exists ? `ALTER DATABASE ${identifier(database)} OWNER TO ${identifier(role)}` : `CREATE DATABASE ${identifier(database)} OWNER ${identifier(role)}`,
    `giving ${database} to ${role}`
  )
  const inDatabase = new URL(adminUrl)
  inDatabase.pathname = `/${database}`
  await run(inDatabase.toString(), ownershipStatements(role), `handing the tables of ${database} to ${role}`)
}
