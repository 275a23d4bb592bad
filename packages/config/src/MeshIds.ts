/**
 * Branded identifiers of the mesh topology: regions and sites.
 *
 * A site id doubles as the site leaf's JetStream domain and appears inside
 * subjects and stream names, so it is restricted to lowercase letters, digits
 * and dashes. Decoded once at the edge (site files, HTTP, NATS headers).
 */
import { Schema } from "effect"

const meshIdPattern = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/

const meshId = (brand: string) =>
  Schema.String.pipe(
    Schema.check(
      Schema.isPattern(meshIdPattern, {
        expected: "3-32 chars: lowercase letters, digits and dashes, starting with a letter"
      })
    )
  ).annotate({ identifier: brand })

export const SiteId = meshId("SiteId").pipe(Schema.brand("SiteId"))
export type SiteId = typeof SiteId.Type

export const RegionId = meshId("RegionId").pipe(Schema.brand("RegionId"))
export type RegionId = typeof RegionId.Type

/** The JetStream domain of the central hub. Site ids may not take it. */
export const HUB_DOMAIN = "hub"
