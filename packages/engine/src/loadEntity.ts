/**
 * Activation and replay: an entity's state rebuilt from Postgres.
 *
 * `loadEntity` (activation): the snapshot row, then the events recorded
 * after the snapshot folded with `evolve`, plus the early arrivals held for
 * the key — one query, and `loadEntities` does the same for many keys at
 * once (the batched activation of `EntityLoader`). `rebuildState` (replay / audit): the state folded from the whole
 * event trail, ignoring the snapshot; it must equal what `loadEntity` sees.
 */
import { Effect, Result, Schema } from "effect"
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

interface LoadedRow {
  readonly entity_key: string
  readonly version: string | null
  readonly event_seq: string | null
  readonly state: unknown
  readonly snapshot_seq: string | null
  readonly sources: Record<string, number> | null
  /** Events after the snapshot, in seq order: `[schema_version, type, payload]`. */
  readonly events: ReadonlyArray<StoredEvent>
  readonly held: ReadonlyArray<HeldJson>
}

interface HeldJson {
  readonly source: string
  readonly source_seq: number
  readonly msg_id: string
  readonly subject: string
  /** base64 */
  readonly payload: string
  readonly headers: Record<string, string>
  readonly domain: string
  readonly stream: string
  readonly consumer: string
  readonly stream_seq: number
}

/** A stored event as loaded: `[schema_version, type, payload]`. */
type StoredEvent = readonly [number, string, unknown]

/**
 * Folds stored events onto `state`, each lifted to its type's current version first. A stored event that
 * no longer decodes (or is newer than this code) is a defect: the trail is the truth.
 */
const fold = <C, E, S, R>(entity: EntityDefinition<C, E, S, R>, state: S, events: ReadonlyArray<StoredEvent>): S => {
  const decode = Schema.decodeUnknownSync(entity.event)
  return events.reduce<S>((current, [version, type, payload]) => {
    const lifted = version === entity.eventVersion(type) ? payload : entity.upcastEvent(type, version, payload)
    return entity.decider.evolve(current, decode(lifted))
  }, state)
}

/** One loaded row -> the entity, or the defect that decoding / folding it threw (that key alone fails). */
const loadedOf = <C, E, S, R>(
  entity: EntityDefinition<C, E, S, R>,
  decodeState: (u: unknown) => S,
  row: LoadedRow
): Result.Result<LoadedEntity<S>, unknown> => {
  let state: S
  try {
    const base = row.state === null || row.state === undefined ? entity.decider.initialState : decodeState(row.state)
    state = fold(entity, base, row.events)
  } catch (defect) {
    return Result.fail(defect)
  }
  return Result.succeed({
    state,
    version: Number(row.version ?? 0),
    eventSeq: Number(row.event_seq ?? 0),
    snapshotSeq: Number(row.snapshot_seq ?? 0),
    sources: row.sources ?? {},
    held: row.held.map((h) => ({
      source: h.source,
      seq: Number(h.source_seq),
      raw: {
        msgId: h.msg_id,
        subject: h.subject,
        payload: new Uint8Array(Buffer.from(h.payload, "base64")),
        headers: h.headers,
        domain: h.domain,
        stream: h.stream,
        consumer: h.consumer,
        streamSeq: Number(h.stream_seq)
      }
    }))
  })
}

/**
 * Loads many keys in ONE query (one round trip, one snapshot): the entity row, the events after its
 * snapshot and the held rows of each key. Keys without a row load as the initial state at version 0.
 * Each key has its own result: a stored state or event that no longer decodes (or an `evolve` that
 * throws) fails only that key, as the defect it is.
 */
export const loadEntities = <C, E, S, R>(
  entity: EntityDefinition<C, E, S, R>,
  keys: ReadonlyArray<string>
): Effect.Effect<ReadonlyMap<string, Result.Result<LoadedEntity<S>, unknown>>, DbError, Db> =>
  Effect.gen(function* () {
    if (keys.length === 0) return new Map()
    const db = yield* Db
    const rows = yield* db.use(`engine.${entity.name}.load`, (k) =>
      sql<LoadedRow>`
        SELECT k.key AS entity_key, e.version, e.event_seq, e.state, e.snapshot_seq, e.sources,
          CASE WHEN e.event_seq IS NULL OR e.event_seq <= e.snapshot_seq THEN '[]'::json ELSE (
            SELECT coalesce(json_agg(json_build_array(ev.schema_version, ev.type, ev.payload) ORDER BY ev.seq), '[]'::json) FROM engine_event ev
            WHERE ev.entity_type = ${entity.name} AND ev.entity_key = k.key AND ev.seq > e.snapshot_seq AND ev.kind = 'event'
          ) END AS events,
          (SELECT coalesce(json_agg(json_build_object(
              'source', h.source, 'source_seq', h.source_seq, 'msg_id', h.msg_id, 'subject', h.subject,
              'payload', encode(h.payload, 'base64'), 'headers', h.headers, 'domain', h.domain, 'stream', h.stream,
              'consumer', h.consumer, 'stream_seq', h.stream_seq)), '[]'::json)
            FROM engine_held h WHERE h.entity_type = ${entity.name} AND h.entity_key = k.key) AS held
        FROM unnest(${keys}::text[]) AS k(key)
        -- One primary-key probe per key: a plain join was planned as a scan of the whole entity type
        -- when the table had no statistics (young, or autovacuum off), so a load cost O(table).
        LEFT JOIN LATERAL (
          SELECT version, event_seq, state, snapshot_seq, sources FROM engine_entity
          WHERE entity_type = ${entity.name} AND entity_key = k.key LIMIT 1
        ) AS e ON true`.execute(k)
    )
    const decodeState = Schema.decodeUnknownSync(entity.state)
    return new Map(rows.rows.map((row) => [row.entity_key, loadedOf(entity, decodeState, row)]))
  })

export const loadEntity = <C, E, S, R>(entity: EntityDefinition<C, E, S, R>, key: string): Effect.Effect<LoadedEntity<S>, DbError, Db> =>
  Effect.flatMap(loadEntities(entity, [key]), (loaded) => {
    const result = loaded.get(key)
    if (result === undefined) return Effect.die(new Error(`engine load: no row for ${key}`))
    return Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.die(result.failure)
  })

/** The state folded from the entity's whole event trail (replay), and how many audit rows it has. */
export const rebuildState = <C, E, S, R>(
  entity: EntityDefinition<C, E, S, R>,
  key: string
): Effect.Effect<{ readonly state: S; readonly events: number }, DbError, Db> =>
  Effect.gen(function* () {
    const db = yield* Db
    const rows = yield* db.use(`engine.${entity.name}.rebuild`, (k) =>
      sql<{ schema_version: number; type: string; payload: unknown }>`
        SELECT schema_version, type, payload FROM engine_event WHERE entity_type = ${entity.name} AND entity_key = ${key} AND kind = 'event'
        ORDER BY seq`.execute(k)
    )
    const events = rows.rows.map((r): StoredEvent => [r.schema_version, r.type, r.payload])
    return { state: fold(entity, entity.decider.initialState, events), events: rows.rows.length }
  })
