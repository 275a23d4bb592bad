/**
 * The shipment module as the region runs and serves it: the `shipment`
 * entity (key = shipment id `S-<order>`), its command routes (packing and
 * loading by the WES, tender and revisions by dispatch, the carrier's answer
 * and milestones), the order of a shipment, the shipment id functions, and
 * the transitions its flow-sent commands perform.
 */
import type { OwnedTransition } from "@logimesh/governance"
import { orderOfShipment, shipmentIdOf } from "@logimesh/model"
import { moduleSpec } from "@logimesh/modulespec"
import { CompletePacking, ConfirmLoad, PackCarton, RecordMilestone, RespondToTender, ReviseShipment, TenderCarrier } from "./ShipmentCommands.ts"
import { shipmentEntity } from "./shipmentEntity.ts"
import { shipmentSystemMessages } from "./ShipmentSystemMessages.ts"

const milestoneOwnership: Readonly<Record<RecordMilestone["milestone"], OwnedTransition>> = {
  departed: { object: "Milestone", transition: "depart" },
  in_transit: { object: "Milestone", transition: "in_transit" },
  delayed: { object: "Milestone", transition: "delay" },
  arrived: { object: "Milestone", transition: "arrive" }
}

const pathFields = { shipment: "shipment" }

export const shipmentModule = moduleSpec({
  entity: shipmentEntity,
  orderOf: (command) => orderOfShipment(command.shipment),
  ids: { shipmentIdOf, orderOfShipment },
  routes: (route) => [
    route({
      path: "/v1/shipments/:shipment/cartons",
      summary: "Pack a carton (SSCC, weight, dimensions, contents) into the shipment (WES)",
      command: PackCarton,
      tag: "PackCarton",
      pathFields,
      references: [
        { kind: "mass", path: "weight" },
        { kind: "length", path: "dimensions.length" },
        { kind: "length", path: "dimensions.width" },
        { kind: "length", path: "dimensions.height" },
        { kind: "item", path: "contents.*.item" },
        { kind: "count", path: "contents.*.quantity", itemField: "item" }
      ],
      ownership: { object: "PickTask", transition: "pack_carton" }
    }),
    route({
      path: "/v1/shipments/:shipment/complete-packing",
      summary: "Packing is complete: the shipment is ready to ship (WES)",
      command: CompletePacking,
      tag: "CompletePacking",
      pathFields,
      ownership: { object: "PickTask", transition: "pack_carton" }
    }),
    route({
      path: "/v1/shipments/:shipment/tender",
      summary: "Tender the shipment to a carrier (dispatch)",
      command: TenderCarrier,
      tag: "TenderCarrier",
      pathFields,
      ownership: { object: "ShipmentPlan", transition: "tender" }
    }),
    route({
      path: "/v1/shipments/:shipment/tender-response",
      summary: "Accept or reject a tender (carrier)",
      command: RespondToTender,
      tag: "RespondToTender",
      pathFields,
      ownership: { object: "ShipmentPlan", transition: "assign_carrier" }
    }),
    route({
      path: "/v1/shipments/:shipment/revise",
      summary: "Revise carrier, route, freight, delivery commitment, staging lane and loading priority (dispatch)",
      command: ReviseShipment,
      tag: "ReviseShipment",
      pathFields,
      ownership: { object: "ShipmentPlan", transition: "revise" }
    }),
    route({
      path: "/v1/shipments/:shipment/confirm-load",
      summary: "Confirm every carton loaded at a dock door (WES)",
      command: ConfirmLoad,
      tag: "ConfirmLoad",
      pathFields,
      references: [{ kind: "dock", path: "dockDoor" }],
      ownership: { object: "PickTask", transition: "pack_carton" }
    }),
    route({
      path: "/v1/shipments/:shipment/milestones",
      summary: "Record a transport milestone: departed, in_transit, delayed, arrived (dispatch or carrier)",
      command: RecordMilestone,
      tag: "RecordMilestone",
      pathFields,
      ownership: { all: Object.values(milestoneOwnership), of: (c) => milestoneOwnership[c.milestone] }
    })
  ],
  unroutedTransitions: [
    { object: "ShipmentPlan", transition: "plan", how: "RequestShipment, sent by the order flow on OrderReleased (as LOGIMESH, owners not checked)" },
    { object: "ShipmentPlan", transition: "cancel", how: "CancelShipment, sent by the order flow on OrderCancelled (as LOGIMESH, owners not checked)" }
  ],
  systemMessages: shipmentSystemMessages
})
