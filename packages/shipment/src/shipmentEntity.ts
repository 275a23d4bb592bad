/**
 * The shipment module as an engine entity: name "shipment", key = shipment
 * id (`S-<order>`), the pure shipment decider and the Schema codecs of its
 * commands, events, state and rejections. Rejections are recorded in the
 * audit trail, not notified.
 */
import { type EntityDefinition, taggedEntity } from "@logimesh/engine"
import { ShipmentCommand } from "./ShipmentCommands.ts"
import { decide, evolve, initialState } from "./ShipmentDecider.ts"
import { ShipmentEvent } from "./ShipmentEvents.ts"
import { ShipmentRejection } from "./ShipmentRejections.ts"
import { ShipmentState } from "./ShipmentState.ts"

export const shipmentEntity: EntityDefinition<ShipmentCommand, ShipmentEvent, ShipmentState, ShipmentRejection> = taggedEntity({
  name: "shipment",
  decider: { initialState, decide, evolve },
  keyOf: (command) => command.shipment,
  command: ShipmentCommand,
  event: ShipmentEvent,
  state: ShipmentState,
  rejection: ShipmentRejection
})
