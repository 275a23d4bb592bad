/**
 * Read side of the `/v1` API over the engine's tables: an entity's current
 * state (its snapshot, written in the same transaction as its events) and an
 * order's timeline (the audit rows of the order, its pick tasks, shipment
 * and POD, plus ownership rejections of requests about them), in commit order.
 * Reads only: every write goes through an actor.
 */
import { Context, Effect, Layer } from "effect"
import { sql } from "kysely"
import { Db, type DbError } from "@logimesh/db"

export interface EntitySnapshot {
  readonly entityType: string
  readonly key: string
  readonly version: number
  readonly state: unknown
  readonly updatedAt: string
}

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
}

/** Keys of the entities an order owns (by the derivation rules of docs/order-to-delivery.md). */
export const orderEntityKeys = (order: string) => ({ order, shipment: `S-${order}` })

/** A regular expression matching exactly the pick task keys of an order: `<order>-L<digits>`. */
const taskKeyPattern = (order: string) => `^${order.replace(/[.*+?^${}()|[\]\\-]/g, (c) => `\\${c}`)}-L[0-9]+$`

export class EntityQueries extends Context.Service<EntityQueries, EntityQueriesShape>()("logimesh/region/EntityQueries") {
  static readonly layer = Layer.effect(
    EntityQueries,
    Effect.gen(function*() {
      const db = yield* Db
      const snapshot: EntityQueriesShape["snapshot"] = (entityType, key) =>
        db.use("api.snapshot", async (k) => {
          const rows = await sql<{ version: string; state: unknown; updated_at: Date }>`
            SELECT version, state, updated_at FROM engine_entity WHERE entity_type = ${entityType} AND entity_key = ${key}`.execute(k)
          const row = rows.rows[0]
          return row === undefined || row.state === null
            ? undefined
            : { entityType, key, version: Number(row.version), state: row.state, updatedAt: row.updated_at.toISOString() }
        })
      const orderTimeline: EntityQueriesShape["orderTimeline"] = (order) =>
        db.use("api.timeline", async (k) => {
          const keys = orderEntityKeys(order)
          const taskKeys = taskKeyPattern(keys.order)
          const rows = await sql<{ at: Date; entity: string; key: string; seq: string | null; kind: TimelineEntry["kind"]; type: string; data: unknown }>`
            SELECT recorded_at AS at, entity_type AS entity, entity_key AS key, seq, kind, type, payload AS data
              FROM engine_event
             WHERE (entity_type = 'order' AND entity_key = ${keys.order})
                OR (entity_type IN ('shipment', 'pod') AND entity_key = ${keys.shipment})
                OR (entity_type = 'task' AND entity_key ~ ${taskKeys})
            UNION ALL
            SELECT rejected_at, object, business_key, NULL, 'ownership_rejection', object || '.' || transition,
                   jsonb_build_object('sender', sender, 'owners', owners, 'reason', reason, 'site', site)
              FROM governance_ownership_rejection
             WHERE business_key IN (${keys.order}, ${keys.shipment}) OR business_key ~ ${taskKeys}
             ORDER BY 1, 4`.execute(k)
          return rows.rows.map((r): TimelineEntry => ({
            at: r.at.toISOString(),
            entity: r.entity,
            key: r.key,
            seq: r.seq === null ? null : Number(r.seq),
            kind: r.kind,
            type: r.type,
            data: r.data
          }))
        })
      return EntityQueries.of({ snapshot, orderTimeline })
    })
  )
}
