/**
 * The canonical statuses of the objects whose status external systems report
 * in their own codes: sales order, pick task, shipment, shipment milestone,
 * return authorization. Governance maps each system's codes to these
 * (`sites/governance/status-codes/`) and back.
 */
import { Schema } from "effect"

export const OrderStatus = Schema.Literals(["created", "released", "allocated", "picking", "packed", "shipped", "delivered", "cancelled"])
export type OrderStatus = typeof OrderStatus.Type

export const PickTaskStatus = Schema.Literals(["open", "in_progress", "picked", "short_picked", "packed", "cancelled"])
export type PickTaskStatus = typeof PickTaskStatus.Type

export const ShipmentStatus = Schema.Literals([
  "planned",
  "tendered",
  "carrier_assigned",
  "loading",
  "departed",
  "in_transit",
  "delayed",
  "arrived",
  "delivered",
  "cancelled"
])
export type ShipmentStatus = typeof ShipmentStatus.Type

/** A shipment milestone: depart, in transit, delay, arrive, deliver. */
export const MilestoneType = Schema.Literals(["departed", "in_transit", "delayed", "arrived", "delivered"])
export type MilestoneType = typeof MilestoneType.Type

export const ReturnStatus = Schema.Literals(["authorized", "received", "closed", "rejected"])
export type ReturnStatus = typeof ReturnStatus.Type
