/**
 * What the outside systems received, as a test sees it: every message on the
 * region's SYSTEMS stream, read with an ordered consumer, by subject. The
 * WES of a site reads through its own leaf (JetStream domain `hub` across
 * the leafnode link), as a real site system would; the central systems
 * read at the hub. Messages are kept with their `Nats-Msg-Id`.
 */
import { jetstream } from "@nats-io/jetstream"
import { type ConnectionOptions, connect, type NatsConnection } from "@nats-io/transport-node"

export interface SystemMessage {
  readonly subject: string
  readonly msgId: string
  /** `Logimesh-Message-Version`, when the message has one. */
  readonly version: string | undefined
  readonly data: any
}

export interface SystemsInbox {
  /** Messages received so far whose subject matches `subject` (exact, or a prefix ending in "."). */
  readonly of: (subject: string) => ReadonlyArray<SystemMessage>
  /** Waits until `predicate` holds for some message on `subject`. */
  readonly waitFor: (subject: string, predicate: (data: any) => boolean, timeoutMs?: number) => Promise<SystemMessage>
  readonly all: () => ReadonlyArray<SystemMessage>
  readonly close: () => Promise<void>
}

export const openSystemsInbox = async (options: {
  readonly url: string
  readonly stream: string
  readonly domain?: string
  readonly filter?: string
  /** Credentials (the topology's admin: `natsAuthOptions(topology.natsCredentials("admin"))`). */
  readonly auth?: Pick<ConnectionOptions, "authenticator" | "tls">
}): Promise<SystemsInbox> => {
  const nc: NatsConnection = await connect({ servers: options.url, name: "test-systems-inbox", ...options.auth })
  const js = jetstream(nc, options.domain === undefined ? {} : { domain: options.domain })
  const consumer = await js.consumers.get(options.stream, options.filter === undefined ? {} : { filter_subjects: options.filter })
  const messages: Array<SystemMessage> = []
  const iterator = await consumer.consume()
  const done = (async () => {
    for await (const m of iterator) {
      const version = m.headers?.get("Logimesh-Message-Version")
      messages.push({ subject: m.subject, msgId: m.headers?.get("Nats-Msg-Id") ?? "", version: version === "" ? undefined : version, data: m.json() })
    }
  })()
  const matches = (subject: string, pattern: string) => (pattern.endsWith(".") ? subject.startsWith(pattern) : subject === pattern)
  const of = (subject: string) => messages.filter((m) => matches(m.subject, subject))
  return {
    of,
    all: () => [...messages],
    waitFor: async (subject, predicate, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = of(subject).find((m) => predicate(m.data))
        if (found !== undefined) return found
        if (Date.now() > deadline) {
          throw new Error(`no message on ${subject} matching the predicate within ${timeoutMs} ms (have ${of(subject).length} on it)`)
        }
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
    close: async () => {
      await iterator.close()
      await done.catch(() => undefined)
      await nc.close()
    }
  }
}
