/**
 * Site and region ids as the canonical model carries them (ship-from site,
 * a zone's site and region). Same brand and rule as `@logimesh/config`'s
 * `SiteId`/`RegionId` (a JetStream domain: lowercase letters, digits,
 * dashes), so the two are interchangeable; the model package stays free of
 * config and I/O.
 */
import { Schema } from "effect"

const meshIdPattern = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/
const meshId = Schema.String.pipe(
  Schema.check(
    Schema.isMaxLength(32).abort(),
    Schema.isPattern(meshIdPattern, { expected: "3-32 chars: lowercase letters, digits and dashes, starting with a letter" })
  )
)

export const SiteId = meshId.pipe(Schema.brand("SiteId"))
export type SiteId = typeof SiteId.Type

export const RegionId = meshId.pipe(Schema.brand("RegionId"))
export type RegionId = typeof RegionId.Type
