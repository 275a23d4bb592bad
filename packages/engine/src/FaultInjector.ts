/**
 * Crash drills: kills the process (SIGKILL, no cleanup) at named points of a
 * step with a configured probability, or makes a step fail as retryable.
 * Configured by `LOGIMESH_CRASH_AT` (read through `ProcessSettings.crashAt`);
 * empty in production, so every check is a map lookup that finds nothing.
 *
 * Two further points break the engine's guarantees on purpose, so a checker
 * can be shown to catch a broken engine (the benchmark's checker tests):
 *   `unsafe-apply-duplicates`  an input whose source sequence is at or below the last applied
 *                              one (a re-send under a new message id) is applied again instead
 *                              of being dropped as a duplicate;
 *   `unsafe-drop-outbox`       an outbox row is left out of its step's transaction (its effect
 *                              is never published).
 * They are accepted only from code (`FaultInjector.from`, in a test or a
 * benchmark); `FaultInjector.layer`, the one that reads the environment,
 * refuses them at launch, so no process setting can enable them.
 */
import { writeSync } from "node:fs"
import { Context, Effect, Layer } from "effect"
import { ProcessSettings } from "@logimesh/config"
import { definedFields } from "@logimesh/model"

export type CrashPoint = "before-commit" | "after-commit" | "after-publish"
/** Points that break the engine's guarantees (see the header). */
export type UnsafePoint = "unsafe-apply-duplicates" | "unsafe-drop-outbox"
export type FaultPoint = CrashPoint | "nak" | UnsafePoint

const unsafePoints: ReadonlySet<string> = new Set<UnsafePoint>(["unsafe-apply-duplicates", "unsafe-drop-outbox"])
const points: ReadonlySet<string> = new Set(["before-commit", "after-commit", "after-publish", "nak", ...unsafePoints])

export interface FaultInjectorShape {
  /** SIGKILLs the process at `point` with its probability (synchronous: callable inside a transaction callback). */
  readonly crash: (point: CrashPoint) => void
  /** True when the step should fail as retryable (`nak` probability). */
  readonly failStep: () => boolean
  /** Present only with `unsafe-apply-duplicates`: true when this duplicate is to be applied again. */
  readonly applyDuplicate?: () => boolean
  /** Present only with `unsafe-drop-outbox`: true when this outbox row is to be left out. */
  readonly dropOutboxRow?: () => boolean
}

/** Parses `point:probability,...`; unknown points or bad numbers are a launch error (a typo must not silently disable a drill). */
export const parseFaults = (spec: string): ReadonlyMap<FaultPoint, number> => {
  const faults = new Map<FaultPoint, number>()
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const [point, probability] = part.split(":")
    const p = Number(probability)
    if (point === undefined || !points.has(point) || !(p >= 0 && p <= 1)) {
      throw new Error(`LOGIMESH_CRASH_AT: bad entry "${part}" (want point:probability, points ${[...points].join(", ")})`)
    }
    faults.set(point as FaultPoint, p)
  }
  return faults
}

const chance = (p: number | undefined): (() => boolean) | undefined => (p === undefined ? undefined : () => Math.random() < p)

const fromFaults = (faults: ReadonlyMap<FaultPoint, number>): FaultInjectorShape => {
  const nak = chance(faults.get("nak"))
  const applyDuplicate = chance(faults.get("unsafe-apply-duplicates"))
  const dropOutboxRow = chance(faults.get("unsafe-drop-outbox"))
  return {
    crash: (point) => {
      const p = faults.get(point)
      if (p !== undefined && Math.random() < p) {
        // Synchronous, so the drill can tell where the process died.
        writeSync(2, `LOGIMESH_CRASH ${point}\n`)
        process.kill(process.pid, "SIGKILL")
      }
    },
    failStep: () => nak?.() ?? false,
    ...definedFields({ applyDuplicate, dropOutboxRow })
  }
}

/** The environment may name crash points and `nak`, never a point that breaks the engine's guarantees. */
const fromEnvironment = (spec: string): FaultInjectorShape => {
  const faults = parseFaults(spec)
  const unsafe = [...faults.keys()].filter((point) => unsafePoints.has(point))
  if (unsafe.length > 0) {
    throw new Error(`LOGIMESH_CRASH_AT: ${unsafe.join(", ")} breaks the engine's guarantees; only tests and benchmarks enable it, from code`)
  }
  return fromFaults(faults)
}

export class FaultInjector extends Context.Service<FaultInjector, FaultInjectorShape>()("logimesh/engine/FaultInjector") {
  static readonly none: Layer.Layer<FaultInjector> = Layer.succeed(FaultInjector, fromFaults(new Map()))
  /** From code (tests, benchmarks): every point, the unsafe ones included. */
  static readonly from = (spec: string): Layer.Layer<FaultInjector> => Layer.sync(FaultInjector, () => fromFaults(parseFaults(spec)))
  /** Reads `LOGIMESH_CRASH_AT`; an unsafe point there fails the launch. */
  static readonly layer = Layer.effect(FaultInjector, Effect.map(ProcessSettings.crashAt, fromEnvironment))
}
