/**
 * Mesh-wide settings: the contents of `sites/mesh.json`.
 */
import { Schema } from "effect"

const positiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))

export class MeshSettings extends Schema.Class<MeshSettings>("logimesh/config/MeshSettings")({
  /** Retention (`max_age`) of every stream that is sourced across domains: the longest WAN outage tolerated. */
  maxOutageHours: positiveInt,
  /** JetStream duplicate window in seconds (dedup of publishes by `Nats-Msg-Id`). */
  duplicateWindowSeconds: positiveInt
}) {}
