/**
 * @logimesh/model — the canonical logistics vocabulary the modules, flows and
 * governance share: branded ids (SSCC and GLN with their GS1 check digit),
 * the ids derived from an order (its shipment `S-<order>`, its pick tasks
 * `<order>-L<line>`), mesh site/region/zone/dock ids, exact quantities and
 * money (decimal strings on the wire, never floats), ISO-8601 timestamps that must carry an
 * offset, time windows, addresses, dimensions, service levels, the source
 * systems, the canonical statuses governance maps external codes to, the
 * typed contract of a message to an outside system (`systemMessageType`),
 * and `messageIssuesOf` (every failing field of a decode).
 *
 * Pure: depends only on `effect`, imports no I/O.
 */
export { Address } from "./Address.ts"
export { boundedNonEmptyText, boundedText, ItemLimits, TextLimits } from "./BoundedText.ts"
export { CalendarDate } from "./CalendarDate.ts"
export {
  DockDoorId,
  gs1CheckDigit,
  gs1CheckDigitOk,
  ItemId,
  LocationCode,
  OrderId,
  PickTaskId,
  ReturnAuthorizationId,
  Scac,
  ShipmentId,
  ZoneId
} from "./CanonicalIds.ts"
export { orderOfPickTask, orderOfShipment, pickTaskIdOf, pickTaskIdPrefix, shipmentIdOf } from "./DerivedIds.ts"
export { Dimensions } from "./Dimensions.ts"
export { RegionId, SiteId } from "./MeshRefs.ts"
export { type MessageIssue, messageIssuesOf } from "./MessageIssue.ts"
export { Money } from "./Money.ts"
export { NonNegativeDecimal, Quantity, quantity, UnitCode } from "./Quantity.ts"
export { ServiceLevel } from "./ServiceLevel.ts"
export { SourceSystem } from "./SourceSystem.ts"
export { Sscc, ssccFromPayload } from "./Sscc.ts"
export { MilestoneType, OrderStatus, PickTaskStatus, ReturnStatus, ShipmentStatus } from "./Statuses.ts"
export { systemMessageName, type SystemMessageType, systemMessageType, type SystemOfRecord } from "./SystemMessageType.ts"
export { TimeWindow } from "./TimeWindow.ts"
export { IsoWithOffset } from "./UtcInstant.ts"
export { definedFields } from "./definedFields.ts"
