/**
 * The ownership policy with its transitions spelled out, as the tests
 * expect it: [object, transition, site, owners]. Written independently of
 * `sites/governance/ownership.json`, so a drift in the file fails the tests.
 */
import type { SourceSystem } from "@logimesh/model"
import type { OwnedTransition } from "../src/index.ts"
import { definedFields } from "@logimesh/model"

export type OwnershipRow = OwnedTransition & { readonly site?: string; readonly owners: ReadonlyArray<SourceSystem> }

export const allSystems: ReadonlyArray<SourceSystem> = ["ERP", "WES", "DISPATCH", "CARRIER", "PORTAL", "LOGIMESH"]

const rows = <O extends OwnedTransition["object"]>(
  object: O,
  transitions: ReadonlyArray<Extract<OwnedTransition, { object: O }>["transition"]>,
  owners: ReadonlyArray<SourceSystem>,
  site?: string
): ReadonlyArray<OwnershipRow> => transitions.map((transition) => ({ object, transition, owners, ...definedFields({ site }) }) as OwnershipRow)

export const ownershipTable: ReadonlyArray<OwnershipRow> = [
  ...rows("SalesOrder", ["create", "change", "cancel", "release"], ["ERP"]),
  // dc-rotterdam.json: inventoryOwner WES; dc-antwerp.json: inventoryOwner ERP
  ...rows("InventoryAvailability", ["adjust", "reserve", "unreserve"], ["WES"], "dc-rotterdam"),
  ...rows("InventoryAvailability", ["adjust", "reserve", "unreserve"], ["ERP"], "dc-antwerp"),
  ...rows("ShipmentPlan", ["plan", "revise", "tender", "cancel"], ["DISPATCH"]),
  // The carrier answers a tender itself (accept / reject); dispatch may assign directly.
  ...rows("ShipmentPlan", ["assign_carrier"], ["DISPATCH", "CARRIER"]),
  ...rows("PickTask", ["confirm_pick", "short_pick", "pack_carton"], ["WES"], "dc-rotterdam"),
  ...rows("Milestone", ["depart", "in_transit", "delay", "arrive"], ["DISPATCH", "CARRIER"]),
  ...rows("ProofOfDelivery", ["capture"], ["CARRIER", "DISPATCH"]),
  ...rows("ReturnAuthorization", ["authorize"], ["ERP", "PORTAL"]),
  ...rows("ReturnAuthorization", ["receive"], ["WES"], "dc-antwerp")
]
