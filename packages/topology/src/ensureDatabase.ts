/**
 * Creates a database on a Postgres server unless it already exists (the
 * region's database, named in `sites/<region>/region.json`), and probes
 * whether a server answers. Uses the Postgres 15 client binaries (`psql`),
 * so the runner needs no driver of its own.
 */
import { join } from "node:path"
import { PG_BIN_DIR } from "./PostgresCluster.ts"
import { runCommand } from "./runCommand.ts"

export const psql = (url: string, sql: string, timeoutS = 5) =>
  runCommand(join(PG_BIN_DIR, "psql"), ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql, url], {
    env: { PGCONNECT_TIMEOUT: String(timeoutS) }
  })

const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`
const identifier = (value: string): string => `"${value.replace(/"/g, '""')}"`

export const ensureDatabase = async (adminUrl: string, database: string): Promise<"created" | "exists"> => {
  const found = await psql(adminUrl, `SELECT 1 FROM pg_database WHERE datname = ${literal(database)}`)
  if (found.code !== 0) throw new Error(`cannot query ${redact(adminUrl)}: ${found.output}`)
  if (found.output === "1") return "exists"
  const created = await psql(adminUrl, `CREATE DATABASE ${identifier(database)}`)
  if (created.code !== 0) throw new Error(`CREATE DATABASE ${database} on ${redact(adminUrl)} failed: ${created.output}`)
  return "created"
}

/** Replaces the database (path) of a Postgres URL. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** The URL without its password, for messages. */
export const redact = (url: string): string => {
  const parsed = new URL(url)
  if (parsed.password !== "") parsed.password = "***"
  return parsed.toString()
}

/** True when the server answers `SELECT 1` within a second. */
export const postgresAnswers = async (url: string): Promise<true | undefined> => ((await psql(url, "SELECT 1", 1)).code === 0 ? true : undefined)
