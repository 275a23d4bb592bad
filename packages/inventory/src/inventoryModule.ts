/**
 * The inventory module as the region runs and serves it: the `inventory`
 * entity (key = `<site>/<item>`), its command route (a stock count by the
 * site's inventory owner), the order of a command (reservations name one),
 * the key function, and the transitions its flow-sent commands perform.
 */
import { moduleSpec } from "@logimesh/modulespec"
import { CountStock } from "./InventoryCommands.ts"
import { inventoryKey } from "./InventoryDecider.ts"
import { inventoryEntity } from "./inventoryEntity.ts"
import { inventorySystemMessages } from "./InventorySystemMessages.ts"

export const inventoryModule = moduleSpec({
  entity: inventoryEntity,
  orderOf: (command) => ("order" in command ? command.order : undefined),
  ids: { inventoryKey },
  routes: (route) => [
    route({
      path: "/v1/inventory/:site/:item/count",
      summary: "Report a stock count of an item at a site (the site's inventory owner)",
      command: CountStock,
      tag: "CountStock",
      pathFields: { site: "site", item: "item" },
      references: [
        { kind: "site", path: "site" },
        { kind: "item", path: "item" },
        { kind: "count", path: "onHand", itemField: "item" }
      ],
      ownership: { object: "InventoryAvailability", transition: "adjust" },
      ownershipSite: (c) => c.site
    })
  ],
  unroutedTransitions: [
    { object: "InventoryAvailability", transition: "reserve", how: "ReserveStock, sent by the order flow on OrderReleased (as LOGIMESH, owners not checked)" },
    {
      object: "InventoryAvailability",
      transition: "unreserve",
      how: "ReleaseReservation, sent by the order flow on OrderCancelled (as LOGIMESH, owners not checked)"
    }
  ],
  systemMessages: inventorySystemMessages
})
