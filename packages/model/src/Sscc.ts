/**
 * GS1 Serial Shipping Container Code (SSCC-18, AI 00): the id of a carton or
 * pallet (handling unit). 18 digits: extension digit, GS1 company prefix,
 * serial reference, and a mod-10 check digit that is validated on decode.
 */
import { Schema } from "effect"
import { gs1CheckDigit, gs1CheckDigitOk } from "./CanonicalIds.ts"

export const Sscc = Schema.String.pipe(
  Schema.check(
    Schema.isMaxLength(18).abort(),
    Schema.makeFilter((s: string) => /^\d{18}$/.test(s) && gs1CheckDigitOk(s), {
      expected: "an SSCC: 18 digits with a valid GS1 check digit"
    })
  ),
  Schema.brand("Sscc")
).annotate({ identifier: "Sscc" })
export type Sscc = typeof Sscc.Type

/** Builds an SSCC from its first 17 digits (extension + company prefix + serial) by appending the check digit. */
export const ssccFromPayload = (payload17: string): Sscc => Schema.decodeUnknownSync(Sscc)(`${payload17}${gs1CheckDigit(payload17)}`)
