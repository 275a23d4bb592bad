/**
 * Read side of the `/v1` API over the engine's tables: an entity's current
 * state (its snapshot, written in the same transaction as its events) and an
 * order's timeline (the audit rows of the order, its pick tasks, shipment
 * and POD, plus ownership rejections of requests about them), in commit order;
 * the ship-from site of an order (object access, `auth/ObjectAccess.ts`),
 * remembered once found: an order's ship-from never changes after its create.
 * Reads only: every write goes through an actor.
 */
import { Context, Effect, Layer } from "effect"
import type { DbError } from "@logimesh/db"
import { EngineQueries, type EntitySnapshot } from "@logimesh/engine"
import { OwnershipGuard } from "@logimesh/governance"
import { shipmentModule } from "@logimesh/shipment"
import { taskModule } from "@logimesh/task"

export type { EntitySnapshot }

export interface TimelineEntry {
  readonly at: string
  readonly entity: string
  readonly key: string
  readonly seq: number | null
  readonly kind: "event" | "rejection" | "ownership_rejection"
  readonly type: string
  readonly data: unknown
}

export interface EntityQueriesShape {
  readonly snapshot: (entityType: string, key: string) => Effect.Effect<EntitySnapshot | undefined, DbError>
  readonly orderTimeline: (order: string) => Effect.Effect<ReadonlyArray<TimelineEntry>, DbError>
  /** The order's ship-from site; undefined while the order does not exist. */
  readonly orderSite: (order: string) => Effect.Effect<string | undefined, DbError>
}

/** Orders whose ship-from site is remembered (oldest forgotten first). */
const ORDER_SITES_KEPT = 50_000

/** Keys of the entities an order owns: its own, its shipment's (also the POD's), and a pattern of its pick tasks'. */
export const orderEntityKeys = (order: string) => ({
  order,
  shipment: shipmentModule.ids.shipmentIdOf(order),
  tasks: taskModule.ids.taskKeysOf(order)
})

/** Two lists each in time order, merged: on equal times the first list's entries come first (audit rows before rejections). */
const mergeByTime = (first: ReadonlyArray<TimelineEntry>, second: ReadonlyArray<TimelineEntry>): ReadonlyArray<TimelineEntry> => {
  const out: Array<TimelineEntry> = []
  let j = 0
  for (const entry of first) {
    while (j < second.length && second[j]!.at < entry.at) out.push(second[j++]!)
    out.push(entry)
  }
  return [...out, ...second.slice(j)]
}

export class EntityQueries extends Context.Service<EntityQueries, EntityQueriesShape>()("logimesh/region/EntityQueries") {
  static readonly layer = Layer.effect(
    EntityQueries,
    Effect.gen(function* () {
      const engine = yield* EngineQueries
      const guard = yield* OwnershipGuard
      const orderTimeline: EntityQueriesShape["orderTimeline"] = (order) =>
        Effect.gen(function* () {
          const keys = orderEntityKeys(order)
          const audit = yield* engine.auditTrail([
            { entityTypes: ["order"], key: keys.order },
            { entityTypes: ["shipment", "pod"], key: keys.shipment },
            { entityTypes: ["task"], keyPattern: keys.tasks }
          ])
          const rejections = yield* guard.rejectionsAbout([keys.order, keys.shipment], keys.tasks)
          const fromAudit = audit.map(
            (r): TimelineEntry => ({
              at: r.at.toISOString(),
              entity: r.entityType,
              key: r.key,
              seq: r.seq,
              kind: r.kind,
              type: r.type,
              data: r.payload
            })
          )
          const fromRejections = rejections.map(
            (r): TimelineEntry => ({
              at: r.rejected_at.toISOString(),
              entity: r.object,
              key: r.business_key ?? "",
              seq: null,
              kind: "ownership_rejection",
              type: `${r.object}.${r.transition}`,
              data: { sender: r.sender, owners: r.owners, reason: r.reason, site: r.site }
            })
          )
          return mergeByTime(fromAudit, fromRejections)
        })
      const sites = new Map<string, string>()
      const orderSite: EntityQueriesShape["orderSite"] = (order) => {
        const known = sites.get(order)
        if (known !== undefined) return Effect.succeed(known)
        return Effect.map(engine.snapshot("order", order), (found) => {
          const state = found?.state
          const site = typeof state === "object" && state !== null && "shipFrom" in state && typeof state.shipFrom === "string" ? state.shipFrom : undefined
          if (site !== undefined) {
            sites.set(order, site)
            if (sites.size > ORDER_SITES_KEPT) sites.delete(sites.keys().next().value ?? "")
          }
          return site
        })
      }
      return EntityQueries.of({ snapshot: engine.snapshot, orderTimeline, orderSite })
    })
  )
}
