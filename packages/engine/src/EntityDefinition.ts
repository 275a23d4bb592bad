/**
 * What an entity type is to the engine: a pure decider (`initialState`,
 * `decide`, `evolve`), how to find the key of a command, and the Schema
 * codecs that cross the wire and the database. The engine owns everything
 * else (mailbox, persistence, ordering, outbox).
 *
 * `decide` returns a `Decision`: accepted events (possibly none: "nothing
 * happened", e.g. a replayed duplicate) or a rejection, both as data.
 *
 * Events are stored with the schema version of their type
 * (`engine_event.schema_version`). When an event's shape changes, its type's
 * version goes up and an upcaster lifts each older stored payload one
 * version (decoded with that version's schema first): activation and replay
 * fold only current-version events, so code only ever sees the current one.
 */
import { Schema } from "effect"
import type { Result } from "effect"

/** Events to append, or a domain rejection. Never a throw. */
export type Decision<Event, Rejection> = Result.Result<ReadonlyArray<Event>, Rejection>

export interface Decider<Command, Event, State, Rejection> {
  readonly initialState: State
  readonly decide: (command: Command, state: State) => Decision<Event, Rejection>
  readonly evolve: (state: State, event: Event) => State
}

export interface EntityDefinition<Command, Event, State, Rejection> {
  /** Stored in every engine row (`entity_type`); several entity types share the tables. */
  readonly name: string
  readonly decider: Decider<Command, Event, State, Rejection>
  /** The actor key (e.g. the order id) a command belongs to. */
  readonly keyOf: (command: Command) => string
  /** JSON codecs (Type <-> JSON-safe Encoded). */
  readonly command: Schema.Codec<Command, unknown>
  readonly event: Schema.Codec<Event, unknown>
  readonly state: Schema.Codec<State, unknown>
  readonly rejection: Schema.Codec<Rejection, unknown>
  /** Short type name of an event / rejection for the audit trail (`engine_event.type`). */
  readonly eventType: (event: Event) => string
  readonly rejectionType: (rejection: Rejection) => string
  /** Publish a "rejected" notification through the outbox for each rejection. */
  readonly notifyRejections: boolean
  /** The schema version events of a type are written at (1 unless the history says otherwise). */
  readonly eventVersion: (type: string) => number
  /** A stored payload of `type` written at `version`, lifted to the current version (encoded form). */
  readonly upcastEvent: (type: string, version: number, payload: unknown) => unknown
}

/** One step of a type's history: a payload at `from` (decoded with `schema`) -> the encoded payload at `from + 1`. */
export interface EventUpcaster {
  readonly from: number
  readonly run: (payload: unknown) => unknown
}

export const eventUpcaster = <A>(from: number, schema: Schema.Codec<A, unknown>, up: (old: A) => unknown): EventUpcaster => {
  const decode = Schema.decodeUnknownSync(schema)
  return { from, run: (payload) => up(decode(payload)) }
}

/** Per event type, the upcasters from version 1 up: the current version is their count + 1. */
export type EventHistory = Readonly<Record<string, ReadonlyArray<EventUpcaster>>>

/** `eventVersion` and `upcastEvent` of a history; a history whose steps are not 1, 2, … in order is a programming error. */
export const eventVersioning = (history: EventHistory = {}): Pick<EntityDefinition<unknown, unknown, unknown, unknown>, "eventVersion" | "upcastEvent"> => {
  for (const [type, steps] of Object.entries(history)) {
    steps.forEach((step, i) => {
      if (step.from !== i + 1) throw new Error(`event history of ${type}: step ${i + 1} lifts version ${step.from}, expected ${i + 1}`)
    })
  }
  const eventVersion = (type: string) => (history[type]?.length ?? 0) + 1
  return {
    eventVersion,
    upcastEvent: (type, version, payload) => {
      const current = eventVersion(type)
      if (version > current) throw new Error(`stored ${type} event at version ${version}, newer than this code's ${current}`)
      let lifted = payload
      for (const step of history[type]?.slice(version - 1) ?? []) lifted = step.run(lifted)
      return lifted
    }
  }
}

/**
 * An entity whose events and rejections are `Schema.TaggedClass`es: their
 * `_tag` names them in the audit trail. Rejections are recorded, not
 * notified, unless `notifyRejections` says so.
 */
export const taggedEntity = <Command, Event extends { readonly _tag: string }, State, Rejection extends { readonly _tag: string }>(
  definition: Omit<EntityDefinition<Command, Event, State, Rejection>, "eventType" | "rejectionType" | "notifyRejections" | "eventVersion" | "upcastEvent"> & {
    readonly notifyRejections?: boolean
    /** Upcasters per event `_tag`, for types whose shape changed since they were first stored. */
    readonly eventHistory?: EventHistory
  }
): EntityDefinition<Command, Event, State, Rejection> => {
  const { eventHistory, ...rest } = definition
  return {
    ...rest,
    eventType: (event) => event._tag,
    rejectionType: (rejection) => rejection._tag,
    notifyRejections: definition.notifyRejections ?? false,
    ...eventVersioning(eventHistory)
  }
}
