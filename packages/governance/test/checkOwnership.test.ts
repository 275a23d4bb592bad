/**
 * The pure ownership check, row by row of the ownership table: every owner
 * passes, every other system is refused with a typed error naming object,
 * transition, sender and owner. Inventory availability follows each site's
 * `inventoryOwner`.
 */
import { Result } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { allTransitions, checkOwnership, type GovernanceData, OwnershipViolation } from "../src/index.ts"
import { loadRepoGovernance } from "./governanceFixture.ts"
import { allSystems, ownershipTable } from "./ownershipTable.ts"

let governance: GovernanceData
beforeAll(async () => {
  governance = await loadRepoGovernance()
})

describe("checkOwnership", () => {
  it("the table covers every transition of the catalog", () => {
    const covered = new Set(ownershipTable.map((row) => `${row.object}.${row.transition}`))
    expect([...covered].sort()).toEqual(allTransitions.map((t) => `${t.object}.${t.transition}`).sort())
  })

  for (const row of ownershipTable) {
    const where = row.site === undefined ? "" : ` at ${row.site}`
    it(`${row.object}.${row.transition}${where}: ${row.owners.join("/")} may, nobody else`, () => {
      for (const sender of allSystems) {
        const result = checkOwnership(governance.ownership, { ...row, sender, businessKey: "KEY-1" })
        if (row.owners.includes(sender)) {
          expect(Result.isSuccess(result)).toBe(true)
          continue
        }
        if (Result.isSuccess(result)) throw new Error(`${sender} should be refused`)
        const violation = result.failure
        expect(violation).toBeInstanceOf(OwnershipViolation)
        expect({ object: violation.object, transition: violation.transition, sender: violation.sender, owners: violation.owners }).toEqual({
          object: row.object,
          transition: row.transition,
          sender,
          owners: row.owners
        })
        expect(violation.message).toContain(`${sender} may not ${row.transition} ${row.object} (KEY-1)`)
        expect(violation.isRetryable).toBe(false)
      }
    })
  }

  it("refuses a per-site transition without a site, or at an unknown site, with the reason", () => {
    const noSite = checkOwnership(governance.ownership, { object: "InventoryAvailability", transition: "adjust", sender: "WES" })
    expect(Result.isFailure(noSite) && noSite.failure.message).toMatch(/owned per site; the change names no site/)
    const unknown = checkOwnership(governance.ownership, { object: "InventoryAvailability", transition: "adjust", sender: "WES", site: "dc-nowhere" })
    expect(Result.isFailure(unknown) && unknown.failure.message).toMatch(/unknown site "dc-nowhere"/)
  })
})
