/**
 * Ownership policy as code: `sites/governance/ownership.json` decoded and
 * resolved against the mesh. For each object and transition it lists the
 * systems that may perform it, or `"site:inventoryOwner"` where the site
 * file decides (inventory availability: ERP or WES per site). Optional
 * `siteOverrides` replace the owners of a transition at one site.
 *
 * The file must assign every transition of `ownershipCatalog` (and no
 * other); a bad entry fails the boot naming the file and field path.
 */
import { Schema } from "effect"
import { ConfigFileError, ConfigIssue, type MeshConfig } from "@logimesh/config"
import { SourceSystem } from "@logimesh/model"
import { type BusinessObject, businessObjects, ownershipCatalog, type OwnedTransition } from "./OwnershipCatalog.ts"

export const SITE_INVENTORY_OWNER = "site:inventoryOwner"

const Owners = Schema.Union([
  Schema.Array(SourceSystem).pipe(
    Schema.check(Schema.isMinLength(1)),
    Schema.check(Schema.makeFilter((xs: ReadonlyArray<string>) => new Set(xs).size === xs.length, { expected: "no system listed twice" }))
  ),
  Schema.Literal(SITE_INVENTORY_OWNER)
])
type Owners = typeof Owners.Type

const transitionsOf = (object: BusinessObject, optional: boolean) =>
  Schema.Struct(Object.fromEntries(ownershipCatalog[object].map((t) => [t, optional ? Schema.optionalKey(Owners) : Owners])))

const objectsStruct = (optional: boolean) =>
  Schema.Struct(Object.fromEntries(businessObjects.map((o) => [o, optional ? Schema.optionalKey(transitionsOf(o, true)) : transitionsOf(o, false)])))

export const OwnershipPolicyFile = Schema.Struct({
  objects: objectsStruct(false),
  siteOverrides: Schema.optionalKey(Schema.Record(Schema.String, objectsStruct(true)))
})
export type OwnershipPolicyFile = typeof OwnershipPolicyFile.Type

/** What the check needs: declared owners per transition, per-site overrides, and each site's inventory owner. */
export interface OwnershipPolicy {
  readonly owners: ReadonlyMap<string, Owners>
  readonly siteOverrides: ReadonlyMap<string, ReadonlyMap<string, Owners>>
  readonly inventoryOwnerBySite: ReadonlyMap<string, "ERP" | "WES">
}

export const transitionKey = (t: OwnedTransition): string => `${t.object}.${t.transition}`

const flatten = (objects: Readonly<Record<string, Readonly<Record<string, Owners | undefined>> | undefined>>) => {
  const map = new Map<string, Owners>()
  for (const [object, transitions] of Object.entries(objects)) {
    for (const [transition, owners] of Object.entries(transitions ?? {})) if (owners !== undefined) map.set(`${object}.${transition}`, owners)
  }
  return map
}

/** Resolves a decoded policy file against the mesh; an override for a site the mesh does not know fails naming the field. */
export const resolveOwnershipPolicy = (file: string, policy: OwnershipPolicyFile, mesh: MeshConfig): OwnershipPolicy | ConfigFileError => {
  const sites = new Map(mesh.regions.flatMap((r) => r.sites).map((s) => [s.id as string, s.inventoryOwner]))
  const overrides = new Map<string, ReadonlyMap<string, Owners>>()
  for (const [site, objects] of Object.entries(policy.siteOverrides ?? {})) {
    if (!sites.has(site)) {
      return new ConfigFileError({
        file,
        issues: [new ConfigIssue({ path: `siteOverrides.${site}`, message: `unknown site "${site}" (sites: ${[...sites.keys()].join(", ")})` })]
      })
    }
    overrides.set(site, flatten(objects))
  }
  return { owners: flatten(policy.objects), siteOverrides: overrides, inventoryOwnerBySite: sites }
}
