/**
 * The order module as the region runs and serves it: the `order` entity (key
 * = order id), its command routes of the `/v1` API (ERP and portal: create,
 * release, change, cancel; returns) and the order a command belongs to (its
 * own key).
 */
import { moduleSpec, type ReferenceCheck } from "@logimesh/modulespec"
import { AuthorizeReturn, CancelOrder, ChangeOrder, CreateOrder, ReceiveReturn, ReleaseOrder } from "./OrderCommands.ts"
import { orderEntity } from "./orderEntity.ts"
import { orderSystemMessages } from "./OrderSystemMessages.ts"

const orderLineChecks: ReadonlyArray<ReferenceCheck> = [
  { kind: "item", path: "lines.*.item" },
  { kind: "count", path: "lines.*.quantity", itemField: "item" },
  { kind: "mass", path: "lines.*.weight" }
]
/** Changed / returned lines name no item: their quantities must already be in the base count unit (EA). */
const lineQuantityChecks: ReadonlyArray<ReferenceCheck> = [{ kind: "count", path: "lines.*.quantity" }]

export const orderModule = moduleSpec({
  entity: orderEntity,
  orderOf: (command) => command.order,
  ids: {},
  routes: (route) => [
    route({
      path: "/v1/orders",
      summary: "Create a sales order (ERP)",
      command: CreateOrder,
      tag: "CreateOrder",
      references: [{ kind: "site", path: "shipFrom" }, ...orderLineChecks],
      ownership: { object: "SalesOrder", transition: "create" },
      ownershipSite: (c) => c.shipFrom,
      created: true
    }),
    route({
      path: "/v1/orders/:order/release",
      summary: "Release an approved order to its ship-from site (ERP)",
      command: ReleaseOrder,
      tag: "ReleaseOrder",
      pathFields: { order: "order" },
      ownership: { object: "SalesOrder", transition: "release" }
    }),
    route({
      path: "/v1/orders/:order/change",
      summary: "Change line quantities of an order not yet picked (ERP)",
      command: ChangeOrder,
      tag: "ChangeOrder",
      pathFields: { order: "order" },
      references: lineQuantityChecks,
      ownership: { object: "SalesOrder", transition: "change" }
    }),
    route({
      path: "/v1/orders/:order/cancel",
      summary: "Cancel an order before it is loaded (ERP)",
      command: CancelOrder,
      tag: "CancelOrder",
      pathFields: { order: "order" },
      ownership: { object: "SalesOrder", transition: "cancel" }
    }),
    route({
      path: "/v1/returns/:rma/authorize",
      summary: "Authorize a return of a delivered order (ERP or portal)",
      command: AuthorizeReturn,
      tag: "AuthorizeReturn",
      pathFields: { rma: "rma" },
      references: lineQuantityChecks,
      ownership: { object: "ReturnAuthorization", transition: "authorize" }
    }),
    route({
      path: "/v1/returns/:rma/receive",
      summary: "Receive a returned shipment at the site (WES)",
      command: ReceiveReturn,
      tag: "ReceiveReturn",
      pathFields: { rma: "rma" },
      references: lineQuantityChecks,
      ownership: { object: "ReturnAuthorization", transition: "receive" }
    })
  ],
  systemMessages: orderSystemMessages
})
