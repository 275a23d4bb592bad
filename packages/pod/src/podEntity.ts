/**
 * The pod module as an engine entity: name "pod", key = shipment id, the
 * pure pod decider and the Schema codecs of its commands, events, state and
 * rejections. Rejections are recorded in the audit trail, not notified.
 */
import { type EntityDefinition, taggedEntity } from "@logimesh/engine"
import { PodCommand } from "./PodCommands.ts"
import { decide, evolve, initialState } from "./PodDecider.ts"
import { PodEvent } from "./PodEvents.ts"
import { PodRejection } from "./PodRejections.ts"
import { PodState } from "./PodState.ts"

export const podEntity: EntityDefinition<PodCommand, PodEvent, PodState, PodRejection> = taggedEntity({
  name: "pod",
  decider: { initialState, decide, evolve },
  keyOf: (command) => command.shipment,
  command: PodCommand,
  event: PodEvent,
  state: PodState,
  rejection: PodRejection
})
