/**
 * Admission control of the HTTP command API while the region is degraded or
 * draining a backlog: a new command is refused with 503 and `Retry-After`
 * (so callers back off instead of piling work on top) when
 *   - Postgres is unreachable (the dependency gate is closed): nothing could
 *     be applied now; `Retry-After` 5 s;
 *   - the module consumers' backlog exceeds `maxBacklog` (default 20,000
 *     messages): `Retry-After` = the catch-up ETA (bounded 5..300 s).
 * Commands already stored (site streams, INGRESS, COMMANDS) are not affected:
 * they drain through the bounded pull consumers. Reads only memory (the
 * monitor's and the backlog's last samples), never waits on a dependency.
 */
import { Context, Effect, Layer } from "effect"
import { Backlog } from "./Backlog.ts"
import { DependencyMonitor } from "./DependencyMonitor.ts"

export interface Refusal {
  readonly retryAfterS: number
  readonly title: string
  readonly detail: string
}

export interface AdmissionShape {
  /** undefined = admitted. */
  readonly check: Effect.Effect<Refusal | undefined>
}

export const defaultMaxBacklog = 20_000

export class Admission extends Context.Service<Admission, AdmissionShape>()("logimesh/region/Admission") {
  static readonly layerWith = (maxBacklog = defaultMaxBacklog): Layer.Layer<Admission, never, Backlog | DependencyMonitor> =>
    Layer.effect(
      Admission,
      Effect.gen(function* () {
        const backlog = yield* Backlog
        const monitor = yield* DependencyMonitor
        const check = Effect.gen(function* () {
          const dependencies = yield* monitor.snapshot
          if (!dependencies.gateOpen) {
            return {
              retryAfterS: 5,
              title: "degraded: database unavailable",
              detail: `Postgres unreachable since ${new Date(dependencies.outageStartedAt ?? Date.now()).toISOString()}: commands are not taken now`
            }
          }
          const report = yield* backlog.report
          const modules = report.consumers.filter((c) => c.stream.startsWith("COMMANDS_"))
          const waiting = modules.reduce((sum, c) => sum + (c.backlog ?? 0), 0)
          if (waiting <= maxBacklog) return undefined
          const eta = report.totals.etaS
          return {
            retryAfterS: Math.min(300, Math.max(5, Math.ceil(eta ?? 60))),
            title: "busy: draining a backlog",
            detail: `${waiting} commands wait for the modules (limit ${maxBacklog}); catch-up ETA ${eta === null ? "unknown" : `${Math.round(eta)} s`}`
          }
        })
        return Admission.of({ check })
      })
    )

  static readonly layer = Admission.layerWith()
}
