/**
 * One warehouse site: the contents of `sites/<region>/<site>.json`.
 *
 * Adding a site to the mesh is adding one of these files (no code change).
 */
import { Schema } from "effect"
import { RegionId, SiteId } from "./MeshIds.ts"

/** Which system owns inventory availability at this site (`site:inventoryOwner` in `sites/governance/ownership.json`). */
export const InventoryOwner = Schema.Literals(["ERP", "WES"])
export type InventoryOwner = typeof InventoryOwner.Type

const isIanaTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

export const TimeZone = Schema.String.pipe(Schema.check(Schema.makeFilter(isIanaTimeZone, { expected: "an IANA time zone such as Europe/Amsterdam" })))

export class SiteConfig extends Schema.Class<SiteConfig>("logimesh/config/SiteConfig")({
  id: SiteId,
  name: Schema.NonEmptyString,
  region: RegionId,
  timezone: TimeZone,
  enabled: Schema.Boolean,
  inventoryOwner: InventoryOwner
}) {}
