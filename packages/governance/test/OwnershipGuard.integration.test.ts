/**
 * OwnershipGuard against a real Postgres: for every row of the ownership
 * table the owner's change passes and leaves no trace, and every non-owner's
 * change is refused, written to `governance_ownership_rejection` and counted
 * in `logimesh_ownership_rejections_total` under its labels.
 */
import { Effect, Exit, Layer, Metric, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Db, runMigrations } from "@logimesh/db"
import { createTestDatabase, type TestDatabase } from "@logimesh/testkit"
import { type GovernanceData, governanceMigrations, OwnershipGuard, ownershipRejectionsOf, OwnershipViolation } from "../src/index.ts"
import { loadRepoGovernance } from "./governanceFixture.ts"
import { allSystems, ownershipTable } from "./ownershipTable.ts"

let database: TestDatabase
let governance: GovernanceData
let layer: Layer.Layer<OwnershipGuard | Db>

beforeAll(async () => {
  database = await createTestDatabase("governance_ownership")
  governance = await loadRepoGovernance()
  const db = Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 4 })
  layer = Layer.provideMerge(OwnershipGuard.layerFrom(governance.ownership), db)
  await Effect.runPromise(runMigrations(governanceMigrations).pipe(Effect.provide(db)))
})
afterAll(async () => {
  await database?.drop()
})

const counted = (labels: { object: string; transition: string; sender: string }) =>
  Metric.value(ownershipRejectionsOf(labels)).pipe(Effect.map((state) => Number(state.count)))

const auditRows = (guard: OwnershipGuard["Service"]) => guard.recentRejections(1_000)

describe("OwnershipGuard", () => {
  it("applies every owner's change and records and counts every non-owner's", async () => {
    const program = Effect.gen(function* () {
      const guard = yield* OwnershipGuard
      let expectedRows = 0
      for (const row of ownershipTable) {
        for (const sender of allSystems) {
          const labels = { object: row.object, transition: row.transition, sender }
          const before = yield* counted(labels)
          const exit = yield* Effect.exit(
            guard.enforce({ ...row, sender, businessKey: `BK-${row.object}` }, { messageId: `msg-${row.transition}-${row.site ?? "-"}-${sender}` })
          )
          const after = yield* counted(labels)
          if (row.owners.includes(sender)) {
            expect(Exit.isSuccess(exit)).toBe(true)
            expect(after).toBe(before)
            continue
          }
          expectedRows += 1
          if (Exit.isSuccess(exit)) throw new Error(`${sender} ${row.object}.${row.transition} should be refused`)
          const reason = exit.cause.reasons[0]
          expect(reason?._tag === "Fail" && reason.error).toBeInstanceOf(OwnershipViolation)
          expect(after).toBe(before + 1)
          const [latest] = yield* guard.recentRejections(1)
          expect(latest).toMatchObject({
            object: row.object,
            transition: row.transition,
            sender,
            owners: [...row.owners],
            site: row.site ?? null,
            business_key: `BK-${row.object}`,
            message_id: `msg-${row.transition}-${row.site ?? "-"}-${sender}`
          })
          expect(latest?.reason).toContain(`${sender} may not ${row.transition} ${row.object}`)
        }
      }
      expect((yield* auditRows(guard)).length).toBe(expectedRows)
      return expectedRows
    })
    const rows = await Effect.runPromise(program.pipe(Effect.provide(layer)))
    expect(rows).toBeGreaterThan(100)
  })

  it("records and counts a redelivered refusal once", async () => {
    const change = { object: "SalesOrder", transition: "cancel", sender: "WES", businessKey: "SO-redelivered" } as const
    const labels = { object: "SalesOrder", transition: "cancel", sender: "WES" }
    const program = Effect.gen(function* () {
      const guard = yield* OwnershipGuard
      const before = yield* counted(labels)
      const first = yield* Effect.exit(guard.enforce(change, { messageId: "msg-redelivered" }))
      const second = yield* Effect.exit(guard.enforce(change, { messageId: "msg-redelivered" }))
      const after = yield* counted(labels)
      const rows = (yield* guard.recentRejections(1_000)).filter((r) => r.message_id === "msg-redelivered")
      return { first, second, delta: after - before, rows: rows.length }
    })
    const result = await Effect.runPromise(program.pipe(Effect.provide(layer)))
    // Both deliveries are refused (the caller parks), but the audit trail and the metric see one refusal.
    expect(Exit.isFailure(result.first) && Exit.isFailure(result.second)).toBe(true)
    expect(result.rows).toBe(1)
    expect(result.delta).toBe(1)
  })
})
