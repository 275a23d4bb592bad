/**
 * The business modules this region runs: each module's spec (entity, command
 * routes, ids) and, paired with its entity, its flow. Adding a module = its
 * package (decider, codecs, entity, `<module>Module` spec) + its flow + one
 * line in each list here.
 */
import { Schema } from "effect"
import { availableToPromise, inventoryModule, InventoryState, reservedTotal } from "@logimesh/inventory"
import { Quantity } from "@logimesh/model"
import type { ModuleSurface } from "@logimesh/modulespec"
import { orderModule } from "@logimesh/order"
import { podModule } from "@logimesh/pod"
import { shipmentModule } from "@logimesh/shipment"
import { taskModule } from "@logimesh/task"
import { BigDecimal } from "effect"
import { inventoryFlow } from "../flows/inventoryFlow.ts"
import { orderFlow } from "../flows/orderFlow.ts"
import { podFlow } from "../flows/podFlow.ts"
import { shipmentFlow } from "../flows/shipmentFlow.ts"
import { taskFlow } from "../flows/taskFlow.ts"
import { type RegionModule, regionModule } from "./RegionModule.ts"

/** In the order of their routes in the route table and the OpenAPI document. */
export const moduleSpecs: ReadonlyArray<ModuleSurface> = [orderModule, taskModule, shipmentModule, podModule, inventoryModule]

export const moduleCatalog: ReadonlyArray<RegionModule> = [
  regionModule(orderModule.entity, orderFlow),
  regionModule(taskModule.entity, taskFlow),
  regionModule(shipmentModule.entity, shipmentFlow),
  regionModule(inventoryModule.entity, inventoryFlow),
  regionModule(podModule.entity, podFlow)
]

const decodeInventory = Schema.decodeUnknownSync(InventoryState)
const encodeQuantity = Schema.encodeSync(Quantity)

/** Available to promise from a stored stock book (the inventory module's rule). */
export const inventoryAvailability = (stored: unknown) => {
  const state = decodeInventory(stored)
  const atp = availableToPromise(state)
  return {
    onHand: state.onHand === undefined ? null : encodeQuantity(state.onHand),
    reserved: state.onHand === undefined ? null : encodeQuantity(new Quantity({ amount: BigDecimal.normalize(reservedTotal(state)), unit: state.onHand.unit })),
    availableToPromise: atp === undefined ? null : encodeQuantity(atp),
    status: state.status
  }
}
