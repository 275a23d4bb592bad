/**
 * XrefStore against a real Postgres: external ids resolve to canonical ids
 * and back; re-registering is idempotent; mapping a known external id to
 * another canonical id is refused (and the first mapping kept), also when
 * two registrations race; a one-to-one namespace refuses a second id.
 */
import { Effect, Exit, Layer, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Db, runMigrations } from "@logimesh/db"
import { createTestDatabase, type TestDatabase } from "@logimesh/testkit"
import { type CanonicalRef, type ExternalRef, governanceMigrations, XrefConflict, XrefStore } from "../src/index.ts"

let database: TestDatabase
let layer: Layer.Layer<XrefStore | Db>

beforeAll(async () => {
  database = await createTestDatabase("governance_xref")
  const db = Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 8 })
  layer = Layer.provideMerge(XrefStore.layer, db)
  await Effect.runPromise(runMigrations(governanceMigrations).pipe(Effect.provide(db)))
})
afterAll(async () => {
  await database?.drop()
})

const run = <A, E>(effect: Effect.Effect<A, E, XrefStore>) => Effect.runPromiseExit(Effect.provide(effect, layer))
const register = (external: ExternalRef, canonical: CanonicalRef) => XrefStore.use((s) => s.register(external, canonical))
const resolve = (external: ExternalRef) => XrefStore.use((s) => s.resolve(external))

const order = (id: string): CanonicalRef => ({ kind: "order", id })
const shipment = (id: string): CanonicalRef => ({ kind: "shipment", id })
const erp = (no: string): ExternalRef => ({ namespace: "erp_order_number", scope: "", externalId: no })

const value = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
  return exit.value
}
const conflictOf = <A, E>(exit: Exit.Exit<A, E>): XrefConflict => {
  if (Exit.isSuccess(exit)) throw new Error("expected a conflict")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail" || !(reason.error instanceof XrefConflict)) throw new Error(`unexpected ${String(exit.cause)}`)
  return reason.error
}

describe("XrefStore", () => {
  it("maps the ids of one order and shipment across systems, both ways", async () => {
    const refs: ReadonlyArray<readonly [ExternalRef, CanonicalRef]> = [
      [erp("4500012345"), order("ORD-1")],
      [{ namespace: "wes_order_id", scope: "dc-rotterdam", externalId: "W-778" }, order("ORD-1")],
      [{ namespace: "dispatch_shipment_id", scope: "", externalId: "TMS-55" }, shipment("SHP-1")],
      [{ namespace: "sscc", scope: "", externalId: "106141411234567897" }, shipment("SHP-1")],
      [{ namespace: "carrier_pro", scope: "DHLF", externalId: "PRO-0099" }, shipment("SHP-1")],
      [{ namespace: "carrier_bol", scope: "DHLF", externalId: "BOL-7" }, shipment("SHP-1")]
    ]
    for (const [external, canonical] of refs) expect(value(await run(register(external, canonical)))).toBe("registered")
    expect(value(await run(resolve(erp("4500012345"))))).toEqual(Option.some(order("ORD-1")))
    expect(value(await run(resolve({ namespace: "wes_order_id", scope: "dc-antwerp", externalId: "W-778" })))).toEqual(Option.none())
    const ids = value(await run(XrefStore.use((s) => s.externalIdsOf(shipment("SHP-1")))))
    expect(ids.map((i) => `${i.namespace}:${i.externalId}`)).toEqual([
      "carrier_bol:BOL-7",
      "carrier_pro:PRO-0099",
      "dispatch_shipment_id:TMS-55",
      "sscc:106141411234567897"
    ])
  })

  it("registers the same mapping again as a no-op", async () => {
    expect(value(await run(register(erp("4500000001"), order("ORD-2"))))).toBe("registered")
    expect(value(await run(register(erp("4500000001"), order("ORD-2"))))).toBe("already_registered")
  })

  it("refuses one external id for a second canonical id and keeps the first", async () => {
    value(await run(register(erp("4500000002"), order("ORD-3"))))
    const conflict = conflictOf(await run(register(erp("4500000002"), order("ORD-4"))))
    expect(conflict.message).toBe("erp_order_number 4500000002 cannot map to order ORD-4: already mapped to order ORD-3")
    expect(conflict.isRetryable).toBe(false)
    expect(value(await run(resolve(erp("4500000002"))))).toEqual(Option.some(order("ORD-3")))
  })

  it("refuses a second ERP order number for one order (one-to-one namespace)", async () => {
    value(await run(register(erp("4500000003"), order("ORD-5"))))
    const conflict = conflictOf(await run(register(erp("4500000004"), order("ORD-5"))))
    expect(conflict.message).toContain("order ORD-5 has erp_order_number 4500000003")
    expect(value(await run(resolve(erp("4500000004"))))).toEqual(Option.none())
  })

  it("lets exactly one of two racing registrations of one external id win", async () => {
    for (let round = 0; round < 10; round++) {
      const external = erp(`46000000${round}`)
      const exits = await Effect.runPromise(
        Effect.all([Effect.exit(register(external, order(`ORD-A${round}`))), Effect.exit(register(external, order(`ORD-B${round}`)))], {
          concurrency: 2
        }).pipe(Effect.provide(layer))
      )
      expect(exits.filter(Exit.isSuccess)).toHaveLength(1)
      const winner = value(await run(resolve(external)))
      const loser = conflictOf(exits.find(Exit.isFailure)!)
      expect(Option.isSome(winner) && loser.existing).toBe(`mapped to order ${Option.getOrThrow(winner).id}`)
    }
  })

  it("refuses an id of a namespace for the wrong kind of object", async () => {
    const exit = await run(register({ namespace: "carrier_pro", scope: "", externalId: "PRO-1" }, order("ORD-9")))
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("carrier_pro ids stand for a shipment, not a order")
  })
})
