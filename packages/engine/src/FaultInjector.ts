/**
 * Crash drills: kills the process (SIGKILL, no cleanup) at named points of a
 * step with a configured probability, or makes a step fail as retryable.
 * Configured by `LOGIMESH_CRASH_AT` (read through `ProcessSettings.crashAt`);
 * empty in production, so every check is a map lookup that finds nothing.
 */
import { writeSync } from "node:fs"
import { Context, Effect, Layer } from "effect"
import { ProcessSettings } from "@logimesh/config"

export type CrashPoint = "before-commit" | "after-commit" | "after-publish"
export type FaultPoint = CrashPoint | "nak"

const points: ReadonlySet<string> = new Set(["before-commit", "after-commit", "after-publish", "nak"])

export interface FaultInjectorShape {
  /** SIGKILLs the process at `point` with its probability (synchronous: callable inside a transaction callback). */
  readonly crash: (point: CrashPoint) => void
  /** True when the step should fail as retryable (`nak` probability). */
  readonly failStep: () => boolean
}

/** Parses `point:probability,...`; unknown points or bad numbers are a launch error (a typo must not silently disable a drill). */
export const parseFaults = (spec: string): ReadonlyMap<FaultPoint, number> => {
  const faults = new Map<FaultPoint, number>()
  for (const part of spec.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const [point, probability] = part.split(":")
    const p = Number(probability)
    if (point === undefined || !points.has(point) || !(p >= 0 && p <= 1)) {
      throw new Error(`LOGIMESH_CRASH_AT: bad entry "${part}" (want point:probability, points ${[...points].join(", ")})`)
    }
    faults.set(point as FaultPoint, p)
  }
  return faults
}

const fromFaults = (faults: ReadonlyMap<FaultPoint, number>): FaultInjectorShape => ({
  crash: (point) => {
    const p = faults.get(point)
    if (p !== undefined && Math.random() < p) {
      // Synchronous, so the drill can tell where the process died.
      writeSync(2, `LOGIMESH_CRASH ${point}\n`)
      process.kill(process.pid, "SIGKILL")
    }
  },
  failStep: () => {
    const p = faults.get("nak")
    return p !== undefined && Math.random() < p
  }
})

export class FaultInjector extends Context.Service<FaultInjector, FaultInjectorShape>()("logimesh/engine/FaultInjector") {
  static readonly none: Layer.Layer<FaultInjector> = Layer.succeed(FaultInjector, fromFaults(new Map()))
  static readonly from = (spec: string): Layer.Layer<FaultInjector> =>
    Layer.sync(FaultInjector, () => fromFaults(parseFaults(spec)))
  /** Reads `LOGIMESH_CRASH_AT`. */
  static readonly layer = Layer.effect(
    FaultInjector,
    Effect.map(ProcessSettings.crashAt, (spec) => fromFaults(parseFaults(spec)))
  )
}
