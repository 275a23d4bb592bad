/**
 * Every command endpoint of the `/v1` API (docs/order-to-delivery.md,
 * "HTTP API"): path, module, command schema, which path parameters fill
 * which fields, the reference checks of its body and the ownership
 * transition it performs. Served by `CommandRoutes`, documented by
 * `OpenApiDocument`.
 */
import { AuthorizeReturn, CancelOrder, ChangeOrder, CreateOrder, ReceiveReturn, ReleaseOrder } from "@logimesh/order"
import { CountStock } from "@logimesh/inventory"
import { CapturePod } from "@logimesh/pod"
import {
  CompletePacking,
  ConfirmLoad,
  PackCarton,
  RecordMilestone,
  RespondToTender,
  ReviseShipment,
  TenderCarrier
} from "@logimesh/shipment"
import { ConfirmPick } from "@logimesh/task"
import { commandRoute, type CommandRoute } from "./CommandRoute.ts"

const orderLineChecks = [
  { kind: "item", path: "lines.*.item" },
  { kind: "count", path: "lines.*.quantity", itemField: "item" },
  { kind: "mass", path: "lines.*.weight" }
] as const
/** Changed / returned lines name no item: their quantities must already be in the base count unit (EA). */
const lineQuantityChecks = [{ kind: "count", path: "lines.*.quantity" }] as const

const orderOfTask = (task: string) => task.replace(/-L\d+$/, "")
const orderOfShipment = (shipment: string) => shipment.replace(/^S-/, "")

export { orderOfShipment, orderOfTask }

export const orderRoutes: ReadonlyArray<CommandRoute> = [
  commandRoute({
    path: "/v1/orders",
    summary: "Create a sales order (ERP)",
    module: "order",
    tag: "CreateOrder",
    schema: CreateOrder,
    pathFields: {},
    references: [{ kind: "site", path: "shipFrom" }, ...orderLineChecks],
    keyOf: (c) => c.order,
    orderOf: (c) => c.order,
    ownership: (c) => ({ object: "SalesOrder", transition: "create", site: c.shipFrom, businessKey: c.order }),
    created: true
  }),
  commandRoute({
    path: "/v1/orders/:order/release",
    summary: "Release an approved order to its ship-from site (ERP)",
    module: "order",
    tag: "ReleaseOrder",
    schema: ReleaseOrder,
    pathFields: { order: "order" },
    references: [],
    keyOf: (c) => c.order,
    orderOf: (c) => c.order,
    ownership: (c) => ({ object: "SalesOrder", transition: "release", businessKey: c.order })
  }),
  commandRoute({
    path: "/v1/orders/:order/change",
    summary: "Change line quantities of an order not yet picked (ERP)",
    module: "order",
    tag: "ChangeOrder",
    schema: ChangeOrder,
    pathFields: { order: "order" },
    references: lineQuantityChecks,
    keyOf: (c) => c.order,
    orderOf: (c) => c.order,
    ownership: (c) => ({ object: "SalesOrder", transition: "change", businessKey: c.order })
  }),
  commandRoute({
    path: "/v1/orders/:order/cancel",
    summary: "Cancel an order before it is loaded (ERP)",
    module: "order",
    tag: "CancelOrder",
    schema: CancelOrder,
    pathFields: { order: "order" },
    references: [],
    keyOf: (c) => c.order,
    orderOf: (c) => c.order,
    ownership: (c) => ({ object: "SalesOrder", transition: "cancel", businessKey: c.order })
  }),
  commandRoute({
    path: "/v1/tasks/:task/confirm-pick",
    summary: "Confirm a pick, possibly short or with a substitute item (WES)",
    module: "task",
    tag: "ConfirmPick",
    schema: ConfirmPick,
    pathFields: { task: "task" },
    references: [{ kind: "count", path: "picked" }, { kind: "item", path: "substituteItem" }],
    keyOf: (c) => c.task,
    orderOf: (c) => orderOfTask(c.task),
    ownership: (c) => ({ object: "PickTask", transition: "confirm_pick", businessKey: c.task })
  }),
  commandRoute({
    path: "/v1/returns/:rma/authorize",
    summary: "Authorize a return of a delivered order (ERP or portal)",
    module: "order",
    tag: "AuthorizeReturn",
    schema: AuthorizeReturn,
    pathFields: { rma: "rma" },
    references: lineQuantityChecks,
    keyOf: (c) => c.order,
    orderOf: (c) => c.order,
    ownership: (c) => ({ object: "ReturnAuthorization", transition: "authorize", businessKey: c.order })
  }),
  commandRoute({
    path: "/v1/returns/:rma/receive",
    summary: "Receive a returned shipment at the site (WES)",
    module: "order",
    tag: "ReceiveReturn",
    schema: ReceiveReturn,
    pathFields: { rma: "rma" },
    references: lineQuantityChecks,
    keyOf: (c) => c.order,
    orderOf: (c) => c.order,
    ownership: (c) => ({ object: "ReturnAuthorization", transition: "receive", businessKey: c.order })
  })
]

const shipmentRoute = <C extends { readonly shipment: string }>(
  fields: Omit<CommandRoute<C>, "module" | "pathFields" | "keyOf" | "orderOf"> & { readonly module?: string }
): CommandRoute =>
  commandRoute<C>({
    module: "shipment",
    pathFields: { shipment: "shipment" },
    keyOf: (c) => c.shipment,
    orderOf: (c) => orderOfShipment(c.shipment),
    ...fields
  })

const milestoneTransition = { departed: "depart", in_transit: "in_transit", delayed: "delay", arrived: "arrive" } as const

export const shipmentRoutes: ReadonlyArray<CommandRoute> = [
  shipmentRoute<PackCarton>({
    path: "/v1/shipments/:shipment/cartons",
    summary: "Pack a carton (SSCC, weight, dimensions, contents) into the shipment (WES)",
    tag: "PackCarton",
    schema: PackCarton,
    references: [
      { kind: "mass", path: "weight" },
      { kind: "length", path: "dimensions.length" },
      { kind: "length", path: "dimensions.width" },
      { kind: "length", path: "dimensions.height" },
      { kind: "item", path: "contents.*.item" },
      { kind: "count", path: "contents.*.quantity", itemField: "item" }
    ],
    ownership: (c) => ({ object: "PickTask", transition: "pack_carton", businessKey: c.shipment })
  }),
  shipmentRoute<CompletePacking>({
    path: "/v1/shipments/:shipment/complete-packing",
    summary: "Packing is complete: the shipment is ready to ship (WES)",
    tag: "CompletePacking",
    schema: CompletePacking,
    references: [],
    ownership: (c) => ({ object: "PickTask", transition: "pack_carton", businessKey: c.shipment })
  }),
  shipmentRoute<TenderCarrier>({
    path: "/v1/shipments/:shipment/tender",
    summary: "Tender the shipment to a carrier (dispatch)",
    tag: "TenderCarrier",
    schema: TenderCarrier,
    references: [],
    ownership: (c) => ({ object: "ShipmentPlan", transition: "tender", businessKey: c.shipment })
  }),
  shipmentRoute<RespondToTender>({
    path: "/v1/shipments/:shipment/tender-response",
    summary: "Accept or reject a tender (carrier)",
    tag: "RespondToTender",
    schema: RespondToTender,
    references: [],
    ownership: (c) => ({ object: "ShipmentPlan", transition: "assign_carrier", businessKey: c.shipment })
  }),
  shipmentRoute<ReviseShipment>({
    path: "/v1/shipments/:shipment/revise",
    summary: "Revise carrier, route, freight, delivery commitment, staging lane and loading priority (dispatch)",
    tag: "ReviseShipment",
    schema: ReviseShipment,
    references: [],
    ownership: (c) => ({ object: "ShipmentPlan", transition: "revise", businessKey: c.shipment })
  }),
  shipmentRoute<ConfirmLoad>({
    path: "/v1/shipments/:shipment/confirm-load",
    summary: "Confirm every carton loaded at a dock door (WES)",
    tag: "ConfirmLoad",
    schema: ConfirmLoad,
    references: [{ kind: "dock", path: "dockDoor" }],
    ownership: (c) => ({ object: "PickTask", transition: "pack_carton", businessKey: c.shipment })
  }),
  shipmentRoute<RecordMilestone>({
    path: "/v1/shipments/:shipment/milestones",
    summary: "Record a transport milestone: departed, in_transit, delayed, arrived (dispatch or carrier)",
    tag: "RecordMilestone",
    schema: RecordMilestone,
    references: [],
    ownership: (c) => ({ object: "Milestone", transition: milestoneTransition[c.milestone], businessKey: c.shipment })
  }),
  shipmentRoute<CapturePod>({
    path: "/v1/shipments/:shipment/pod",
    summary: "Capture proof of delivery, or a failed delivery attempt (carrier or dispatch)",
    module: "pod",
    tag: "CapturePod",
    schema: CapturePod,
    references: [],
    ownership: (c) => ({ object: "ProofOfDelivery", transition: "capture", businessKey: c.shipment })
  })
]

export const inventoryRoutes: ReadonlyArray<CommandRoute> = [
  commandRoute<CountStock>({
    path: "/v1/inventory/:site/:item/count",
    summary: "Report a stock count of an item at a site (the site's inventory owner)",
    module: "inventory",
    tag: "CountStock",
    schema: CountStock,
    pathFields: { site: "site", item: "item" },
    references: [{ kind: "site", path: "site" }, { kind: "item", path: "item" }, { kind: "count", path: "onHand", itemField: "item" }],
    keyOf: (c) => `${c.site}/${c.item}`,
    orderOf: () => undefined,
    ownership: (c) => ({ object: "InventoryAvailability", transition: "adjust", site: c.site, businessKey: `${c.site}/${c.item}` })
  })
]

export const commandTable: ReadonlyArray<CommandRoute> = [...orderRoutes, ...shipmentRoutes, ...inventoryRoutes]
