/**
 * Stream and consumer administration: makes the servers match a
 * `StreamPlan`. Idempotent create-or-update through
 * `jetstreamManager(nc, { domain })`; kept apart from runtime consumption.
 *
 * It never deletes or re-creates anything. A live stream whose retention or
 * storage differs from its definition (or a consumer whose ack/deliver
 * policy differs) is refused with a `DefinitionConflict`: re-creating a
 * sourced stream under the same name loses or duplicates data; an operator
 * has to migrate it deliberately. So is a new
 * `max_msgs` / `max_bytes` below what the live stream holds: nats-server
 * applies a lowered limit by deleting the oldest messages at once, whatever
 * the discard policy. Limits, discard policy and `max_age` are otherwise
 * updated in place.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig
} from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Duration, Effect } from "effect"
import { BadRequest, BusError, classifyBusError, DefinitionConflict } from "./BusError.ts"
import { NatsConnection } from "./NatsConnection.ts"
import { type ConsumerDefinition, consumerProblems, type StreamDefinition, type StreamPlan } from "./StreamDefinitions.ts"
import { definedFields } from "@logimesh/model"

export type ApplyAction = "created" | "updated" | "unchanged"

export interface ApplyResult {
  readonly kind: "stream" | "consumer"
  readonly domain: string | undefined
  /** Stream name, or `<stream>/<consumer>`. */
  readonly name: string
  readonly action: ApplyAction
  /** Fields that differed (for `updated`). */
  readonly changed: ReadonlyArray<string>
}

const ns = (d: Duration.Duration): number => nanos(Duration.toMillis(d))

const sourceKey = (source: { readonly name: string; readonly external?: { readonly api: string } | undefined; readonly filter_subject?: string | undefined }) =>
  `${source.name}@${source.external?.api ?? ""}#${source.filter_subject ?? ""}`

/** The updatable fields we manage, in one comparable shape (live config and definition alike). */
const streamFields = (config: Partial<StreamConfig>) => ({
  description: config.description ?? "",
  subjects: [...(config.subjects ?? [])].sort().join(","),
  sources: (config.sources ?? []).map(sourceKey).sort().join(","),
  max_age: config.max_age ?? 0,
  duplicate_window: config.duplicate_window ?? 0,
  discard: config.discard ?? DiscardPolicy.Old,
  max_msgs_per_subject: config.max_msgs_per_subject ?? -1,
  max_msgs: config.max_msgs ?? -1,
  max_bytes: config.max_bytes ?? -1
})

const consumerFields = (config: Partial<ConsumerConfig>) => ({
  description: config.description ?? "",
  filter_subject: config.filter_subject ?? "",
  ack_wait: config.ack_wait ?? 0,
  max_deliver: config.max_deliver ?? -1,
  max_ack_pending: config.max_ack_pending ?? -1,
  backoff: (config.backoff ?? []).join(",")
})

const changedFields = <A extends Record<string, string | number>>(live: A, wanted: A): ReadonlyArray<string> =>
  Object.keys(wanted).filter((key) => live[key] !== wanted[key])

export const streamConfigOf = (definition: StreamDefinition) => ({
  name: definition.name,
  description: definition.description,
  subjects: [...definition.subjects],
  sources: definition.sources.map((source) => ({
    name: source.name,
    external: { api: `$JS.${source.domain}.API` },
    ...definedFields({ filter_subject: source.filterSubject })
  })),
  retention: RetentionPolicy.Limits,
  storage: definition.storage === "file" ? StorageType.File : StorageType.Memory,
  discard: definition.discard === "old" ? DiscardPolicy.Old : DiscardPolicy.New,
  max_age: ns(definition.maxAge),
  duplicate_window: ns(definition.duplicateWindow),
  max_msgs_per_subject: definition.maxMsgsPerSubject,
  max_msgs: definition.maxMsgs,
  max_bytes: definition.maxBytes
})

export const consumerConfigOf = (definition: ConsumerDefinition) => ({
  durable_name: definition.name,
  description: definition.description,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ...definedFields({ filter_subject: definition.filterSubject }),
  // The server uses backoff[0] as the ack wait when a backoff list is set.
  ack_wait: ns(definition.backoff[0] ?? definition.ackWait),
  max_deliver: definition.maxDeliver,
  max_ack_pending: definition.maxAckPending,
  backoff: definition.backoff.map(ns)
})

/** Why the new limits would delete stored messages at once (nats-server enforces a lowered limit on update). */
const shrinkProblem = (
  state: { readonly messages: number; readonly bytes: number },
  wanted: { readonly max_msgs: number; readonly max_bytes: number }
): string | undefined => {
  if (wanted.max_msgs > 0 && state.messages > wanted.max_msgs) {
    return (
      `live stream holds ${state.messages} messages, definition wants max_msgs=${wanted.max_msgs}: ` +
      "the server would delete the oldest at once; raise the limit or let the messages age out first"
    )
  }
  if (wanted.max_bytes > 0 && state.bytes > wanted.max_bytes) {
    return (
      `live stream holds ${state.bytes} bytes, definition wants max_bytes=${wanted.max_bytes}: ` +
      "the server would delete the oldest at once; raise the limit or let the messages age out first"
    )
  }
  return undefined
}

const conflict = (operation: string, message: string) => new BusError({ operation, reason: new DefinitionConflict({ message }) })

const call = <A>(operation: string, run: () => Promise<A>) => Effect.tryPromise({ try: run, catch: (cause) => classifyBusError(operation, cause) })

/** `undefined` when the thing does not exist yet; other failures stay failures. */
const infoOrMissing = <A>(operation: string, run: () => Promise<A>) =>
  call(operation, run).pipe(
    Effect.catchIf(
      (error) => error.reason._tag === "StreamNotFound" || error.reason._tag === "ConsumerNotFound",
      () => Effect.succeed(undefined)
    )
  )

const applyStream = (jsm: JetStreamManager, definition: StreamDefinition) =>
  Effect.gen(function* () {
    const operation = `applyStreams ${definition.domain ?? "(local)"}/${definition.name}`
    const wanted = streamConfigOf(definition)
    const result = (action: ApplyAction, changed: ReadonlyArray<string>): ApplyResult => ({
      kind: "stream",
      domain: definition.domain,
      name: definition.name,
      action,
      changed
    })
    const live = yield* infoOrMissing(operation, () => jsm.streams.info(definition.name))
    if (live === undefined) {
      yield* call(operation, () => jsm.streams.add(wanted))
      return result("created", [])
    }
    if (live.config.retention !== wanted.retention || live.config.storage !== wanted.storage) {
      return yield* conflict(
        operation,
        `live stream has retention=${live.config.retention} storage=${live.config.storage}, definition wants ` +
          `retention=${wanted.retention} storage=${wanted.storage}; refusing to re-create it (migrate it deliberately)`
      )
    }
    const changed = changedFields(streamFields(live.config), streamFields(wanted))
    if (changed.length === 0) return result("unchanged", [])
    const shrink = shrinkProblem(live.state, wanted)
    if (shrink !== undefined) return yield* conflict(operation, shrink)
    const { name: _name, retention: _retention, storage: _storage, ...update } = wanted
    yield* call(operation, () => jsm.streams.update(definition.name, { ...live.config, ...update }))
    return result("updated", changed)
  })

const applyConsumer = (jsm: JetStreamManager, definition: ConsumerDefinition) =>
  Effect.gen(function* () {
    const label = `${definition.stream}/${definition.name}`
    const operation = `applyStreams ${definition.domain ?? "(local)"}/${label}`
    const problems = consumerProblems(definition)
    if (problems.length > 0) {
      return yield* new BusError({ operation, reason: new BadRequest({ message: problems.join("; ") }) })
    }
    const wanted = consumerConfigOf(definition)
    const result = (action: ApplyAction, changed: ReadonlyArray<string>): ApplyResult => ({
      kind: "consumer",
      domain: definition.domain,
      name: label,
      action,
      changed
    })
    const live = yield* infoOrMissing(operation, () => jsm.consumers.info(definition.stream, definition.name))
    if (live === undefined) {
      yield* call(operation, () => jsm.consumers.add(definition.stream, wanted))
      return result("created", [])
    }
    if (live.config.ack_policy !== wanted.ack_policy || live.config.deliver_policy !== wanted.deliver_policy) {
      return yield* conflict(
        operation,
        `live consumer has ack_policy=${live.config.ack_policy} deliver_policy=${live.config.deliver_policy}; ` + "refusing to re-create it"
      )
    }
    const changed = changedFields(consumerFields(live.config), consumerFields(wanted))
    if (changed.length === 0) return result("unchanged", [])
    const { durable_name: _durable, ack_policy: _ack, deliver_policy: _deliver, ...update } = wanted
    yield* call(operation, () => jsm.consumers.update(definition.stream, definition.name, update))
    return result("updated", changed)
  })

/** Applies every stream, then every consumer, domain by domain. Fails on the first error. */
export const applyStreams = (plan: StreamPlan): Effect.Effect<ReadonlyArray<ApplyResult>, BusError, NatsConnection> =>
  Effect.gen(function* () {
    const nats = yield* NatsConnection
    const managers = new Map<string, JetStreamManager>()
    const managerFor = (domain: string | undefined) =>
      Effect.gen(function* () {
        const existing = managers.get(domain ?? "")
        if (existing !== undefined) return existing
        const created = yield* nats.jetstreamManager(domain)
        managers.set(domain ?? "", created)
        return created
      })
    const results: Array<ApplyResult> = []
    for (const stream of plan.streams) {
      results.push(yield* applyStream(yield* managerFor(stream.domain), stream))
    }
    for (const consumer of plan.consumers) {
      results.push(yield* applyConsumer(yield* managerFor(consumer.domain), consumer))
    }
    return results
  })
