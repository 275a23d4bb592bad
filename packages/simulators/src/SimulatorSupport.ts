/**
 * What every simulated system shares: its common options (region API, NATS
 * URL, JetStream domain of the region's streams, seed and knobs, consumer
 * name prefix, the scenario's plan lookup), how it connects to NATS, the
 * stream/durable/subject names it reads, and lenient readers for message
 * payloads (a real system's adapter tolerates extra fields, and so do these).
 */
import { type ConnectionOptions, connect, type NatsConnection } from "@nats-io/transport-node"
import { type ApiAnswer, ApiClient, type ApiTransport, type Rejection, type SystemName } from "./ApiClient.ts"
import type { Latency } from "./Knobs.ts"
import type { OrderPlan } from "./Scenario.ts"
import type { JsMsg } from "@nats-io/jetstream"
import { MessageDedup } from "./MessageDedup.ts"
import { SystemConsumer, type SystemMessage } from "./SystemConsumer.ts"
import { definedFields } from "@logimesh/model"

/** The API key of each simulated system (the topology's `secrets/api-keys.json` holds them per region). */
export interface SimulatorApiKeys {
  readonly ERP: string
  readonly DISPATCH: string
  readonly CARRIER: string
  /** The WES of each site. */
  readonly WES: Readonly<Record<string, string>>
  /** An operator (admin) key: the scenario reads the region's parked messages with it at the end. */
  readonly admin: string
}

export interface SimulatorCommon {
  /** Region HTTP base URL, e.g. http://127.0.0.1:8080 (the simulators add /v1/...). */
  readonly apiUrl: string
  /** Each system calls the API with its own key (`Authorization: Bearer lmk_…`). */
  readonly apiKeys: SimulatorApiKeys
  /** NATS the system connects to: the hub for ERP/dispatch/carriers, its own site leaf for a WES. */
  readonly natsUrl: string
  /** This system's own NATS credentials (its NKey authenticator, the mesh CA); absent: anonymous. */
  readonly natsAuth?: NatsAuth | undefined
  readonly region: string
  /** JetStream domain of `SYSTEMS_<region>` (default "hub"). */
  readonly domain?: string
  readonly seed: number
  readonly latencyMs?: Latency
  readonly duplicateRate?: number
  readonly failureRate?: number
  /** Durable consumer names start with this (default "sim"). */
  readonly consumerPrefix?: string
  readonly deliverPolicy?: "new" | "all"
  /** Messages handled at once. */
  readonly concurrency?: number
  /** Concurrent HTTP requests. */
  readonly httpConcurrency?: number
  readonly streamWaitMs?: number
  /** The scenario's plan of an order (exceptions to act out); undefined = a plain order. */
  readonly plans?: (order: string) => OrderPlan | undefined
  readonly onError?: (system: string, error: unknown) => void
}

export const systemsStreamName = (region: string): string => `SYSTEMS_${region}`

/** Durable names: letters, digits, - and _ only. */
export const durableName = (prefix: string, ...parts: ReadonlyArray<string>): string => [prefix, ...parts].join("_").replace(/[^A-Za-z0-9_-]/g, "_")

/** The connection options that carry a system's credentials (built by whoever holds them, e.g. `natsAuthOptions` of @logimesh/bus). */
export type NatsAuth = Pick<ConnectionOptions, "authenticator" | "tls" | "inboxPrefix">

export const connectNats = (url: string, name: string, auth?: NatsAuth): Promise<NatsConnection> =>
  connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 5_000, ...auth })

/** The key of one system (a WES: of its site); throws naming what is missing. */
export const apiKeyOf = (keys: SimulatorApiKeys, system: SystemName, instance?: string): string => {
  const key = system === "WES" ? keys.WES[instance ?? ""] : system === "PORTAL" ? undefined : keys[system]
  if (key === undefined) throw new Error(`no API key for ${system}${instance === undefined ? "" : ` ${instance}`}`)
  return key
}

export const makeClient = (common: SimulatorCommon, system: SystemName, instance?: string, commandTransport?: ApiTransport): ApiClient =>
  new ApiClient({
    baseUrl: common.apiUrl,
    apiKey: apiKeyOf(common.apiKeys, system, system === "WES" ? instance : undefined),
    ...definedFields({ commandTransport }),
    system,
    seed: common.seed,
    ...definedFields({
      instance,
      latencyMs: common.latencyMs,
      duplicateRate: common.duplicateRate,
      failureRate: common.failureRate,
      concurrency: common.httpConcurrency
    })
  })

export const makeConsumer = (
  common: SimulatorCommon,
  nc: NatsConnection,
  system: string,
  durableParts: ReadonlyArray<string>,
  filterSubject: string,
  handle: (message: SystemMessage) => Promise<void>,
  dedup?: MessageDedup<JsMsg>,
  source?: { readonly stream: string; readonly domain: string }
): SystemConsumer =>
  new SystemConsumer({
    nc,
    domain: source?.domain ?? common.domain ?? "hub",
    stream: source?.stream ?? systemsStreamName(common.region),
    durable: durableName(common.consumerPrefix ?? "sim", ...durableParts),
    filterSubject,
    handle,
    ...definedFields({ concurrency: common.concurrency, deliverPolicy: common.deliverPolicy, streamWaitMs: common.streamWaitMs, dedup }),
    onError: (error) => common.onError?.(system, error)
  })

/** Where a durable consumer lives: its JetStream domain, stream and name. */
export interface ConsumerRef {
  readonly domain: string
  readonly stream: string
  readonly durable: string
}

/**
 * A simulated system's link to logimesh's SYSTEMS stream: its own NATS
 * connection and durable consumer, opened by `start()`, drained by
 * `stopConsuming()` and closed by `close()`.
 */
export class SystemLink {
  private nc: NatsConnection | undefined = undefined
  private consumer: SystemConsumer | undefined = undefined
  /** What this system handled, kept across a stop and restart (a restarted system does not redo its work). */
  private readonly dedup = new MessageDedup<JsMsg>()
  private readonly spec: {
    readonly common: SimulatorCommon
    readonly connectionName: string
    readonly system: string
    readonly durableParts: ReadonlyArray<string>
    readonly filterSubject: string
    readonly handle: (message: SystemMessage) => Promise<void>
    /** Where the messages are read (default `SYSTEMS_<region>` in the hub's domain; a WES reads its site's `SITE_COMMANDS`). */
    readonly source?: { readonly stream: string; readonly domain: string }
  }

  constructor(spec: SystemLink["spec"]) {
    this.spec = spec
  }

  /** The durable consumer this link reads through (a drill watches it on the server while the system is down). */
  get reads(): ConsumerRef {
    const { common, durableParts, source } = this.spec
    return {
      domain: source?.domain ?? common.domain ?? "hub",
      stream: source?.stream ?? systemsStreamName(common.region),
      durable: durableName(common.consumerPrefix ?? "sim", ...durableParts)
    }
  }

  async start(): Promise<void> {
    const { common, connectionName, system, durableParts, filterSubject, handle, source } = this.spec
    this.nc = await connectNats(common.natsUrl, connectionName, common.natsAuth)
    this.consumer = makeConsumer(common, this.nc, system, durableParts, filterSubject, handle, this.dedup, source)
    await this.consumer.start()
  }

  async stopConsuming(timeoutMs: number): Promise<void> {
    await this.consumer?.stop(timeoutMs)
  }

  async close(): Promise<void> {
    await this.nc?.close().catch(() => undefined)
  }

  get stats() {
    return this.consumer?.stats
  }
}

/** A simulated system reading its SYSTEMS messages through a `SystemLink`. */
export abstract class LinkedSystem {
  protected abstract readonly link: SystemLink
  abstract readonly client: ApiClient

  async start(): Promise<void> {
    this.client.resumePersisting()
    await this.link.start()
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.client.stopPersisting()
    await this.link.stopConsuming(timeoutMs)
    await this.link.close()
  }

  get consumerStats() {
    return this.link.stats
  }

  get reads(): ConsumerRef {
    return this.link.reads
  }
}

/** Records a refused call on a system's view (its rejections and a readable note). */
export const keepRejection = (view: { readonly rejections: Array<Rejection>; readonly notes?: Array<string> }, answer: ApiAnswer, what: string): ApiAnswer => {
  if (answer.rejection !== undefined) {
    view.rejections.push(answer.rejection)
    view.notes?.push(`${what} rejected: ${answer.status} ${answer.rejection.title}`)
  }
  return answer
}

// ---- lenient payload readers -------------------------------------------------

export type Payload = Readonly<Record<string, unknown>>

export const isRecord = (u: unknown): u is Payload => typeof u === "object" && u !== null && !Array.isArray(u)

export const str = (p: Payload, key: string): string | undefined => {
  const v = p[key]
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined
}

export const num = (p: Payload, key: string): number | undefined => {
  const v = p[key]
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN
  return Number.isFinite(n) ? n : undefined
}

export const bool = (p: Payload, key: string): boolean | undefined => {
  const v = p[key]
  return typeof v === "boolean" ? v : undefined
}

export const records = (p: Payload, key: string): ReadonlyArray<Payload> => {
  const v = p[key]
  return Array.isArray(v) ? v.filter(isRecord) : []
}

export const strings = (p: Payload, key: string): ReadonlyArray<string> => {
  const v = p[key]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []
}

export interface WireQuantity {
  readonly amount: string
  readonly unit: string
}

/** `{ amount, unit }` as the wire carries it (amount a decimal string). */
export const quantityOf = (v: unknown): WireQuantity | undefined => {
  if (!isRecord(v)) return undefined
  const amount = v["amount"]
  const unit = v["unit"]
  if ((typeof amount !== "string" && typeof amount !== "number") || typeof unit !== "string") return undefined
  return { amount: String(amount), unit }
}

export const eaches = (amount: number): WireQuantity => ({ amount: String(amount), unit: "EA" })

/** The order id a system message is about (every payload carries `order`). */
export const orderOf = (p: Payload): string | undefined => str(p, "order")

export const nowIso = (): string => new Date().toISOString()
