/**
 * Fault points: the points that break the engine's guarantees on purpose
 * (`unsafe-*`, for the benchmark checker's tests) are parsed like the others
 * and enabled from code, but refused when they come from the environment,
 * so no process setting can switch them on.
 */
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { FaultInjector, parseFaults } from "../src/FaultInjector.ts"

const fromEnvironment = (spec: string) =>
  Effect.runSyncExit(
    FaultInjector.useSync((f) => f).pipe(
      Effect.provide(FaultInjector.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ LOGIMESH_CRASH_AT: spec })))))
    )
  )

describe("FaultInjector", () => {
  it("parses the unsafe points like the others", () => {
    expect([...parseFaults("nak:0.1, unsafe-apply-duplicates:1,unsafe-drop-outbox:0.5")]).toEqual([
      ["nak", 0.1],
      ["unsafe-apply-duplicates", 1],
      ["unsafe-drop-outbox", 0.5]
    ])
    expect(() => parseFaults("unsafe-skip-everything:1")).toThrow(/bad entry/)
  })

  it("enables them from code, and only the ones named", () => {
    const faults = Effect.runSync(FaultInjector.useSync((f) => f).pipe(Effect.provide(FaultInjector.from("unsafe-drop-outbox:1"))))
    expect(faults.dropOutboxRow?.()).toBe(true)
    expect(faults.applyDuplicate).toBeUndefined()
    const none = Effect.runSync(FaultInjector.useSync((f) => f).pipe(Effect.provide(FaultInjector.none)))
    expect(none.dropOutboxRow).toBeUndefined()
    expect(none.applyDuplicate).toBeUndefined()
  })

  it("refuses them from the environment, and still takes the crash points there", () => {
    const refused = fromEnvironment("nak:0.1,unsafe-apply-duplicates:1")
    expect(Exit.isFailure(refused)).toBe(true)
    expect(String(Exit.isFailure(refused) ? refused.cause : "")).toMatch(/unsafe-apply-duplicates breaks the engine's guarantees/)
    const accepted = fromEnvironment("nak:0")
    expect(Exit.isSuccess(accepted)).toBe(true)
  })
})
