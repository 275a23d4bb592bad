/**
 * The business modules this region runs, each with its flow. Adding a module
 * = its package (decider, codecs, entity) + its flow + one line here.
 */
import { Schema } from "effect"
import { availableToPromise, inventoryEntity, InventoryState, reservedTotal } from "@logimesh/inventory"
import { orderEntity } from "@logimesh/order"
import { podEntity } from "@logimesh/pod"
import { shipmentEntity } from "@logimesh/shipment"
import { taskEntity } from "@logimesh/task"
import { Quantity } from "@logimesh/model"
import { BigDecimal } from "effect"
import { inventoryFlow } from "../flows/inventoryFlow.ts"
import { orderFlow } from "../flows/orderFlow.ts"
import { podFlow } from "../flows/podFlow.ts"
import { shipmentFlow } from "../flows/shipmentFlow.ts"
import { taskFlow } from "../flows/taskFlow.ts"
import { type RegionModule, regionModule } from "./RegionModule.ts"

export const moduleCatalog: ReadonlyArray<RegionModule> = [
  regionModule(orderEntity, orderFlow),
  regionModule(taskEntity, taskFlow),
  regionModule(shipmentEntity, shipmentFlow),
  regionModule(inventoryEntity, inventoryFlow),
  regionModule(podEntity, podFlow)
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
