/**
 * The keyed actor runtime: one actor per entity key (e.g. an order id).
 *
 * Key: `EntityDefinition.keyOf(command)`. Invariants:
 *   - steps of one key run strictly one after another (a per-key lock held through the commit);
 *     keys run concurrently, and their steps meet in the group committer;
 *   - an actor's in-memory state is only a cache of the committed row: it is (re)loaded from Postgres
 *     on activation, after a version conflict (another process wrote the key) and after a duplicate;
 *   - per source, inputs apply in `Logimesh-Source-Seq` order: an early arrival is held (persisted in
 *     the same kind of step, under the entity version check) and applied when the gap fills; a seq at
 *     or below the last applied one is a late duplicate and changes nothing.
 *
 * Bounded memory: at most `maxResident` actors stay in memory (least recently used idle ones are
 * evicted first), and actors idle longer than `idleAfter` are passivated. How many inputs wait in
 * mailboxes is bounded by the caller (the consumer's in-flight limit).
 */
import { Clock, Duration, Effect, Result, Schema, Semaphore, type Scope } from "effect"
import { type Db, DbError, SerializationFailure } from "@logimesh/db"
import { EngineHeaders } from "./EngineHeaders.ts"
import type { AuditRow, EngineStep, OutboxRow, RawInput, SourcePosition, StepResult } from "./EngineStep.ts"
import type { EntityDefinition } from "./EntityDefinition.ts"
import type { GroupCommitter } from "./GroupCommitter.ts"
import { makeEntityLoader } from "./EntityLoader.ts"
import type { HeldInput } from "./loadEntity.ts"

export interface EngineInput<Command> {
  readonly key: string
  readonly command: Command
  readonly position: SourcePosition | undefined
  readonly raw: RawInput
}

/** What became of one input. */
export type InputOutcome = "applied" | "rejected" | "duplicate" | "held"

/**
 * A further message an event causes (a command to another entity, a message
 * to an outside system), written to the outbox in the event's transaction.
 * `payload` is JSON-safe (already encoded).
 */
export interface EffectMessage {
  readonly subject: string
  readonly payload: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export interface ActorOptions<Event = unknown, State = unknown> {
  readonly maxResident?: number
  readonly idleAfter?: Duration.Input
  /** Outbox subject of an effect of `key`. */
  readonly outputSubject: (key: string, kind: "event" | "rejection", type: string) => string
  /** Further messages each committed event causes (pure; `state` is the state after the event). */
  readonly effects?: (key: string, event: Event, state: State) => ReadonlyArray<EffectMessage>
  /** Only with the fault point `unsafe-apply-duplicates` (checker tests): true = apply this duplicate again. */
  readonly applyDuplicate?: () => boolean
}

export interface EntityActors<Command> {
  readonly process: (input: EngineInput<Command>) => Effect.Effect<InputOutcome, DbError, Db>
  readonly resident: Effect.Effect<number>
}

interface Live<State> {
  state: State
  version: number
  eventSeq: number
  sources: Record<string, number>
  readonly held: Map<string, HeldInput>
}

interface Actor<State> {
  live: Live<State> | undefined
  users: number
  lastUsed: number
  readonly lock: Semaphore.Semaphore
}

const heldKey = (position: SourcePosition) => `${position.source}\u0000${position.seq}`
const maxConflictRetries = 5
const textEncoder = new TextEncoder()

export const makeEntityActors = <C, E, S, R>(
  entity: EntityDefinition<C, E, S, R>,
  committer: GroupCommitter,
  options: ActorOptions<E, S>
): Effect.Effect<EntityActors<C>, never, Db | Scope.Scope> =>
  Effect.gen(function* () {
    const maxResident = Math.max(1, options.maxResident ?? 10_000)
    const idleAfter = Duration.toMillis(Duration.fromInputUnsafe(options.idleAfter ?? Duration.minutes(5)))
    const actors = new Map<string, Actor<S>>()
    const encodeEvent = Schema.encodeSync(entity.event)
    const encodeRejection = Schema.encodeSync(entity.rejection)
    const encodeState = Schema.encodeSync(entity.state)
    const decodeCommand = Schema.decodeUnknownSync(entity.command)
    const clock = yield* Clock.Clock

    const evict = (now: number) => {
      // Map iteration order is insertion order; `acquire` re-inserts on use, so the first entries are the least recently used.
      for (const [key, actor] of actors) {
        if (actors.size <= maxResident && now - actor.lastUsed < idleAfter) break
        if (actor.users === 0 && (actors.size > maxResident || now - actor.lastUsed >= idleAfter)) actors.delete(key)
      }
    }

    const acquire = (key: string): Actor<S> => {
      const existing = actors.get(key)
      const actor = existing ?? { live: undefined, users: 0, lastUsed: 0, lock: Semaphore.makeUnsafe(1) }
      if (existing !== undefined) actors.delete(key)
      actors.set(key, actor)
      actor.users += 1
      return actor
    }

    const loader = yield* makeEntityLoader(entity)
    const load = (key: string) =>
      Effect.map(
        loader.load(key),
        (loaded): Live<S> => ({
          state: loaded.state,
          version: loaded.version,
          eventSeq: loaded.eventSeq,
          sources: { ...loaded.sources },
          held: new Map(loaded.held.map((h) => [heldKey(h), h]))
        })
      )

    const outboxRow = (key: string, kind: "event" | "rejection", type: string, seq: number, payload: string, raw: RawInput): OutboxRow => ({
      subject: options.outputSubject(key, kind, type),
      payload: textEncoder.encode(payload),
      headers: {
        [EngineHeaders.entityType]: entity.name,
        [EngineHeaders.entityKey]: key,
        [EngineHeaders.eventSeq]: String(seq),
        [EngineHeaders.kind]: kind,
        [EngineHeaders.type]: type,
        [EngineHeaders.causationId]: raw.msgId
      }
    })

    /** Decide, build the step, commit it; on commit the live state moves forward. */
    const apply = (
      key: string,
      live: Live<S>,
      command: C,
      raw: RawInput,
      position: SourcePosition | undefined,
      fromHeld: boolean
    ): Effect.Effect<{ readonly result: StepResult; readonly rejected: boolean }, DbError> =>
      Effect.suspend(() => {
        const decision = entity.decider.decide(command, live.state)
        let state = live.state
        const audit: Array<AuditRow> = []
        const outbox: Array<OutboxRow> = []
        if (Result.isSuccess(decision)) {
          for (const event of decision.success) {
            state = entity.decider.evolve(state, event)
            const seq = live.eventSeq + audit.length + 1
            const type = entity.eventType(event)
            const payload = JSON.stringify(encodeEvent(event))
            audit.push({ seq, kind: "event", type, version: entity.eventVersion(type), payload })
            outbox.push(outboxRow(key, "event", type, seq, payload, raw))
            if (options.effects !== undefined) {
              for (const effect of options.effects(key, event, state)) {
                const row = outboxRow(key, "event", type, seq, JSON.stringify(effect.payload), raw)
                outbox.push({ ...row, subject: effect.subject, headers: { ...row.headers, ...effect.headers } })
              }
            }
          }
        } else {
          const seq = live.eventSeq + 1
          const type = entity.rejectionType(decision.failure)
          const payload = JSON.stringify(encodeRejection(decision.failure))
          audit.push({ seq, kind: "rejection", type, version: 1, payload })
          if (entity.notifyRejections) outbox.push(outboxRow(key, "rejection", type, seq, payload, raw))
        }
        const sources = position === undefined ? live.sources : { ...live.sources, [position.source]: position.seq }
        const eventSeq = live.eventSeq + audit.length
        const step: EngineStep = {
          key,
          expectedVersion: live.version,
          applied: { raw, position },
          audit,
          eventSeq,
          snapshot: { state: JSON.stringify(encodeState(state)), seq: eventSeq },
          sources: JSON.stringify(sources),
          outbox,
          hold: undefined,
          release: fromHeld ? position : undefined
        }
        const rejected = Result.isFailure(decision)
        return Effect.map(committer.commit(step), (result) => {
          if (result === "committed") {
            live.state = state
            live.version += 1
            live.eventSeq = eventSeq
            live.sources = sources
            if (fromHeld && position !== undefined) live.held.delete(heldKey(position))
          }
          return { result, rejected }
        })
      })

    const hold = (key: string, live: Live<S>, raw: RawInput, position: SourcePosition) =>
      Effect.gen(function* () {
        const result = yield* committer.commit({
          key,
          expectedVersion: live.version,
          applied: undefined,
          audit: [],
          eventSeq: live.eventSeq,
          snapshot: undefined,
          sources: JSON.stringify(live.sources),
          outbox: [],
          hold: { raw, position },
          release: undefined
        })
        if (result === "committed") {
          live.version += 1
          live.held.set(heldKey(position), { ...position, raw })
        }
        return result
      })

    /** Applies held inputs whose turn has come. `false` = the live state is stale (reload). */
    const drainHeld = (key: string, live: Live<S>): Effect.Effect<boolean, DbError> =>
      Effect.gen(function* () {
        let progressed = true
        while (progressed && live.held.size > 0) {
          progressed = false
          for (const held of [...live.held.values()]) {
            const next = (live.sources[held.source] ?? 0) + 1
            if (held.seq < next) continue // applied already under another id; the hold sweeper removes it
            if (held.seq !== next) continue
            const command = yield* Effect.try({ try: () => decodeCommand(JSON.parse(new TextDecoder().decode(held.raw.payload))), catch: (e) => e }).pipe(
              Effect.option
            )
            if (command._tag === "None") continue // cannot happen for what we decoded before holding; left to the hold sweeper
            const outcome = yield* apply(key, live, command.value, held.raw, held, true).pipe(
              // A decider that throws on a held input leaves it held (the sweeper parks it on timeout).
              Effect.catchDefect((defect) =>
                Effect.logError("held input failed; left held").pipe(
                  Effect.annotateLogs({ key, source: held.source, seq: held.seq, defect: String(defect) }),
                  Effect.as(undefined)
                )
              )
            )
            if (outcome === undefined) continue
            if (outcome.result !== "committed") return false
            progressed = true
          }
        }
        return true
      })

    const attempt = (key: string, live: Live<S>, input: EngineInput<C>) =>
      Effect.gen(function* () {
        // Most steps find nothing held: no drain effect at all then.
        if (live.held.size > 0 && !(yield* drainHeld(key, live))) return "stale" as const
        let position = input.position
        if (position !== undefined) {
          const last = live.sources[position.source] ?? 0
          if (position.seq <= last) {
            if (options.applyDuplicate?.() !== true) return "duplicate" as const
            // Broken on purpose (`unsafe-apply-duplicates`): applied again, the source's position left where it is.
            position = undefined
          } else if (position.seq > last + 1) {
            if (live.held.has(heldKey(position))) return "duplicate" as const
            const result = yield* hold(key, live, input.raw, position)
            return result === "committed" ? ("held" as const) : ("stale" as const)
          }
        }
        const { result, rejected } = yield* apply(key, live, input.command, input.raw, position, false)
        if (result === "duplicate") return "stale-duplicate" as const
        if (result === "conflict") return "stale" as const
        if (live.held.size > 0 && !(yield* drainHeld(key, live))) return rejected ? ("rejected-stale" as const) : ("applied-stale" as const)
        return rejected ? ("rejected" as const) : ("applied" as const)
      })

    const process = (input: EngineInput<C>): Effect.Effect<InputOutcome, DbError, Db> =>
      Effect.suspend(() => {
        const actor = acquire(input.key)
        return actor.lock
          .withPermit(
            Effect.gen(function* () {
              for (let i = 0; i < maxConflictRetries; i++) {
                const live = actor.live ?? (yield* load(input.key))
                actor.live = live
                const outcome = yield* attempt(input.key, live, input)
                switch (outcome) {
                  case "stale":
                    actor.live = undefined
                    continue
                  case "stale-duplicate":
                    actor.live = undefined
                    return "duplicate"
                  case "applied-stale":
                  case "rejected-stale":
                    actor.live = undefined
                    return outcome === "applied-stale" ? "applied" : "rejected"
                  default:
                    return outcome
                }
              }
              return yield* new DbError({
                operation: `engine.${entity.name}.step ${input.key}`,
                reason: new SerializationFailure({ message: `entity version kept moving (${maxConflictRetries} attempts)` })
              })
            })
          )
          .pipe(
            Effect.onExit((exit) =>
              Effect.sync(() => {
                const now = clock.currentTimeMillisUnsafe()
                actor.users -= 1
                actor.lastUsed = now
                // A failed step may have left the cache ahead of or behind the row: reload next time.
                if (exit._tag === "Failure") actor.live = undefined
                // The resident cap holds after every step; idle passivation is the periodic sweep's job.
                if (actors.size > maxResident) evict(now)
              })
            )
          )
      })

    // Passivation of idle actors.
    yield* Effect.forkScoped(
      Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => evict(now))).pipe(
        Effect.andThen(Effect.sleep(Duration.millis(Math.max(100, Math.min(idleAfter / 2, 30_000))))),
        Effect.forever
      )
    )

    return { process, resident: Effect.sync(() => actors.size) }
  })
