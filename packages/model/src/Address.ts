/**
 * A postal address / ship-to party as carriers and ERPs exchange it:
 * ISO 3166-1 alpha-2 country, optional GS1 GLN and IANA time zone of the
 * receiving location (delivery windows are agreed in local time).
 */
import { Schema } from "effect"
import { boundedNonEmptyText, boundedText, TextLimits } from "./BoundedText.ts"
import { Gln } from "./CanonicalIds.ts"

const CountryCode = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(2).abort(), Schema.isPattern(/^[A-Z]{2}$/, { expected: "an ISO 3166-1 alpha-2 country code such as NL" })),
  Schema.brand("CountryCode")
)

const isIanaTimeZone = (zone: string): boolean => Intl.supportedValuesOf("timeZone").includes(zone) || zone === "UTC"

const IanaTimeZone = Schema.String.pipe(
  Schema.check(Schema.isMaxLength(64).abort(), Schema.makeFilter(isIanaTimeZone, { expected: "an IANA time zone such as Europe/Amsterdam" }))
)

export class Address extends Schema.Class<Address>("logimesh/model/Address")({
  name: boundedNonEmptyText(TextLimits.name),
  gln: Schema.optionalKey(Gln),
  lines: Schema.Array(boundedNonEmptyText(TextLimits.name)).pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(4))),
  city: boundedNonEmptyText(TextLimits.name),
  postalCode: boundedText(TextLimits.postalCode),
  country: CountryCode,
  timeZone: Schema.optionalKey(IanaTimeZone)
}) {}
