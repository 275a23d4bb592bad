/**
 * Exact quantities: a decimal amount (effect `BigDecimal`, never a float)
 * with a unit-of-measure code. On the wire the amount is a decimal string
 * ("12", "0.453", "1.5"), so no JSON number ever rounds it.
 *
 * Unit codes follow the X12/common logistics spelling: EA (each), CS (case),
 * PL (pallet), KG, LB, G, CM, IN, M. Which conversions exist is governance
 * data (`sites/governance/uom.json`), not code.
 */
import { BigDecimal, Schema, SchemaGetter } from "effect"
import { TextLimits } from "./BoundedText.ts"

const decimalPattern = /^-?(0|[1-9]\d{0,17})(\.\d{1,12})?$/

/** A decimal written as a plain string ("12.500"); no exponent, no float. */
export const Decimal = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(TextLimits.decimal).abort(), Schema.isPattern(decimalPattern, { expected: 'a decimal string such as "12" or "0.453"' })),
  Schema.decodeTo(Schema.BigDecimal, {
    decode: SchemaGetter.transform((s: string) => BigDecimal.fromStringUnsafe(s)),
    encode: SchemaGetter.transform((n: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.normalize(n)))
  })
)

/** A decimal that is zero or more. */
export const NonNegativeDecimal = Decimal.pipe(
  Schema.check(Schema.makeFilter((n: BigDecimal.BigDecimal) => !BigDecimal.isNegative(n), { expected: "a decimal >= 0" }))
)

export const UnitCode = Schema.String.pipe(
  Schema.check(
    Schema.isMaxLength(3).abort(),
    Schema.isPattern(/^[A-Z]{1,3}$/, { expected: "a unit code: 1-3 upper-case letters (EA, CS, PL, KG, LB, CM, IN)" })
  ),
  Schema.brand("UnitCode")
)
export type UnitCode = typeof UnitCode.Type

export class Quantity extends Schema.Class<Quantity>("logimesh/model/Quantity")({
  amount: NonNegativeDecimal,
  unit: UnitCode
}) {
  override toString(): string {
    return `${BigDecimal.format(BigDecimal.normalize(this.amount))} ${this.unit}`
  }
}

export const quantity = (amount: string, unit: string): Quantity => Schema.decodeUnknownSync(Quantity)({ amount, unit })
