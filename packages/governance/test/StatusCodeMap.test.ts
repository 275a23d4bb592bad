/**
 * Status codes map both ways and bijectively (property tests over the
 * declared files and over generated mapping tables); an unknown code is a
 * typed error whose message is the park reason.
 */
import { Result } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import type { SourceSystem } from "@logimesh/model"
import {
  type CanonicalStatus,
  canonicalStatuses,
  type GovernanceData,
  makeStatusCodeMap,
  type StatusCodeFile,
  type StatusObject,
  toCanonicalStatus,
  toExternalStatus,
  UnknownStatusCode,
  validateStatusCodeFile
} from "../src/index.ts"
import { loadRepoGovernance } from "./governanceFixture.ts"

let governance: GovernanceData
beforeAll(async () => {
  governance = await loadRepoGovernance()
})

const statusesOf = (object: StatusObject): ReadonlyArray<string> => canonicalStatuses[object].literals

describe("status-code mappings", () => {
  it("every declared mapping round-trips both ways (declared files are bijective)", () => {
    expect(governance.statusCodes.mappings.size).toBeGreaterThanOrEqual(4)
    for (const [key, mapping] of governance.statusCodes.mappings) {
      const [system, object] = key.split("/") as [SourceSystem, StatusObject]
      expect(new Set(mapping.toCanonical.values()).size).toBe(mapping.toCanonical.size)
      for (const [code, status] of mapping.toCanonical) {
        expect(Result.getOrThrow(toCanonicalStatus(governance.statusCodes, system, object, code))).toBe(status)
        expect(Result.getOrThrow(toExternalStatus(governance.statusCodes, system, object, status as CanonicalStatus<StatusObject>))).toBe(code)
      }
    }
  })

  it("accepts a generated table iff it is one-to-one, and then maps both ways (property)", () => {
    const object: StatusObject = "ShipmentPlan"
    const entry = fc.record({ external: fc.stringMatching(/^[A-Z0-9]{1,3}$/), canonical: fc.constantFrom(...statusesOf(object)) })
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        const file = { system: "DISPATCH", objects: { [object]: entries } } as unknown as StatusCodeFile
        const oneToOne = new Set(entries.map((e) => e.external)).size === entries.length && new Set(entries.map((e) => e.canonical)).size === entries.length
        const issues = validateStatusCodeFile(file)
        expect(issues.length === 0).toBe(oneToOne)
        if (!oneToOne) return
        const map = makeStatusCodeMap([file])
        for (const e of entries) {
          const status = Result.getOrThrow(toCanonicalStatus(map, "DISPATCH", object, e.external))
          expect(Result.getOrThrow(toExternalStatus(map, "DISPATCH", object, status))).toBe(e.external)
        }
      }),
      { numRuns: 500 }
    )
  })

  it("an unknown code is a typed error with a readable park reason, never a guess", () => {
    const result = toCanonicalStatus(governance.statusCodes, "CARRIER", "Milestone", "A3")
    if (Result.isSuccess(result)) throw new Error("expected an unknown code")
    expect(result.failure).toBeInstanceOf(UnknownStatusCode)
    expect(result.failure.isRetryable).toBe(false)
    expect(result.failure.message).toBe(
      'unknown CARRIER status code "A3" for Milestone (known: AF, X6, SD, X1, D1); add it to sites/governance/status-codes/ and replay'
    )
    expect(Result.isFailure(toCanonicalStatus(governance.statusCodes, "PORTAL", "SalesOrder", "10"))).toBe(true)
  })

  it("a canonical status without a code for that system is a typed error", () => {
    const result = toExternalStatus(governance.statusCodes, "WES", "SalesOrder", "delivered")
    expect(Result.isFailure(result) && result.failure.message).toBe('SalesOrder status "delivered" has no WES code')
  })
})
