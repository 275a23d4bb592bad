/**
 * How a site system (the simulated WES) sends its `/v1` commands the way a
 * site does in the mesh: as messages into its OWN leaf's `SITE_EVENTS`
 * stream (subject `site.<site>.evt.command`), so they are stored at the
 * site even while its WAN link or the region is down. The region's site
 * gateway applies each one exactly as the HTTP API would and answers on
 * `sys.wes.<site>.outcome`, which reaches the site's `SITE_COMMANDS` stream;
 * this channel reads those answers (its own durable consumer, on the leaf)
 * and hands each to the caller waiting for that Idempotency-Key.
 *
 * Headers of a command message: `Nats-Msg-Id` = `<site>:<sha256(key)>`
 * (site-unique, stable across re-sends: the leaf stream drops a re-send
 * inside its duplicate window), `Logimesh-Command-Path`,
 * `Logimesh-Source-System`, `Idempotency-Key`, `Logimesh-Correlation-Id`.
 * A wait that runs out throws (the `ApiClient` retries with the same key,
 * which waits again without publishing again: once the leaf stored a key it
 * is never sent twice, since a copy stored after the leaf's duplicate window
 * would hold up the site's whole source at the hub); answers that arrive
 * with nobody waiting are kept (bounded) for the retry.
 */
import { jetstream, type JsMsg } from "@nats-io/jetstream"
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node"
import { createHash } from "node:crypto"
import type { ApiTransport, SystemName } from "./ApiClient.ts"
import { MessageDedup } from "./MessageDedup.ts"
import { connectNats, durableName, type NatsAuth } from "./SimulatorSupport.ts"
import { SystemConsumer, type SystemMessage } from "./SystemConsumer.ts"
import { definedFields } from "@logimesh/model"

export const SITE_COMMANDS_STREAM = "SITE_COMMANDS"

export interface SiteCommandChannelOptions {
  /** The site's leaf. */
  readonly natsUrl: string
  /** The site system's own credentials on its leaf; absent: anonymous. */
  readonly natsAuth?: NatsAuth | undefined
  readonly site: string
  readonly system: SystemName
  /** Durable consumer names start with this (default "sim"). */
  readonly consumerPrefix?: string
  /** How long one send waits for its answer before the caller retries (default 15 s). */
  readonly answerTimeoutMs?: number
  readonly streamWaitMs?: number
  readonly onError?: (error: unknown) => void
}

interface Answer {
  readonly status: number
  readonly body: unknown
}

/** Answers kept for keys nobody waits for (yet): enough for every in-flight action of a run. */
const keptAnswers = 50_000

export class SiteCommandChannel implements ApiTransport {
  private readonly options: SiteCommandChannelOptions
  private nc: NatsConnection | undefined = undefined
  private consumer: SystemConsumer | undefined = undefined
  private readonly answers = new Map<string, Answer>()
  /** Keys the leaf has stored: never published again (a copy stored after the duplicate window would hold up the site's source). */
  private readonly stored = new Set<string>()
  private readonly waiters = new Map<string, Set<(answer: Answer) => void>>()
  private readonly dedup = new MessageDedup<JsMsg>()
  /** `repeats`: sends of a key already answered (a retry after a lost wait, or a duplicate send), not published again. */
  readonly stats = { sent: 0, answers: 0, timeouts: 0, repeats: 0, answerMsTotal: 0, answerMsMax: 0 }

  constructor(options: SiteCommandChannelOptions) {
    this.options = options
  }

  async start(): Promise<void> {
    const { site, natsUrl } = this.options
    this.nc = await connectNats(natsUrl, `sim-${this.options.system.toLowerCase()}-${site}-commands`, this.options.natsAuth)
    this.consumer = new SystemConsumer({
      nc: this.nc,
      domain: site,
      stream: SITE_COMMANDS_STREAM,
      durable: durableName(this.options.consumerPrefix ?? "sim", this.options.system.toLowerCase(), site, "outcomes"),
      filterSubject: `sys.wes.${site}.outcome`,
      concurrency: 64,
      dedup: this.dedup,
      ...definedFields({ streamWaitMs: this.options.streamWaitMs }),
      handle: (message) => Promise.resolve(this.received(message)),
      onError: (error) => this.options.onError?.(error)
    })
    await this.consumer.start()
  }

  async stop(timeoutMs = 5_000): Promise<void> {
    await this.consumer?.stop(timeoutMs)
    await this.nc?.close().catch(() => undefined)
  }

  private received(message: SystemMessage): void {
    const key = typeof message.payload["key"] === "string" ? message.payload["key"] : undefined
    const status = typeof message.payload["status"] === "number" ? message.payload["status"] : undefined
    if (key === undefined || status === undefined) return
    this.stats.answers++
    const answer: Answer = { status, body: message.payload["body"] }
    const waiting = this.waiters.get(key)
    if (waiting !== undefined && waiting.size > 0) {
      for (const resolve of waiting) resolve(answer)
      this.waiters.delete(key)
    }
    this.answers.set(key, answer)
    if (this.answers.size > keptAnswers) {
      const oldest = this.answers.keys().next().value
      if (oldest !== undefined) {
        this.answers.delete(oldest)
        this.stored.delete(oldest)
      }
    }
  }

  async send(method: "GET" | "POST", path: string, body: unknown, headers: Readonly<Record<string, string>>): Promise<Answer> {
    if (method !== "POST") throw new Error(`the site channel carries commands only, not ${method} ${path}`)
    const nc = this.nc
    if (nc === undefined) throw new Error("site command channel not started")
    const key = headers["idempotency-key"]
    if (key === undefined) throw new Error(`a site command needs an Idempotency-Key (${path})`)
    const known = this.answers.get(key)
    const { site } = this.options
    const h = natsHeaders()
    h.set("Logimesh-Command-Path", path)
    h.set("Logimesh-Source-System", this.options.system)
    h.set("Idempotency-Key", key)
    const correlation = headers["x-correlation-id"]
    if (correlation !== undefined) h.set("Logimesh-Correlation-Id", correlation)
    if (known !== undefined) {
      // Answered already (a re-send after a lost wait, or a duplicate send): not published again.
      this.stats.repeats++
      return known
    }
    let resolveAnswer: ((answer: Answer) => void) | undefined
    const answered = new Promise<Answer>((resolve) => {
      resolveAnswer = resolve
      const set = this.waiters.get(key) ?? new Set()
      set.add(resolve)
      this.waiters.set(key, set)
    })
    if (!this.stored.has(key)) {
      // Published into the site's own domain: acknowledged by the leaf, whatever the WAN link does.
      await jetstream(nc, { domain: site }).publish(`site.${site}.evt.command`, new TextEncoder().encode(JSON.stringify(body ?? {})), {
        msgID: `${site}:${createHash("sha256").update(key).digest("hex").slice(0, 40)}`,
        headers: h,
        timeout: 5_000
      })
      this.stored.add(key)
      this.stats.sent++
    }
    const waitStarted = performance.now()
    let timer: NodeJS.Timeout | undefined
    const timeoutMs = this.options.answerTimeoutMs ?? 15_000
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs)
    })
    const answer = await Promise.race([answered, timedOut])
    clearTimeout(timer)
    const left = this.waiters.get(key)
    if (left !== undefined && resolveAnswer !== undefined) {
      left.delete(resolveAnswer)
      if (left.size === 0) this.waiters.delete(key)
    }
    if (answer !== undefined) {
      const ms = performance.now() - waitStarted
      this.stats.answerMsTotal += ms
      this.stats.answerMsMax = Math.max(this.stats.answerMsMax, ms)
    }
    if (answer === undefined) {
      this.stats.timeouts++
      throw new Error(`no answer from the region within ${timeoutMs} ms for ${path} (stored at the site; re-sent with the same key)`)
    }
    return answer
  }
}
