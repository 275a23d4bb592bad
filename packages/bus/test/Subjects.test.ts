/**
 * The subject scheme: one builder, tokens that cannot add levels or wildcards.
 */
import { describe, expect, it } from "vitest"
import { Subjects, subjectToken } from "../src/Subjects.ts"

describe("Subjects", () => {
  it("builds the site event and dead-letter subjects", () => {
    expect(Subjects.siteEvent("dc-rotterdam", "PickConfirmed")).toBe("site.dc-rotterdam.evt.PickConfirmed")
    expect(Subjects.siteEvents("dc-rotterdam")).toBe("site.dc-rotterdam.evt.>")
    expect(Subjects.deadLetter("hub", "HUB_SITE_EVENTS", "region_eu-west_dc-antwerp")).toBe("dlq.hub.HUB_SITE_EVENTS.region_eu-west_dc-antwerp")
    expect(Subjects.deadLetters("dc-antwerp")).toBe("dlq.dc-antwerp.>")
  })

  it.each(["a.b", "*", ">", "with space", ""])("refuses the token %j", (token) => {
    expect(() => subjectToken(token)).toThrow(/invalid subject token/)
    expect(() => Subjects.siteEvent(token, "x")).toThrow()
  })
})
