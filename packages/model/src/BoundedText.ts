/**
 * Strings with an upper bound on their length. Every string a command
 * carries has one (ids, names, address lines, reasons...), so no field can
 * hold more than its purpose needs; the bound shows as `maxLength` in the
 * generated JSON Schema and OpenAPI document (checked by
 * `test/architecture/boundedSchemas.test.ts`).
 */
import { Schema } from "effect"

/** The longest string of each kind a command may carry. */
export const TextLimits = {
  /** Canonical ids (order, item, shipment, task, location...). */
  id: 64,
  /** A party's or person's name, a city, an address line. */
  name: 200,
  /** A postal code (the longest in use are 10; room for spacing). */
  postalCode: 20,
  /** A short code or reference another system gave (route, staging lane, document reference). */
  reference: 200,
  /** A free-text reason or detail. */
  reason: 1_000,
  /** An ISO-8601 timestamp with offset and up to nine fraction digits (35), with room. */
  timestamp: 40,
  /** A decimal string: sign, 18 integer digits, point, 12 fraction digits. */
  decimal: 32
} as const

/** Array bounds of commands. */
export const ItemLimits = {
  /** Lines of one order, change or return. */
  orderLines: 1_000,
  /** Cartons loaded, contents of one carton. */
  cartons: 1_000
} as const

/** A string of at most `max` characters. */
export const boundedText = (max: number) => Schema.String.pipe(Schema.check(Schema.isMaxLength(max)))

/** A string of 1 to `max` characters. */
export const boundedNonEmptyText = (max: number) => Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(max)))
