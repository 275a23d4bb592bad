/**
 * Degraded mode: watches what the module engines depend on and
 * owns the `DependencyGate` their consumers run behind.
 *
 *   Postgres  `Db.ping` every `interval` (default 1 s), each bounded by `probeTimeout` (default 2 s)
 *   NATS      the connection's status (connected / reconnecting / closed)
 *
 * The gate is closed while Postgres does not answer: the consumer runner then
 * pulls nothing and keeps the messages in flight (no nak, no delivery spent)
 * until it opens again (packages/bus ConsumerRunner). NATS down does not close
 * it (nothing can be pulled or acked then anyway; the client reconnects on its
 * own) but is reported. Each transition is logged once: a warning when a
 * dependency is lost (with the error), info when it is back (with how long
 * the outage lasted). `snapshot` feeds `/v1/backlog` and `/metrics`.
 */
import { Context, Duration, Effect, Latch, Layer, Ref } from "effect"
import { DependencyGate, NatsConnection } from "@logimesh/bus"
import { Db } from "@logimesh/db"

export interface DependencyState {
  readonly up: boolean
  /** Epoch ms when `up` last changed (or when watching began). */
  readonly since: number
  /** "ok", the connection status, or why the last probe failed. */
  readonly detail: string
}

export interface DependencySnapshot {
  readonly gateOpen: boolean
  /** Epoch ms when the current outage began (the gate closed); null while open. */
  readonly outageStartedAt: number | null
  readonly postgres: DependencyState
  readonly nats: DependencyState
}

export interface DependencyMonitorShape {
  /** Closed while Postgres does not answer; given to every module consumer. */
  readonly gate: DependencyGate
  readonly snapshot: Effect.Effect<DependencySnapshot>
}

export interface DependencyMonitorOptions {
  readonly interval?: Duration.Input
  readonly probeTimeout?: Duration.Input
}

interface Probe {
  readonly ok: boolean
  readonly detail: string
}

const make = (options: DependencyMonitorOptions) =>
  Effect.gen(function* () {
    const db = yield* Db
    const nats = yield* NatsConnection
    const interval = Duration.fromInputUnsafe(options.interval ?? Duration.seconds(1))
    const probeTimeout = Duration.fromInputUnsafe(options.probeTimeout ?? Duration.seconds(2))
    // Boot ran the migrations, so Postgres answered a moment ago: start open, probe at once.
    const latch = yield* Latch.make(true)
    const startedAt = Date.now()
    const state = yield* Ref.make<DependencySnapshot>({
      gateOpen: true,
      outageStartedAt: null,
      postgres: { up: true, since: startedAt, detail: "ok" },
      nats: { up: true, since: startedAt, detail: "connected" }
    })

    const probePostgres: Effect.Effect<Probe> = db.ping.pipe(
      Effect.as<Probe>({ ok: true, detail: "ok" }),
      Effect.catch((error) => Effect.succeed<Probe>({ ok: false, detail: error.message })),
      Effect.timeoutOrElse({
        duration: probeTimeout,
        orElse: () => Effect.succeed<Probe>({ ok: false, detail: `no answer within ${Duration.format(probeTimeout)}` })
      })
    )
    const probeNats: Effect.Effect<Probe> = Effect.map(nats.status, (status) => ({ ok: status === "connected", detail: status }))

    const round = Effect.gen(function* () {
      const [postgres, bus] = yield* Effect.all([probePostgres, probeNats], { concurrency: "unbounded" })
      const now = Date.now()
      const before = yield* Ref.get(state)
      const next = (previous: DependencyState, probe: Probe): DependencyState =>
        previous.up === probe.ok ? { ...previous, detail: probe.detail } : { up: probe.ok, since: now, detail: probe.detail }
      const after: DependencySnapshot = {
        gateOpen: postgres.ok,
        outageStartedAt: postgres.ok ? null : (before.outageStartedAt ?? now),
        postgres: next(before.postgres, postgres),
        nats: next(before.nats, bus)
      }
      yield* Ref.set(state, after)
      if (before.postgres.up && !postgres.ok) {
        yield* latch.close
        yield* Effect.logWarning("postgres unreachable: module consumers paused (no pulls, in-flight messages kept)").pipe(
          Effect.annotateLogs({ dependency: "postgres", error: postgres.detail })
        )
      } else if (!before.postgres.up && postgres.ok) {
        yield* latch.open
        yield* Effect.logInfo("postgres reachable again: module consumers resume").pipe(
          Effect.annotateLogs({ dependency: "postgres", outageMs: now - (before.outageStartedAt ?? before.postgres.since) })
        )
      }
      if (before.nats.up && !bus.ok) {
        yield* Effect.logWarning("nats connection lost").pipe(Effect.annotateLogs({ dependency: "nats", status: bus.detail }))
      } else if (!before.nats.up && bus.ok) {
        yield* Effect.logInfo("nats connection back").pipe(Effect.annotateLogs({ dependency: "nats", outageMs: now - before.nats.since }))
      }
    })

    yield* round.pipe(Effect.andThen(Effect.sleep(interval)), Effect.forever, Effect.forkScoped)

    return DependencyMonitor.of({ gate: DependencyGate.fromLatch(latch), snapshot: Ref.get(state) })
  })

export class DependencyMonitor extends Context.Service<DependencyMonitor, DependencyMonitorShape>()("logimesh/region/DependencyMonitor") {
  /** Probes for as long as the Layer lives. */
  static readonly layerWith = (options: DependencyMonitorOptions = {}): Layer.Layer<DependencyMonitor, never, Db | NatsConnection> =>
    Layer.effect(DependencyMonitor, make(options))

  static readonly layer: Layer.Layer<DependencyMonitor, never, Db | NatsConnection> = DependencyMonitor.layerWith()
}
