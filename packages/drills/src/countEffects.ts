/**
 * After a drill: every command the simulated systems sent, matched to the
 * region's records (`matchSentCommands`: applied, parked, refused or lost),
 * the region's own commands counted from its COMMANDS stream, and every
 * effect checked for duplicates and order. Counted from the senders, so a
 * command the region never took in still counts; the region's own view is
 * kept beside it.
 *
 * Senders' commands (`sent` = applied + parked + refused + lost; definitions in matchSentCommands.ts)
 *   sent               distinct (sender, Idempotency-Key) the simulators handed to a transport (HTTP or their leaf)
 *   applied            decided by a module (`engine_inbox` / `engine_event` by the command's message id);
 *                      `rejected` of them were domain rejections (precondition waits, planned exceptions)
 *   parked             not applied, named by an `engine_parked` row or a message on the hub's or a site's DLQ;
 *                      `parkedReasons` by reason, `parkedWhere` by place
 *   refused            answered 4xx at the edge before any module (no durable record; the sender's answer)
 *   lost               sent - applied - parked - refused
 * The region's view
 *   accepted           distinct `Nats-Msg-Id`s on COMMANDS_<region> (senders' commands and the region's own)
 *   flow_commands      ids on COMMANDS_<region> that no simulator sent: commands the region's flows send to its
 *                      modules (`cmd.<region>.*` through the outbox); `flow_lost` = those neither applied nor parked
 *   unattributed       API command ids (`api:…`) on COMMANDS_<region> that match no sent command: a command from
 *                      a caller the ledger does not know (the ledger is incomplete)
 * Effects
 *   duplicate_effects  messages on SYSTEMS_<region> whose msg id or (subject, body) was already there,
 *                      plus module events on EVENTS_<region> whose (entity, event seq) was already there
 *   order_violations   orders whose shipment progress (packed < loaded < shipped < delivered) went backwards
 *   delivery_exhausted notices on the hub's DELIVERY_EXHAUSTED: messages the server gave up delivering to a
 *                      consumer during the drill, each then handed back by the region's exhausted lane (a count of
 *                      how often the server-side fault happened; the commands themselves are counted above)
 *   lastEffectAtMs     the latest of: a module step that applied a command (any, flows included), a message
 *                      stored on SYSTEMS_<region>
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { StreamNames } from "@logimesh/bus"
import { connect } from "@nats-io/transport-node"
import type { NatsAuth, SentCommand } from "@logimesh/simulators"
import { engineQueries } from "@logimesh/engine"
import type { NoTables } from "@logimesh/db"
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import { matchSentCommands, type ParkedRecord, type SentCounts } from "./matchSentCommands.ts"

export interface StoredMessage {
  readonly subject: string
  readonly msgId: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly timestampMs: number
}

/** Every message of a stream (bounded by its message count at the start and a time limit); none if it does not exist. */
const readStream = async (hub: HubAccess, stream: string, domain?: string, timeoutMs = 60_000): Promise<ReadonlyArray<StoredMessage>> => {
  const nc = await connect({ servers: hub.natsUrl, ...hub.natsAuth, name: `drill-read-${stream}` })
  try {
    const where = domain === undefined ? {} : { domain }
    const jsm = await jetstreamManager(nc, where)
    const total = await jsm.streams.info(stream).then(
      (info) => info.state.messages,
      () => 0
    )
    const out: Array<StoredMessage> = []
    if (total === 0) return out
    const consumer = await jetstream(nc, where).consumers.get(stream)
    const messages = await consumer.consume()
    const timer = setTimeout(() => void messages.close(), timeoutMs)
    for await (const m of messages) {
      const headers: Record<string, string> = {}
      for (const [k, v] of m.headers ?? []) headers[k] = v[0] ?? ""
      out.push({ subject: m.subject, msgId: m.headers?.get("Nats-Msg-Id") ?? "", headers, body: m.string(), timestampMs: m.info.timestampNanos / 1e6 })
      if (out.length >= total) break
    }
    clearTimeout(timer)
    await messages.close()
    return out
  } finally {
    await nc.close()
  }
}

const duplicatesBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): number => items.length - new Set(items.map(key)).size

export interface EffectCounts {
  /** The senders' commands, each with its fate. */
  readonly sent: SentCounts
  readonly accepted: number
  readonly flow_commands: number
  readonly flow_applied: number
  readonly flow_parked: number
  readonly flow_lost: number
  readonly unattributed: number
  readonly duplicate_effects: number
  readonly order_violations: number
  readonly delivery_exhausted: number
  /** Latest module step or SYSTEMS message (ms since the epoch); undefined when there was none. */
  readonly lastEffectAtMs: number | undefined
  readonly systemMessages: number
  /** Every message on SYSTEMS_<region> (subject, msg id, body), for diagnosing a system that did not finish. */
  readonly systems: ReadonlyArray<StoredMessage>
  /** Every durable consumer of SYSTEMS_<region> still holding work (a system that has not caught up). */
  readonly systemConsumersBehind: ReadonlyArray<{ readonly name: string; readonly pending: number; readonly ackPending: number; readonly redelivered: number }>
}

/** Messages a stream holds now (0 when it does not exist). */
const storedMessages = async (hub: HubAccess, stream: string): Promise<number> => {
  const nc = await connect({ servers: hub.natsUrl, ...hub.natsAuth, name: `drill-count-${stream}` })
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages
  } catch {
    return 0
  } finally {
    await nc.close()
  }
}

const consumersBehind = async (hub: HubAccess, stream: string) => {
  const nc = await connect({ servers: hub.natsUrl, ...hub.natsAuth, name: "drill-consumers" })
  try {
    const jsm = await jetstreamManager(nc)
    const behind: Array<{ name: string; pending: number; ackPending: number; redelivered: number }> = []
    for await (const info of jsm.consumers.list(stream)) {
      if (info.num_pending > 0 || info.num_ack_pending > 0) {
        behind.push({ name: info.name, pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered })
      }
    }
    return behind
  } finally {
    await nc.close()
  }
}

const stageRank: Readonly<Record<string, number>> = { packed: 1, loaded: 2, shipped: 3, delivered: 4 }

/** Orders whose shipment progress went backwards (a delivery failure may be followed by a redelivery). */
const stageOf = (payload: unknown): string =>
  typeof payload === "object" && payload !== null && "stage" in payload && typeof payload.stage === "string" ? payload.stage : ""

const orderViolations = (progress: ReadonlyArray<{ readonly entity_key: string; readonly stage: string }>): number => {
  let violations = 0
  let current = ""
  let best = 0
  let failed = false
  for (const row of progress) {
    if (row.entity_key !== current) [current, best, failed] = [row.entity_key, 0, false]
    const rank = stageRank[row.stage]
    if (rank === undefined) continue // delivery_failed: a redelivery may follow
    if (rank < best && !failed) {
      violations++
      failed = true
    }
    best = Math.max(best, rank)
  }
  return violations
}

/** A parked message's record as the matcher reads it (its headers name the command that carried it). */
const parkedRecordOf = (where: string, reason: string, msgIds: ReadonlyArray<string | undefined>, headers: Readonly<Record<string, string>>): ParkedRecord => ({
  where,
  reason,
  msgIds: msgIds.filter((id): id is string => id !== undefined && id !== ""),
  idempotencyKey: headers["Idempotency-Key"],
  sourceSystem: headers["Logimesh-Source-System"]
})

/** The hub, and the credentials to read it with (the topology's admin). */
export interface HubAccess {
  readonly natsUrl: string
  readonly natsAuth?: NatsAuth | undefined
}

export interface CountEffectsOptions extends HubAccess {
  readonly databaseUrl: string
  readonly region: string
  /** What the simulators sent (`ScenarioSummary.sent`). */
  readonly sent: ReadonlyArray<SentCommand>
  /** Site domains whose own DLQ is read (besides the hub's). */
  readonly siteDomains?: ReadonlyArray<string>
}

export const countEffects = async (options: CountEffectsOptions): Promise<EffectCounts> => {
  const commands = await readStream(options, `COMMANDS_${options.region}`)
  const systems = await readStream(options, `SYSTEMS_${options.region}`)
  const events = await readStream(options, `EVENTS_${options.region}`)
  const dlqs: Array<{ readonly where: string; readonly messages: ReadonlyArray<StoredMessage> }> = [
    { where: "DLQ hub", messages: await readStream(options, "DLQ", "hub") }
  ]
  for (const site of options.siteDomains ?? []) dlqs.push({ where: `DLQ ${site}`, messages: await readStream(options, "DLQ", site) })
  const db = new Kysely<NoTables>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.databaseUrl, max: 1 }) }) })
  try {
    const records = engineQueries(db)
    const applied = await records.appliedMessages()
    const parked: Array<ParkedRecord> = (await records.parked()).map((r) => parkedRecordOf("engine_parked", r.reason, [r.msgId ?? undefined], r.headers))
    for (const { where, messages } of dlqs) {
      for (const m of messages) {
        parked.push(parkedRecordOf(where, m.headers["Logimesh-Park-Reason"] ?? "unknown", [m.headers["Logimesh-Original-Msg-Id"]], m.headers))
      }
    }
    const sent = matchSentCommands(options.sent, { applied, parked })

    const parkedIds = new Set(parked.flatMap((p) => p.msgIds))
    const accepted = new Set(commands.map((m) => m.msgId))
    const flow = [...accepted].filter((id) => !sent.ids.has(id) && !id.startsWith("api:"))
    const flowApplied = flow.filter((id) => applied.has(id)).length
    const flowParked = flow.filter((id) => !applied.has(id) && parkedIds.has(id)).length

    const progress = (await records.eventsOfType("order", "OrderProgressed")).map((e) => ({ entity_key: e.key, stage: stageOf(e.payload) }))
    const duplicateSystemIds = duplicatesBy(systems, (m) => m.msgId)
    const duplicateSystemBodies = duplicatesBy(systems, (m) => `${m.subject} ${m.body}`)
    const duplicateEvents = duplicatesBy(
      events,
      (m) => `${m.headers["Logimesh-Entity-Type"]}/${m.headers["Logimesh-Entity-Key"]}#${m.headers["Logimesh-Event-Seq"]}`
    )
    let lastEffectAtMs: number | undefined
    for (const at of [...[...applied.values()].map((a) => a.atMs), ...systems.map((m) => m.timestampMs)]) {
      if (lastEffectAtMs === undefined || at > lastEffectAtMs) lastEffectAtMs = at
    }
    return {
      sent,
      accepted: accepted.size,
      flow_commands: flow.length,
      flow_applied: flowApplied,
      flow_parked: flowParked,
      flow_lost: flow.length - flowApplied - flowParked,
      unattributed: [...accepted].filter((id) => id.startsWith("api:") && !sent.ids.has(id)).length,
      duplicate_effects: Math.max(duplicateSystemIds, duplicateSystemBodies) + duplicateEvents,
      order_violations: orderViolations(progress),
      delivery_exhausted: await storedMessages(options, StreamNames.deliveryExhausted),
      lastEffectAtMs,
      systemMessages: systems.length,
      systems,
      systemConsumersBehind: await consumersBehind(options, `SYSTEMS_${options.region}`)
    }
  } finally {
    await db.destroy()
  }
}
