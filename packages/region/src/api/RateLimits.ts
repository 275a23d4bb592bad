/**
 * Per-caller rate limits of the HTTP command API: each principal may send
 * `rateLimit.perSecond` commands a second, plus a burst of
 * `rateLimit.burst` on top that refills at the same pace (`sites/mesh.json`,
 * `api.rateLimit`). Past both, `take` answers how long to wait, and the
 * route answers 429 with `Retry-After`.
 *
 * In memory (rate-limiter-flexible's `RateLimiterMemory`, one pair per
 * process): a region is one process, and a limit lost at a restart only
 * lets a caller start afresh.
 */
import { Context, Effect, Layer } from "effect"
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible"
import type { RateLimitSettings } from "@logimesh/config"
import { RegionContext } from "../RegionContext.ts"

export type RateDecision = { readonly _tag: "Allowed" } | { readonly _tag: "Limited"; readonly retryAfterS: number }

export interface RateLimitsShape {
  /** Takes one command from `principalId`'s allowance. */
  readonly take: (principalId: string) => Effect.Effect<RateDecision>
}

const allowed: RateDecision = { _tag: "Allowed" }

export const makeRateLimits = (settings: Pick<RateLimitSettings, "perSecond" | "burst">): RateLimitsShape => {
  const sustained = new RateLimiterMemory({ keyPrefix: "api", points: settings.perSecond, duration: 1 })
  // The burst refills at the sustained pace: `burst` points over burst / perSecond seconds.
  const burst = new RateLimiterMemory({
    keyPrefix: "api-burst",
    points: Math.max(1, settings.burst),
    duration: Math.max(1, Math.ceil(settings.burst / settings.perSecond))
  })
  const limiter = settings.burst > 0 ? new BurstyRateLimiter(sustained, burst) : sustained
  return {
    take: (principalId) =>
      Effect.promise(() =>
        limiter.consume(principalId).then(
          (): RateDecision => allowed,
          (refusal: unknown): RateDecision => ({
            _tag: "Limited",
            retryAfterS: refusal instanceof RateLimiterRes ? Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) : 1
          })
        )
      )
  }
}

export class RateLimits extends Context.Service<RateLimits, RateLimitsShape>()("logimesh/region/RateLimits") {
  static readonly layerFrom = (settings: Pick<RateLimitSettings, "perSecond" | "burst">): Layer.Layer<RateLimits> =>
    Layer.sync(RateLimits, () => makeRateLimits(settings))

  /** The limits of `sites/mesh.json` (`api.rateLimit`). */
  static readonly layer: Layer.Layer<RateLimits, never, RegionContext> = Layer.effect(
    RateLimits,
    RegionContext.useSync((context) => makeRateLimits(context.mesh.settings.api.rateLimit))
  )
}
