/**
 * What each order event causes (docs/order-to-delivery.md, "Flows"):
 *   OrderReleased  -> a pick task and a stock reservation per line, the shipment request;
 *                     WES(site) order-release, dispatch shipment-request
 *   OrderChanged   -> (when already released) the changed lines' pick tasks; WES(site) order-change
 *   OrderCancelled -> (if released) cancel tasks, release reservations, restock picked lines,
 *                     cancel the shipment; WES(site) order-cancelled, dispatch shipment-cancelled;
 *                     ERP order-cancelled
 *   OrderPicked    -> ERP fulfilment-progress (picked, short lines, substitutes)
 *   ReturnAuthorized -> WES(site) return-expected
 *   ReturnReceived -> restock per line; ERP credit-trigger
 */
import { BigDecimal, Schema } from "effect"
import type { EffectMessage } from "@logimesh/engine"
import { ReleaseReservation, ReserveStock, RestockItems, InventoryCommand } from "@logimesh/inventory"
import {
  CreditTriggerToErp,
  OrderCancelledToErp,
  OrderCancelledToWes,
  OrderChangeToWes,
  type OrderEvent,
  OrderPickedToErp,
  OrderReleaseToWes,
  type OrderState,
  ReturnExpectedToWes,
  ShipmentCancelledToDispatch,
  ShipmentRequestToDispatch
} from "@logimesh/order"
import { CancelShipment, RequestShipment, ShipmentCommand } from "@logimesh/shipment"
import { CancelTask, ChangeTask, CreateTask, TaskCommand, taskModule } from "@logimesh/task"
import { definedFields, PickTaskId, Quantity, UnitCode } from "@logimesh/model"
import type { Flow } from "../modules/RegionModule.ts"
import { LOGIMESH, toCentral, toModule, toWes } from "./flowMessages.ts"

const taskId = (order: string, line: number) => Schema.decodeUnknownSync(PickTaskId)(taskModule.ids.taskIdOf(order, line))
const KG = Schema.decodeUnknownSync(UnitCode)("KG")

export const orderFlow: Flow<OrderEvent, OrderState> =
  ({ region }) =>
  (_key, event, state) => {
    const task = (command: TaskCommand) => toModule(region, "task", TaskCommand, command)
    const inventory = (command: InventoryCommand) => toModule(region, "inventory", InventoryCommand, command)
    const shipment = (command: ShipmentCommand) => toModule(region, "shipment", ShipmentCommand, command)
    const out: Array<EffectMessage> = []
    switch (event._tag) {
      case "OrderReleased": {
        for (const line of event.lines) {
          out.push(
            task(
              new CreateTask({
                by: LOGIMESH,
                task: taskId(event.order, line.lineNumber),
                order: event.order,
                lineNumber: line.lineNumber,
                site: event.shipFrom,
                item: line.item,
                quantity: line.quantity
              })
            )
          )
          out.push(
            inventory(
              new ReserveStock({
                by: LOGIMESH,
                site: event.shipFrom,
                item: line.item,
                order: event.order,
                lineNumber: line.lineNumber,
                quantity: line.quantity
              })
            )
          )
        }
        const weight = event.lines.reduce((sum, line) => BigDecimal.sum(sum, line.weight.amount), BigDecimal.fromBigInt(0n))
        // The shipment module is asked for the shipment, and dispatch is told of it, with the same fields.
        const request = {
          shipment: event.shipment,
          order: event.order,
          site: event.shipFrom,
          shipTo: event.shipTo,
          serviceLevel: event.serviceLevel,
          ...definedFields({ deliveryWindow: event.deliveryWindow }),
          weightEstimate: new Quantity({ amount: weight, unit: KG }),
          hazmat: event.lines.some((line) => line.hazmat)
        }
        out.push(shipment(new RequestShipment({ by: LOGIMESH, ...request })))
        out.push(
          toWes(event.shipFrom, OrderReleaseToWes, {
            ...event,
            tasks: event.lines.map((line) => ({ lineNumber: line.lineNumber, task: taskId(event.order, line.lineNumber) }))
          })
        )
        out.push(toCentral(ShipmentRequestToDispatch, request))
        break
      }
      case "OrderChanged":
        if (event.status === "released") {
          for (const change of event.changed) {
            out.push(task(new ChangeTask({ by: LOGIMESH, task: taskId(event.order, change.lineNumber), quantity: change.quantity })))
          }
          out.push(toWes(event.shipFrom, OrderChangeToWes, event))
        }
        break
      case "OrderCancelled": {
        const wasReleased = state.shipment !== undefined
        if (wasReleased) {
          for (const line of event.lines) {
            out.push(task(new CancelTask({ by: LOGIMESH, task: taskId(event.order, line.lineNumber), reason: event.reason })))
            out.push(
              inventory(new ReleaseReservation({ by: LOGIMESH, site: event.shipFrom, item: line.item, order: event.order, lineNumber: line.lineNumber }))
            )
          }
          for (const picked of event.picked) {
            out.push(
              inventory(
                new RestockItems({
                  by: LOGIMESH,
                  site: event.shipFrom,
                  item: picked.item,
                  reference: `cancel:${event.order}/${picked.lineNumber}`,
                  quantity: picked.quantity
                })
              )
            )
          }
          out.push(shipment(new CancelShipment({ by: LOGIMESH, shipment: event.shipment, reason: event.reason })))
          out.push(toWes(event.shipFrom, OrderCancelledToWes, { ...event, putAway: event.picked }))
          out.push(toCentral(ShipmentCancelledToDispatch, { shipment: event.shipment, order: event.order, reason: event.reason }))
        }
        out.push(toCentral(OrderCancelledToErp, event))
        break
      }
      case "OrderPicked":
        out.push(toCentral(OrderPickedToErp, { ...event, stage: "picked" }))
        break
      case "ReturnAuthorized":
        out.push(toWes(event.shipFrom, ReturnExpectedToWes, event))
        break
      case "ReturnReceived":
        for (const line of event.lines) {
          out.push(
            inventory(
              new RestockItems({
                by: LOGIMESH,
                site: event.shipFrom,
                item: line.item,
                reference: `return:${event.rma}/${line.lineNumber}`,
                quantity: line.quantity
              })
            )
          )
        }
        out.push(toCentral(CreditTriggerToErp, event))
        break
      case "OrderCreated":
      case "OrderLinePicked":
      case "OrderProgressed":
        break
    }
    return out
  }
