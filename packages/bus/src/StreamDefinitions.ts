/**
 * The streams and durable consumers of the mesh, declared as data and
 * derived from `sites/` (a new site file adds its streams; no code change).
 * `applyStreams` makes a server match them; nothing here talks to NATS.
 *
 * First draft:
 *   <site domain>  SITE_EVENTS      subjects site.<site>.evt.>   events written at the site first
 *   <site domain>  DLQ              subjects dlq.<site>.>         messages parked by consumers at the site
 *   <site domain>  SITE_COMMANDS    sources SYSTEMS_<region> (hub), filter sys.wes.<site>.>: the site's work and
 *                                   the region's answers, stored at the site so its WES reads them locally
 *   hub            HUB_SITE_EVENTS  sources SITE_EVENTS of every enabled site (across domains)
 *   hub            DLQ              subjects dlq.hub.>, sources every site DLQ (one place for operators)
 *   hub            INGRESS          subjects in.>: commands of central systems (ERP, dispatch), in.<ship-from site>.<system>
 *   hub            MASTER_DATA      subjects md.>: items, sites, locations; the latest value per subject, kept
 *   <site domain>  SITE_MASTER_DATA sources MASTER_DATA: master data at the site, apart from execution events
 *   hub            consumer region_<region>_<site> on HUB_SITE_EVENTS, filter site.<site>.evt.>
 *   hub            consumer region_<region>_<site>_ingress on INGRESS, filter in.<site>.>  (region-aware routing)
 *   hub            consumer mesh_unrouted on INGRESS (shared by every region): parks what no enabled site takes
 *
 * Rules baked in: every stream is Limits retention (the only
 * kind safe to source before 2.14) with `max_age` = `maxOutageHours` and
 * `duplicate_window` = `duplicateWindowSeconds`; every consumer sets
 * `max_deliver`, `max_ack_pending` and a `backoff` list no longer than
 * `max_deliver`. Subjects of different domains never overlap.
 *
 * Every mesh stream has `max_msgs` and `max_bytes` (sizes from
 * `streamLimits` in `sites/mesh.json`) and discards NEW: a full stream
 * refuses the publish, and the publisher gets a `StreamFull` error (never a
 * silent drop). Why per stream, where it differs, is said at each stream
 * below. A sourced stream that is full refuses the sourced message too;
 * nats-server 2.9 then logs a warning and retries its source from the last
 * message it stored, so the source stalls and nothing is skipped (tested:
 * `streamLimits.integration.test.ts`), which the site lag monitor's
 * "behind without progress" rule covers. Discard old would instead delete
 * the oldest message, which during an outage is exactly the one no consumer
 * has read yet.
 */
import { Duration } from "effect"
import { enabledSites, HUB_DOMAIN, type MeshConfig, type MeshSettings, type StreamKind } from "@logimesh/config"
import { Subjects } from "./Subjects.ts"
import { definedFields } from "@logimesh/model"

export const StreamNames = {
  siteEvents: "SITE_EVENTS",
  siteCommands: "SITE_COMMANDS",
  hubSiteEvents: "HUB_SITE_EVENTS",
  ingress: "INGRESS",
  masterData: "MASTER_DATA",
  siteMasterData: "SITE_MASTER_DATA",
  deadLetters: "DLQ",
  /** The server's notices of messages it gave up delivering to a consumer (hub; see `withDeliveryExhaustedLane`). */
  deliveryExhausted: "DELIVERY_EXHAUSTED",
  /** What a region sends to ERP, WES, dispatch, carriers and customers (hub domain; created by the region). */
  regionSystems: (region: string): string => `SYSTEMS_${region}`
} as const

export interface SourceDefinition {
  readonly name: string
  /** JetStream domain the source stream lives in. */
  readonly domain: string
  /** Only the messages on these subjects are sourced (one filter: nats-server 2.9 has no subject list). */
  readonly filterSubject?: string
}

export interface StreamDefinition {
  /** JetStream domain; `undefined` = the domain of the server the admin connection reaches (tests). */
  readonly domain: string | undefined
  readonly name: string
  readonly description: string
  readonly subjects: ReadonlyArray<string>
  readonly sources: ReadonlyArray<SourceDefinition>
  /** Only Limits: WorkQueue/Interest streams are unsafe to source before 2.14. */
  readonly retention: "limits"
  readonly storage: "file" | "memory"
  /** What a full stream does: "new" refuses the publish (`StreamFull`), "old" deletes its oldest message. */
  readonly discard: "old" | "new"
  /** Zero = kept until replaced (master data); otherwise `maxOutageHours` for everything that is sourced. */
  readonly maxAge: Duration.Duration
  readonly duplicateWindow: Duration.Duration
  /** Messages kept per subject (-1 = no limit); 1 keeps the latest value of each subject (master data). */
  readonly maxMsgsPerSubject: number
  /** Messages kept at most (`max_msgs`; -1 = no limit). */
  readonly maxMsgs: number
  /** Bytes kept at most (`max_bytes`; -1 = no limit). nats-server reserves it against its `max_file_store`. */
  readonly maxBytes: number
}

/** The size of a stream and what it does when full. */
export interface StreamLimits {
  readonly maxMsgs: number
  readonly maxBytes: number
  readonly discard: "old" | "new"
}

/** No size limit, oldest discarded: streams of tests and benchmarks (every mesh stream is sized). */
export const noStreamLimits: StreamLimits = { maxMsgs: -1, maxBytes: -1, discard: "old" }

const MiB = 1024 * 1024

/** The size `sites/mesh.json` gives a kind of stream, refusing new messages when full. */
export const meshStreamLimits = (settings: MeshSettings, kind: StreamKind): StreamLimits => {
  const limit = settings.streamLimits[kind]
  return { maxMsgs: limit.maxMessages, maxBytes: limit.maxMegabytes * MiB, discard: "new" }
}

export interface ConsumerDefinition {
  readonly domain: string | undefined
  readonly stream: string
  /** Durable name. */
  readonly name: string
  readonly description: string
  readonly filterSubject: string | undefined
  /** Also the wait before the first redelivery of an unacked message (the server sets ack_wait = backoff[0]). */
  readonly ackWait: Duration.Duration
  readonly maxDeliver: number
  readonly maxAckPending: number
  /** Redelivery delays after ack timeouts; at most `maxDeliver` entries. Handler retries use `nak(delay)`. */
  readonly backoff: ReadonlyArray<Duration.Duration>
  /** Where the consumer runner parks messages, and the domain of the DLQ stream that captures it. */
  readonly deadLetterSubject: string
  readonly deadLetterDomain: string | undefined
  /**
   * The stream capturing this consumer's MAX_DELIVERIES notices, read by its companion durable
   * (`withDeliveryExhaustedLane`); undefined: no lane.
   */
  readonly exhaustedStream?: string
}

export interface StreamPlan {
  readonly streams: ReadonlyArray<StreamDefinition>
  readonly consumers: ReadonlyArray<ConsumerDefinition>
}

/**
 * Consumer tuning shared by every consumer. No `backoff` list: nats-server
 * 2.9 then ignores `nak(delay)` after the first redelivery and waits out the
 * list instead (a 500 ms retry became 60 s; `nakDelayWithBackoff` test), so
 * handler retries choose their delay with `nak(delay)` and an unacked
 * message (its process died) comes back after `ackWait`. The consumer runner
 * sends `working()` while a handler runs, but not for messages fetched and
 * still waiting for a handler, so `ackWait` stays 30 s here; consumers with
 * fast handlers shorten it (the region's module consumers: 10 s).
 */
export const consumerDefaults: {
  readonly ackWait: Duration.Duration
  readonly maxDeliver: number
  readonly maxAckPending: number
  readonly backoff: ReadonlyArray<Duration.Duration>
} = {
  ackWait: Duration.seconds(30),
  maxDeliver: 10,
  maxAckPending: 1_000,
  backoff: []
}

/** Problems that make a consumer definition unsafe (empty when it is fine). */
export const consumerProblems = (consumer: ConsumerDefinition): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (!Number.isInteger(consumer.maxDeliver) || consumer.maxDeliver < 1) problems.push("max_deliver must be a positive integer")
  if (!Number.isInteger(consumer.maxAckPending) || consumer.maxAckPending < 1) problems.push("max_ack_pending must be a positive integer")
  if (consumer.backoff.length > consumer.maxDeliver) problems.push("backoff has more entries than max_deliver")
  if (consumer.backoff.some((d) => Duration.toMillis(d) <= 0)) problems.push("backoff entries must be positive")
  return problems
}

/**
 * A Limits-retention, file-stored stream (the only kind logimesh sources
 * across domains). The mesh plan sizes `maxAge`, `duplicateWindow` and the
 * limits from `sites/mesh.json`; tests and benchmarks pass their own (no
 * limits unless they give some).
 */
export const limitsStream = (fields: {
  readonly domain?: string | undefined
  readonly name: string
  readonly description: string
  readonly subjects: ReadonlyArray<string>
  readonly sources?: ReadonlyArray<SourceDefinition>
  readonly maxAge: Duration.Duration
  readonly duplicateWindow: Duration.Duration
  readonly maxMsgsPerSubject?: number
  readonly limits?: StreamLimits
}): StreamDefinition => {
  const limits = fields.limits ?? noStreamLimits
  return {
    domain: fields.domain,
    name: fields.name,
    description: fields.description,
    subjects: fields.subjects,
    sources: fields.sources ?? [],
    retention: "limits",
    storage: "file",
    discard: limits.discard,
    maxAge: fields.maxAge,
    duplicateWindow: fields.duplicateWindow,
    maxMsgsPerSubject: fields.maxMsgsPerSubject ?? -1,
    maxMsgs: limits.maxMsgs,
    maxBytes: limits.maxBytes
  }
}

type MeshStreamFields = Pick<StreamDefinition, "domain" | "name" | "description" | "subjects" | "sources">

const meshStream = (settings: MeshSettings, kind: StreamKind, fields: MeshStreamFields): StreamDefinition =>
  limitsStream({
    ...fields,
    maxAge: Duration.hours(settings.maxOutageHours),
    duplicateWindow: Duration.seconds(settings.duplicateWindowSeconds),
    limits: meshStreamLimits(settings, kind)
  })

/**
 * Master data: the latest value of each subject, kept (no max_age), sourced like everything else.
 * Discard new with one message per subject: an update still replaces its subject's value when the
 * stream is full by message count (nats-server 2.9 lets a publish that replaces a subject's last
 * message through), a new subject beyond the limit is refused; discard old would delete another
 * subject's only value. Full by bytes, 2.9 refuses an update larger than the value it replaces, so
 * the sizes in `sites/mesh.json` let the message limit bind first.
 * (`discard_new_per_subject`, which 2.9 has, is not set: it would refuse every update of a subject.)
 */
const masterDataStream = (settings: MeshSettings, kind: StreamKind, fields: MeshStreamFields): StreamDefinition =>
  limitsStream({
    ...fields,
    maxAge: Duration.zero,
    duplicateWindow: Duration.seconds(settings.duplicateWindowSeconds),
    maxMsgsPerSubject: 1,
    limits: meshStreamLimits(settings, kind)
  })

/**
 * `DELIVERY_EXHAUSTED`: captures every MAX_DELIVERIES notice of the server it is on (nats-server publishes one when
 * it stops delivering a message: `max_deliver` spent). The consumer runner's exhausted lane reads a consumer's
 * notices and hands each message to the consumer's handler once more (`ConsumerRunner`), so a message the server
 * gave up on is handled or parked, never silently left behind. nats-server 2.9 (before 2.9.22) can spend every
 * delivery of a message in microseconds when its consumer's process has just died (ARCHITECTURE.md, "nats-server
 * 2.9 behaviour"); the lane also covers a process that dies on a message's last delivery. Notices are stored while
 * no region runs. Discard old when full: a notice the lane acked is of no further use, and the oldest are the most
 * likely to have been handled.
 */
export const deliveryExhaustedStream = (settings: MeshSettings, domain: string | undefined): StreamDefinition =>
  limitsStream({
    domain,
    name: StreamNames.deliveryExhausted,
    description: "notices of messages a consumer's server gave up delivering (MAX_DELIVERIES advisories)",
    subjects: [Subjects.maxDeliveriesAdvisories],
    maxAge: Duration.hours(settings.maxOutageHours),
    duplicateWindow: Duration.seconds(settings.duplicateWindowSeconds),
    limits: { ...meshStreamLimits(settings, "deliveryExhausted"), discard: "old" }
  })

/**
 * Deliveries of a notice on the exhausted lane. Well above what nats-server 2.9 can spend in one burst on a lane
 * whose process just died (the lane pulls one notice at a time), so the lane itself is never given up on that way.
 */
export const EXHAUSTED_LANE_MAX_DELIVER = 50

export const exhaustedLaneName = (consumer: string): string => `${consumer}_exhausted`

/** `consumer` with its exhausted lane: the consumer marked, and the companion durable on `DELIVERY_EXHAUSTED`. */
export const withDeliveryExhaustedLane = (consumer: ConsumerDefinition): ReadonlyArray<ConsumerDefinition> => [
  { ...consumer, exhaustedStream: StreamNames.deliveryExhausted },
  {
    domain: consumer.domain,
    stream: StreamNames.deliveryExhausted,
    name: exhaustedLaneName(consumer.name),
    description: `messages the server gave up delivering to ${consumer.name}`,
    filterSubject: Subjects.maxDeliveriesAdvisory(consumer.stream, consumer.name),
    ...consumerDefaults,
    maxDeliver: EXHAUSTED_LANE_MAX_DELIVER,
    maxAckPending: 100,
    deadLetterSubject: consumer.deadLetterSubject,
    deadLetterDomain: consumer.deadLetterDomain
  }
]

export const siteConsumerName = (region: string, site: string): string => `region_${region}_${site}`
export const siteIngressConsumerName = (region: string, site: string): string => `region_${region}_${site}_ingress`
export const UNROUTED_CONSUMER = "mesh_unrouted"

export const meshStreamPlan = (mesh: MeshConfig): StreamPlan => {
  const settings = mesh.settings
  const sites = enabledSites(mesh)
  const regionOf = new Map(mesh.regions.flatMap((entry) => entry.sites.map((site) => [site.id as string, entry.region.id as string])))
  const siteStreams = sites.flatMap(
    (site): ReadonlyArray<StreamDefinition> => [
      // Full: the site's own system (WES) gets the refusal at its leaf and keeps the command; discard old would drop
      // the oldest events, which during a WAN cut are the ones the hub has not sourced yet.
      meshStream(settings, "siteEvents", {
        domain: site.id,
        name: StreamNames.siteEvents,
        description: `events of site ${site.id}, written at the site first`,
        subjects: [Subjects.siteEvents(site.id)],
        sources: []
      }),
      // A parked message is the only copy of what a consumer gave up on: a full DLQ refuses the park, and the consumer
      // runner then naks the original, which stays in its own stream.
      meshStream(settings, "siteDeadLetters", {
        domain: site.id,
        name: StreamNames.deadLetters,
        description: `messages parked by consumers at site ${site.id}`,
        subjects: [Subjects.deadLetters(site.id)],
        sources: []
      }),
      masterDataStream(settings, "siteMasterData", {
        domain: site.id,
        name: StreamNames.siteMasterData,
        description: `master data (items, sites, locations) at site ${site.id}, sourced from the hub`,
        subjects: [],
        sources: [{ name: StreamNames.masterData, domain: HUB_DOMAIN }]
      }),
      // Sourced: full, its source stalls (retried from the last stored message) instead of the WES's oldest unread work
      // being deleted.
      meshStream(settings, "siteCommands", {
        domain: site.id,
        name: StreamNames.siteCommands,
        description: `work and answers for site ${site.id} from its region, stored at the site`,
        subjects: [],
        sources: [
          {
            name: StreamNames.regionSystems(regionOf.get(site.id) ?? ""),
            domain: HUB_DOMAIN,
            filterSubject: Subjects.siteWesMessages(site.id)
          }
        ]
      })
    ]
  )
  const hubStreams: ReadonlyArray<StreamDefinition> = [
    // Sourced from every site: full, the sites' sources stall and their events wait in SITE_EVENTS.
    meshStream(settings, "hubSiteEvents", {
      domain: HUB_DOMAIN,
      name: StreamNames.hubSiteEvents,
      description: "events of every site, sourced across domains",
      subjects: [],
      sources: sites.map((site) => ({ name: StreamNames.siteEvents, domain: site.id }))
    }),
    masterDataStream(settings, "masterData", {
      domain: HUB_DOMAIN,
      name: StreamNames.masterData,
      description: "master data (items, sites, locations), published by the regions from sites/",
      subjects: [Subjects.masterDataAll],
      sources: []
    }),
    // Full: the central system's publish is refused (it keeps the command and retries) rather than a stored command
    // that no region has applied yet being deleted.
    meshStream(settings, "ingress", {
      domain: HUB_DOMAIN,
      name: StreamNames.ingress,
      description: "commands of central systems for a ship-from site, routed to its region",
      subjects: [Subjects.ingressAll],
      sources: []
    }),
    deliveryExhaustedStream(settings, HUB_DOMAIN),
    // As the site DLQs; the sites' parked messages wait in their own DLQ while it is full.
    meshStream(settings, "hubDeadLetters", {
      domain: HUB_DOMAIN,
      name: StreamNames.deadLetters,
      description: "parked messages of the hub and, sourced, of every site",
      subjects: [Subjects.deadLetters(HUB_DOMAIN)],
      sources: sites.map((site) => ({ name: StreamNames.deadLetters, domain: site.id }))
    })
  ]
  const hubConsumer = (stream: string, name: string, description: string, filterSubject: string | undefined): ConsumerDefinition => ({
    domain: HUB_DOMAIN,
    stream,
    name,
    description,
    filterSubject,
    ...consumerDefaults,
    deadLetterSubject: Subjects.deadLetter(HUB_DOMAIN, stream, name),
    deadLetterDomain: HUB_DOMAIN
  })
  const consumers = [
    ...mesh.regions.flatMap((entry) =>
      entry.sites
        .filter((site) => site.enabled)
        .flatMap(
          (site): ReadonlyArray<ConsumerDefinition> => [
            hubConsumer(
              StreamNames.hubSiteEvents,
              siteConsumerName(entry.region.id, site.id),
              `region ${entry.region.id} reads the events of site ${site.id}`,
              Subjects.siteCommandEvents(site.id)
            ),
            hubConsumer(
              StreamNames.ingress,
              siteIngressConsumerName(entry.region.id, site.id),
              `region ${entry.region.id} applies central systems' commands for site ${site.id}`,
              Subjects.ingressOfSite(site.id)
            )
          ]
        )
    ),
    hubConsumer(StreamNames.ingress, UNROUTED_CONSUMER, "parks central commands for a site no region serves", undefined)
  ].flatMap(withDeliveryExhaustedLane)
  return { streams: [...siteStreams, ...hubStreams], consumers }
}

/** The part of a `ConsumerSpec` a definition fixes; add a handler (and tuning) to run it. */
export const consumerTarget = (consumer: ConsumerDefinition) => ({
  stream: consumer.stream,
  consumer: consumer.name,
  deadLetterSubject: consumer.deadLetterSubject,
  ...definedFields({ domain: consumer.domain, deadLetterDomain: consumer.deadLetterDomain }),
  ...(consumer.exhaustedStream === undefined ? {} : { exhausted: { stream: consumer.exhaustedStream, consumer: exhaustedLaneName(consumer.name) } })
})
