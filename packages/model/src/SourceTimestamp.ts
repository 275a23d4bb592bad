/**
 * A timestamp as an external system wrote it, normalised to UTC with the
 * source's UTC offset kept (a scanner in Rotterdam writes +02:00 in summer;
 * reports need the instant, audits need what the source said).
 *
 * Encoded: ISO-8601 with an offset ("2025-06-01T14:05:00+02:00"); a
 * timestamp without an offset is refused. Decoded: `{ utc, sourceOffsetMinutes }`.
 * Encoding writes the source's local time with its offset again.
 */
import { DateTime, Schema, SchemaGetter } from "effect"
import { IsoWithOffset, parseIsoWithOffset } from "./UtcInstant.ts"

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

const formatWithOffset = (epochMillis: number, offsetMinutes: number): string => {
  const local = new Date(epochMillis + offsetMinutes * 60_000)
  const sign = offsetMinutes < 0 ? "-" : "+"
  const abs = Math.abs(offsetMinutes)
  return `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${
    pad(local.getUTCMinutes())
  }:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

export class SourceTimestampValue extends Schema.Class<SourceTimestampValue>("logimesh/model/SourceTimestamp")({
  utc: Schema.DateTimeUtc,
  /** Offset from UTC the source wrote, in minutes (+120 for +02:00). */
  sourceOffsetMinutes: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: -18 * 60, maximum: 18 * 60 })))
}) {}

export const SourceTimestamp = IsoWithOffset.pipe(
  Schema.decodeTo(Schema.toType(SourceTimestampValue), {
    decode: SchemaGetter.transform((s: string) => {
      const parsed = parseIsoWithOffset(s) ?? { epochMillis: Number.NaN, offsetMinutes: 0 }
      return new SourceTimestampValue({ utc: DateTime.makeUnsafe(parsed.epochMillis), sourceOffsetMinutes: parsed.offsetMinutes })
    }),
    encode: SchemaGetter.transform((value: SourceTimestampValue) =>
      formatWithOffset(DateTime.toEpochMillis(value.utc), value.sourceOffsetMinutes)
    )
  })
)
export type SourceTimestamp = typeof SourceTimestamp.Type
