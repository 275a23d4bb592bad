/**
 * Limits of the `/v1` command API: the `api` object of `sites/mesh.json`
 * (every field optional; the defaults below). The same for every region,
 * since they are promises to every caller of the mesh.
 *
 *   maxBodyBytes          the largest command body accepted, over HTTP and as a message (413 / parked beyond)
 *   rateLimit.perSecond   commands a caller may send per second, sustained
 *   rateLimit.burst       commands a caller may send at once on top of that (answered 429 with Retry-After beyond)
 */
import { Effect, Schema } from "effect"

const positive = (fallback: number) => Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)), Schema.withDecodingDefaultKey(Effect.succeed(fallback)))

/** 1 MiB: an order of 1,000 lines is ~250 KB. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576

export class RateLimitSettings extends Schema.Class<RateLimitSettings>("logimesh/config/RateLimitSettings")({
  perSecond: positive(200),
  burst: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)), Schema.withDecodingDefaultKey(Effect.succeed(400)))
}) {}

export class ApiLimitSettings extends Schema.Class<ApiLimitSettings>("logimesh/config/ApiLimitSettings")({
  maxBodyBytes: positive(DEFAULT_MAX_BODY_BYTES),
  rateLimit: RateLimitSettings.pipe(Schema.withDecodingDefaultKey(Effect.succeed({})))
}) {}
