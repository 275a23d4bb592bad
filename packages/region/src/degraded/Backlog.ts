/**
 * Catch-up ETA (degraded mode): every `interval` (default 2 s) reads
 * the consumer info of every durable consumer the region runs — the module
 * consumers `<region>_<module>` on `COMMANDS_<region>`, and per served site
 * `region_<region>_<site>` (HUB_SITE_EVENTS: what a site sent, e.g. during a
 * WAN outage) and `region_<region>_<site>_ingress` (INGRESS) — and keeps, per
 * consumer, the backlog (`num_pending + num_ack_pending`), the delivered and
 * ack-floor sequences, and a sliding window (default 30 s) of settled
 * deliveries, from which the drain rate and the ETA follow (`drainRate.ts`).
 *
 * Reads are bounded (`readTimeout`, default 1.5 s each, all consumers at
 * once) and run in the background: `report` only reads memory, so a down
 * NATS never hangs `/v1/backlog` or `/metrics`; a failed read keeps the last
 * values and says when they were read and why the next read failed.
 */
import { Context, Duration, Effect, Layer, Ref } from "effect"
import { NatsConnection, siteConsumerName, siteIngressConsumerName, StreamNames } from "@logimesh/bus"
import { HUB_DOMAIN } from "@logimesh/config"
import { RegionContext } from "../RegionContext.ts"
import { SiteDirectory } from "../sites/SiteDirectory.ts"
import { moduleCatalog } from "../modules/moduleCatalog.ts"
import { regionStreamPlan } from "../modules/regionStreamPlan.ts"
import { DependencyMonitor, type DependencySnapshot } from "./DependencyMonitor.ts"
import { addSample, combinedEta, drainRate, type DrainWindow, emptyWindow, etaSeconds } from "./drainRate.ts"

export interface ConsumerBacklog {
  readonly stream: string
  readonly consumer: string
  /** num_pending + num_ack_pending at the last good read; null before the first. */
  readonly backlog: number | null
  readonly pending: number | null
  readonly ackPending: number | null
  readonly deliveredConsumerSeq: number | null
  readonly deliveredStreamSeq: number | null
  readonly ackFloorConsumerSeq: number | null
  readonly ackFloorStreamSeq: number | null
  /** Settled deliveries per second over the window. */
  readonly ratePerS: number
  /** Seconds to an empty backlog at that rate; 0 when empty; null when it does not drain (or not read yet). */
  readonly etaS: number | null
  /** Epoch ms of the last good read. */
  readonly readAt: number | null
  /** Why the last read failed (the values above are then from `readAt`); null after a good read. */
  readonly error: string | null
}

export interface BacklogReport {
  readonly consumers: ReadonlyArray<ConsumerBacklog>
  readonly totals: { readonly backlog: number; readonly ratePerS: number; readonly etaS: number | null }
  readonly windowS: number
  readonly dependencies: DependencySnapshot
}

export interface BacklogShape {
  readonly report: Effect.Effect<BacklogReport>
}

export interface BacklogOptions {
  readonly interval?: Duration.Input
  readonly window?: Duration.Input
  readonly readTimeout?: Duration.Input
}

/** What is read of JetStream's consumer info. */
interface ConsumerCounts {
  readonly num_pending: number
  readonly num_ack_pending: number
  readonly delivered: { readonly consumer_seq: number; readonly stream_seq: number }
  readonly ack_floor: { readonly consumer_seq: number; readonly stream_seq: number }
}

interface Tracked {
  readonly stream: string
  readonly consumer: string
  readonly domain: string | undefined
  readonly last: ConsumerCounts | undefined
  readonly readAt: number | null
  readonly error: string | null
  readonly window: DrainWindow
}

const view = (t: Tracked): ConsumerBacklog => {
  const info = t.last
  if (info === undefined) {
    return {
      stream: t.stream,
      consumer: t.consumer,
      backlog: null,
      pending: null,
      ackPending: null,
      deliveredConsumerSeq: null,
      deliveredStreamSeq: null,
      ackFloorConsumerSeq: null,
      ackFloorStreamSeq: null,
      ratePerS: 0,
      etaS: null,
      readAt: null,
      error: t.error
    }
  }
  const backlog = info.num_pending + info.num_ack_pending
  const rate = drainRate(t.window)
  return {
    stream: t.stream,
    consumer: t.consumer,
    backlog,
    pending: info.num_pending,
    ackPending: info.num_ack_pending,
    deliveredConsumerSeq: info.delivered.consumer_seq,
    deliveredStreamSeq: info.delivered.stream_seq,
    ackFloorConsumerSeq: info.ack_floor.consumer_seq,
    ackFloorStreamSeq: info.ack_floor.stream_seq,
    ratePerS: rate,
    etaS: etaSeconds(backlog, rate),
    readAt: t.readAt,
    error: t.error
  }
}

const make = (options: BacklogOptions) =>
  Effect.gen(function* () {
    const context = yield* RegionContext
    const directory = yield* SiteDirectory
    const nats = yield* NatsConnection
    const monitor = yield* DependencyMonitor
    const interval = Duration.fromInputUnsafe(options.interval ?? Duration.seconds(2))
    const windowMs = Duration.toMillis(Duration.fromInputUnsafe(options.window ?? Duration.seconds(30)))
    const readTimeout = Duration.fromInputUnsafe(options.readTimeout ?? Duration.millis(1_500))
    // The same plan ModuleEngines applies (one consumer per module, the region's streams in its hub's domain),
    // plus each served site's consumers at the hub (its own commands, central commands for it): read again every
    // round, so a site added or disabled by a reload is followed.
    const modules = regionStreamPlan(
      context.region.id,
      moduleCatalog.map((m) => m.name),
      context.mesh.settings,
      undefined
    ).consumers
    const targets = (): ReadonlyArray<{ readonly stream: string; readonly consumer: string; readonly domain: string | undefined }> => [
      ...modules.map((c) => ({ stream: c.stream, consumer: c.name, domain: c.domain })),
      ...directory.current().sites.flatMap((site) => [
        { stream: StreamNames.hubSiteEvents, consumer: siteConsumerName(context.region.id, site.id), domain: HUB_DOMAIN },
        { stream: StreamNames.ingress, consumer: siteIngressConsumerName(context.region.id, site.id), domain: HUB_DOMAIN }
      ])
    ]
    const fresh = (t: { readonly stream: string; readonly consumer: string; readonly domain: string | undefined }): Tracked => ({
      ...t,
      last: undefined,
      readAt: null,
      error: null,
      window: emptyWindow
    })
    const tracked = yield* Ref.make<ReadonlyArray<Tracked>>(targets().map(fresh))
    /** The current targets, keeping what was measured of those already tracked. */
    const retarget = (all: ReadonlyArray<Tracked>): ReadonlyArray<Tracked> =>
      targets().map((t) => all.find((x) => x.consumer === t.consumer && x.stream === t.stream) ?? fresh(t))

    const read = (t: Tracked): Effect.Effect<Tracked> =>
      Effect.gen(function* () {
        const jsm = yield* nats.jetstreamManager(t.domain)
        return yield* Effect.tryPromise({
          try: () => jsm.consumers.info(t.stream, t.consumer),
          catch: (cause) => (cause instanceof Error ? cause.message : String(cause))
        })
      }).pipe(
        Effect.timeoutOrElse({ duration: readTimeout, orElse: () => Effect.fail(`no answer within ${Duration.format(readTimeout)}`) }),
        Effect.match({
          onFailure: (error): Tracked => ({ ...t, error: typeof error === "string" ? error : error.message }),
          onSuccess: (info): Tracked => {
            const now = Date.now()
            return {
              ...t,
              last: info,
              readAt: now,
              error: null,
              window: addSample(t.window, { at: now, settled: info.delivered.consumer_seq - info.num_ack_pending }, windowMs)
            }
          }
        })
      )

    yield* Ref.get(tracked).pipe(
      Effect.map(retarget),
      Effect.flatMap((all) => Effect.forEach(all, read, { concurrency: "unbounded" })),
      Effect.flatMap((all) => Ref.set(tracked, all)),
      Effect.andThen(Effect.sleep(interval)),
      Effect.forever,
      Effect.forkScoped
    )

    const report = Effect.gen(function* () {
      const consumers = (yield* Ref.get(tracked)).map(view)
      const known = consumers.filter((c) => c.backlog !== null)
      return {
        consumers,
        totals: {
          backlog: known.reduce((sum, c) => sum + (c.backlog ?? 0), 0),
          ratePerS: known.reduce((sum, c) => sum + c.ratePerS, 0),
          etaS: known.length < consumers.length ? null : combinedEta(known.map((c) => c.etaS))
        },
        windowS: windowMs / 1_000,
        dependencies: yield* monitor.snapshot
      }
    })

    return Backlog.of({ report })
  })

export class Backlog extends Context.Service<Backlog, BacklogShape>()("logimesh/region/Backlog") {
  static readonly layerWith = (options: BacklogOptions = {}): Layer.Layer<Backlog, never, RegionContext | SiteDirectory | NatsConnection | DependencyMonitor> =>
    Layer.effect(Backlog, make(options))

  static readonly layer: Layer.Layer<Backlog, never, RegionContext | SiteDirectory | NatsConnection | DependencyMonitor> = Backlog.layerWith()
}
