/**
 * The repository's governance files load at boot, and a broken entry in any
 * of them fails `loadGovernance` naming the file and the field path.
 */
import { Effect, Exit } from "effect"
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ConfigFileError, loadMeshConfig } from "@logimesh/config"
import { DockDoorId } from "@logimesh/model"
import { Schema } from "effect"
import { loadGovernance, locateDock } from "../src/index.ts"

const repoSites = join(import.meta.dirname, "../../../sites")
const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const copyOfSites = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "logimesh-governance-"))
  dirs.push(dir)
  cpSync(repoSites, dir, { recursive: true })
  return dir
}

type Json = Record<string, unknown>
const edit = (file: string, change: (json: Json) => void) => {
  const json = JSON.parse(readFileSync(file, "utf8")) as Json
  change(json)
  writeFileSync(file, JSON.stringify(json, null, 2))
}
const at = (json: Json, ...keys: Array<string | number>): Json => keys.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key] as Json, json)

const load = (dir: string) => Effect.runPromiseExit(loadMeshConfig(dir).pipe(Effect.flatMap((mesh) => loadGovernance(dir, mesh))))

const failure = async (dir: string): Promise<ConfigFileError> => {
  const exit = await load(dir)
  if (Exit.isSuccess(exit)) throw new Error("expected governance to be refused")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail" || !(reason.error instanceof ConfigFileError)) throw new Error(`unexpected ${String(exit)}`)
  return reason.error
}

describe("loadGovernance", () => {
  it("loads the repository's governance data alongside the mesh", async () => {
    const exit = await load(repoSites)
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const governance = exit.value
    expect(governance.ownership.owners.get("SalesOrder.release")).toEqual(["ERP"])
    expect([...governance.statusCodes.mappings.keys()].sort()).toContain("CARRIER/Milestone")
    const dock = locateDock(governance.locations, Schema.decodeSync(DockDoorId)("RTM-D10"))
    expect(dock._tag === "Some" && [dock.value.region, dock.value.site, dock.value.zone]).toEqual(["eu-west", "dc-rotterdam", "RTM-OUT"])
  })

  it("names the file and field of a misspelt transition, a missing one and an unknown system", async () => {
    const dir = copyOfSites()
    const file = join(dir, "governance/ownership.json")
    edit(file, (json) => {
      const order = at(json, "objects", "SalesOrder")
      delete order["cancel"]
      order["cancle"] = ["ERP"]
      at(json, "objects", "PickTask")["confirm_pick"] = ["WMS"]
    })
    const error = await failure(dir)
    expect(error.file).toBe(file)
    expect(error.issues.map((i) => i.path).sort()).toEqual(["objects.PickTask.confirm_pick.0", "objects.SalesOrder.cancel", "objects.SalesOrder.cancle"])
    expect(error.message).toContain(file)
  })

  it("refuses a site override for a site the mesh does not know", async () => {
    const dir = copyOfSites()
    const file = join(dir, "governance/ownership.json")
    edit(file, (json) => {
      json["siteOverrides"] = { "dc-hamburg": { ProofOfDelivery: { capture: ["CARRIER"] } } }
    })
    const error = await failure(dir)
    expect([error.file, error.issues[0]?.path]).toEqual([file, "siteOverrides.dc-hamburg"])
  })

  it("refuses a status mapping that is not one-to-one, naming the duplicate's field", async () => {
    const dir = copyOfSites()
    const file = join(dir, "governance/status-codes/wes.json")
    edit(file, (json) => {
      const list = at(json, "objects")["PickTask"] as Array<Json>
      list.push({ external: "PICK", canonical: "picked" })
    })
    const error = await failure(dir)
    expect(error.file).toBe(file)
    expect(error.issues.map((i) => i.path)).toEqual(["objects.PickTask.6.external", "objects.PickTask.6.canonical"])
    expect(error.issues[0]?.message).toMatch(/duplicate external code "PICK" \(also objects.PickTask.2.external\)/)
  })

  it("refuses an unknown canonical status and a file named after another system", async () => {
    const dir = copyOfSites()
    const file = join(dir, "governance/status-codes/carrier.json")
    edit(file, (json) => {
      ;(at(json, "objects")["Milestone"] as Array<Json>)[0] = { external: "AF", canonical: "gone" }
    })
    expect((await failure(dir)).issues.map((i) => i.path)).toEqual(["objects.Milestone.0.canonical"])
    edit(file, (json) => {
      ;(at(json, "objects")["Milestone"] as Array<Json>)[0] = { external: "AF", canonical: "departed" }
      json["system"] = "DISPATCH"
    })
    const error = await failure(dir)
    expect([error.file, error.issues[0]?.path]).toEqual([file, "system"])
  })

  it("refuses a UoM table with a float factor, a missing factor and a packaging unit that is not a count unit", async () => {
    const dir = copyOfSites()
    const file = join(dir, "governance/uom.json")
    edit(file, (json) => {
      at(json, "units", "LB")["toBase"] = 0.45359237
      delete at(json, "units", "IN")["toBase"]
      at(json, "items", "SKU-42")["KG"] = "10"
    })
    const error = await failure(dir)
    expect(error.file).toBe(file)
    expect(error.issues.map((i) => i.path)).toEqual(["units.LB.toBase"])
    edit(file, (json) => {
      at(json, "units", "LB")["toBase"] = "0.45359237"
    })
    expect((await failure(dir)).issues.map((i) => i.path)).toEqual(["units.IN.toBase", "items.SKU-42.KG"])
  })

  it("refuses a dock that already belongs to another site's zone, naming both places", async () => {
    const dir = copyOfSites()
    const file = join(dir, "governance/locations/dc-rotterdam.json")
    edit(file, (json) => {
      ;(at(json, "zones", 1)["docks"] as Array<string>).push("ANR-D02")
    })
    const error = await failure(dir)
    expect(error.file).toBe(file)
    expect(error.issues[0]?.path).toBe("zones.1.docks.4")
    expect(error.issues[0]?.message).toContain("already belongs to zone ANR-XD of site dc-antwerp")
  })

  it("refuses a locations file for an unknown site", async () => {
    const dir = copyOfSites()
    const file = join(dir, "governance/locations/dc-hamburg.json")
    writeFileSync(file, JSON.stringify({ site: "dc-hamburg", zones: [{ id: "HAM-OUT", kind: "outbound", docks: ["HAM-D01"] }] }))
    const error = await failure(dir)
    expect([error.file, error.issues[0]?.path]).toEqual([file, "site"])
  })
})
