/**
 * The pod module as the region runs and serves it: the `pod` entity (key =
 * shipment id), its command route (proof of delivery or a failed attempt,
 * under the shipment's path) and the order of a command (from its shipment).
 */
import { orderOfShipment } from "@logimesh/model"
import { moduleSpec } from "@logimesh/modulespec"
import { CapturePod } from "./PodCommands.ts"
import { podEntity } from "./podEntity.ts"
import { podSystemMessages } from "./PodSystemMessages.ts"

export const podModule = moduleSpec({
  entity: podEntity,
  orderOf: (command) => orderOfShipment(command.shipment),
  ids: {},
  routes: (route) => [
    route({
      path: "/v1/shipments/:shipment/pod",
      summary: "Capture proof of delivery, or a failed delivery attempt (carrier or dispatch)",
      command: CapturePod,
      tag: "CapturePod",
      pathFields: { shipment: "shipment" },
      ownership: { object: "ProofOfDelivery", transition: "capture" }
    })
  ],
  systemMessages: podSystemMessages
})
