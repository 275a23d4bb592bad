/**
 * Branded identifiers of the canonical logistics model. Each is decoded once
 * at the edge (adapter, HTTP, bus) and travels branded from then on, so an
 * order id can never be passed where a shipment id is expected.
 *
 * Canonical ids are logimesh's own; the ids of external systems (ERP order
 * number, WES order id, carrier PRO…) are mapped to them by the governance
 * cross-reference store. SSCC has its own file (`Sscc.ts`): it carries a
 * GS1 check digit.
 */
import { Schema } from "effect"

/** A string of at most `maxLength` characters matching `pattern` (the length bound also shows in JSON Schema, the pattern does not). */
const token = (brand: string, pattern: RegExp, expected: string, maxLength: number) =>
  Schema.String.pipe(Schema.check(Schema.isMaxLength(maxLength).abort(), Schema.isPattern(pattern, { expected }))).annotate({ identifier: brand })

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/
const idExpected = "1-64 chars: letters, digits and . _ : / -, starting with a letter or digit"

/** logimesh's id of one sales order (stable across ERP, WES and dispatch). */
export const OrderId = token("OrderId", idPattern, idExpected, 64).pipe(Schema.brand("OrderId"))
export type OrderId = typeof OrderId.Type

/** Item / SKU as the ERP item master names it. */
export const ItemId = token("ItemId", idPattern, idExpected, 64).pipe(Schema.brand("ItemId"))
export type ItemId = typeof ItemId.Type

export const ShipmentId = token("ShipmentId", idPattern, idExpected, 64).pipe(Schema.brand("ShipmentId"))
export type ShipmentId = typeof ShipmentId.Type

export const PickTaskId = token("PickTaskId", idPattern, idExpected, 64).pipe(Schema.brand("PickTaskId"))
export type PickTaskId = typeof PickTaskId.Type

export const ReturnAuthorizationId = token("ReturnAuthorizationId", idPattern, idExpected, 64).pipe(Schema.brand("ReturnAuthorizationId"))
export type ReturnAuthorizationId = typeof ReturnAuthorizationId.Type

/** A physical location code inside a site (bin, staging lane). */
export const LocationCode = token("LocationCode", idPattern, idExpected, 64).pipe(Schema.brand("LocationCode"))
export type LocationCode = typeof LocationCode.Type

/** A zone of a site (inbound, outbound, hazmat cage…). Unique across the mesh. */
export const ZoneId = token("ZoneId", /^[A-Z0-9][A-Z0-9-]{0,31}$/, "1-32 chars: upper-case letters, digits, dashes", 32).pipe(Schema.brand("ZoneId"))
export type ZoneId = typeof ZoneId.Type

/** A dock door. Unique across the mesh: a dock belongs to exactly one site and zone. */
export const DockDoorId = token("DockDoorId", /^[A-Z0-9][A-Z0-9-]{0,31}$/, "1-32 chars: upper-case letters, digits, dashes", 32).pipe(
  Schema.brand("DockDoorId")
)
export type DockDoorId = typeof DockDoorId.Type

/** Standard Carrier Alpha Code (NMFTA): 2-4 upper-case letters. */
export const Scac = token("Scac", /^[A-Z]{2,4}$/, "a SCAC: 2-4 upper-case letters", 4).pipe(Schema.brand("Scac"))
export type Scac = typeof Scac.Type

/** GS1 Global Location Number: 13 digits (check digit validated). */
export const Gln = Schema.String.pipe(
  Schema.check(
    Schema.isMaxLength(13).abort(),
    Schema.makeFilter((s: string) => /^\d{13}$/.test(s) && gs1CheckDigitOk(s), { expected: "a GLN: 13 digits with a valid GS1 check digit" })
  ),
  Schema.brand("Gln")
)
export type Gln = typeof Gln.Type

/**
 * GS1 mod-10 check digit over all but the last digit: weights 3,1,3,… from
 * the right of the payload. Shared by SSCC (18), GTIN and GLN (13/14).
 */
export const gs1CheckDigit = (payload: string): number => {
  let sum = 0
  for (let i = 0; i < payload.length; i++) {
    const digit = payload.charCodeAt(payload.length - 1 - i) - 48
    sum += digit * (i % 2 === 0 ? 3 : 1)
  }
  return (10 - (sum % 10)) % 10
}

export const gs1CheckDigitOk = (digits: string): boolean => gs1CheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48
