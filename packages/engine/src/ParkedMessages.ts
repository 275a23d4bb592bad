/**
 * Parked messages in Postgres (`engine_parked`), where operators list,
 * inspect, fix and replay them. Rows come from the engine (a consumer parked
 * an input: undecodable, terminal error, retries exhausted) and from the hold
 * sweeper (an early arrival whose gap never filled).
 *
 * Replay re-publishes the payload (or a corrected one) to the original
 * subject with a new msg id `<region>:replay:<parked id>` and marks the row
 * `replayed`, under the row's lock: a second call sees `replayed` and
 * publishes nothing; a crash between publish and mark re-publishes the same
 * id, which the stream (within its window) and the inbox (forever) dedupe.
 * `replayThrough` is the other way out: the caller handles the entry itself
 * under the same lock (the region runs a command from an outside system
 * through its command pipeline) and says whether it now counts as replayed.
 */
import { Context, Effect, Layer } from "effect"
import { sql, type Transaction } from "kysely"
import { BusHeaders, type BusError, CommandHeaders, JetStreamPublisher } from "@logimesh/bus"
import { Db, type DbError } from "@logimesh/db"
import { EngineHeaders } from "./EngineHeaders.ts"
import type { RawInput } from "./EngineStep.ts"

export interface ParkedEntry {
  readonly id: number
  readonly reason: string
  readonly detail: string
  readonly subject: string
  /** The payload as text (UTF-8); `payloadBase64` when it is not valid UTF-8. */
  readonly payload: string
  readonly payloadBase64: string
  readonly headers: Readonly<Record<string, string>>
  readonly domain: string
  readonly stream: string
  readonly consumer: string
  readonly streamSeq: number
  readonly msgId: string | null
  readonly entityType: string | null
  readonly entityKey: string | null
  readonly status: "parked" | "replayed"
  readonly parkedAt: string
  readonly replayedAt: string | null
  readonly replayMsgId: string | null
}

export interface ParkInput {
  readonly reason: string
  readonly detail: string
  readonly raw: RawInput
  readonly entityType?: string
  readonly entityKey?: string
  /** Same dedupe key = same row (a message parked twice records once). */
  readonly dedupeKey: string
}

export type ReplayResult =
  | { readonly _tag: "Replayed"; readonly msgId: string }
  | { readonly _tag: "AlreadyReplayed"; readonly msgId: string }
  | { readonly _tag: "NotFound" }

/** What a `replayThrough` handler decided: replayed (the row is marked, with the id of what it sent) or not (the row stays parked). */
export type ReplayDecision<A> = { readonly replayed: true; readonly msgId: string; readonly result: A } | { readonly replayed: false; readonly result: A }

export type ReplayThroughResult<A> =
  | { readonly _tag: "Handled"; readonly replayed: boolean; readonly result: A }
  | { readonly _tag: "AlreadyReplayed"; readonly msgId: string }
  | { readonly _tag: "NotFound" }

export interface ParkedMessagesShape {
  readonly record: (input: ParkInput) => Effect.Effect<void, DbError>
  readonly list: (options?: { readonly status?: "parked" | "replayed"; readonly limit?: number }) => Effect.Effect<ReadonlyArray<ParkedEntry>, DbError>
  readonly get: (id: number) => Effect.Effect<ParkedEntry | undefined, DbError>
  /** Publishes the parked payload (or `payload` when given) to its original subject, once. */
  readonly replay: (id: number, payload?: Uint8Array) => Effect.Effect<ReplayResult, DbError | BusError>
  /** Runs `handle` on the parked entry under its row lock (at most one handler per row at a time); marks the row replayed when it says so. */
  readonly replayThrough: <A, E, R>(
    id: number,
    handle: (entry: ParkedEntry) => Effect.Effect<ReplayDecision<A>, E, R>
  ) => Effect.Effect<ReplayThroughResult<A>, DbError | E, R>
}

interface ParkedRow {
  readonly id: string
  readonly reason: string
  readonly detail: string
  readonly subject: string
  readonly payload: Buffer
  readonly headers: Record<string, string>
  readonly domain: string
  readonly stream: string
  readonly consumer: string
  readonly stream_seq: string
  readonly msg_id: string | null
  readonly entity_type: string | null
  readonly entity_key: string | null
  readonly status: "parked" | "replayed"
  readonly parked_at: Date
  readonly replayed_at: Date | null
  readonly replay_msg_id: string | null
}

const toEntry = (row: ParkedRow): ParkedEntry => ({
  id: Number(row.id),
  reason: row.reason,
  detail: row.detail,
  subject: row.subject,
  payload: row.payload.toString("utf8"),
  payloadBase64: row.payload.toString("base64"),
  headers: row.headers,
  domain: row.domain,
  stream: row.stream,
  consumer: row.consumer,
  streamSeq: Number(row.stream_seq),
  msgId: row.msg_id,
  entityType: row.entity_type,
  entityKey: row.entity_key,
  status: row.status,
  parkedAt: row.parked_at.toISOString(),
  replayedAt: row.replayed_at?.toISOString() ?? null,
  replayMsgId: row.replay_msg_id
})

/**
 * Headers a replay carries over: the sender's (ordering, correlation, a command's path, sender and
 * Idempotency-Key), not the server's or the park bookkeeping. A replay with a corrected payload is a new
 * request: its Idempotency-Key gets a `~replay:<id>` suffix (the same key with another body would be refused).
 */
export const replayHeaders = (headers: Readonly<Record<string, string>>, parkedId: number, corrected: boolean): Record<string, string> => {
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith("Nats-") && !Object.values(BusHeaders).includes(name as never)))
  const key = kept[CommandHeaders.idempotencyKey]
  if (corrected && key !== undefined) kept[CommandHeaders.idempotencyKey] = `${key}~replay:${parkedId}`
  return { ...kept, [EngineHeaders.replayOf]: String(parkedId), [EngineHeaders.causationId]: headers[BusHeaders.msgId] ?? "" }
}

export const replayMsgId = (region: string, parkedId: number): string => `${region}:replay:${parkedId}`

const make = (region: string) =>
  Effect.gen(function* () {
    const db = yield* Db
    const publisher = yield* JetStreamPublisher

    const record = (input: ParkInput) =>
      db
        .use("engine.parked.record", (k) =>
          sql`
          INSERT INTO engine_parked (dedupe_key, reason, detail, subject, payload, headers, domain, stream, consumer, stream_seq, msg_id, entity_type, entity_key)
          VALUES (${input.dedupeKey}, ${input.reason}, ${input.detail.slice(0, 4_000)}, ${input.raw.subject}, ${Buffer.from(input.raw.payload)},
            ${JSON.stringify(input.raw.headers)}::jsonb, ${input.raw.domain}, ${input.raw.stream}, ${input.raw.consumer}, ${input.raw.streamSeq},
            ${input.raw.msgId}, ${input.entityType ?? null}, ${input.entityKey ?? null})
          ON CONFLICT (dedupe_key) DO NOTHING`.execute(k)
        )
        .pipe(Effect.asVoid)

    const list = (options: { readonly status?: "parked" | "replayed"; readonly limit?: number } = {}) =>
      db
        .use("engine.parked.list", (k) =>
          sql<ParkedRow>`
          SELECT * FROM engine_parked WHERE (${options.status ?? null}::text IS NULL OR status = ${options.status ?? null})
          ORDER BY id LIMIT ${Math.min(1_000, options.limit ?? 100)}`.execute(k)
        )
        .pipe(Effect.map((r) => r.rows.map(toEntry)))

    const get = (id: number) =>
      db
        .use("engine.parked.get", (k) => sql<ParkedRow>`SELECT * FROM engine_parked WHERE id = ${id}`.execute(k))
        .pipe(Effect.map((r) => (r.rows[0] === undefined ? undefined : toEntry(r.rows[0]))))

    /** One transaction holding the parked row's lock while `use` runs; commits what `use` wrote with the lock's connection. */
    const underRowLock = <A, E, R>(id: number, use: (row: ParkedRow | undefined, tx: Transaction<unknown>) => Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(
        db.use("engine.parked.replay", (k) => k.startTransaction().execute()),
        (tx) =>
          Effect.gen(function* () {
            const rows = yield* db.use("engine.parked.replay", () => sql<ParkedRow>`SELECT * FROM engine_parked WHERE id = ${id} FOR UPDATE`.execute(tx))
            const result = yield* use(rows.rows[0], tx)
            yield* db.use("engine.parked.replay", () => tx.commit().execute())
            return result
          }),
        (tx) =>
          tx.isCommitted
            ? Effect.void
            : Effect.promise(() =>
                tx
                  .rollback()
                  .execute()
                  .catch(() => undefined)
              )
      )

    const markReplayed = (id: number, msgId: string, tx: Transaction<unknown>) =>
      db.use("engine.parked.replay", () =>
        sql`UPDATE engine_parked SET status = 'replayed', replayed_at = now(), replay_msg_id = ${msgId} WHERE id = ${id}`.execute(tx)
      )

    const replay = (id: number, payload?: Uint8Array) =>
      underRowLock(id, (row, tx) =>
        Effect.gen(function* () {
          if (row === undefined) return { _tag: "NotFound" } as const
          if (row.status === "replayed") return { _tag: "AlreadyReplayed", msgId: row.replay_msg_id ?? "" } as const
          const msgId = replayMsgId(region, id)
          yield* publisher.publish(row.subject, payload ?? new Uint8Array(row.payload), {
            msgId,
            headers: replayHeaders(row.headers, id, payload !== undefined),
            ...(row.domain === "" ? {} : { domain: row.domain })
          })
          yield* markReplayed(id, msgId, tx)
          return { _tag: "Replayed", msgId } as const
        })
      )

    const replayThrough = <A, E, R>(id: number, handle: (entry: ParkedEntry) => Effect.Effect<ReplayDecision<A>, E, R>) =>
      underRowLock(id, (row, tx) =>
        Effect.gen(function* () {
          if (row === undefined) return { _tag: "NotFound" } as const
          if (row.status === "replayed") return { _tag: "AlreadyReplayed", msgId: row.replay_msg_id ?? "" } as const
          const decision = yield* handle(toEntry(row))
          if (decision.replayed) yield* markReplayed(id, decision.msgId, tx)
          return { _tag: "Handled", replayed: decision.replayed, result: decision.result } as const
        })
      )

    return ParkedMessages.of({ record, list, get, replay, replayThrough })
  })

export class ParkedMessages extends Context.Service<ParkedMessages, ParkedMessagesShape>()("logimesh/engine/ParkedMessages") {
  /** `region` names the replay msg ids (`<region>:replay:<id>`), globally unique across the mesh. */
  static readonly layer = (region: string): Layer.Layer<ParkedMessages, never, Db | JetStreamPublisher> => Layer.effect(ParkedMessages, make(region))
}
