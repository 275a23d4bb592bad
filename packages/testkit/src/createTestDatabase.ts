/**
 * A fresh, uniquely named Postgres database for one test file, on the server
 * named by `testPostgresUrl()`. `drop()` terminates its connections and drops
 * it (idempotent; call it from `afterAll`).
 */
import pg from "pg"
import { testPostgresUrl } from "./testPostgresUrl.ts"
import { randomSuffix } from "./testRunDir.ts"

export interface TestDatabase {
  /** Connection string of the new database. */
  readonly url: string
  readonly name: string
  drop(): Promise<void>
}

/** Postgres identifiers: lower case letters, digits, underscores; at most 63 bytes. */
export const testDatabaseName = (label: string): string => {
  const safe = label.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 30)
  return `lm_${safe.length > 0 ? safe : "test"}_${process.pid}_${randomSuffix()}`
}

const withAdmin = async <A>(adminUrl: string, use: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, "\"\"")}"`

export const createTestDatabase = async (label: string, adminUrl: string = testPostgresUrl()): Promise<TestDatabase> => {
  const name = testDatabaseName(label)
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  let dropped: Promise<void> | undefined
  return {
    url: url.toString(),
    name,
    drop: () => {
      dropped ??= withAdmin(adminUrl, async (client) => {
        await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name])
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
      })
      return dropped
    }
  }
}
