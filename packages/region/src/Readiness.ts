/**
 * Readiness of the region: can it reach NATS and Postgres right now?
 * `/readyz` answers 200 only when every probe passes; each probe is bounded
 * by a timeout so a hung dependency reports "down" instead of hanging.
 */
import { Context, Duration, Effect, Layer } from "effect"
import { Db } from "@logimesh/db"
import { NatsConnection } from "@logimesh/bus"

export interface ProbeResult {
  readonly ok: boolean
  readonly detail: string
}

export interface ReadinessReport {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, ProbeResult>>
}

const probeTimeout = Duration.seconds(2)

const bounded = (probe: Effect.Effect<ProbeResult>): Effect.Effect<ProbeResult> =>
  probe.pipe(
    Effect.timeoutOrElse({
      duration: probeTimeout,
      orElse: () => Effect.succeed({ ok: false, detail: `no answer within ${Duration.format(probeTimeout)}` })
    })
  )

export class Readiness extends Context.Service<Readiness, { readonly check: Effect.Effect<ReadinessReport> }>()("logimesh/region/Readiness") {
  static readonly layer = Layer.effect(
    Readiness,
    Effect.gen(function* () {
      const db = yield* Db
      const nats = yield* NatsConnection
      const postgres = db.ping.pipe(
        Effect.as<ProbeResult>({ ok: true, detail: "ok" }),
        Effect.catch((error) => Effect.succeed<ProbeResult>({ ok: false, detail: error.message }))
      )
      const bus = nats.status.pipe(Effect.map((status): ProbeResult => ({ ok: status === "connected", detail: status })))
      const check = Effect.all({ nats: bounded(bus), postgres: bounded(postgres) }, { concurrency: "unbounded" }).pipe(
        Effect.map((checks): ReadinessReport => ({ ready: Object.values(checks).every((c) => c.ok), checks }))
      )
      return Readiness.of({ check })
    })
  )
}
