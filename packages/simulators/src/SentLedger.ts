/**
 * What one simulated system sent to the region: one entry per logical
 * command, keyed the way the region scopes an `Idempotency-Key` (the
 * sender's principal id + key), so a retry, a follow-up of a 202 or a duplicate send of the same key
 * is the same command (`sends` counts them), and a new key (a precondition
 * wait's `<key>~w<n>`) is a new command.
 *
 * A command enters the ledger when the system hands it to its transport for
 * the first time (an HTTP request starts, or a publish into the site's leaf
 * starts): from then on the mesh may hold it. The ledger also keeps what the
 * sender itself saw (its last final answer and the region's message id the
 * answer named, or its last error) — for diagnosis only: a drill counts a
 * command as applied or parked from the region's own records.
 * Owned by each `ApiClient`; `runScenario` returns every client's entries.
 */
export interface SentCommand {
  /** The sending system (ERP, WES, …). */
  readonly sender: string
  /** The principal id the region scopes the key by (`erp`, `wes@dc-rotterdam`): the message id derives from it. */
  readonly scope: string
  /** Which system of that kind (a WES's site, a carrier's SCAC); undefined for the only one. */
  readonly instance: string | undefined
  readonly key: string
  readonly path: string
  readonly action: string
  readonly correlationId: string | undefined
  /** How it travelled: the HTTP API, or a message into the site's own leaf. */
  readonly transport: "http" | "site-message"
  readonly firstSentAtMs: number
  readonly lastSentAtMs: number
  /** Times it was handed to the transport (retries, follow-ups of a 202, duplicate sends). */
  readonly sends: number
  /** The last final answer the sender received (2xx or 4xx); undefined if none came. */
  readonly answer: { readonly status: number; readonly msgId: string | undefined; readonly atMs: number } | undefined
  readonly lastError: string | undefined
}

type Entry = { -readonly [K in keyof SentCommand]: SentCommand[K] }

const msgIdOf = (body: unknown): string | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const id = (body as Readonly<Record<string, unknown>>)["msgId"]
  return typeof id === "string" ? id : undefined
}

export class SentLedger {
  private readonly entries = new Map<string, Entry>()
  private readonly sender: string
  private readonly instance: string | undefined
  private readonly transport: SentCommand["transport"]
  private readonly scope: string

  constructor(sender: string, instance: string | undefined, transport: SentCommand["transport"], scope: string) {
    this.sender = sender
    this.scope = scope
    this.instance = instance
    this.transport = transport
  }

  /** The command under `key` is handed to the transport (again). */
  sending(key: string, call: { readonly path: string; readonly action: string; readonly correlationId?: string | undefined }): void {
    const now = Date.now()
    const entry = this.entries.get(key)
    if (entry !== undefined) {
      entry.sends++
      entry.lastSentAtMs = now
      return
    }
    this.entries.set(key, {
      sender: this.sender,
      scope: this.scope,
      instance: this.instance,
      key,
      path: call.path,
      action: call.action,
      correlationId: call.correlationId,
      transport: this.transport,
      firstSentAtMs: now,
      lastSentAtMs: now,
      sends: 1,
      answer: undefined,
      lastError: undefined
    })
  }

  /** A final answer (2xx or 4xx) came back for `key`. */
  answered(key: string, status: number, body: unknown): void {
    const entry = this.entries.get(key)
    if (entry !== undefined) entry.answer = { status, msgId: msgIdOf(body), atMs: Date.now() }
  }

  /** A send of `key` failed without an answer (network, a wait that ran out, a publish the leaf did not ack). */
  failed(key: string, error: string): void {
    const entry = this.entries.get(key)
    if (entry !== undefined) entry.lastError = error
  }

  get size(): number {
    return this.entries.size
  }

  /**
   * Commands handed over in the last `withinMs` that have no final answer yet (the sender's view; a drill times
   * its fault with it). Older unanswered ones (a sender that gave up, a 202 it stopped following) are not "out".
   */
  awaitingAnswer(now = Date.now(), withinMs = 5_000): number {
    let n = 0
    for (const e of this.entries.values()) if (e.answer === undefined && e.lastSentAtMs >= now - withinMs) n++
    return n
  }

  commands(): ReadonlyArray<SentCommand> {
    return [...this.entries.values()].map((e) => ({ ...e }))
  }
}
