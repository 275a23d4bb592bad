/**
 * A monetary amount in an ISO 4217 currency (freight charges, declared
 * values). Exact decimal, encoded as a string.
 */
import { Schema } from "effect"
import { Decimal } from "./Quantity.ts"

/** ISO 4217 alphabetic code: three upper-case letters (EUR, USD, GBP). */
const CurrencyCode = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(3).abort(), Schema.isPattern(/^[A-Z]{3}$/, { expected: "an ISO 4217 currency code such as EUR" })),
  Schema.brand("CurrencyCode")
)

export class Money extends Schema.Class<Money>("logimesh/model/Money")({
  amount: Decimal,
  currency: CurrencyCode
}) {}
