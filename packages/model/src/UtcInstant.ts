/**
 * An instant on the wire as ISO-8601 with an explicit offset (`Z` or
 * `+02:00`), decoded to a UTC `DateTime`. A timestamp without an offset is
 * refused: its meaning depends on a time zone nobody wrote down.
 * `IsoWithOffset` checks the text and keeps it as written; `UtcInstant`
 * decodes it to the instant (time windows).
 */
import { DateTime, Schema, SchemaGetter } from "effect"
import { TextLimits } from "./BoundedText.ts"

const isoWithOffset = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** Epoch millis and offset of an ISO-8601 string with offset, or undefined when it is not a real instant. */
const parseIsoWithOffset = (text: string): { readonly epochMillis: number; readonly offsetMinutes: number } | undefined => {
  const m = isoWithOffset.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as [number, number, number, number, number, number]
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000)
  const zone = m[8] ?? "Z"
  const offsetMinutes = zone === "Z" ? 0 : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)))
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || Math.abs(offsetMinutes) > 18 * 60) return undefined
  const local = Date.UTC(year, month - 1, day, hour, minute, second, fraction)
  if (new Date(local).getUTCDate() !== day) return undefined // 31 February and friends
  return { epochMillis: local - offsetMinutes * 60_000, offsetMinutes }
}

export const IsoWithOffset = Schema.String.pipe(
  Schema.check(
    Schema.isMaxLength(TextLimits.timestamp).abort(),
    Schema.makeFilter((s: string) => parseIsoWithOffset(s) !== undefined, {
      expected: "an ISO-8601 timestamp with an offset, e.g. 2025-03-01T08:30:00+01:00 or …Z"
    })
  )
)

export const UtcInstant = IsoWithOffset.pipe(
  Schema.decodeTo(Schema.DateTimeUtc, {
    decode: SchemaGetter.transform((s: string) => DateTime.makeUnsafe(parseIsoWithOffset(s)?.epochMillis ?? Number.NaN)),
    encode: SchemaGetter.transform((utc: DateTime.Utc) => DateTime.formatIso(utc))
  })
)
export type UtcInstant = typeof UtcInstant.Type
