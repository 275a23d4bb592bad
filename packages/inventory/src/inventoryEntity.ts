/**
 * The inventory module as an engine entity: name "inventory", key =
 * `<site>/<item>`, the pure inventory decider and the Schema codecs of its
 * commands, events, state and rejections. Rejections are recorded in the
 * audit trail, not notified.
 */
import { type EntityDefinition, taggedEntity } from "@logimesh/engine"
import { InventoryCommand } from "./InventoryCommands.ts"
import { decide, evolve, initialState, inventoryKey } from "./InventoryDecider.ts"
import { InventoryEvent } from "./InventoryEvents.ts"
import { InventoryRejection } from "./InventoryRejections.ts"
import { InventoryState } from "./InventoryState.ts"

export { inventoryKey }

export const inventoryEntity: EntityDefinition<InventoryCommand, InventoryEvent, InventoryState, InventoryRejection> = taggedEntity({
  name: "inventory",
  decider: { initialState, decide, evolve },
  keyOf: (command) => inventoryKey(command.site, command.item),
  command: InventoryCommand,
  event: InventoryEvent,
  state: InventoryState,
  rejection: InventoryRejection
})
