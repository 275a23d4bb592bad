/**
 * Dangerous-goods flags of a line or handling unit (ADR / IMDG / 49 CFR
 * style): UN number, hazard class, packing group. Drives carrier choice and
 * zone placement; never guessed from free text.
 */
import { Schema } from "effect"

/** UN number: "UN" + four digits (UN1203 = gasoline). */
export const UnNumber = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^UN\d{4}$/, { expected: "a UN number such as UN1203" })),
  Schema.brand("UnNumber")
)
export type UnNumber = typeof UnNumber.Type

export class Hazmat extends Schema.Class<Hazmat>("logimesh/model/Hazmat")({
  unNumber: UnNumber,
  /** Hazard class or division, 1-9 with optional division: "3", "2.1", "6.1". */
  hazardClass: Schema.String.pipe(Schema.check(Schema.isPattern(/^[1-9](\.[1-6])?$/, { expected: "a hazard class 1-9, e.g. 3 or 2.1" }))),
  packingGroup: Schema.optionalKey(Schema.Literals(["I", "II", "III"])),
  limitedQuantity: Schema.Boolean
}) {}
