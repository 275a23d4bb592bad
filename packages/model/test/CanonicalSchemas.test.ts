/**
 * The canonical schemas decode realistic values and refuse bad ones with
 * every failing field path: SSCC check digit, timestamps without an offset,
 * time windows that end before they start, exact decimals, addresses.
 */
import { BigDecimal, DateTime, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  Address,
  CalendarDate,
  gs1CheckDigit,
  IsoWithOffset,
  type MessageIssue,
  messageIssuesOf,
  Money,
  Quantity,
  quantity,
  Sscc,
  ssccFromPayload,
  TimeWindow
} from "../src/index.ts"

/** Every failing field of decoding `input` with `schema` (all errors, not just the first). */
const issuesOf = (schema: Schema.Decoder<unknown>, input: unknown): ReadonlyArray<MessageIssue> => {
  const exit = Schema.decodeUnknownExit(schema)(input, { errors: "all" })
  if (exit._tag === "Success") throw new Error("expected a refusal")
  const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (failure === undefined || !("error" in failure) || !Schema.isSchemaError(failure.error)) throw new Error(`unexpected ${String(exit.cause)}`)
  return messageIssuesOf(failure.error.issue)
}

const shipTo = {
  name: "Bakkerij de Vries",
  gln: "8712345000004",
  lines: ["Kerkstraat 1"],
  city: "Utrecht",
  postalCode: "3511 AB",
  country: "NL",
  timeZone: "Europe/Amsterdam"
}

describe("SSCC", () => {
  it("accepts the GS1 example and refuses a wrong check digit", () => {
    expect(Schema.is(Sscc)("106141411234567897")).toBe(true)
    expect(Schema.is(Sscc)("106141411234567890")).toBe(false)
    expect(Schema.is(Sscc)("10614141123456789")).toBe(false)
  })

  it("catches every single-digit substitution (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}$/), fc.integer({ min: 0, max: 17 }), fc.integer({ min: 1, max: 9 }), (payload, at, delta) => {
        const sscc = ssccFromPayload(payload)
        expect(sscc.endsWith(String(gs1CheckDigit(payload)))).toBe(true)
        const digit = (Number(sscc[at]) + delta) % 10
        const typo = `${sscc.slice(0, at)}${digit}${sscc.slice(at + 1)}`
        expect(Schema.is(Sscc)(typo)).toBe(false)
      })
    )
  })
})

describe("timestamps and dates", () => {
  it("accepts ISO-8601 with an offset and keeps the text as written", () => {
    for (const ok of ["2025-03-30T01:30:00-05:30", "2025-06-01T14:05:00.123+02:00", "2025-06-01T12:05Z"]) {
      expect(Schema.decodeUnknownSync(IsoWithOffset)(ok)).toBe(ok)
    }
  })

  it("refuses a timestamp without an offset, and impossible dates", () => {
    for (const bad of ["2025-06-01T14:05:00", "2025-02-30T10:00:00Z", "2025-06-01 14:05:00+02:00", "2025-06-01T24:00:00Z", "2025-06-01T10:00:00+19:00"]) {
      expect(issuesOf(IsoWithOffset, bad)[0]?.message).toMatch(/ISO-8601 timestamp with an offset/)
    }
  })

  it("decodes a time window to UTC instants, any offset (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800000 }), fc.integer({ min: -14 * 4, max: 14 * 4 }), (millis, quarter) => {
        const offset = quarter * 15
        const local = new Date(millis + offset * 60_000).toISOString().slice(0, -1)
        const sign = offset < 0 ? "-" : "+"
        const text = `${local}${sign}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0")}:${String(Math.abs(offset) % 60).padStart(2, "0")}`
        const window = Schema.decodeUnknownSync(TimeWindow)({ from: text, to: "2100-01-02T00:00:00Z" })
        expect(DateTime.toEpochMillis(window.from)).toBe(millis)
      })
    )
  })

  it("refuses a time window that does not end after it starts", () => {
    const issues = issuesOf(TimeWindow, { from: "2025-06-03T12:00:00+02:00", to: "2025-06-03T10:00:00Z" })
    expect(issues[0]?.message).toMatch(/`from` is before its `to`/)
  })

  it("accepts real calendar dates only", () => {
    expect(Schema.is(CalendarDate)("2024-02-29")).toBe(true)
    for (const bad of ["2025-02-29", "2025-13-01", "2025-6-1", "2025-06-01T00:00:00Z"]) expect(Schema.is(CalendarDate)(bad)).toBe(false)
  })
})

describe("exact quantities and money", () => {
  it("keeps decimals exact and refuses floats, negatives and bad units", () => {
    expect(BigDecimal.format(quantity("0.453", "KG").amount)).toBe("0.453")
    expect(quantity("24", "EA").toString()).toBe("24 EA")
    expect(
      issuesOf(Quantity, { amount: 24.5, unit: "each" })
        .map((i) => i.path)
        .sort()
    ).toEqual(["amount", "unit"])
    expect(issuesOf(Quantity, { amount: "-1", unit: "EA" })[0]?.message).toMatch(/>= 0/)
    expect(issuesOf(Quantity, { amount: "1e3", unit: "EA" })[0]?.path).toBe("amount")
  })

  it("money carries an ISO 4217 currency and encodes the amount normalised", () => {
    const charge = Schema.decodeUnknownSync(Money)({ amount: "412.50", currency: "EUR" })
    expect(Schema.encodeSync(Money)(charge)).toEqual({ amount: "412.5", currency: "EUR" })
    expect(issuesOf(Money, { amount: "412.50", currency: "eur" }).map((i) => i.path)).toEqual(["currency"])
  })
})

describe("addresses", () => {
  it("decode with GLN, country and time zone", () => {
    const address = Schema.decodeUnknownSync(Address)(shipTo)
    expect(address.country).toBe("NL")
    expect(address.timeZone).toBe("Europe/Amsterdam")
  })

  it("list every failing field with its path", () => {
    const issues = issuesOf(Address, { ...shipTo, gln: "8712345000005", lines: [], country: "nl", timeZone: "Mars/Olympus" })
    expect(issues.map((i) => i.path).sort()).toEqual(["country", "gln", "lines", "timeZone"])
    expect(issues.find((i) => i.path === "gln")?.message).toMatch(/GS1 check digit/)
  })
})
