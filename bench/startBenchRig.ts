/**
 * What the engine benchmark and its checker tests run against: the engine
 * tests' fixture (a private nats-server and database, input / output / DLQ
 * streams and the engine's durable consumer under random names), an
 * in-process engine of the running-total entity (its faults given from
 * code), and the read-back the checker needs.
 *
 * Final states are read through the engine's own `loadEntities` (snapshot +
 * later events, as an actor activates); committed effects the relay has not
 * published yet (`unsentOutbox`, which tells when a run has settled) through
 * `EngineQueries`.
 *
 * The nats-server is authenticated unless `auth: false`: the fixture's NKey
 * user, allowed only the run's input / output / DLQ subjects, the JetStream
 * API, acks and the raw limits' scratch subjects (`rawPublishSubjects`);
 * the engine, the observer and the raw limits log in as it
 * (`natsCredentials`). `startBaseline` starts an anonymous server beside it
 * with a copy of the input stream, for what authentication costs.
 */
import { jetstream } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { type Duration, Layer, ManagedRuntime, Redacted, Result } from "effect"
import { applyStreams, JetStreamPublisher, NatsConnection, natsAuthOptions, type OutgoingMessage } from "@logimesh/bus"
import { Db } from "@logimesh/db"
import {
  type CommittedOutboxRow,
  EngineHeaders,
  engineQueries,
  FaultInjector,
  type GroupCommitOptions,
  loadEntities,
  makeEngine,
  type RunningEngine
} from "@logimesh/engine"
import { startTestNats } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"
import { outputSubject, startEngineFixture } from "@logimesh/engine/harness"
import type { ObservedOutput } from "./checkEffects.ts"
import type { OrderTotalState } from "./OrderTotalDecider.ts"
import { type MessageSample, type RawBaseline, rawPublishSubjects } from "./rawLimits.ts"
import { orderTotalEntity } from "./orderTotalEntity.ts"
import { definedFields } from "@logimesh/model"

export interface BenchRigOptions {
  /** Names the server's store dir and the database. */
  readonly label: string
  /** The engine consumer's `ack_wait`. */
  readonly ackWait: Duration.Duration
  readonly maxAckPending: number
  /** Default 10. */
  readonly maxDeliver?: number
  /** Authenticate the nats-server; default true. */
  readonly auth?: boolean
}

export interface BenchEngineOptions {
  readonly concurrency: number
  readonly maxResident?: number
  readonly groupCommit: GroupCommitOptions
  /** `FaultInjector` points as `point:probability,...` ("" = none); unsafe points allowed (from code). */
  readonly faults: string
  /** Nak delay of a failed step; default the engine's. */
  readonly retryDelay?: Duration.Duration
  /** Rows the relay's stream acked (end-to-end latency). */
  readonly onAcked?: (rows: ReadonlyArray<CommittedOutboxRow>) => void
}

const textDecoder = new TextDecoder()

export const startBenchRig = async (options: BenchRigOptions) => {
  const fixture = await startEngineFixture({
    label: options.label,
    ackWait: options.ackWait,
    maxAckPending: options.maxAckPending,
    ...definedFields({ maxDeliver: options.maxDeliver }),
    auth: options.auth ?? true,
    extraPublish: rawPublishSubjects
  })
  const { names, runtime } = fixture
  const credentials = fixture.nats.credentials
  const nc = await connect({ servers: fixture.nats.url, name: `${options.label}-observer`, ...natsAuthOptions(credentials) })
  const engines: Array<RunningEngine> = []

  const startEngine = async (engine: BenchEngineOptions): Promise<RunningEngine> => {
    const running = await makeEngine({
      entity: orderTotalEntity,
      region: "bench",
      input: { stream: names.stream, consumer: names.consumer, deadLetterSubject: names.deadLetterSubject },
      outputSubject: () => outputSubject(names.token, "effects"),
      db: Db.layerFrom({ url: Redacted.make(fixture.database.url), maxConnections: 8 }),
      nats: NatsConnection.layerFrom({ url: fixture.nats.url, name: `${options.label}-engine`, credentials }),
      faults: FaultInjector.from(engine.faults),
      concurrency: engine.concurrency,
      maxResident: engine.maxResident ?? 20_000,
      groupCommit: engine.groupCommit,
      ...(engine.retryDelay === undefined ? {} : { retryDelay: () => engine.retryDelay! }),
      ...(engine.onAcked === undefined ? {} : { relay: { onAcked: engine.onAcked } })
    })
    engines.push(running)
    return running
  }

  /** Another durable consumer on the input stream, configured like the engine's (the raw consume limit). */
  const addConsumer = (name: string): Promise<void> =>
    runtime.runPromise(applyStreams({ streams: [], consumers: [{ ...fixture.consumer, name }] })).then(() => undefined)

  const outputCount = () => fixture.streamMessages(names.outStream)

  /** Committed effects not yet published. */
  const unsentOutbox = (): Promise<number> => runtime.runPromise(Db.use((db) => db.use("bench.unsentOutbox", (k) => engineQueries(k).unsentOutboxCount())))

  /** Every input acked (none pending, none awaiting its ack or a nak's redelivery) and every committed effect published. */
  const waitSettled = (timeoutMs: number) =>
    waitFor(
      "engine settled",
      async () => {
        const info = await fixture.consumerInfo()
        if (info.num_pending > 0 || info.num_ack_pending > 0) return undefined
        return (await unsentOutbox()) === 0 ? true : undefined
      },
      { timeoutMs, intervalMs: 100 }
    )

  /** Every message of the output stream (ordered consumer), and the first one as it is (the raw limits' sample). */
  const readOutputs = async (): Promise<{ readonly outputs: ReadonlyArray<ObservedOutput>; readonly sample: MessageSample | undefined }> => {
    const total = await outputCount()
    const outputs: Array<ObservedOutput> = []
    let sample: MessageSample | undefined
    if (total === 0) return { outputs, sample }
    const reader = await jetstream(nc).consumers.get(names.outStream)
    const messages = await reader.consume()
    for await (const m of messages) {
      if (sample === undefined) {
        const headers: Record<string, string> = {}
        for (const key of m.headers?.keys() ?? []) headers[key] = m.headers?.get(key) ?? ""
        sample = { subject: m.subject, payload: m.data, headers }
      }
      outputs.push({
        key: m.headers?.get(EngineHeaders.entityKey) ?? "",
        seq: Number(m.headers?.get(EngineHeaders.eventSeq)),
        payload: textDecoder.decode(m.data)
      })
      if (outputs.length >= total) break
    }
    await messages.close()
    return { outputs, sample }
  }

  /** Final states of `keys`, as the engine loads them (a key without a row: the initial state). */
  const readStates = async (keys: ReadonlyArray<string>): Promise<ReadonlyMap<string, OrderTotalState>> => {
    const states = new Map<string, OrderTotalState>()
    for (let i = 0; i < keys.length; i += 2_000) {
      const loaded = await runtime.runPromise(loadEntities(orderTotalEntity, keys.slice(i, i + 2_000)))
      for (const [key, result] of loaded) {
        if (Result.isFailure(result)) throw new Error(`state of ${key} does not load: ${String(result.failure)}`)
        states.set(key, result.success.state)
      }
    }
    return states
  }

  const baselines: Array<() => Promise<void>> = []

  /**
   * An anonymous nats-server beside the rig's, holding the engine's input stream (same definition) with
   * `inputs` published to it in order: the raw limits measured there are the baseline of what
   * authentication costs. Stopped with the rig.
   */
  const startBaseline = async (inputs: ReadonlyArray<OutgoingMessage>): Promise<RawBaseline> => {
    const nats = await startTestNats(`${options.label}-anonymous`)
    const baseline = ManagedRuntime.make(
      JetStreamPublisher.layer.pipe(Layer.provideMerge(NatsConnection.layerFrom({ url: nats.url, name: `${options.label}-anonymous` })))
    )
    baselines.push(async () => {
      await baseline.dispose()
      await nats.stop()
    })
    await baseline.runPromise(applyStreams({ streams: [fixture.inputStream], consumers: [] }))
    for (let start = 0; start < inputs.length; start += 5_000) {
      await baseline.runPromise(JetStreamPublisher.use((p) => p.publishAll(inputs.slice(start, start + 5_000))))
    }
    return {
      url: nats.url,
      inputStream: names.stream,
      createConsumer: (name) => baseline.runPromise(applyStreams({ streams: [], consumers: [{ ...fixture.consumer, name }] })).then(() => undefined)
    }
  }

  const stop = async () => {
    for (const engine of engines) await engine.stop().catch(() => undefined)
    await nc.close()
    for (const stopBaseline of baselines) await stopBaseline()
    await fixture.stop()
  }

  return {
    natsUrl: fixture.nats.url,
    /** The server's user (undefined with `auth: false`). */
    natsCredentials: credentials,
    startBaseline,
    names,
    publish: fixture.publish,
    consumerInfo: fixture.consumerInfo,
    startEngine,
    addConsumer,
    outputCount,
    unsentOutbox,
    waitSettled,
    readOutputs,
    readStates,
    stop
  }
}

export type BenchRig = Awaited<ReturnType<typeof startBenchRig>>
