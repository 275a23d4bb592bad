/**
 * One event type with its schema history: the current version's schema,
 * and an upcaster chain that lifts data written at any older version to the
 * current one (v1 -> v2 -> … -> current), step by step. Each step first
 * decodes the data with the schema of ITS version (so a broken v1 payload is
 * reported against v1's fields), then maps it to the next version's encoded
 * shape. Code only ever sees the current version.
 *
 * Writers always write the current version; readers accept every version
 * from 1 to current. A version newer than the reader knows is refused (the
 * message parks until the reader is deployed), never guessed.
 */
import { Effect, Schema } from "effect"
import { decodeAtEdge } from "./decodeAtEdge.ts"
import { Envelope } from "./Envelope.ts"
import { invalidMessage, InvalidMessage, MessageIssue, messageIssuesOf } from "./InvalidMessage.ts"

/** One step of the chain: data at `version` -> data (encoded) at `version + 1`. */
export interface Upcaster {
  readonly version: number
  readonly run: (data: unknown) => Effect.Effect<unknown, InvalidMessage>
}

/** Declares how data written at `version` becomes `version + 1`, validated against `schema` first. */
export const upcaster = <S extends Schema.Decoder<unknown>>(
  version: number,
  schema: S,
  up: (old: S["Type"]) => unknown
): Upcaster => ({
  version,
  run: (data) => decodeAtEdge(schema, { name: `v${version}` })(data).pipe(Effect.map(up))
})

export interface EventDefinition<S extends Schema.Codec<unknown, unknown>> {
  /** CloudEvents `type`. */
  readonly type: string
  /** The version writers write and readers decode to. */
  readonly version: number
  readonly schema: S
  /** One upcaster per older version, 1 .. version-1. */
  readonly upcasters: ReadonlyArray<Upcaster>
}

export const defineEvent = <S extends Schema.Codec<unknown, unknown>>(definition: EventDefinition<S>): EventDefinition<S> => {
  const versions = definition.upcasters.map((u) => u.version)
  const expected = Array.from({ length: definition.version - 1 }, (_, i) => i + 1)
  if (versions.join(",") !== expected.join(",")) {
    throw new Error(`${definition.type}: upcasters must cover versions ${expected.join(",") || "(none)"} in order, got ${versions.join(",") || "(none)"}`)
  }
  return definition
}

/** Lifts `data` written at `fromVersion` to the definition's current version (still encoded). */
export const upcast = <S extends Schema.Codec<unknown, unknown>>(
  definition: EventDefinition<S>,
  fromVersion: number,
  data: unknown
): Effect.Effect<unknown, InvalidMessage> =>
  Effect.gen(function*() {
    if (!Number.isInteger(fromVersion) || fromVersion < 1 || fromVersion > definition.version) {
      return yield* invalidMessage(
        `${definition.type} v${fromVersion}`,
        data,
        "schemaversion",
        `this reader knows versions 1..${definition.version} of ${definition.type}`
      )
    }
    let current = data
    for (const step of definition.upcasters.slice(fromVersion - 1)) {
      current = yield* step.run(current).pipe(Effect.mapError((error) => relabel(error, `${definition.type} v${step.version}`, data)))
    }
    return current
  })

const relabel = (error: InvalidMessage, schema: string, raw: unknown) =>
  new InvalidMessage({ schema, raw, issues: error.issues.map((i) => new MessageIssue({ path: i.path === "" ? "data" : `data.${i.path}`, message: i.message })) })

/** An envelope whose data was upcast and decoded to the current version. */
export interface DecodedEvent<A> {
  readonly envelope: Envelope
  readonly event: A
}

/**
 * Reads an envelope of this type at any known version: checks `type`,
 * upcasts `data` from `schemaversion`, decodes it with the current schema.
 */
export const decodeEvent = <S extends Schema.Codec<unknown, unknown>>(definition: EventDefinition<S>) => {
  const decodeCurrent = Schema.decodeUnknownEffect(definition.schema)
  return (envelope: Envelope): Effect.Effect<DecodedEvent<S["Type"]>, InvalidMessage> =>
    Effect.gen(function*() {
      if (envelope.type !== definition.type) {
        return yield* invalidMessage(definition.type, envelope, "type", `expected ${definition.type}, got ${envelope.type}`)
      }
      const lifted = yield* upcast(definition, envelope.schemaversion, envelope.data).pipe(
        Effect.mapError((error) => new InvalidMessage({ schema: error.schema, raw: envelope, issues: error.issues }))
      )
      const event = yield* decodeCurrent(lifted, { errors: "all" }).pipe(
        Effect.mapError((error) =>
          new InvalidMessage({
            schema: `${definition.type} v${definition.version}`,
            raw: envelope,
            issues: messageIssuesOf(error.issue, ["data"])
          })
        )
      )
      return { envelope, event }
    })
}

/** Encodes an event at the current version as an envelope's `data` and `schemaversion`. */
export const eventData = <S extends Schema.Codec<unknown, unknown>>(definition: EventDefinition<S>, event: S["Type"]) => ({
  type: definition.type,
  schemaversion: definition.version,
  data: Schema.encodeUnknownSync(definition.schema)(event)
})
