/**
 * The raw limits of this machine for what one engine step does, measured in
 * the same run as the engine so its rate can be reported as ratios. Each is
 * the median of `rounds` runs, on the engine's own messages and statements:
 *
 *   - publish, batch path: the project's `makeBatchPublisher` (what the outbox
 *     relay and the preload use), batches of the relay's size published one
 *     after another with the whole batch in flight, each message with a
 *     `Nats-Msg-Id` and its ack checked;
 *   - publish, client path: the client's `js.publish` per message (a window of
 *     acks in flight), same messages;
 *     both publish copies of a real output of the engine (subject, payload and
 *     headers), to a fresh stream;
 *   - consume + ack: a fresh durable pull consumer on the engine's input
 *     stream (its real inputs), configured like the engine's, pulling with the
 *     engine's prefetch; every message acked; the clock stops when the ack
 *     floor has reached the last message;
 *   - Postgres: the engine's group committer (`makeGroupCommitter`: the
 *     engine's statements, `maxBatch`, `committers`) on a scratch database,
 *     fed by as many concurrent keys as the engine's concurrency, each step
 *     the rows a step of the benchmark writes: the entity row upsert (with
 *     its snapshot), one inbox row, one event row, one outbox row;
 *   - Postgres single-row commits on one connection (the older reference).
 *
 * `combinedLimit` puts them together per event (see bench/results/README.md).
 *
 * Every connection logs in with `credentials` when the server is
 * authenticated. Given a `baseline` (an anonymous server beside it holding a
 * copy of the input stream), the batch publish and the consume + ack are
 * also measured there, in rounds alternating with the authenticated ones, so
 * their ratio is what authentication costs on the message path.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, headers as makeHeaders } from "@nats-io/transport-node"
import { Effect, Layer, ManagedRuntime, Redacted, Result } from "effect"
import pg from "pg"
import { makeBatchPublisher, type NatsCredentialFiles, natsAuthOptions, type OutgoingMessage } from "@logimesh/bus"
import { Db, runMigrations } from "@logimesh/db"
import { EngineHeaders, type EngineStep, engineMigrations, FaultInjector, type GroupCommitOptions, makeGroupCommitter } from "@logimesh/engine"
import { createTestDatabase } from "@logimesh/testkit"
import { waitFor } from "@logimesh/topology"

/** One stored message as it is, for the raw limits (same subject, size and headers). */
export interface MessageSample {
  readonly subject: string
  readonly payload: Uint8Array
  readonly headers: Readonly<Record<string, string>>
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const rounds = (n: number | undefined) => Array.from({ length: Math.max(1, n ?? 3) }, (_, i) => i)

/** The sample's own headers without the server's (`Nats-*`: the msg id is set per message). */
const userHeaders = (sample: MessageSample): Record<string, string> =>
  Object.fromEntries(Object.entries(sample.headers).filter(([key]) => !key.startsWith("Nats-")))

/** The subjects the raw publish measurements publish to (`<prefix>.<round>.<the sample's subject>`). */
export const rawPublishSubjects: ReadonlyArray<string> = ["rawbatch.>", "rawclient.>"]

export interface RawPublishOptions {
  readonly url: string
  /** The server's user (absent: anonymous). */
  readonly credentials?: NatsCredentialFiles | undefined
  readonly sample: MessageSample
  readonly messages?: number
  readonly rounds?: number
}

/** Runs `publish` once per round against a fresh stream capturing `<prefix>.<round>.>`; messages per second. */
const publishRounds = async (
  options: RawPublishOptions,
  prefix: string,
  publish: (nc: Awaited<ReturnType<typeof connect>>, subject: string, round: number, messages: number) => Promise<void>
): Promise<number> => {
  const messages = options.messages ?? 20_000
  const nc = await connect({ servers: options.url, name: `bench-raw-${prefix}`, ...natsAuthOptions(options.credentials) })
  try {
    const jsm = await jetstreamManager(nc)
    const rates: Array<number> = []
    for (const round of rounds(options.rounds)) {
      const stream = `BENCH_RAW_${prefix.toUpperCase()}_${process.pid}_${round}`
      await jsm.streams.add({ name: stream, subjects: [`${prefix}.${round}.>`] })
      const started = performance.now()
      await publish(nc, `${prefix}.${round}.${options.sample.subject}`, round, messages)
      rates.push(messages / ((performance.now() - started) / 1000))
      await jsm.streams.delete(stream)
    }
    return median(rates)
  } finally {
    await nc.close()
  }
}

/** Acked, msg-id'd messages per second through the batch publisher, `batch` (the relay's 1,000) at a time. */
export const measureBatchPublish = (options: RawPublishOptions & { readonly batch?: number }): Promise<number> => {
  const batch = options.batch ?? 1_000
  const headers = userHeaders(options.sample)
  return publishRounds(options, "rawbatch", async (nc, subject, round, messages) => {
    const publisher = makeBatchPublisher(nc, 5_000)
    try {
      for (let start = 0; start < messages; start += batch) {
        const chunk: Array<OutgoingMessage> = []
        for (let i = start; i < Math.min(messages, start + batch); i++) {
          chunk.push({ subject, payload: options.sample.payload, msgId: `bench:${round}${i}`, headers })
        }
        const results = await publisher.publishBatch(chunk, chunk.length)
        const failed = results.find(Result.isFailure)
        if (failed !== undefined) throw new Error(`raw batch publish: ${failed.failure.message}`)
      }
    } finally {
      publisher.close()
    }
  })
}

/** Acked, msg-id'd messages per second through the client's `js.publish`, `window` acks in flight. */
export const measureClientPublish = (options: RawPublishOptions & { readonly window?: number }): Promise<number> => {
  const window = options.window ?? 512
  const headers = userHeaders(options.sample)
  return publishRounds(options, "rawclient", async (nc, subject, round, messages) => {
    const js = jetstream(nc)
    const inFlight = new Set<Promise<unknown>>()
    for (let i = 0; i < messages; i++) {
      const h = makeHeaders()
      for (const key in headers) h.append(key, headers[key]!)
      const ack = js.publish(subject, options.sample.payload, { msgID: `bench:${round}${i}`, headers: h })
      inFlight.add(ack)
      void ack.finally(() => inFlight.delete(ack)).catch(() => undefined)
      if (inFlight.size >= window) await Promise.race(inFlight)
    }
    await Promise.all(inFlight)
  })
}

/** The pull session's `max_messages` the consumer runner uses by default (`ConsumerSpec.prefetch`), as the engine does. */
export const runnerPrefetch = (concurrency: number): number => Math.max(16, concurrency * 4)

export interface RawConsumeOptions {
  readonly url: string
  /** The server's user (absent: anonymous). */
  readonly credentials?: NatsCredentialFiles | undefined
  /** The engine's input stream (its real inputs). */
  readonly stream: string
  /** Creates a durable consumer `name` on the stream, configured like the engine's. */
  readonly createConsumer: (name: string) => Promise<void>
  /** The engine's pull `max_messages`. */
  readonly prefetch: number
  readonly messages?: number
  readonly rounds?: number
}

/** Messages per second delivered to a durable pull consumer and acked (until the ack floor reaches the last one). */
export const measureConsumeAck = async (options: RawConsumeOptions): Promise<number> => {
  const nc = await connect({ servers: options.url, name: "bench-raw-consume", ...natsAuthOptions(options.credentials) })
  try {
    const jsm = await jetstreamManager(nc)
    const js = jetstream(nc)
    const stored = (await jsm.streams.info(options.stream)).state.messages
    const messages = Math.min(stored, options.messages ?? 100_000)
    const rates: Array<number> = []
    for (const round of rounds(options.rounds)) {
      const name = `raw_consume_${process.pid}_${round}`
      await options.createConsumer(name)
      const consumer = await js.consumers.get(options.stream, name)
      const started = performance.now()
      const iterator = await consumer.consume({ max_messages: options.prefetch })
      let received = 0
      for await (const m of iterator) {
        m.ack()
        if (++received >= messages) break
      }
      await waitFor(
        "raw consumer's acks",
        async () => {
          const info = await jsm.consumers.info(options.stream, name)
          return info.ack_floor.consumer_seq >= messages ? true : undefined
        },
        { timeoutMs: 60_000, intervalMs: 5 }
      )
      rates.push(messages / ((performance.now() - started) / 1000))
      await iterator.close()
      await jsm.consumers.delete(options.stream, name)
    }
    return median(rates)
  } finally {
    await nc.close()
  }
}

export interface RawGroupCommitOptions {
  /** A scratch database (the engine's tables are created in it). */
  readonly url: string
  /** A real output of the engine: its payload is the event row and the outbox payload, its headers the outbox headers. */
  readonly sample: MessageSample
  /** A real encoded state (the snapshot written with every step). */
  readonly state: string
  readonly entityType: string
  /** Keys per round; each gets `lines` steps, one after another. */
  readonly keys: number
  readonly lines: number
  /** Keys in flight at once (the engine's concurrency). */
  readonly concurrency: number
  readonly groupCommit: GroupCommitOptions
  readonly rounds?: number
}

/** Rows one step of the benchmark writes: entity upsert, inbox, event, outbox. */
export const rowsPerStep = 4

/** Steps per second committed by the engine's group committer (multiply by `rowsPerStep` for rows). */
export const measureGroupCommit = async (options: RawGroupCommitOptions): Promise<number> => {
  const runtime = ManagedRuntime.make(Layer.merge(Db.layerFrom({ url: Redacted.make(options.url), maxConnections: 8 }), FaultInjector.none))
  const headers = userHeaders(options.sample)
  const eventPayload = new TextDecoder().decode(options.sample.payload)
  const step = (key: string, line: number): EngineStep => {
    const msgId = `bench:${key}:${line}`
    return {
      key,
      expectedVersion: line - 1,
      applied: {
        raw: { msgId, subject: "raw", payload: new Uint8Array(0), headers: {}, domain: "", stream: "raw", consumer: "raw", streamSeq: 0 },
        position: { source: "erp", seq: line }
      },
      audit: [{ seq: line, kind: "event", type: "AmountAdded", version: 1, payload: eventPayload }],
      eventSeq: line,
      snapshot: { state: options.state, seq: line },
      sources: JSON.stringify({ erp: line }),
      outbox: [
        {
          subject: options.sample.subject,
          payload: options.sample.payload,
          headers: { ...headers, [EngineHeaders.entityKey]: key, [EngineHeaders.eventSeq]: String(line), [EngineHeaders.causationId]: msgId }
        }
      ],
      hold: undefined,
      release: undefined
    }
  }
  try {
    await runtime.runPromise(runMigrations(engineMigrations))
    const rates: Array<number> = []
    for (const round of rounds(options.rounds)) {
      const rate = await runtime.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const committer = yield* makeGroupCommitter(options.entityType, options.groupCommit)
            const started = performance.now()
            let refused = 0
            yield* Effect.forEach(
              Array.from({ length: options.keys }, (_, k) => `raw${round}-${k}`),
              (key) =>
                Effect.forEach(
                  Array.from({ length: options.lines }, (_, i) => i + 1),
                  (line) =>
                    Effect.map(committer.commit(step(key, line)), (result) => {
                      if (result !== "committed") refused += 1
                    }),
                  { discard: true }
                ),
              { concurrency: options.concurrency, discard: true }
            )
            if (refused > 0) return yield* Effect.die(new Error(`raw group commit: ${refused} steps not committed`))
            return (options.keys * options.lines) / ((performance.now() - started) / 1000)
          })
        )
      )
      rates.push(rate)
    }
    return median(rates)
  } finally {
    await runtime.dispose()
  }
}

export interface RawCommitOptions {
  readonly url: string
  readonly seconds?: number
  readonly connections?: number
  readonly rounds?: number
}

/** Committed single-row transactions per second (BEGIN; INSERT; COMMIT), over `connections` clients. */
export const measureRawPgCommits = async (options: RawCommitOptions): Promise<number> => {
  const connections = options.connections ?? 1
  const pool = new pg.Pool({ connectionString: options.url, max: connections })
  const table = `bench_raw_commit_${process.pid}`
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, body text NOT NULL)`)
    const rates: Array<number> = []
    for (const _round of rounds(options.rounds)) {
      const deadline = performance.now() + (options.seconds ?? 2) * 1000
      let committed = 0
      const started = performance.now()
      await Promise.all(
        Array.from({ length: connections }, async () => {
          const client = await pool.connect()
          try {
            while (performance.now() < deadline) {
              await client.query("BEGIN")
              await client.query(`INSERT INTO ${table} (body) VALUES ($1)`, ["x".repeat(200)])
              await client.query("COMMIT")
              committed++
            }
          } finally {
            client.release()
          }
        })
      )
      rates.push(committed / ((performance.now() - started) / 1000))
    }
    return median(rates)
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
    await pool.end()
  }
}

/**
 * Events per second if one event costs one publish, one consume + ack and one step's Postgres commit,
 * one after another: `1 / (1/publish + 1/consume + 1/pgSteps)`.
 */
export const combinedLimit = (publish: number, consume: number, pgSteps: number): number => 1 / (1 / publish + 1 / consume + 1 / pgSteps)

export interface RawLimits {
  /** Messages/s: the batch publisher, the client's `js.publish`, durable consume + ack. */
  readonly batchPub: number
  readonly clientPub: number
  readonly consume: number
  /** Engine steps/s committed by the group committer (x `rowsPerStep` = rows/s). */
  readonly pgSteps: number
  /** Single-row transactions/s on one connection. */
  readonly pgTx: number
  /** The fastest publish path. */
  readonly publish: number
  /** `combinedLimit(publish, consume, pgSteps)`. */
  readonly combined: number
  /** The batch publish and the consume + ack on the anonymous baseline server (NaN without one). */
  readonly anonymousBatchPub: number
  readonly anonymousConsume: number
}

/** An anonymous server beside the measured one, holding a copy of the engine's input stream (same messages). */
export interface RawBaseline {
  readonly url: string
  readonly inputStream: string
  readonly createConsumer: (name: string) => Promise<void>
}

export interface RawLimitsOptions {
  readonly natsUrl: string
  /** The user of `natsUrl` (absent: anonymous). */
  readonly credentials?: NatsCredentialFiles | undefined
  /** Measure the batch publish and the consume + ack here too, in alternating rounds (what authentication costs). */
  readonly baseline?: RawBaseline | undefined
  /** A real output of the engine. */
  readonly sample: MessageSample
  /** A real encoded state of the entity. */
  readonly state: string
  readonly entityType: string
  /** The engine's input stream, and how to add a consumer to it configured like the engine's. */
  readonly inputStream: string
  readonly createConsumer: (name: string) => Promise<void>
  readonly prefetch: number
  readonly concurrency: number
  readonly groupCommit: GroupCommitOptions
  readonly publishMessages: number
  readonly consumeMessages: number
  readonly pgKeys: number
  readonly pgLines: number
  readonly rounds: number
  readonly log: (line: string) => void
}

/**
 * `n` single rounds of `measured`; with a `baseline`, each round is the pair in both orders (measured, baseline,
 * baseline, measured), so each is run first as often as second (on a busy machine, of two back-to-back runs on two
 * identical anonymous servers the second was more often the faster one, and single runs differed by up to 1.7x
 * either way: only medians of several rounds compare). The median of each.
 */
const alternatingRounds = async (
  n: number,
  measured: () => Promise<number>,
  baseline: (() => Promise<number>) | undefined
): Promise<{ readonly measured: number; readonly baseline: number }> => {
  const a: Array<number> = []
  const b: Array<number> = []
  for (const _round of rounds(n)) {
    a.push(await measured())
    if (baseline === undefined) continue
    b.push(await baseline())
    b.push(await baseline())
    a.push(await measured())
  }
  return { measured: median(a), baseline: baseline === undefined ? Number.NaN : median(b) }
}

/** Every raw limit, one after another, with progress through `log`. */
export const measureRawLimits = async (options: RawLimitsOptions): Promise<RawLimits> => {
  const { log, rounds: n, sample, baseline, credentials } = options
  const alternating = baseline === undefined ? "" : ", alternating with the same on the anonymous server"
  log(
    `raw limits: publish through the batch publisher (${n} x ${options.publishMessages.toLocaleString()} x ${sample.payload.length} B + ${Object.keys(userHeaders(sample)).length} headers, batches of 1,000${alternating})…`
  )
  const batch = await alternatingRounds(
    n,
    () => measureBatchPublish({ url: options.natsUrl, credentials, sample, messages: options.publishMessages, rounds: 1 }),
    baseline === undefined ? undefined : () => measureBatchPublish({ url: baseline.url, sample, messages: options.publishMessages, rounds: 1 })
  )
  const batchPub = batch.measured
  log(`  ${batchPub.toFixed(0)} msg/s${baseline === undefined ? "" : `; anonymous ${batch.baseline.toFixed(0)} msg/s`}`)
  log("raw limits: publish through the client's js.publish (same messages, 512 acks in flight)…")
  const clientPub = await measureClientPublish({ url: options.natsUrl, credentials, sample, messages: options.publishMessages, rounds: n })
  log(`  ${clientPub.toFixed(0)} msg/s`)
  log(`raw limits: durable pull consume + ack of the engine's inputs (prefetch ${options.prefetch}${alternating})…`)
  const consumeOn = (url: string, stream: string, createConsumer: (name: string) => Promise<void>, user: NatsCredentialFiles | undefined) => () =>
    measureConsumeAck({ url, credentials: user, stream, createConsumer, prefetch: options.prefetch, messages: options.consumeMessages, rounds: 1 })
  const consumed = await alternatingRounds(
    n,
    consumeOn(options.natsUrl, options.inputStream, options.createConsumer, credentials),
    baseline === undefined ? undefined : consumeOn(baseline.url, baseline.inputStream, baseline.createConsumer, undefined)
  )
  const consume = consumed.measured
  log(`  ${consume.toFixed(0)} msg/s${baseline === undefined ? "" : `; anonymous ${consumed.baseline.toFixed(0)} msg/s`}`)
  const scratch = await createTestDatabase("bench_raw_pg")
  try {
    log(
      `raw limits: the engine's group commit of a step's rows (${n} x ${options.pgKeys.toLocaleString()} keys x ${options.pgLines} steps, ${options.concurrency} keys in flight)…`
    )
    const pgSteps = await measureGroupCommit({
      url: scratch.url,
      sample,
      state: options.state,
      entityType: options.entityType,
      keys: options.pgKeys,
      lines: options.pgLines,
      concurrency: options.concurrency,
      groupCommit: options.groupCommit,
      rounds: n
    })
    log(`  ${pgSteps.toFixed(0)} steps/s (${(pgSteps * rowsPerStep).toFixed(0)} rows/s)`)
    log(`raw limits: Postgres single-row commits, one connection (${n} x 2 s)…`)
    const pgTx = await measureRawPgCommits({ url: scratch.url, rounds: n })
    log(`  ${pgTx.toFixed(0)} tx/s`)
    const publish = Math.max(batchPub, clientPub)
    return {
      batchPub,
      clientPub,
      consume,
      pgSteps,
      pgTx,
      publish,
      combined: combinedLimit(publish, consume, pgSteps),
      anonymousBatchPub: batch.baseline,
      anonymousConsume: consumed.baseline
    }
  } finally {
    await scratch.drop()
  }
}

/** Every figure NaN (raw limits skipped). */
export const unmeasured: RawLimits = {
  batchPub: Number.NaN,
  clientPub: Number.NaN,
  consume: Number.NaN,
  pgSteps: Number.NaN,
  pgTx: Number.NaN,
  publish: Number.NaN,
  combined: Number.NaN,
  anonymousBatchPub: Number.NaN,
  anonymousConsume: Number.NaN
}

/** The raw limits as the benchmark's JSON fields. */
export const rawLimitFields = (raw: RawLimits) => ({
  raw_js_batch_pub_per_s: Math.round(raw.batchPub),
  raw_js_client_pub_per_s: Math.round(raw.clientPub),
  raw_consume_ack_per_s: Math.round(raw.consume),
  raw_pg_rows_per_s: Math.round(raw.pgSteps * rowsPerStep),
  raw_pg_steps_per_s: Math.round(raw.pgSteps),
  combined_limit_per_s: Math.round(raw.combined)
})

/**
 * What authentication costs on the message path, as the benchmark's JSON fields: the batch publish and the
 * consume + ack on the authenticated server / the same on the anonymous one (1 = no cost, 0.9 = 10% slower);
 * null when no baseline was measured.
 */
export const authCostFields = (raw: RawLimits) => {
  const ratio = (authenticated: number, anonymous: number) =>
    Number.isFinite(authenticated / anonymous) ? Number((authenticated / anonymous).toFixed(3)) : null
  return {
    auth_publish_ratio: ratio(raw.batchPub, raw.anonymousBatchPub),
    auth_consume_ratio: ratio(raw.consume, raw.anonymousConsume),
    anon_js_batch_pub_per_s: Number.isNaN(raw.anonymousBatchPub) ? null : Math.round(raw.anonymousBatchPub),
    anon_consume_ack_per_s: Number.isNaN(raw.anonymousConsume) ? null : Math.round(raw.anonymousConsume)
  }
}
