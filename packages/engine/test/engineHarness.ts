/**
 * Shared fixture of the engine's cross-process tests: a nats-server and a
 * database of their own, the input / output / DLQ streams and the durable
 * consumer with random names, engine child processes (`engineProcess.ts`),
 * a seeded workload generator (duplicates, per-order reordering) and the
 * checks: final states equal the fold of the unique inputs, every effect
 * exactly once in the outbox and in the output stream.
 *
 * With `auth` the nats-server is authenticated (testkit `startTestNats`):
 * one NKey user `engineFixtureUser` allowed only what the fixture and the
 * engine use (`engineFixturePermissions`), and every connection made here
 * (the fixture's, engine children through `NATS_NKEY_SEED_FILE`, in-process
 * engines) logs in as it. Default: anonymous.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { join } from "node:path"
import { Duration, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { sql } from "kysely"
import { applyStreams, type ConsumerDefinition, JetStreamPublisher, limitsStream, NatsConnection, type OutgoingMessage } from "@logimesh/bus"
import { Db, runMigrations } from "@logimesh/db"
import { EngineHeaders, engineMigrations, makeEngine, rebuildState } from "@logimesh/engine"
import { createTestDatabase, randomSuffix, type TestDatabase, startTestNats, type TestNats } from "@logimesh/testkit"
import { repoRoot, type SubjectPermissions, waitFor } from "@logimesh/topology"
import { AppendLine } from "./OrderLinesDecider.ts"
import { encodeCommand, orderLinesEntity } from "./orderLinesEntity.ts"

/** The region the engine processes and in-process engines of these tests name their outbox msg ids after. */
export const engineRegion = "eu-west"

/** The one place the tests build their subjects. */
export const outputSubject = (token: string, kind: string): string => `out.${token}.${kind}`
const inputSubject = (token: string): string => `in.${token}.orders`
const deadLetterSubject = (token: string): string => `dlq.${token}.engine`

const entry = join(repoRoot, "packages/engine/test/engineProcess.ts")

export interface EngineChild {
  readonly ready: Promise<void>
  readonly exited: Promise<number | null>
  readonly output: () => string
  readonly lastStats: () => unknown
  readonly kill: (signal?: NodeJS.Signals) => void
  readonly alive: () => boolean
}

export interface WorkloadOptions {
  readonly orders: number
  readonly linesPerOrder: number
  readonly duplicateRate: number
  readonly refuseRate: number
  readonly seed: number
  /** Every n-th order carries no source headers (inbox-only dedupe); 0 = none. */
  readonly unsequencedEvery: number
}

export interface Workload {
  readonly messages: ReadonlyArray<OutgoingMessage>
  readonly unique: number
  /** order id -> source -> accepted lines in source order. */
  readonly expected: ReadonlyMap<string, Readonly<Record<string, ReadonlyArray<number>>>>
  readonly rejections: number
  readonly sequenced: ReadonlySet<string>
}

/** mulberry32: a small seeded PRNG, so a failing schedule can be re-run. */
export const seededRandom = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const shuffle = <A>(items: Array<A>, random: () => number): Array<A> => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

export const makeWorkload = (token: string, options: WorkloadOptions): Workload => {
  const random = seededRandom(options.seed)
  const subject = inputSubject(token)
  const messages: Array<OutgoingMessage> = []
  const duplicates: Array<OutgoingMessage> = []
  const expected = new Map<string, Record<string, Array<number>>>()
  const sequenced = new Set<string>()
  let rejections = 0
  for (let o = 0; o < options.orders; o++) {
    const orderId = `o-${token}-${o}`
    const withSeq = options.unsequencedEvery === 0 || o % options.unsequencedEvery !== 0
    if (withSeq) sequenced.add(orderId)
    const lines: Record<string, Array<number>> = {}
    expected.set(orderId, lines)
    const perOrder: Array<OutgoingMessage> = []
    const sources = withSeq ? ["erp", "wes"] : ["adhoc"]
    for (let i = 0; i < options.linesPerOrder; i++) {
      const source = sources[i % sources.length]!
      const seq = Math.floor(i / sources.length) + 1
      const refuse = random() < options.refuseRate
      if (refuse) rejections += 1
      else (lines[source] ??= []).push(seq)
      const msgId = `${token}:${orderId}:${source}:${seq}`
      const message: OutgoingMessage = {
        subject,
        payload: encodeCommand(new AppendLine({ orderId, source, line: seq, note: refuse ? "refuse" : "" })),
        msgId,
        ...(withSeq ? { headers: { [EngineHeaders.source]: source, [EngineHeaders.sourceSeq]: String(seq) } } : {})
      }
      perOrder.push(message)
      if (random() < options.duplicateRate) {
        // A sequenced source retrying under a new id is caught by its sequence; an unsequenced one re-sends the same id (inbox).
        duplicates.push(withSeq ? { ...message, msgId: `${msgId}:retry` } : message)
      }
    }
    messages.push(...perOrder)
  }
  return {
    // Global shuffle: every order's inputs arrive out of source order, interleaved with other orders.
    messages: [...shuffle(messages, random), ...shuffle(duplicates, random)],
    unique: options.orders * options.linesPerOrder,
    expected,
    rejections,
    sequenced
  }
}

export interface EngineFixtureOptions {
  readonly label: string
  readonly maxDeliver?: number
  readonly ackWait?: Duration.Duration
  /** Default 2,000. */
  readonly maxAckPending?: number
  /** Authenticate the nats-server (`engineFixturePermissions`); default false: anonymous. */
  readonly auth?: boolean
  /** With `auth`: subjects the user may publish to besides the fixture's own (e.g. a benchmark's scratch streams). */
  readonly extraPublish?: ReadonlyArray<string>
}

/** The NKey user of an authenticated fixture. */
export const engineFixtureUser = "engine"

/**
 * What the fixture's user may do, an allow-list like a region's: publish the inputs of run `token`, the
 * engine's effects and dead letters, the JetStream API (streams, consumers, pulls) and acks; subscribe
 * only to inboxes (replies, pull batches, publish acks).
 */
export const engineFixturePermissions = (token: string, extraPublish: ReadonlyArray<string> = []): SubjectPermissions => ({
  publish: [inputSubject(token), outputSubject(token, "*"), deadLetterSubject(token), "$JS.API.>", "$JS.ACK.>", ...extraPublish],
  subscribe: ["_INBOX.>"]
})

export const startEngineFixture = async (options: EngineFixtureOptions) => {
  const token = `t${randomSuffix()}`
  const auth = options.auth === true ? { user: engineFixtureUser, permissions: engineFixturePermissions(token, options.extraPublish) } : undefined
  const [nats, database] = await Promise.all([startTestNats(options.label, { auth }), createTestDatabase(options.label)])
  const credentials = nats.credentials
  const names = {
    token,
    stream: `IN_${token}`,
    consumer: `engine_${token}`,
    dlqStream: `DLQ_${token}`,
    outStream: `OUT_${token}`,
    deadLetterSubject: deadLetterSubject(token),
    inputSubject: inputSubject(token)
  }
  const layer = JetStreamPublisher.layer.pipe(
    Layer.provideMerge(NatsConnection.layerFrom({ url: nats.url, name: "engine-test", credentials })),
    Layer.merge(Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 4 }))
  )
  const runtime = ManagedRuntime.make(layer)
  const stream = (name: string, subjects: ReadonlyArray<string>) =>
    limitsStream({ name, subjects, description: "engine test", maxAge: Duration.hours(1), duplicateWindow: Duration.minutes(2) })
  const consumer: ConsumerDefinition = {
    domain: undefined,
    stream: names.stream,
    name: names.consumer,
    description: "engine test consumer",
    filterSubject: undefined,
    ackWait: options.ackWait ?? Duration.seconds(3),
    maxDeliver: options.maxDeliver ?? 10,
    maxAckPending: options.maxAckPending ?? 2_000,
    backoff: [],
    deadLetterSubject: names.deadLetterSubject,
    deadLetterDomain: undefined
  }
  const inputStream = stream(names.stream, [names.inputSubject])
  await runtime.runPromise(
    Effect.gen(function* () {
      yield* runMigrations(engineMigrations)
      yield* applyStreams({
        streams: [inputStream, stream(names.dlqStream, [`dlq.${token}.>`]), stream(names.outStream, [`out.${token}.>`])],
        consumers: [consumer]
      })
    })
  )
  const children: Array<EngineChild> = []

  const spawnEngine = (env: Record<string, string> = {}): EngineChild => {
    let output = ""
    let stats: unknown
    let markReady: () => void = () => undefined
    const ready = new Promise<void>((resolve) => (markReady = resolve))
    const child: ChildProcess = spawn(process.execPath, [entry], {
      cwd: repoRoot,
      env: {
        PATH: process.env["PATH"] ?? "",
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        LOGIMESH_REGION: engineRegion,
        ENGINE_TEST_STREAM: names.stream,
        ENGINE_TEST_CONSUMER: names.consumer,
        ENGINE_TEST_DLQ_SUBJECT: names.deadLetterSubject,
        ENGINE_TEST_OUTPUT_TOKEN: token,
        ...(credentials === undefined ? {} : { NATS_NKEY_SEED_FILE: credentials.seedFile }),
        ...env
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let alive = true
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => {
        alive = false
        resolve(code)
      })
    )
    child.stdout?.on("data", (chunk: Buffer) => {
      const text = chunk.toString()
      if (text.includes("ENGINE_READY")) markReady()
      for (const line of text.split("\n")) {
        if (line.startsWith("ENGINE_STATS ")) stats = JSON.parse(line.slice("ENGINE_STATS ".length))
        else if (line !== "") output = (output + line + "\n").slice(-20_000)
      }
    })
    child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)))
    const readyOrExit = Promise.race([ready, exited.then((code) => Promise.reject(new Error(`engine exited ${code} before ready:\n${output}`)))])
    // Crash drills kill children that were never awaited for readiness.
    readyOrExit.catch(() => undefined)
    const handle: EngineChild = {
      ready: readyOrExit,
      exited,
      output: () => output,
      lastStats: () => stats,
      kill: (signal = "SIGKILL") => {
        if (alive) child.kill(signal)
      },
      alive: () => alive
    }
    children.push(handle)
    return handle
  }

  const publish = (messages: ReadonlyArray<OutgoingMessage>) => runtime.runPromise(JetStreamPublisher.use((p) => p.publishAll(messages)))

  const query = <R>(text: ReturnType<typeof sql<R>>) => runtime.runPromise(Db.use((db) => db.use("test", (k) => text.execute(k))))

  const consumerInfo = () =>
    runtime.runPromise(
      NatsConnection.use((n) => Effect.flatMap(n.jetstreamManager(), (jsm) => Effect.promise(() => jsm.consumers.info(names.stream, names.consumer))))
    )

  const streamMessages = (name: string) =>
    runtime
      .runPromise(NatsConnection.use((n) => Effect.flatMap(n.jetstreamManager(), (jsm) => Effect.promise(() => jsm.streams.info(name)))))
      .then((info) => info.state.messages)

  /** Every message of `name` (headers, plus its subject as `@subject` and the MD5 of its payload as `@md5`), read with an ordered consumer. */
  const readStream = async (name: string): Promise<ReadonlyArray<Readonly<Record<string, string>>>> => {
    const total = await streamMessages(name)
    if (total === 0) return []
    return runtime.runPromise(
      NatsConnection.use((n) =>
        Effect.promise(async () => {
          const ordered = await n.jetstream().consumers.get(name)
          const iterator = await ordered.consume()
          const all: Array<Record<string, string>> = []
          for await (const m of iterator) {
            const headers: Record<string, string> = {}
            for (const key of m.headers?.keys() ?? []) headers[key] = m.headers?.get(key) ?? ""
            headers["@subject"] = m.subject
            headers["@md5"] = createHash("md5").update(m.data).digest("hex")
            all.push(headers)
            if (all.length >= total) break
          }
          await iterator.close()
          return all
        })
      )
    )
  }

  /** Waits until every input is acked, nothing is held and the outbox is drained. */
  const waitSettled = (expectedOutbox: number, timeoutMs: number) =>
    waitFor(
      "engine settled",
      async () => {
        const info = await consumerInfo()
        if (info.num_pending > 0 || info.num_ack_pending > 0) return undefined
        const [counts] = (
          await query(sql<{ outbox: string; unsent: string; held: string }>`
        SELECT (SELECT count(*) FROM engine_outbox) AS outbox, (SELECT count(*) FROM engine_outbox WHERE sent_at IS NULL) AS unsent,
          (SELECT count(*) FROM engine_held) AS held`)
        ).rows
        if (counts === undefined || Number(counts.unsent) > 0 || Number(counts.held) > 0 || Number(counts.outbox) < expectedOutbox) return undefined
        return true
      },
      { timeoutMs, intervalMs: 250 }
    )

  /** The invariants; returns a list of violations (empty = all hold). */
  const verify = async (workload: Workload): Promise<ReadonlyArray<string>> => {
    const problems: Array<string> = []
    const entities = (
      await query(sql<{ entity_key: string; state: { lines: Record<string, Array<number>> } | null; event_seq: string }>`
      SELECT entity_key, state, event_seq FROM engine_entity WHERE entity_type = ${orderLinesEntity.name}`)
    ).rows
    const byKey = new Map(entities.map((e) => [e.entity_key, e]))
    for (const [orderId, lines] of workload.expected) {
      const row = byKey.get(orderId)
      if (row === undefined) {
        problems.push(`${orderId}: no entity row`)
        continue
      }
      const actual = row.state?.lines ?? {}
      const ordered = workload.sequenced.has(orderId)
      const norm = (r: Readonly<Record<string, ReadonlyArray<number>>>) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(r)
              .sort()
              .map(([s, l]) => [s, ordered ? l : [...l].sort((a, b) => a - b)])
          )
        )
      if (norm(actual) !== norm(lines)) problems.push(`${orderId}: state ${norm(actual)} != expected ${norm(lines)}`)
    }
    // The trail folds to the snapshot (replay), for a sample of orders.
    for (const orderId of [...workload.expected.keys()].slice(0, 25)) {
      const rebuilt = await runtime.runPromise(rebuildState(orderLinesEntity, orderId))
      const sorted = (r: Readonly<Record<string, ReadonlyArray<number>>>) => JSON.stringify(Object.entries(r).sort())
      if (sorted(rebuilt.state.lines) !== sorted(byKey.get(orderId)?.state?.lines ?? {})) {
        problems.push(`${orderId}: rebuilt state differs from snapshot`)
      }
    }
    const [counts] = (
      await query(sql<{ events: string; rejections: string; inbox: string; outbox: string; dup_inputs: string }>`
      SELECT (SELECT count(*) FROM engine_event WHERE kind = 'event') AS events,
             (SELECT count(*) FROM engine_event WHERE kind = 'rejection') AS rejections,
             (SELECT count(*) FROM engine_inbox) AS inbox,
             (SELECT count(*) FROM engine_outbox) AS outbox,
             (SELECT count(*) FROM (SELECT entity_key, payload->>'source', payload->>'line' FROM engine_event
                GROUP BY 1, 2, 3 HAVING count(*) > 1) d) AS dup_inputs`)
    ).rows
    const unique = workload.unique
    if (Number(counts?.events) !== unique - workload.rejections) problems.push(`events ${counts?.events} != ${unique - workload.rejections}`)
    if (Number(counts?.rejections) !== workload.rejections) problems.push(`rejections ${counts?.rejections} != ${workload.rejections}`)
    if (Number(counts?.inbox) !== unique) problems.push(`inbox ${counts?.inbox} != ${unique}`)
    if (Number(counts?.outbox) !== unique) problems.push(`outbox rows ${counts?.outbox} != ${unique}`)
    if (Number(counts?.dup_inputs) !== 0) problems.push(`${counts?.dup_inputs} inputs applied twice`)
    const published = await readStream(names.outStream)
    const msgIds = new Set(published.map((h) => h["Nats-Msg-Id"]))
    const effects = new Set(published.map((h) => `${h[EngineHeaders.entityKey]}#${h[EngineHeaders.eventSeq]}`))
    if (published.length !== unique) problems.push(`output stream holds ${published.length} != ${unique}`)
    if (msgIds.size !== published.length) problems.push(`output msg ids not unique: ${msgIds.size} of ${published.length}`)
    if (effects.size !== published.length) problems.push(`effects published twice: ${effects.size} distinct of ${published.length}`)
    // Each message is its own outbox row: the row its msg id names has the same effect, subject and payload (the
    // relay publishes rows handed over in memory under the ids the commit drew for them).
    const rows = (
      await query(sql<{ msg_id: string; row: string }>`
      SELECT ${engineRegion} || ':' || id AS msg_id,
        (headers ->> ${EngineHeaders.entityKey}) || '#' || (headers ->> ${EngineHeaders.eventSeq}) || ' ' || subject || ' ' || md5(payload) AS row
      FROM engine_outbox`)
    ).rows
    const rowOf = new Map(rows.map((r) => [r.msg_id, r.row]))
    const mismatched = published.filter(
      (h) => rowOf.get(h["Nats-Msg-Id"] ?? "") !== `${h[EngineHeaders.entityKey]}#${h[EngineHeaders.eventSeq]} ${h["@subject"]} ${h["@md5"]}`
    )
    if (mismatched.length > 0) problems.push(`${mismatched.length} messages differ from the outbox row their msg id names`)
    return problems
  }

  const stop = async () => {
    for (const child of children) child.kill("SIGKILL")
    await Promise.all(children.map((c) => c.exited))
    await runtime.dispose()
    await nats.stop()
    await database.drop()
  }

  /** The order-lines engine run in this process on `consumer` of the input stream (its own relay). */
  const inProcessEngine = (consumer: string, options: { readonly maxConnections: number; readonly maxBatch: number }) =>
    makeEngine({
      entity: orderLinesEntity,
      region: engineRegion,
      input: { stream: names.stream, consumer, deadLetterSubject: names.deadLetterSubject },
      outputSubject: (_key, kind) => outputSubject(token, kind),
      db: Db.layerFrom({ url: Redacted.make(database.url), maxConnections: options.maxConnections }),
      nats: NatsConnection.layerFrom({ url: nats.url, name: `engine-${consumer}`, credentials }),
      groupCommit: { maxBatch: options.maxBatch, window: Duration.millis(2) }
    })

  return {
    nats,
    database,
    names,
    /** The input stream's definition (a copy elsewhere holds the same kind of stream). */
    inputStream,
    consumer,
    runtime,
    spawnEngine,
    inProcessEngine,
    publish,
    query,
    consumerInfo,
    readStream,
    streamMessages,
    waitSettled,
    verify,
    stop
  }
}

export type EngineFixture = Awaited<ReturnType<typeof startEngineFixture>>
export type { TestDatabase, TestNats }
