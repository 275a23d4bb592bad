/**
 * Stored events are lifted to their type's current schema version when an
 * entity loads: a `Measured` event written at version 1 (`{ grams }`) and
 * one at version 2 (`{ amount, unit }`) load, replay and fold as version 2;
 * a new event is written at version 2. Controls: the same store read by the
 * entity without its upcaster fails to load (the v1 payload does not decode
 * as v2), and a stored version newer than the code is refused.
 */
import { Effect, type ManagedRuntime, Result, Schema } from "effect"
import { sql } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type EngineDatabase, startEngineDatabase } from "./engineDatabase.ts"
import { Db } from "@logimesh/db"
import { eventUpcaster, eventVersioning, type FaultInjector, loadEntities, makeGroupCommitter, rebuildState, taggedEntity } from "../src/index.ts"

class Measure extends Schema.TaggedClass<Measure>()("Measure", { meter: Schema.String, amount: Schema.String }) {}
class Measured extends Schema.TaggedClass<Measured>()("Measured", { meter: Schema.String, amount: Schema.String, unit: Schema.Literal("KG") }) {}
const MeasuredV1 = Schema.Struct({ _tag: Schema.Literal("Measured"), meter: Schema.String, grams: Schema.Number })
class Refused extends Schema.TaggedClass<Refused>()("Refused", { reason: Schema.String }) {}
const Total = Schema.Struct({ kg: Schema.Number })

const definition = {
  name: "meter",
  decider: {
    initialState: { kg: 0 },
    decide: (command: Measure) => Result.succeed([new Measured({ meter: command.meter, amount: command.amount, unit: "KG" })]),
    evolve: (state: typeof Total.Type, event: Measured) => ({ kg: state.kg + Number(event.amount) })
  },
  keyOf: (command: Measure) => command.meter,
  command: Measure,
  event: Measured,
  state: Total,
  rejection: Refused
}
const withHistory = taggedEntity({
  ...definition,
  eventHistory: {
    Measured: [eventUpcaster(1, MeasuredV1, (old) => ({ _tag: "Measured", meter: old.meter, amount: String(old.grams / 1000), unit: "KG" }))]
  }
})
const withoutHistory = taggedEntity(definition)

let engineDb: EngineDatabase
let runtime: ManagedRuntime.ManagedRuntime<Db | FaultInjector, never>

const insertEvent = (key: string, seq: number, version: number, payload: unknown) =>
  runtime.runPromise(
    Db.use((db) =>
      db.use("test.insertEvent", (k) =>
        sql`INSERT INTO engine_event (entity_type, entity_key, seq, kind, type, schema_version, payload, msg_id)
          VALUES ('meter', ${key}, ${seq}, 'event', 'Measured', ${version}, ${JSON.stringify(payload)}::jsonb, ${`m-${key}-${seq}`})`.execute(k)
      )
    )
  )

const insertEntity = (key: string, eventSeq: number) =>
  runtime.runPromise(
    Db.use((db) =>
      db.use("test.insertEntity", (k) =>
        sql`INSERT INTO engine_entity (entity_type, entity_key, version, event_seq) VALUES ('meter', ${key}, ${eventSeq}, ${eventSeq})`.execute(k)
      )
    )
  )

beforeAll(async () => {
  engineDb = await startEngineDatabase("event-upcasting")
  runtime = engineDb.runtime
}, 30_000)

afterAll(async () => {
  await engineDb?.stop()
})

describe("event schema versions", () => {
  it("a history's versions: the current one is its step count + 1; a gap in the steps is refused", () => {
    expect(withHistory.eventVersion("Measured")).toBe(2)
    expect(withHistory.eventVersion("Other")).toBe(1)
    expect(() => eventVersioning({ Measured: [{ from: 2, run: (p) => p }] })).toThrow(/step 1 lifts version 2/)
  })

  it("a v1 event in the store loads, replays and folds as v2", async () => {
    await insertEvent("M-1", 1, 1, { _tag: "Measured", meter: "M-1", grams: 1500 })
    await insertEvent("M-1", 2, 2, { _tag: "Measured", meter: "M-1", amount: "2.5", unit: "KG" })
    await insertEntity("M-1", 2)
    const loaded = await runtime.runPromise(loadEntities(withHistory, ["M-1"]))
    const entity = loaded.get("M-1")!
    expect(Result.isSuccess(entity) && entity.success.state).toEqual({ kg: 4 })
    expect(await runtime.runPromise(rebuildState(withHistory, "M-1"))).toEqual({ state: { kg: 4 }, events: 2 })
  })

  it("control: without the upcaster the same store does not load", async () => {
    const loaded = await runtime.runPromise(loadEntities(withoutHistory, ["M-1"]))
    expect(Result.isFailure(loaded.get("M-1")!)).toBe(true)
  })

  it("a stored version newer than the code is refused, not guessed", async () => {
    await insertEvent("M-2", 1, 3, { _tag: "Measured", meter: "M-2", amount: "1", unit: "KG" })
    await insertEntity("M-2", 1)
    const loaded = (await runtime.runPromise(loadEntities(withHistory, ["M-2"]))).get("M-2")!
    expect(Result.isFailure(loaded) && String(loaded.failure)).toMatch(/version 3, newer than this code's 2/)
  })

  it("the committer writes each event with its type's current version", async () => {
    await runtime.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const committer = yield* makeGroupCommitter("meter")
          yield* committer.commit({
            key: "M-3",
            expectedVersion: 0,
            applied: {
              raw: { msgId: "m-3", subject: "s", payload: new Uint8Array(0), headers: {}, domain: "", stream: "S", consumer: "c", streamSeq: 1 },
              position: undefined
            },
            audit: [
              {
                seq: 1,
                kind: "event",
                type: "Measured",
                version: withHistory.eventVersion("Measured"),
                payload: JSON.stringify({ _tag: "Measured", meter: "M-3", amount: "1", unit: "KG" })
              }
            ],
            eventSeq: 1,
            snapshot: undefined,
            sources: "{}",
            outbox: [],
            hold: undefined,
            release: undefined
          })
        })
      )
    )
    const rows = await runtime.runPromise(
      Db.use((db) => db.use("test.read", (k) => sql<{ schema_version: number }>`SELECT schema_version FROM engine_event WHERE entity_key = 'M-3'`.execute(k)))
    )
    expect(rows.rows).toEqual([{ schema_version: 2 }])
  })
})
