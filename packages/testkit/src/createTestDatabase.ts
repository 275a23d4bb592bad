/**
 * A fresh, uniquely named Postgres database for one test file, on the server
 * named by `testPostgresAdminUrl()`: `LOGIMESH_TEST_PG_URL` (default the
 * machine's server), or with `LOGIMESH_TEST_BACKEND=containers` one Postgres
 * container shared by the test process (started on first use; testcontainers'
 * reaper removes it when the process ends). `drop()` terminates its
 * connections and drops it (idempotent; call it from `afterAll`).
 */
import pg from "pg"
import { selectTestBackend } from "./selectTestBackend.ts"
import { type ContainerPostgres, startContainerPostgres } from "./startContainerPostgres.ts"
import { testPostgresUrl } from "./testBackendSettings.ts"
import { randomSuffix } from "./testRunDir.ts"

export interface TestDatabase {
  /** Connection string of the new database. */
  readonly url: string
  readonly name: string
  drop(): Promise<void>
}

/** Postgres identifiers: lower case letters, digits, underscores; at most 63 bytes. */
export const testDatabaseName = (label: string): string => {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 30)
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

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`

let sharedContainer: Promise<ContainerPostgres> | undefined

/** The admin URL test databases are created through, for the selected backend. */
export const testPostgresAdminUrl = async (): Promise<string> => {
  if ((await selectTestBackend()) === "process") return testPostgresUrl()
  sharedContainer ??= startContainerPostgres().catch((error: unknown) => {
    sharedContainer = undefined
    throw error
  })
  return (await sharedContainer).adminUrl
}

/** `adminUrl`, when given, names the server and bypasses backend selection. */
export const createTestDatabase = async (label: string, adminUrlOrDefault?: string): Promise<TestDatabase> => {
  const adminUrl = adminUrlOrDefault ?? (await testPostgresAdminUrl())
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
