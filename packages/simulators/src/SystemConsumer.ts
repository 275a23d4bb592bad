/**
 * A simulated system's inbox: one durable pull consumer on the region's
 * `SYSTEMS_<region>` stream (hub domain), filtered to the system's subjects
 * (`sys.erp.>`, `sys.wes.<site>.>`, ...). Created if missing (deliver policy
 * `new` by default: a run sees only what happens after it starts), fetched in
 * bounded batches, handled with bounded concurrency, acked only after its
 * handling finished, nak'ed (with a delay) when the handler fails.
 * Redeliveries are recognised by `Nats-Msg-Id` (`MessageDedup`); a
 * redelivery that arrives while an earlier delivery is still being handled
 * is held and settled with it.
 *
 * Nothing is dropped silently:
 * - every delivery this consumer holds (waiting for a handler slot, being
 *   handled, or a redelivery of a message in progress) is kept alive with
 *   `working()` every third of `ack_wait`, so a long handler (a held pick
 *   wave, a precondition wait, HTTP retries) does not provoke redeliveries;
 * - the server never gives up on a message (`max_deliver` unlimited by
 *   default): the server counts a delivery into a dead route (a cut leaf
 *   link) as a delivery, and can burn a bounded `max_deliver` within a
 *   second without this consumer ever seeing the message. The attempts that
 *   count are this consumer's failed handlings: after `maxHandlingAttempts`
 *   of them the message is terminated and reported (`onError`, `gaveUp`).
 *
 * Payload = JSON of the event fields plus `type`; the type is also the last
 * subject token.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream"
import { nanos, type NatsConnection } from "@nats-io/transport-node"
import { errorText, JobTracker, Semaphore, sleep } from "./Concurrency.ts"
import { MessageDedup } from "./MessageDedup.ts"

export interface SystemMessage {
  readonly subject: string
  /** `type` of the payload, else the last subject token. */
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly msgId: string
  readonly streamSeq: number
  readonly deliveryCount: number
  readonly causationId: string | undefined
}

export interface SystemConsumerOptions {
  readonly nc: NatsConnection
  /** JetStream domain of the stream (the region's streams live in `hub`). */
  readonly domain?: string | undefined
  readonly stream: string
  readonly durable: string
  readonly filterSubject: string
  readonly handle: (message: SystemMessage) => Promise<void>
  readonly concurrency?: number
  readonly deliverPolicy?: "new" | "all"
  /** How long `start` waits for the stream to exist (the region creates it at boot). */
  readonly streamWaitMs?: number
  readonly ackWaitMs?: number
  /** Server-side delivery limit (default -1: unlimited; see the header). */
  readonly maxDeliver?: number
  /** Failed handlings of one message before it is terminated and reported (default 20). */
  readonly maxHandlingAttempts?: number
  /** Shared by the consumers of one system across restarts, so a restarted consumer knows what was handled. */
  readonly dedup?: MessageDedup<JsMsg>
  readonly onError?: (error: unknown, message: SystemMessage | undefined) => void
}

export interface ConsumerStats {
  received: number
  handled: number
  duplicates: number
  redeliveries: number
  /** A message id seen before on a message that is not a redelivery: the sender published it twice. */
  republished: number
  failures: number
  /** Messages terminated after `maxHandlingAttempts` failed handlings (each one reported through `onError`). */
  gaveUp: number
  unparsable: number
}

const textDecoder = new TextDecoder()

type Settlement = { readonly kind: "nak"; readonly delayMs: number } | { readonly kind: "term" }

/** Naks / terms a delivery; lost with a broken connection, the server redelivers it after ack_wait and dedup copes. */
const settle = (msg: JsMsg, how: Settlement): void => {
  try {
    if (how.kind === "nak") msg.nak(how.delayMs)
    else msg.term()
  } catch {
    // connection closed: the message is redelivered
  }
}

const ACK = new TextEncoder().encode("+ACK")

/** The ack subject of a delivery (`$JS.ACK.<stream>.<consumer>...`); the implementation exposes it, the interface does not. */
const ackSubjectOf = (msg: JsMsg): string | undefined => {
  const reply = (msg as unknown as { readonly reply?: unknown }).reply
  return typeof reply === "string" && reply.length > 0 ? reply : undefined
}

const keepAlive = (msg: JsMsg): void => {
  try {
    msg.working()
  } catch {
    // connection gone: the server redelivers after ack_wait, which dedup handles
  }
}

/**
 * The durable's configuration. `max_deliver` is unlimited unless asked: the
 * server counts deliveries this consumer never received (see the header).
 */
export const systemConsumerConfig = (options: Pick<SystemConsumerOptions, "durable" | "filterSubject" | "deliverPolicy" | "ackWaitMs" | "maxDeliver">) => ({
  durable_name: options.durable,
  filter_subject: options.filterSubject,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: options.deliverPolicy === "all" ? DeliverPolicy.All : DeliverPolicy.New,
  ack_wait: nanos(options.ackWaitMs ?? 15_000),
  max_deliver: options.maxDeliver ?? -1,
  max_ack_pending: 10_000
})

export class SystemConsumer {
  readonly stats: ConsumerStats = { received: 0, handled: 0, duplicates: 0, redeliveries: 0, republished: 0, failures: 0, gaveUp: 0, unparsable: 0 }
  private readonly options: SystemConsumerOptions
  private readonly dedup: MessageDedup<JsMsg>
  /** Fetched deliveries waiting for a handler slot (kept alive like the ones in progress). */
  private readonly waiting = new Set<JsMsg>()
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined = undefined
  private readonly jobs: JobTracker
  private readonly semaphore: Semaphore
  private stopping = false
  private loop: Promise<void> | undefined = undefined

  constructor(options: SystemConsumerOptions) {
    this.options = options
    this.dedup = options.dedup ?? new MessageDedup<JsMsg>()
    this.semaphore = new Semaphore(options.concurrency ?? 64)
    this.jobs = new JobTracker((error) => options.onError?.(error, undefined))
  }

  /** Ensures the durable consumer exists (waiting, bounded, for the stream) and starts fetching. */
  async start(): Promise<void> {
    const { nc, domain, stream, durable } = this.options
    const jsm = await jetstreamManager(nc, domain === undefined ? {} : { domain })
    const deadline = Date.now() + (this.options.streamWaitMs ?? 60_000)
    for (;;) {
      try {
        await jsm.streams.info(stream)
        break
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`stream ${stream} (domain ${domain ?? "local"}) not available: ${errorText(error)}`)
        await sleep(500)
      }
    }
    const { ack_wait: ackWait, max_deliver: maxDeliver } = systemConsumerConfig(this.options)
    const existing = await jsm.consumers.info(stream, durable).catch(() => undefined)
    if (existing === undefined) {
      await jsm.consumers.add(stream, systemConsumerConfig(this.options))
    } else if (existing.config.ack_wait !== ackWait || (existing.config.max_deliver ?? -1) !== maxDeliver) {
      // A durable left by an older run (a bounded max_deliver loses messages, see the header): align it.
      await jsm.consumers.update(stream, durable, { ack_wait: ackWait, max_deliver: maxDeliver }).catch((error: unknown) => {
        this.options.onError?.(new Error(`could not update consumer ${stream}/${durable}: ${errorText(error)}`), undefined)
      })
    }
    const every = Math.max(250, Math.floor(this.ackWaitMs / 3))
    this.keepAliveTimer = setInterval(() => this.keepAlive(), every)
    this.keepAliveTimer.unref?.()
    this.loop = this.fetchLoop()
  }

  private get ackWaitMs(): number {
    return this.options.ackWaitMs ?? 15_000
  }

  /** Tells the server every delivery this consumer holds is still being worked on. */
  private keepAlive(): void {
    for (const msg of this.waiting) keepAlive(msg)
    for (const msg of this.dedup.held()) keepAlive(msg)
  }

  private async fetchLoop(): Promise<void> {
    const { nc, domain, stream, durable } = this.options
    const js = jetstream(nc, domain === undefined ? {} : { domain })
    let failures = 0
    while (!this.stopping) {
      try {
        const consumer = await js.consumers.get(stream, durable)
        while (!this.stopping) {
          // Long polls with a generous heartbeat: on a busy machine a 1 s poll "misses heartbeats" for nothing.
          const batch = await consumer.fetch({ max_messages: 128, expires: 5_000, idle_heartbeat: 2_500 })
          for await (const msg of batch) {
            this.waiting.add(msg)
            await this.semaphore.acquire()
            this.waiting.delete(msg)
            if (this.stopping) {
              this.semaphore.release()
              settle(msg, { kind: "nak", delayMs: 0 })
              continue
            }
            this.jobs.run(() => this.dispatch(msg).finally(() => this.semaphore.release()))
          }
          failures = 0
        }
      } catch (error) {
        if (this.stopping) break
        failures++
        // One failed poll is routine (a missed heartbeat, a reconnect); report it when it keeps failing.
        if (failures >= 3)
          this.options.onError?.(new Error(`fetch from ${stream}/${durable} failed ${failures} times in a row: ${errorText(error)}`), undefined)
        await sleep(Math.min(5_000, 250 * 2 ** Math.min(failures, 5)))
      }
    }
  }

  private parse(msg: JsMsg): SystemMessage | undefined {
    let payload: unknown
    try {
      payload = JSON.parse(textDecoder.decode(msg.data)) as unknown
    } catch {
      return undefined
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined
    const record = payload as Readonly<Record<string, unknown>>
    const lastToken = msg.subject.slice(msg.subject.lastIndexOf(".") + 1)
    return {
      subject: msg.subject,
      type: typeof record["type"] === "string" ? record["type"] : lastToken,
      payload: record,
      msgId: msg.headers?.get("Nats-Msg-Id") || `seq:${msg.seq}`,
      streamSeq: msg.seq,
      deliveryCount: msg.info.deliveryCount,
      causationId: msg.headers?.get("Logimesh-Causation-Id") || undefined
    }
  }

  private async dispatch(msg: JsMsg): Promise<void> {
    this.stats.received++
    if (msg.redelivered) this.stats.redeliveries++
    const message = this.parse(msg)
    if (message === undefined) {
      this.stats.unparsable++
      settle(msg, { kind: "term" })
      return
    }
    switch (this.dedup.begin(message.msgId, msg)) {
      case "done":
        this.stats.duplicates++
        if (!msg.redelivered) this.stats.republished++
        this.ack(msg)
        return
      case "in-progress":
        // Held with the delivery being handled: kept alive, and settled when that handling ends.
        this.stats.duplicates++
        return
      case "new":
        break
    }
    let failure: { readonly error: unknown } | undefined
    try {
      await this.options.handle(message)
    } catch (error) {
      failure = { error }
    }
    if (failure === undefined) {
      this.stats.handled++
      for (const delivery of this.dedup.complete(message.msgId)) this.ack(delivery)
      return
    }
    const { deliveries, failures } = this.dedup.abandon(message.msgId)
    this.stats.failures++
    this.options.onError?.(failure.error, message)
    const maxAttempts = this.options.maxHandlingAttempts ?? 20
    if (failures >= maxAttempts) {
      this.dedup.giveUp(message.msgId)
      this.stats.gaveUp++
      this.options.onError?.(new Error(`${message.subject} (${message.msgId}): gave up after ${failures} failed handlings; terminated`), message)
      for (const delivery of deliveries) settle(delivery, { kind: "term" })
      return
    }
    const delayMs = Math.min(10_000, 500 * 2 ** Math.min(failures, 5))
    for (const delivery of deliveries) settle(delivery, { kind: "nak", delayMs })
  }

  /**
   * Acks and waits for the server's confirmation, retrying (same ack subject) while it does not come:
   * a plain ack published while a leaf's link to the hub is down vanishes, and the handled message
   * would sit ack-pending until ack_wait and come back. Tracked, so `stop` waits for it (bounded).
   */
  private ack(msg: JsMsg): void {
    const subject = ackSubjectOf(msg)
    const { nc } = this.options
    if (subject === undefined) {
      try {
        msg.ack()
      } catch {
        // connection closed: redelivered, recognised as done, acked again
      }
      return
    }
    this.jobs.run(async () => {
      const deadline = Date.now() + 4 * this.ackWaitMs
      for (let attempt = 0; ; attempt++) {
        try {
          await nc.request(subject, ACK, { timeout: 3_000 })
          return
        } catch {
          // no route to the hub (no responders) or no confirmation in time: try again, bounded
          if (nc.isClosed() || Date.now() > deadline) return // redelivered after ack_wait, recognised as done
          await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)))
        }
      }
    })
  }

  /** Stops fetching, waits (bounded) for the handlers in flight. Unhandled fetched messages are nak'ed. */
  async stop(timeoutMs = 10_000): Promise<boolean> {
    this.stopping = true
    const deadline = Date.now() + timeoutMs
    if (this.loop !== undefined) await Promise.race([this.loop, sleep(Math.min(timeoutMs, 2_500))])
    const drained = await this.jobs.drain(Math.max(0, deadline - Date.now()))
    // The connection closes next; a handler still running settles through it or leaves its message to redelivery.
    if (this.keepAliveTimer !== undefined) clearInterval(this.keepAliveTimer)
    return drained
  }

  get inFlight(): number {
    return this.jobs.size
  }
}
