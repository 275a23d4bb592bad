/**
 * createTestDatabase against the real Postgres: the database exists, is
 * usable, and `drop()` removes it even while a connection is still open.
 */
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase, testDatabaseName, testPostgresAdminUrl } from "../src/index.ts"

const created: Array<TestDatabase> = []

afterAll(async () => {
  for (const database of created) await database.drop()
})

const databaseExists = async (name: string): Promise<boolean> => {
  const admin = new pg.Client({ connectionString: await testPostgresAdminUrl() })
  await admin.connect()
  try {
    const result = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])
    return result.rowCount === 1
  } finally {
    await admin.end()
  }
}

describe("createTestDatabase", () => {
  it("names databases uniquely with a safe identifier", () => {
    const a = testDatabaseName("Order Module!")
    const b = testDatabaseName("Order Module!")
    expect(a).not.toBe(b)
    expect(a).toMatch(/^lm_order_module_\d+_[0-9a-f]{8}$/)
    expect(testDatabaseName("x".repeat(200)).length).toBeLessThanOrEqual(63)
  })

  it("creates a usable database and drops it, also with a connection still open", async () => {
    const database = await createTestDatabase("testkit")
    created.push(database)
    expect(await databaseExists(database.name)).toBe(true)
    expect(new URL(database.url).pathname).toBe(`/${database.name}`)

    const client = new pg.Client({ connectionString: database.url })
    client.on("error", () => undefined) // the drop terminates this connection
    await client.connect()
    await client.query("CREATE TABLE parcel (id text PRIMARY KEY, weight int NOT NULL)")
    await client.query("INSERT INTO parcel VALUES ('p-1', 7), ('p-2', 9)")
    const sum = await client.query<{ total: string }>("SELECT sum(weight) AS total FROM parcel")
    expect(sum.rows[0]?.total).toBe("16")
    const current = await client.query<{ db: string }>("SELECT current_database() AS db")
    expect(current.rows[0]?.db).toBe(database.name)

    await database.drop()
    expect(await databaseExists(database.name)).toBe(false)
    await database.drop() // idempotent
    await client.end().catch(() => undefined)
  })

  it("gives two databases that do not see each other's tables", async () => {
    const [a, b] = await Promise.all([createTestDatabase("iso"), createTestDatabase("iso")])
    created.push(a, b)
    const clientA = new pg.Client({ connectionString: a.url })
    const clientB = new pg.Client({ connectionString: b.url })
    await Promise.all([clientA.connect(), clientB.connect()])
    try {
      await clientA.query("CREATE TABLE only_in_a (id int)")
      const seen = await clientB.query("SELECT to_regclass('only_in_a') AS t")
      expect(seen.rows[0]).toEqual({ t: null })
    } finally {
      await Promise.all([clientA.end(), clientB.end()])
    }
  })
})
