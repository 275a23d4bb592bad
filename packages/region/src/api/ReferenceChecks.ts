/**
 * Reference data the command API checks before a command reaches an actor:
 * sites this region serves, items (the packaging table of
 * `sites/governance/uom.json`), units of the right dimension (count
 * quantities normalised to the base count unit with the item's packaging
 * factors, weights to KG and dimensions to CM), and dock doors of the
 * region's sites. The checks a route asks for are data of its module's
 * spec (`ReferenceCheck`). Each failing field is an issue naming its path;
 * checks run on the JSON body before decoding, so a normalised quantity is
 * what the command carries.
 */
import { BigDecimal, Result, Schema } from "effect"
import type { UomFile } from "@logimesh/governance"
import { convert } from "@logimesh/governance"
import { Quantity, UnitCode } from "@logimesh/model"
import type { ReferenceCheck } from "@logimesh/modulespec"
import { visit } from "./jsonPaths.ts"

export interface FieldIssue {
  readonly path: string
  readonly message: string
}

export interface ReferenceData {
  readonly sites: ReadonlySet<string>
  readonly uom: UomFile
  readonly docksBySite: ReadonlyMap<string, ReadonlySet<string>>
}

const decodeQuantity = Schema.decodeUnknownResult(Quantity)
const encodeQuantity = Schema.encodeSync(Quantity)
const baseUnit = (uom: UomFile) => Schema.decodeUnknownSync(UnitCode)(uom.baseCountUnit)

/** The unit of a dimension whose factor to the base is 1 (KG for mass, CM for length in sites/governance/uom.json). */
const baseUnitOf = (uom: UomFile, dimension: "mass" | "length"): UnitCode | undefined => {
  const entry = Object.entries(uom.units).find(
    ([, unit]) => unit.dimension === dimension && unit.toBase !== undefined && BigDecimal.equals(unit.toBase, BigDecimal.fromBigInt(1n))
  )
  return entry === undefined ? undefined : Schema.decodeUnknownSync(UnitCode)(entry[0])
}

const dimensionOf = (uom: UomFile, unit: string): string | undefined => uom.units[unit as UnitCode]?.dimension

/** Checks (and normalises count quantities in place); returns the issues, empty when the body is fine. */
export const checkReferences = (body: unknown, checks: ReadonlyArray<ReferenceCheck>, refs: ReferenceData): ReadonlyArray<FieldIssue> => {
  const issues: Array<FieldIssue> = []
  for (const check of checks) {
    for (const at of visit(body, check.path)) {
      switch (check.kind) {
        case "site":
          if (typeof at.value === "string" && !refs.sites.has(at.value)) {
            issues.push({ path: at.path, message: `unknown site "${at.value}" (this region serves ${[...refs.sites].join(", ")})` })
          }
          break
        case "item":
          if (typeof at.value === "string" && refs.uom.items[at.value] === undefined) {
            issues.push({ path: at.path, message: `unknown item "${at.value}"` })
          }
          break
        case "dock": {
          const known = [...refs.docksBySite.values()].some((docks) => typeof at.value === "string" && docks.has(at.value))
          if (typeof at.value === "string" && !known) issues.push({ path: at.path, message: `unknown dock door "${at.value}"` })
          break
        }
        case "mass":
        case "length":
        case "count": {
          const decoded = decodeQuantity(at.value)
          if (Result.isFailure(decoded)) break // the schema reports the malformed quantity itself
          const quantity = decoded.success
          const dimension = dimensionOf(refs.uom, quantity.unit)
          if (dimension === undefined) {
            issues.push({ path: `${at.path}.unit`, message: `unknown unit "${quantity.unit}"` })
            break
          }
          if (dimension !== check.kind) {
            issues.push({ path: `${at.path}.unit`, message: `"${quantity.unit}" measures ${dimension}; this field is a ${check.kind} quantity` })
            break
          }
          if (check.kind === "count" && quantity.unit !== refs.uom.baseCountUnit) {
            const item = check.itemField === undefined ? undefined : at.parent[check.itemField]
            // An unknown item is reported on its own field; its packaging cannot be known.
            if (typeof item === "string" && refs.uom.items[item] === undefined) break
            const converted = convert(refs.uom, quantity, baseUnit(refs.uom), typeof item === "string" ? { item } : {})
            if (Result.isFailure(converted)) {
              issues.push({ path: `${at.path}.unit`, message: converted.failure.message })
              break
            }
            at.parent[at.key] = encodeQuantity(converted.success)
          }
          if (check.kind !== "count") {
            // Weights to the mass base unit (KG), dimensions to the length base unit (CM): modules add and compare them.
            const base = baseUnitOf(refs.uom, check.kind)
            if (base === undefined || quantity.unit === base) break
            const converted = convert(refs.uom, quantity, base, { roundToDecimals: 6 })
            if (Result.isFailure(converted)) {
              issues.push({ path: `${at.path}.unit`, message: converted.failure.message })
              break
            }
            at.parent[at.key] = encodeQuantity(converted.success)
          }
          break
        }
      }
    }
  }
  return issues
}
