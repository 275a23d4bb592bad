/**
 * Stream shapes the mesh tests federate with: a Limits-retention site stream
 * on a leaf (subjects unique to the site, so a publish on one leaf can never
 * land in another site's stream over the link) and a hub stream that sources
 * it across JetStream domains. Limits retention with a `max_age` covering the
 * longest outage is the only safe source on 2.9.
 * Random names per test file; never re-create a sourced stream under a name.
 */
import { type JetStreamManager, RetentionPolicy, StorageType, type StoredMsg } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { randomSuffix } from "@logimesh/testkit"

/** Covers the longest outage a test simulates, with room. */
const MAX_AGE_MS = 60 * 60 * 1_000
const DUPLICATE_WINDOW_MS = 2 * 60 * 1_000

export interface SiteStream {
  readonly site: string
  readonly name: string
  /** Subject prefix of this site's events: `<prefix>.<kind>`. */
  readonly subjectPrefix: string
}

export const siteStreamFor = (site: string, run: string = randomSuffix()): SiteStream => ({
  site,
  name: `SITE_${site.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}_${run}`,
  subjectPrefix: `lm.test.${run}.${site}`
})

/** Creates the site stream; `jsm` must address the site's domain. */
export const addSiteStream = async (jsm: JetStreamManager, stream: SiteStream): Promise<void> => {
  await jsm.streams.add({
    name: stream.name,
    subjects: [`${stream.subjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(MAX_AGE_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS)
  })
}

/** Creates a hub stream (no subjects of its own) that sources each site stream from its domain. */
export const addHubSourcingStream = async (
  hubJsm: JetStreamManager,
  name: string,
  sources: ReadonlyArray<SiteStream>,
  options: { readonly duplicateWindowMs?: number } = {}
): Promise<void> => {
  await hubJsm.streams.add({
    name,
    subjects: [],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(MAX_AGE_MS),
    duplicate_window: nanos(options.duplicateWindowMs ?? DUPLICATE_WINDOW_MS),
    sources: sources.map((source) => ({ name: source.name, domain: source.site }))
  })
}

export const messageCount = async (jsm: JetStreamManager, stream: string): Promise<number> => (await jsm.streams.info(stream)).state.messages

/** Every message the stream holds, in sequence order. */
export const readAll = async (jsm: JetStreamManager, stream: string): Promise<ReadonlyArray<StoredMsg>> => {
  const { state } = await jsm.streams.info(stream)
  const messages: Array<StoredMsg> = []
  if (state.messages === 0) return messages
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq })
    if (message !== null) messages.push(message)
  }
  return messages
}

export const msgIdOf = (message: StoredMsg): string | undefined => message.header?.get("Nats-Msg-Id") || undefined
