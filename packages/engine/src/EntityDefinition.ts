/**
 * What an entity type is to the engine: a pure decider (`initialState`,
 * `decide`, `evolve`), how to find the key of a command, and the Schema
 * codecs that cross the wire and the database. The engine owns everything
 * else (mailbox, persistence, ordering, outbox).
 *
 * `decide` returns a `Decision`: accepted events (possibly none: "nothing
 * happened", e.g. a replayed duplicate) or a rejection, both as data.
 */
import type { Result, Schema } from "effect"

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
}

/**
 * An entity whose events and rejections are `Schema.TaggedClass`es: their
 * `_tag` names them in the audit trail. Rejections are recorded, not
 * notified, unless `notifyRejections` says so.
 */
export const taggedEntity = <Command, Event extends { readonly _tag: string }, State, Rejection extends { readonly _tag: string }>(
  definition: Omit<EntityDefinition<Command, Event, State, Rejection>, "eventType" | "rejectionType" | "notifyRejections"> & {
    readonly notifyRejections?: boolean
  }
): EntityDefinition<Command, Event, State, Rejection> => ({
  ...definition,
  eventType: (event) => event._tag,
  rejectionType: (rejection) => rejection._tag,
  notifyRejections: definition.notifyRejections ?? false
})
