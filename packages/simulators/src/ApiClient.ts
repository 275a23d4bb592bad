/**
 * How a simulated system calls the region's `/v1` HTTP API (node's global
 * fetch): its API key (`Authorization: Bearer lmk_…`; the region takes the
 * sender from it), a deterministic `Idempotency-Key` per business action,
 * `X-Correlation-Id` = the order id.
 *
 * - 5xx, 202 (step not committed within the server's wait) and network
 *   errors are retried with bounded exponential backoff and the same key;
 *   a key is always sent with the body of its first send (a handling that
 *   runs again rebuilds its body, with a fresh timestamp);
 *   a 202 that stays 202 is followed up with the same key (the server then
 *   answers the command's outcome) for `commitWaitMs`, and only then ends as
 *   `pending` (queued, outcome unknown: not an effect a caller may build on).
 * - 4xx problem+json answers are recorded as rejections and returned, never
 *   retried blindly; only a caller that knows a precondition may lag
 *   (`awaitPrecondition`, e.g. a pick task the flow has not created yet)
 *   retries, with a new key per attempt, until its deadline.
 * - Knobs: latency before every attempt, simulated 503s on the system side
 *   (half before sending, half with the response lost after the server
 *   acted), and duplicate sends (same key, same body) whose answer must equal
 *   the first one; mismatches are recorded.
 * Every decision is derived from the seed and the key, never Math.random.
 */
import { errorText, Semaphore, sleep } from "./Concurrency.ts"
import type { Latency } from "./Knobs.ts"
import { hash32, unitFromLabel } from "./Prng.ts"
import { SentLedger } from "./SentLedger.ts"

export type SystemName = "ERP" | "WES" | "DISPATCH" | "CARRIER" | "PORTAL"

export interface ApiCall {
  readonly path: string
  readonly body?: unknown
  readonly idempotencyKey: string
  readonly correlationId?: string | undefined
  /** Label for statistics and rejections ("confirm-pick"). */
  readonly action: string
  /** True when this 4xx answer means "not yet" (a precondition another module has not committed). */
  readonly awaitPrecondition?: (answer: ApiAnswer) => boolean
  readonly preconditionTimeoutMs?: number
  /** How long a command still answered 202 (queued, not committed) is followed up with its key (default 60 s). */
  readonly commitWaitMs?: number
  /**
   * For an action no message will bring back (driven in memory): while the region does not answer
   * (`ApiUnavailable`), the whole call is tried again every 2 s for up to this long. Default 0: give up.
   */
  readonly persistMs?: number
}

export interface ApiAnswer {
  readonly status: number
  readonly body: unknown
  /** 2xx. */
  readonly ok: boolean
  /** Still 202 after every attempt: accepted, not yet committed. */
  readonly pending: boolean
  readonly attempts: number
  readonly rejection: Rejection | undefined
}

export interface Rejection {
  readonly system: SystemName
  readonly action: string
  readonly path: string
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly correlationId: string | undefined
  readonly idempotencyKey: string
  readonly at: string
}

export interface DuplicateMismatch {
  readonly key: string
  readonly path: string
  readonly first: { readonly status: number; readonly body: unknown }
  readonly second: { readonly status: number; readonly body: unknown }
}

export interface ApiStats {
  calls: number
  attempts: number
  retries: number
  simulatedFailures: number
  networkErrors: number
  serverErrors: number
  accepted202: number
  pending: number
  preconditionWaits: number
  duplicatesSent: number
  duplicatesMatched: number
  readonly duplicateMismatches: Array<DuplicateMismatch>
  readonly rejections: Array<Rejection>
}

export class ApiUnavailable extends Error {
  readonly path: string
  constructor(path: string, attempts: number, last: string) {
    super(`${path}: no answer after ${attempts} attempts (${last})`)
    this.name = "ApiUnavailable"
    this.path = path
  }
}

/** Carries one request and brings back its answer (HTTP by default; a site's stream for site systems). */
export interface ApiTransport {
  readonly send: (
    method: "GET" | "POST",
    path: string,
    body: unknown,
    headers: Readonly<Record<string, string>>
  ) => Promise<{ readonly status: number; readonly body: unknown }>
}

export interface ApiClientOptions {
  readonly baseUrl: string
  /** The system's API key, sent as `Authorization: Bearer <key>`. */
  readonly apiKey: string
  /** Carries commands (POST) instead of HTTP; queries (GET) always use HTTP. */
  readonly commandTransport?: ApiTransport
  readonly system: SystemName
  /** Distinguishes two clients of one system (two WES sites) in the failure/duplicate draws. */
  readonly instance?: string
  readonly seed: number
  readonly latencyMs?: Latency
  readonly duplicateRate?: number
  readonly failureRate?: number
  readonly maxAttempts?: number
  readonly backoffBaseMs?: number
  readonly backoffMaxMs?: number
  readonly requestTimeoutMs?: number
  /** Concurrent requests of this client. */
  readonly concurrency?: number
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** JSON with object keys sorted, so two equal bodies compare equal whatever their key order. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]])
        )
      : v
  )

/** The searchable text of a problem+json answer (title, detail, type, tags), for matching a rejection by name. */
export const problemText = (body: unknown): string => {
  if (!isRecord(body)) return typeof body === "string" ? body : ""
  return [body["type"], body["title"], body["detail"], body["_tag"], body["rejection"], body["code"], body["state"]]
    .map((v) => (typeof v === "string" ? v : isRecord(v) ? JSON.stringify(v) : ""))
    .filter((v) => v !== "")
    .join(" | ")
}

/**
 * The principal id the region scopes this system's Idempotency-Keys by: the default id of the key the
 * topology issues (`erp`, `carrier`, `wes@<site>`; a site's command messages carry the same).
 */
export const principalScopeOf = (options: Pick<ApiClientOptions, "system" | "instance">): string =>
  options.system === "WES" && options.instance !== undefined ? `wes@${options.instance}` : options.system.toLowerCase()

export class ApiClient {
  readonly system: SystemName
  readonly stats: ApiStats = {
    calls: 0,
    attempts: 0,
    retries: 0,
    simulatedFailures: 0,
    networkErrors: 0,
    serverErrors: 0,
    accepted202: 0,
    pending: 0,
    preconditionWaits: 0,
    duplicatesSent: 0,
    duplicatesMatched: 0,
    duplicateMismatches: [],
    rejections: []
  }
  /** Every command this client sent, once per Idempotency-Key (what a drill matches against the region's records). */
  readonly sent: SentLedger
  private readonly options: ApiClientOptions
  /** The first body sent under each key: a retry re-sends that request, as a client that keeps its outgoing requests does. */
  private readonly firstBodies = new Map<string, unknown>()
  private readonly baseUrl: string
  private readonly semaphore: Semaphore
  private readonly label: string

  constructor(options: ApiClientOptions) {
    this.options = options
    this.system = options.system
    this.baseUrl = options.baseUrl.replace(/\/+$/, "")
    this.semaphore = new Semaphore(options.concurrency ?? 16)
    this.label = `${options.seed}:${options.system}:${options.instance ?? ""}`
    this.sent = new SentLedger(options.system, options.instance, options.commandTransport === undefined ? "http" : "site-message", principalScopeOf(options))
  }

  private latencyFor(label: string): number {
    const latency = this.options.latencyMs ?? 0
    if (typeof latency === "number") return latency
    const [min, max] = latency
    return min + Math.floor(unitFromLabel(`${this.label}:lat:${label}`) * (max - min + 1))
  }

  private backoff(attempt: number, label: string): number {
    const base = this.options.backoffBaseMs ?? 100
    const max = this.options.backoffMaxMs ?? 3_000
    const exp = Math.min(max, base * 2 ** (attempt - 1))
    return Math.round(exp / 2 + (exp / 2) * unitFromLabel(`${this.label}:jitter:${label}:${attempt}`))
  }

  private async send(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    headers: Readonly<Record<string, string>>
  ): Promise<{ readonly status: number; readonly body: unknown }> {
    await this.semaphore.acquire()
    try {
      const transport = this.options.commandTransport
      if (method === "POST" && transport !== undefined) return await transport.send(method, path, body, headers)
      return await this.fetchOnce(method, path, body, headers)
    } finally {
      this.semaphore.release()
    }
  }

  private async fetchOnce(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    headers: Readonly<Record<string, string>>
  ): Promise<{ readonly status: number; readonly body: unknown }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        accept: "application/json, application/problem+json",
        authorization: `Bearer ${this.options.apiKey}`,
        ...(method === "POST" ? { "content-type": "application/json" } : {}),
        ...headers
      },
      ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {}),
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000)
    })
    const text = await response.text()
    let parsed: unknown = text
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text) as unknown
      } catch {
        parsed = text
      }
    }
    return { status: response.status, body: parsed }
  }

  /**
   * One business action: retried on 5xx / 202 / network errors with the same
   * key. Throws `ApiUnavailable` when no usable answer came within the attempts.
   */
  private async attemptLoop(call: ApiCall, key: string): Promise<ApiAnswer> {
    const maxAttempts = this.options.maxAttempts ?? 8
    const failureRate = this.options.failureRate ?? 0
    const headers: Record<string, string> = { "idempotency-key": key }
    if (call.correlationId !== undefined) headers["x-correlation-id"] = call.correlationId
    let last = "no attempt"
    let lastStatus = 0
    let lastBody: unknown
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        this.stats.retries++
        await sleep(this.backoff(attempt - 1, key))
      }
      await sleep(this.latencyFor(`${key}:${attempt}`))
      this.stats.attempts++
      // Simulated 503 on the system side; never on the last two attempts, so an action always gets through.
      const injected = attempt < maxAttempts - 1 && unitFromLabel(`${this.label}:fail:${key}:${attempt}`) < failureRate
      if (injected && unitFromLabel(`${this.label}:failmode:${key}:${attempt}`) < 0.5) {
        this.stats.simulatedFailures++
        last = "simulated 503 before sending"
        continue
      }
      let answer: { readonly status: number; readonly body: unknown }
      this.sent.sending(key, call)
      try {
        answer = await this.send("POST", call.path, call.body, headers)
      } catch (error) {
        this.stats.networkErrors++
        last = `network: ${errorText(error)}`
        this.sent.failed(key, last)
        continue
      }
      if (injected) {
        this.stats.simulatedFailures++
        last = "simulated 503: response lost"
        continue
      }
      lastStatus = answer.status
      lastBody = answer.body
      if (answer.status >= 500) {
        this.stats.serverErrors++
        last = `HTTP ${answer.status}`
        continue
      }
      if (answer.status === 202) {
        this.stats.accepted202++
        last = "HTTP 202"
        continue
      }
      return { status: answer.status, body: answer.body, ok: answer.status < 300, pending: false, attempts: attempt, rejection: undefined }
    }
    if (lastStatus === 202) {
      this.stats.pending++
      return { status: 202, body: lastBody, ok: true, pending: true, attempts: maxAttempts, rejection: undefined }
    }
    this.sent.failed(key, `gave up after ${maxAttempts} attempts: ${last}`)
    throw new ApiUnavailable(call.path, maxAttempts, last)
  }

  private rejectionOf(call: ApiCall, key: string, status: number, body: unknown): Rejection {
    const title = isRecord(body) && typeof body["title"] === "string" ? body["title"] : `HTTP ${status}`
    const detail = isRecord(body) && typeof body["detail"] === "string" ? body["detail"] : problemText(body)
    return {
      system: this.system,
      action: call.action,
      path: call.path,
      status,
      title,
      detail,
      correlationId: call.correlationId,
      idempotencyKey: key,
      at: new Date().toISOString()
    }
  }

  /** A command (POST). 4xx answers come back with `rejection` set (and are recorded); see the file header. */
  async post(original: ApiCall): Promise<ApiAnswer> {
    const deadline = Date.now() + (original.persistMs ?? 0)
    for (;;) {
      try {
        return await this.postOnce(original)
      } catch (error) {
        if (!(error instanceof ApiUnavailable) || !this.persisting || Date.now() > deadline) throw error
        await sleep(2_000)
      }
    }
  }

  private persisting = true
  /** The system stops: calls that persist give up at their next failure. */
  stopPersisting(): void {
    this.persisting = false
  }
  resumePersisting(): void {
    this.persisting = true
  }

  private async postOnce(original: ApiCall): Promise<ApiAnswer> {
    this.stats.calls++
    // A handling that runs again (after a failure or a restart) builds its body anew (a fresh timestamp); under
    // the same key the request must be the same one, or the region answers 422 (key reused for another request).
    const kept = this.firstBodies.get(original.idempotencyKey)
    if (kept === undefined) {
      this.firstBodies.set(original.idempotencyKey, original.body)
      if (this.firstBodies.size > 100_000) this.firstBodies.delete(this.firstBodies.keys().next().value ?? "")
    }
    const call: ApiCall = kept === undefined ? original : { ...original, body: kept }
    const deadline = Date.now() + (call.preconditionTimeoutMs ?? 15_000)
    let key = call.idempotencyKey
    for (let wait = 1; ; wait++) {
      let answer = await this.attemptLoop(call, key)
      // Queued but not committed (the region was down or slow): learn the outcome with the same key.
      const commitDeadline = Date.now() + (call.commitWaitMs ?? 60_000)
      while (answer.pending && Date.now() < commitDeadline) answer = await this.attemptLoop(call, key)
      if (!answer.pending) this.sent.answered(key, answer.status, answer.body)
      if (answer.status < 400) {
        await this.maybeDuplicate(call, key, answer)
        return answer
      }
      if (call.awaitPrecondition?.(answer) && Date.now() < deadline && wait < 40) {
        this.stats.preconditionWaits++
        await sleep(Math.min(this.backoff(wait, `${key}:pre`), Math.max(0, deadline - Date.now())))
        key = `${call.idempotencyKey}~w${wait}`
        continue
      }
      await this.maybeDuplicate(call, key, answer)
      const rejection = this.rejectionOf(call, key, answer.status, answer.body)
      this.stats.rejections.push(rejection)
      return { ...answer, rejection }
    }
  }

  private async maybeDuplicate(call: ApiCall, key: string, first: ApiAnswer): Promise<void> {
    const rate = this.options.duplicateRate ?? 0
    if (first.pending || rate <= 0 || unitFromLabel(`${this.label}:dup:${key}`) >= rate) return
    this.stats.duplicatesSent++
    const headers: Record<string, string> = { "idempotency-key": key }
    if (call.correlationId !== undefined) headers["x-correlation-id"] = call.correlationId
    await sleep(this.latencyFor(`${key}:dup`))
    let second: { readonly status: number; readonly body: unknown }
    this.sent.sending(key, call)
    try {
      second = await this.send("POST", call.path, call.body, headers)
    } catch {
      return // a lost duplicate proves nothing either way
    }
    if (second.status >= 500 || second.status === 202) return
    if (second.status === first.status && canonicalJson(second.body) === canonicalJson(first.body)) {
      this.stats.duplicatesMatched++
    } else {
      this.stats.duplicateMismatches.push({
        key,
        path: call.path,
        first: { status: first.status, body: first.body },
        second: { status: second.status, body: second.body }
      })
    }
  }

  /** A query (GET): retried on 5xx / network errors; any other answer is returned as is. */
  async get(path: string, correlationId?: string): Promise<{ readonly status: number; readonly body: unknown }> {
    const maxAttempts = this.options.maxAttempts ?? 8
    let last = "no attempt"
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await sleep(this.backoff(attempt - 1, `GET ${path}`))
      try {
        const answer = await this.send("GET", path, undefined, correlationId === undefined ? {} : { "x-correlation-id": correlationId })
        if (answer.status < 500) return answer
        last = `HTTP ${answer.status}`
      } catch (error) {
        last = `network: ${errorText(error)}`
      }
    }
    throw new ApiUnavailable(path, maxAttempts, last)
  }
}

/** A stable short number from a string (used where a deterministic pick needs an index). */
export const stableIndex = (text: string, modulo: number): number => hash32(text) % modulo
