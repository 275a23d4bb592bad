/**
 * Db against a real Postgres (a fresh database for this file): errors are
 * classified by whether a retry can help, transactions commit or roll back
 * as a whole, and migrations run once.
 */
import { Effect, Exit, type Layer, Redacted } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"
import { Db, type DbError, type Migrations, runMigrations } from "../src/index.ts"

let database: TestDatabase
let layer: Layer.Layer<Db>

beforeAll(async () => {
  database = await createTestDatabase("db")
  layer = Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 4 })
})
afterAll(async () => {
  await database?.drop()
})

const run = <A>(effect: Effect.Effect<A, DbError, Db>) => Effect.runPromiseExit(Effect.provide(effect, layer))

const failureOf = <A>(exit: Exit.Exit<A, DbError>): DbError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit)}`)
  return reason.error
}

const migrations: Migrations = {
  "test/0001_create_parcel": {
    up: async (db) => {
      await db.schema
        .createTable("parcel")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("weight", "integer")
        .execute()
    }
  },
  "test/0002_add_site": {
    up: async (db) => {
      await db.schema.alterTable("parcel").addColumn("site", "text").execute()
    }
  }
}

type Tables = {
  parcel: { id: string; weight: number | null; site: string | null }
}

describe("Db", () => {
  it("runs migrations once and records them", async () => {
    const first = await run(runMigrations(migrations))
    const second = await run(runMigrations(migrations))
    expect(Exit.isSuccess(first) && first.value.applied).toEqual(["test/0001_create_parcel", "test/0002_add_site"])
    expect(Exit.isSuccess(second) && second.value.applied).toEqual([])
  })

  it("classifies a unique violation as terminal", async () => {
    const insert = Db.use((db) =>
      db.use("parcel.insert", (k) => k.withTables<Tables>().insertInto("parcel").values({ id: "p-1", weight: 1, site: null }).execute())
    )
    expect(Exit.isSuccess(await run(insert))).toBe(true)
    const error = failureOf(await run(insert))
    expect(error.reason._tag).toBe("UniqueViolation")
    expect(error.isRetryable).toBe(false)
    expect(error.operation).toBe("parcel.insert")
  })

  it("rolls back a failed transaction as a whole", async () => {
    const tx = Db.use((db) =>
      db.transaction("parcel.pair", async (t) => {
        await t.withTables<Tables>().insertInto("parcel").values({ id: "p-2", weight: 2, site: null }).execute()
        await t.withTables<Tables>().insertInto("parcel").values({ id: "p-1", weight: 3, site: null }).execute()
      })
    )
    expect(failureOf(await run(tx)).reason._tag).toBe("UniqueViolation")
    const rows = await run(
      Db.use((db) => db.use("parcel.count", (k) => k.withTables<Tables>().selectFrom("parcel").select("id").where("id", "=", "p-2").execute()))
    )
    expect(Exit.isSuccess(rows) && rows.value).toEqual([])
  })

  it("classifies a serialization failure as retryable", async () => {
    const error = failureOf(
      await run(Db.use((db) => db.use("raise.40001", (k) => sql`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$`.execute(k))))
    )
    expect(error.reason._tag).toBe("SerializationFailure")
    expect(error.isRetryable).toBe(true)
  })

  it("classifies a real deadlock as retryable", async () => {
    await run(
      Db.use((db) =>
        db.use("seed", (k) =>
          k
            .withTables<Tables>()
            .insertInto("parcel")
            .values([
              { id: "a", weight: 0, site: null },
              { id: "b", weight: 0, site: null }
            ])
            .execute()
        )
      )
    )
    // Each transaction locks its first row, then waits (in JS, no sleep) until the other holds its own
    // before reaching for the second: a deadlock every time, which Postgres breaks by failing one.
    const holding = { a: Promise.withResolvers<void>(), b: Promise.withResolvers<void>() }
    const lockBoth = (first: "a" | "b", second: "a" | "b") =>
      Db.use((db) =>
        db.transaction(`lock ${first} then ${second}`, async (t) => {
          await t.withTables<Tables>().updateTable("parcel").set({ weight: 1 }).where("id", "=", first).execute()
          holding[first].resolve()
          await holding[second].promise
          await t.withTables<Tables>().updateTable("parcel").set({ weight: 1 }).where("id", "=", second).execute()
        })
      )
    const exits = await Effect.runPromise(
      Effect.all([Effect.exit(lockBoth("a", "b")), Effect.exit(lockBoth("b", "a"))], { concurrency: 2 }).pipe(Effect.provide(layer))
    )
    const failures = exits.filter(Exit.isFailure).map(failureOf)
    expect(failures).toHaveLength(1)
    expect(failures[0]?.reason._tag).toBe("Deadlock")
    expect(failures[0]?.isRetryable).toBe(true)
  })

  it("classifies a connection killed by the server as retryable", async () => {
    const error = failureOf(await run(Db.use((db) => db.use("self.terminate", (k) => sql`SELECT pg_terminate_backend(pg_backend_pid())`.execute(k)))))
    expect(error.reason._tag).toBe("ConnectionLost")
    expect(error.isRetryable).toBe(true)
  })

  it("survives the server dropping a connection that sits idle inside a transaction", async () => {
    // The transaction holds its connection while the caller waits on something else (like the outbox
    // relay waiting for NATS acks); the server kills that backend meanwhile. No uncaught 'error' event
    // may take the process down: the transaction fails with a retryable ConnectionLost instead.
    const inside = Promise.withResolvers<number>()
    const killed = Promise.withResolvers<void>()
    const tx = Db.use((db) =>
      db.transaction("held.open", async (t) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(t)
        inside.resolve(rows[0]!.pid)
        await killed.promise
        await sql`SELECT 1`.execute(t)
      })
    )
    const running = run(tx)
    const pid = await inside.promise
    await run(Db.use((db) => db.use("kill", (k) => sql`SELECT pg_terminate_backend(${pid})`.execute(k))))
    // Let the socket close reach the client while no query is in flight.
    await waitFor("backend gone", async () => {
      const { rows } = await Effect.runPromise(
        Db.use((db) => db.use("gone", (k) => sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ${pid}`.execute(k))).pipe(
          Effect.provide(layer)
        )
      )
      return Number(rows[0]?.n) === 0 ? true : undefined
    })
    killed.resolve()
    const error = failureOf(await running)
    expect(error.reason._tag).toBe("ConnectionLost")
    expect(error.isRetryable).toBe(true)
    expect(Exit.isSuccess(await run(Db.use((db) => db.ping)))).toBe(true)
  })

  it("pings", async () => {
    expect(Exit.isSuccess(await run(Db.use((db) => db.ping)))).toBe(true)
  })
})
