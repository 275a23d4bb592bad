/**
 * Activation and replay: an entity's state rebuilt from Postgres.
 *
 * `loadEntity` (activation): the snapshot row, then the events recorded
 * after the snapshot folded with `evolve`, plus the early arrivals held for
 * the key. `rebuildState` (replay / audit): the state folded from the whole
 * event trail, ignoring the snapshot; it must equal what `loadEntity` sees.
 */
import { Effect, Schema } from "effect"
import { sql } from "kysely"
import { Db, type DbError } from "@logimesh/db"
import type { RawInput, SourcePosition } from "./EngineStep.ts"
import type { EntityDefinition } from "./EntityDefinition.ts"

export interface HeldInput extends SourcePosition {
  readonly raw: RawInput
}

export interface LoadedEntity<State> {
  readonly state: State
  readonly version: number
  readonly eventSeq: number
  readonly snapshotSeq: number
  readonly sources: Readonly<Record<string, number>>
  readonly held: ReadonlyArray<HeldInput>
}

interface EntityRow {
  readonly version: string
  readonly event_seq: string
  readonly state: unknown
  readonly snapshot_seq: string
  readonly sources: Record<string, number>
}

interface HeldRow {
  readonly source: string
  readonly source_seq: string
  readonly msg_id: string
  readonly subject: string
  readonly payload: Buffer
  readonly headers: Record<string, string>
  readonly domain: string
  readonly stream: string
  readonly consumer: string
  readonly stream_seq: string
}

/** Folds events (`payload` JSON as stored) onto `state`. A stored event that no longer decodes is a defect: the trail is the truth. */
const fold = <C, E, S, R>(entity: EntityDefinition<C, E, S, R>, state: S, payloads: ReadonlyArray<unknown>): S => {
  const decode = Schema.decodeUnknownSync(entity.event)
  return payloads.reduce<S>((current, payload) => entity.decider.evolve(current, decode(payload)), state)
}

export const loadEntity = <C, E, S, R>(
  entity: EntityDefinition<C, E, S, R>,
  key: string
): Effect.Effect<LoadedEntity<S>, DbError, Db> =>
  Effect.gen(function*() {
    const db = yield* Db
    const { row, events, held } = yield* db.use(`engine.${entity.name}.load`, async (k) => {
      const entityRows = await sql<EntityRow>`
        SELECT version, event_seq, state, snapshot_seq, sources FROM engine_entity
        WHERE entity_type = ${entity.name} AND entity_key = ${key}`.execute(k)
      const row = entityRows.rows[0]
      const after = row === undefined ? 0 : Number(row.snapshot_seq)
      const events = await sql<{ payload: unknown }>`
        SELECT payload FROM engine_event
        WHERE entity_type = ${entity.name} AND entity_key = ${key} AND seq > ${after} AND kind = 'event'
        ORDER BY seq`.execute(k)
      const held = await sql<HeldRow>`
        SELECT source, source_seq, msg_id, subject, payload, headers, domain, stream, consumer, stream_seq FROM engine_held
        WHERE entity_type = ${entity.name} AND entity_key = ${key}`.execute(k)
      return { row, events: events.rows, held: held.rows }
    })
    const base = row?.state === null || row?.state === undefined
      ? entity.decider.initialState
      : Schema.decodeUnknownSync(entity.state)(row.state)
    return {
      state: fold(entity, base, events.map((e) => e.payload)),
      version: Number(row?.version ?? 0),
      eventSeq: Number(row?.event_seq ?? 0),
      snapshotSeq: Number(row?.snapshot_seq ?? 0),
      sources: row?.sources ?? {},
      held: held.map((h) => ({
        source: h.source,
        seq: Number(h.source_seq),
        raw: {
          msgId: h.msg_id,
          subject: h.subject,
          payload: new Uint8Array(h.payload),
          headers: h.headers,
          domain: h.domain,
          stream: h.stream,
          consumer: h.consumer,
          streamSeq: Number(h.stream_seq)
        }
      }))
    }
  })

/** The state folded from the entity's whole event trail (replay), and how many audit rows it has. */
export const rebuildState = <C, E, S, R>(
  entity: EntityDefinition<C, E, S, R>,
  key: string
): Effect.Effect<{ readonly state: S; readonly events: number }, DbError, Db> =>
  Effect.gen(function*() {
    const db = yield* Db
    const rows = yield* db.use(`engine.${entity.name}.rebuild`, (k) =>
      sql<{ payload: unknown }>`
        SELECT payload FROM engine_event WHERE entity_type = ${entity.name} AND entity_key = ${key} AND kind = 'event'
        ORDER BY seq`.execute(k))
    return { state: fold(entity, entity.decider.initialState, rows.rows.map((r) => r.payload)), events: rows.rows.length }
  })
