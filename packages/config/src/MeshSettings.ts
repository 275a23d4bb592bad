/**
 * Mesh-wide settings: the contents of `sites/mesh.json`.
 */
import { Effect, Schema } from "effect"
import { ApiLimitSettings } from "./ApiLimitSettings.ts"
import { RetentionSettings } from "./RetentionSettings.ts"
import { StreamLimitSettings } from "./StreamLimitSettings.ts"

const positiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

export class MeshSettings extends Schema.Class<MeshSettings>("logimesh/config/MeshSettings")({
  /** Retention (`max_age`) of every stream that is sourced across domains: the longest WAN outage tolerated. */
  maxOutageHours: positiveInt,
  /** JetStream duplicate window in seconds (dedup of publishes by `Nats-Msg-Id`). */
  duplicateWindowSeconds: positiveInt,
  /** Horizons of the rows each region prunes (defaults when absent). */
  retention: RetentionSettings.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  /** Message and byte limits of the streams (defaults when absent). */
  streamLimits: StreamLimitSettings.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  /** Body size and per-caller rate limits of the command API (defaults when absent). */
  api: ApiLimitSettings.pipe(Schema.withDecodingDefaultKey(Effect.succeed({})))
}) {}
