/**
 * Per-site source lag: is every site's `SITE_EVENTS` (domain = site) flowing
 * into the hub's `HUB_SITE_EVENTS`? Sampled every ~5 s by a fiber in the
 * Layer's scope; each JetStream call bounded (a cut leaf link answers
 * "unreachable" at once or after the bound, it never hangs the sampler).
 *
 * Per site and sample:
 *   site_last_seq     SITE_EVENTS last sequence, read through the site's domain (`$JS.<site>.API`)
 *   hub_sourced_seq   origin sequence of the site's last message in HUB_SITE_EVENTS (its
 *                     `Nats-Stream-Source` header, last message on `site.<site>.evt.>`)
 *   lag               site_last_seq - hub_sourced_seq (null while the site is unreachable)
 *   hub_source_lag    the hub's own `sources[].lag` (nats-server 2.9 keeps it at 0 during a cut)
 *   active_ms         the hub's `sources[].active`: time since the source last heard from the site
 *                     (~0.5 s on an idle healthy link; grows during a cut)
 *   consumer          the region's `region_<region>_<site>` on HUB_SITE_EVENTS, when it exists
 *   stalled           active_ms > stalledAfter, or lag > 0 with no sourced progress for stalledAfter
 *   since             when `stalled` took its current value
 * A transition to stalled logs one warning, the recovery one info line.
 *
 * The sites come from an Effect (`sites`), read at every sample: today the
 * region's enabled sites, later a live registry.
 */
import type { JetStreamManager } from "@nats-io/jetstream"
import { Context, Duration, Effect, Layer, Ref, Semaphore } from "effect"
import { type BusError, classifyBusError, NatsConnection, siteConsumerName, StreamNames, Subjects } from "@logimesh/bus"
import type { SiteConfig } from "@logimesh/config"
import { RegionContext } from "../RegionContext.ts"
import { sourcedSequenceOf } from "./systemOfRecord.ts"

export interface SiteLagSettings {
  readonly interval: Duration.Duration
  readonly stalledAfter: Duration.Duration
  /** Bound of one JetStream API call. */
  readonly callTimeout: Duration.Duration
}

export const defaultSiteLagSettings: SiteLagSettings = {
  interval: Duration.seconds(5),
  stalledAfter: Duration.seconds(30),
  callTimeout: Duration.seconds(2)
}

export interface SiteConsumerProgress {
  readonly name: string
  readonly pending: number
  readonly ack_pending: number
  readonly delivered_stream_seq: number
}

export interface SiteLag {
  readonly site: string
  readonly reachable: boolean
  readonly site_last_seq: number | null
  readonly hub_sourced_seq: number | null
  readonly lag: number | null
  readonly hub_source_lag: number | null
  readonly active_ms: number | null
  readonly consumer: SiteConsumerProgress | null
  readonly stalled: boolean
  readonly since: string
  /** Why it is stalled (empty when not). */
  readonly reasons: ReadonlyArray<string>
  /** What could not be read or is missing (site unreachable, not sourced, no consumer, ...). */
  readonly problems: ReadonlyArray<string>
  readonly sampled_at: string
}

export interface SiteLagSnapshot {
  readonly region: string
  readonly sampled_at: string | null
  readonly interval_ms: number
  readonly stalled_after_ms: number
  readonly sites: ReadonlyArray<SiteLag>
}

export interface SiteLagMonitorShape {
  /** The latest sample (empty `sites` before the first one). */
  readonly latest: Effect.Effect<SiteLagSnapshot>
  /** Samples now (serialised with the background sampler) and returns the result. */
  readonly sampleNow: Effect.Effect<SiteLagSnapshot>
  /** Prometheus text lines of the latest sample (see `siteLagPrometheus`). */
  readonly prometheus: Effect.Effect<string>
}

export interface SiteLagOptions {
  readonly interval?: Duration.Input
  readonly stalledAfter?: Duration.Input
  readonly callTimeout?: Duration.Input
  /** The sites to watch; default the region's enabled sites (`RegionContext`). */
  readonly sites?: Effect.Effect<ReadonlyArray<Pick<SiteConfig, "id">>>
}

interface SiteTrack {
  stalled: boolean
  sinceMs: number
  lastHubSeq: number | null
  lastProgressMs: number
}

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
const gauge = (value: number | null) => (value === null ? "NaN" : String(value))

/**
 * Prometheus text (exposition format 0.0.4) of a sample, for the region's `/metrics`:
 *   logimesh_site_source_lag{site}       site_last_seq - hub_sourced_seq; NaN while the site is unreachable
 *   logimesh_site_source_stalled{site}   1 when stalled
 *   logimesh_site_source_active_seconds{site}, logimesh_site_reachable{site}
 */
export const siteLagPrometheus = (snapshot: SiteLagSnapshot): string => {
  const metric = (name: string, help: string, value: (site: SiteLag) => number | null) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} gauge`,
    ...snapshot.sites.map((site) => `${name}{site="${escapeLabel(site.site)}"} ${gauge(value(site))}`)
  ]
  return (
    [
      ...metric(
        "logimesh_site_source_lag",
        "Site events not yet in HUB_SITE_EVENTS (site last seq - last sourced seq; NaN while the site is unreachable).",
        (site) => site.lag
      ),
      ...metric("logimesh_site_source_stalled", "1 when the site's source into HUB_SITE_EVENTS is stalled.", (site) => (site.stalled ? 1 : 0)),
      ...metric("logimesh_site_source_active_seconds", "Seconds since HUB_SITE_EVENTS last heard from the site's source.", (site) =>
        site.active_ms === null ? null : site.active_ms / 1000
      ),
      ...metric("logimesh_site_reachable", "1 when the site's JetStream domain answered the last sample.", (site) => (site.reachable ? 1 : 0))
    ].join("\n") + "\n"
  )
}

const nanosToMs = (nanos: number) => Math.round(nanos / 1_000_000)

const make = (options: SiteLagOptions) =>
  Effect.gen(function* () {
    const nats = yield* NatsConnection
    const context = yield* RegionContext
    const region = context.region.id
    const duration = (input: Duration.Input | undefined, fallback: Duration.Duration) => (input === undefined ? fallback : Duration.fromInputUnsafe(input))
    const settings: SiteLagSettings = {
      interval: duration(options.interval, defaultSiteLagSettings.interval),
      stalledAfter: duration(options.stalledAfter, defaultSiteLagSettings.stalledAfter),
      callTimeout: duration(options.callTimeout, defaultSiteLagSettings.callTimeout)
    }
    const sites = options.sites ?? Effect.succeed(context.sites)
    const stalledAfterMs = Duration.toMillis(settings.stalledAfter)
    const tracks = new Map<string, SiteTrack>()
    const snapshot = yield* Ref.make<SiteLagSnapshot>({
      region,
      sampled_at: null,
      interval_ms: Duration.toMillis(settings.interval),
      stalled_after_ms: stalledAfterMs,
      sites: []
    })
    const lock = yield* Semaphore.make(1)

    const call = <A>(operation: string, jsm: Effect.Effect<JetStreamManager, BusError>, run: (jsm: JetStreamManager) => Promise<A>) =>
      Effect.flatMap(jsm, (m) => Effect.tryPromise({ try: () => run(m), catch: (cause) => classifyBusError(operation, cause) })).pipe(
        Effect.timeoutOrElse({
          duration: settings.callTimeout,
          orElse: () => Effect.fail(classifyBusError(operation, new Error(`timeout after ${Duration.format(settings.callTimeout)}`)))
        }),
        Effect.result
      )

    const hubJsm = nats.jetstreamManager()

    const sampleSite = (site: string, hubSources: ReadonlyArray<Record<string, unknown>> | undefined, hubProblem: string | undefined) =>
      Effect.gen(function* () {
        const problems: Array<string> = []
        if (hubProblem !== undefined) problems.push(hubProblem)
        const [siteInfo, lastSourced, consumerInfo] = yield* Effect.all(
          [
            call(`info ${site}/${StreamNames.siteEvents}`, nats.jetstreamManager(site), (jsm) => jsm.streams.info(StreamNames.siteEvents)),
            call(`last ${StreamNames.hubSiteEvents} ${site}`, hubJsm, (jsm) =>
              jsm.streams.getMessage(StreamNames.hubSiteEvents, { last_by_subj: Subjects.siteEvents(site) })
            ),
            call(`consumer ${siteConsumerName(region, site)}`, hubJsm, (jsm) => jsm.consumers.info(StreamNames.hubSiteEvents, siteConsumerName(region, site)))
          ],
          { concurrency: "unbounded" }
        )

        const siteLastSeq = siteInfo._tag === "Success" ? siteInfo.success.state.last_seq : null
        if (siteInfo._tag === "Failure") problems.push(`site domain unreachable: ${siteInfo.failure.message}`)

        let hubSourcedSeq: number | null = null
        if (lastSourced._tag === "Success") {
          hubSourcedSeq = lastSourced.success === null ? 0 : (sourcedSequenceOf(lastSourced.success.header.get("Nats-Stream-Source")) ?? null)
          if (hubSourcedSeq === null) problems.push("last sourced message has no readable Nats-Stream-Source header")
        } else if (/no message found/i.test(lastSourced.failure.message)) {
          hubSourcedSeq = 0
        } else if (hubProblem === undefined) {
          problems.push(`last sourced message unreadable: ${lastSourced.failure.message}`)
        }

        const consumer: SiteConsumerProgress | null =
          consumerInfo._tag === "Success"
            ? {
                name: consumerInfo.success.name,
                pending: consumerInfo.success.num_pending,
                ack_pending: consumerInfo.success.num_ack_pending,
                delivered_stream_seq: consumerInfo.success.delivered.stream_seq
              }
            : null

        const source = hubSources?.find((s) => {
          const external = s["external"] as { api?: unknown } | undefined
          return external?.api === `$JS.${site}.API`
        })
        if (hubSources !== undefined && source === undefined) problems.push(`not sourced by ${StreamNames.hubSiteEvents}`)
        const active = typeof source?.["active"] === "number" ? (source["active"] as number) : undefined
        const activeMs = active === undefined || active < 0 ? null : nanosToMs(active)
        const hubSourceLag = typeof source?.["lag"] === "number" ? (source["lag"] as number) : null
        const sourceError = source?.["error"] as { description?: unknown } | undefined
        if (sourceError !== undefined) problems.push(`source error: ${String(sourceError.description ?? JSON.stringify(sourceError))}`)

        const lag = siteLastSeq !== null && hubSourcedSeq !== null ? Math.max(0, siteLastSeq - hubSourcedSeq) : null
        const now = Date.now()
        const track = tracks.get(site) ?? { stalled: false, sinceMs: now, lastHubSeq: null, lastProgressMs: now }
        tracks.set(site, track)
        if (hubSourcedSeq !== null && (track.lastHubSeq === null || hubSourcedSeq > track.lastHubSeq)) track.lastProgressMs = now
        if (lag === 0) track.lastProgressMs = now
        if (hubSourcedSeq !== null) track.lastHubSeq = hubSourcedSeq

        const reasons: Array<string> = []
        if (activeMs !== null && activeMs > stalledAfterMs) reasons.push(`source inactive for ${Math.round(activeMs / 1000)} s`)
        if (lag !== null && lag > 0 && now - track.lastProgressMs > stalledAfterMs) {
          reasons.push(`${lag} event(s) behind with no sourced progress for ${Math.round((now - track.lastProgressMs) / 1000)} s`)
        }
        const stalled = reasons.length > 0
        if (stalled !== track.stalled) {
          const lastedMs = now - track.sinceMs
          track.stalled = stalled
          track.sinceMs = now
          const annotations = {
            site,
            lag: lag ?? "unknown",
            activeMs: activeMs ?? "unknown",
            siteLastSeq: siteLastSeq ?? "unknown",
            hubSourcedSeq: hubSourcedSeq ?? "unknown"
          }
          yield* stalled
            ? Effect.logWarning(`site source stalled: ${reasons.join("; ")}`).pipe(Effect.annotateLogs(annotations))
            : Effect.logInfo(`site source recovered after ${Math.round(lastedMs / 1000)} s`).pipe(Effect.annotateLogs(annotations))
        }
        return {
          site,
          reachable: siteInfo._tag === "Success",
          site_last_seq: siteLastSeq,
          hub_sourced_seq: hubSourcedSeq,
          lag,
          hub_source_lag: hubSourceLag,
          active_ms: activeMs,
          consumer,
          stalled,
          since: new Date(track.sinceMs).toISOString(),
          reasons,
          problems,
          sampled_at: new Date(now).toISOString()
        } satisfies SiteLag
      })

    const sample: Effect.Effect<SiteLagSnapshot> = Effect.gen(function* () {
      const ids = (yield* sites).map((site) => site.id as string)
      const hub = yield* call(`info ${StreamNames.hubSiteEvents}`, hubJsm, (jsm) => jsm.streams.info(StreamNames.hubSiteEvents))
      const hubSources = hub._tag === "Success" ? ((hub.success.sources ?? []) as unknown as ReadonlyArray<Record<string, unknown>>) : undefined
      const hubProblem = hub._tag === "Failure" ? `${StreamNames.hubSiteEvents} unreadable: ${hub.failure.message}` : undefined
      const results = yield* Effect.forEach(ids, (site) => sampleSite(site, hubSources, hubProblem), { concurrency: 8 })
      for (const site of [...tracks.keys()]) if (!ids.includes(site)) tracks.delete(site)
      const next: SiteLagSnapshot = {
        region,
        sampled_at: new Date().toISOString(),
        interval_ms: Duration.toMillis(settings.interval),
        stalled_after_ms: stalledAfterMs,
        sites: results
      }
      yield* Ref.set(snapshot, next)
      return next
    }).pipe(lock.withPermit)

    yield* Effect.forkScoped(Effect.forever(sample.pipe(Effect.andThen(Effect.sleep(settings.interval)))))

    return SiteLagMonitor.of({
      latest: Ref.get(snapshot),
      sampleNow: sample,
      prometheus: Effect.map(Ref.get(snapshot), siteLagPrometheus)
    })
  })

export class SiteLagMonitor extends Context.Service<SiteLagMonitor, SiteLagMonitorShape>()("logimesh/region/SiteLagMonitor") {
  /** Starts the sampler in the Layer's scope. */
  static readonly layerWith = (options: SiteLagOptions = {}) => Layer.effect(SiteLagMonitor, make(options))

  static readonly layer = SiteLagMonitor.layerWith()
}
