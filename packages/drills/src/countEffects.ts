/**
 * After a drill: what the region accepted and applied, counted by message id
 * from the region's own records, and every effect checked for duplicates.
 *
 *   accepted           distinct `Nats-Msg-Id`s on COMMANDS_<region> (API commands and flow commands)
 *   applied            of those, the ids in a module's inbox (`engine_inbox`)
 *   parked             of those, the ids parked for an operator (`engine_parked`), with their reasons
 *   lost               accepted - applied - parked
 *   duplicate_effects  messages on SYSTEMS_<region> whose msg id or (subject, body) was already there,
 *                      plus module events on EVENTS_<region> whose (entity, event seq) was already there
 *   order_violations   orders whose shipment progress (packed < loaded < shipped < delivered) went backwards
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import pg from "pg"

export interface StoredMessage {
  readonly subject: string
  readonly msgId: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Every message of a stream (bounded by its message count at the start and a time limit). */
const readStream = async (natsUrl: string, stream: string, timeoutMs = 60_000): Promise<ReadonlyArray<StoredMessage>> => {
  const nc = await connect({ servers: natsUrl, name: `drill-read-${stream}` })
  try {
    const jsm = await jetstreamManager(nc)
    const total = (await jsm.streams.info(stream)).state.messages
    const out: Array<StoredMessage> = []
    if (total === 0) return out
    const consumer = await jetstream(nc).consumers.get(stream)
    const messages = await consumer.consume()
    const timer = setTimeout(() => void messages.close(), timeoutMs)
    for await (const m of messages) {
      const headers: Record<string, string> = {}
      for (const [k, v] of m.headers ?? []) headers[k] = v[0] ?? ""
      out.push({ subject: m.subject, msgId: m.headers?.get("Nats-Msg-Id") ?? "", headers, body: m.string() })
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
  readonly accepted: number
  readonly applied: number
  readonly parked: number
  readonly parkedReasons: Readonly<Record<string, number>>
  readonly lost: number
  readonly duplicate_effects: number
  readonly order_violations: number
  readonly systemMessages: number
  /** Every message on SYSTEMS_<region> (subject, msg id, body), for diagnosing a system that did not finish. */
  readonly systems: ReadonlyArray<StoredMessage>
  /** Every durable consumer of SYSTEMS_<region> still holding work (a system that has not caught up). */
  readonly systemConsumersBehind: ReadonlyArray<{ readonly name: string; readonly pending: number; readonly ackPending: number; readonly redelivered: number }>
}

const consumersBehind = async (natsUrl: string, stream: string) => {
  const nc = await connect({ servers: natsUrl, name: "drill-consumers" })
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

export const countEffects = async (options: { readonly natsUrl: string; readonly databaseUrl: string; readonly region: string }): Promise<EffectCounts> => {
  const commands = await readStream(options.natsUrl, `COMMANDS_${options.region}`)
  const systems = await readStream(options.natsUrl, `SYSTEMS_${options.region}`)
  const events = await readStream(options.natsUrl, `EVENTS_${options.region}`)
  const client = new pg.Client({ connectionString: options.databaseUrl })
  await client.connect()
  try {
    const inbox = new Set((await client.query<{ msg_id: string }>("SELECT msg_id FROM engine_inbox")).rows.map((r) => r.msg_id))
    const parkedRows = (await client.query<{ msg_id: string | null; reason: string }>("SELECT msg_id, reason FROM engine_parked WHERE status = 'parked'")).rows
    const parkedIds = new Set(parkedRows.flatMap((r) => (r.msg_id === null ? [] : [r.msg_id])))
    const accepted = new Set(commands.map((m) => m.msgId))
    const applied = [...accepted].filter((id) => inbox.has(id)).length
    const parked = [...accepted].filter((id) => !inbox.has(id) && parkedIds.has(id)).length
    const parkedReasons: Record<string, number> = {}
    for (const r of parkedRows) parkedReasons[r.reason] = (parkedReasons[r.reason] ?? 0) + 1
    const progress = (await client.query<{ entity_key: string; stage: string }>(
      "SELECT entity_key, payload->>'stage' AS stage FROM engine_event WHERE entity_type = 'order' AND type = 'OrderProgressed' ORDER BY entity_key, seq"
    )).rows
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
    const duplicateSystemIds = duplicatesBy(systems, (m) => m.msgId)
    const duplicateSystemBodies = duplicatesBy(systems, (m) => `${m.subject} ${m.body}`)
    const duplicateEvents = duplicatesBy(events, (m) => `${m.headers["Logimesh-Entity-Type"]}/${m.headers["Logimesh-Entity-Key"]}#${m.headers["Logimesh-Event-Seq"]}`)
    return {
      accepted: accepted.size,
      applied,
      parked,
      parkedReasons,
      lost: accepted.size - applied - parked,
      duplicate_effects: Math.max(duplicateSystemIds, duplicateSystemBodies) + duplicateEvents,
      order_violations: violations,
      systemMessages: systems.length,
      systems,
      systemConsumersBehind: await consumersBehind(options.natsUrl, `SYSTEMS_${options.region}`)
    }
  } finally {
    await client.end()
  }
}
