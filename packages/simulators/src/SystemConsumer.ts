/**
 * A simulated system's inbox: one durable pull consumer on the region's
 * `SYSTEMS_<region>` stream (hub domain), filtered to the system's subjects
 * (`sys.erp.>`, `sys.wes.<site>.>`, ...). Created if missing (deliver policy
 * `new` by default: a run sees only what happens after it starts), fetched in
 * bounded batches, handled with bounded concurrency, acked after handling,
 * nak'ed (with a delay) when the handler fails. Redeliveries are recognised
 * by `Nats-Msg-Id` (`MessageDedup`). Payload = JSON of the event fields plus
 * `type`; the type is also the last subject token.
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
  readonly maxDeliver?: number
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
  unparsable: number
}

const textDecoder = new TextDecoder()

export class SystemConsumer {
  readonly stats: ConsumerStats = { received: 0, handled: 0, duplicates: 0, redeliveries: 0, republished: 0, failures: 0, unparsable: 0 }
  private readonly options: SystemConsumerOptions
  private readonly dedup = new MessageDedup()
  private readonly jobs: JobTracker
  private readonly semaphore: Semaphore
  private stopping = false
  private loop: Promise<void> | undefined = undefined

  constructor(options: SystemConsumerOptions) {
    this.options = options
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
    const exists = await jsm.consumers.info(stream, durable).then(() => true, () => false)
    if (!exists) {
      await jsm.consumers.add(stream, {
        durable_name: durable,
        filter_subject: this.options.filterSubject,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: this.options.deliverPolicy === "all" ? DeliverPolicy.All : DeliverPolicy.New,
        ack_wait: nanos(this.options.ackWaitMs ?? 60_000),
        max_deliver: this.options.maxDeliver ?? 50,
        max_ack_pending: 10_000
      })
    }
    this.loop = this.fetchLoop()
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
            await this.semaphore.acquire()
            if (this.stopping) {
              this.semaphore.release()
              msg.nak()
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
        if (failures >= 3) this.options.onError?.(new Error(`fetch from ${stream}/${durable} failed ${failures} times in a row: ${errorText(error)}`), undefined)
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
      msg.term()
      return
    }
    switch (this.dedup.begin(message.msgId)) {
      case "done":
        this.stats.duplicates++
        if (!msg.redelivered) this.stats.republished++
        msg.ack()
        return
      case "in-progress":
        this.stats.duplicates++
        return // the first delivery is still being handled and will ack
      case "new":
        break
    }
    try {
      await this.options.handle(message)
      this.dedup.complete(message.msgId)
      this.stats.handled++
      msg.ack()
    } catch (error) {
      this.dedup.abandon(message.msgId)
      this.stats.failures++
      this.options.onError?.(error, message)
      msg.nak(Math.min(10_000, 500 * 2 ** Math.min(message.deliveryCount, 5)))
    }
  }

  /** Stops fetching, waits (bounded) for the handlers in flight. Unhandled fetched messages are nak'ed. */
  async stop(timeoutMs = 10_000): Promise<boolean> {
    this.stopping = true
    const deadline = Date.now() + timeoutMs
    if (this.loop !== undefined) await Promise.race([this.loop, sleep(Math.min(timeoutMs, 2_500))])
    return this.jobs.drain(Math.max(0, deadline - Date.now()))
  }

  get inFlight(): number {
    return this.jobs.size
  }
}
