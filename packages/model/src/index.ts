/**
 * @logimesh/model — the canonical logistics model every module and adapter
 * speaks: branded ids (SSCC with its GS1 check digit), exact quantities and
 * money, UTC timestamps that keep the source offset, the canonical documents
 * (sales order, inventory position, pick task, handling unit, shipment plan,
 * load confirmation, milestone, proof of delivery, return authorization), the
 * CloudEvents envelope with its structured / binary-HTTP / NATS-header codecs,
 * versioned event definitions with upcasters, and decode-once-at-the-edge
 * (`InvalidMessage` with every failing path and the raw input).
 *
 * Pure: depends only on `effect`, imports no I/O.
 */
export { Address, CountryCode, IanaTimeZone } from "./Address.ts"
export {
  CorrelationId,
  DockDoorId,
  EventId,
  Gln,
  gs1CheckDigit,
  gs1CheckDigitOk,
  ItemId,
  LoadId,
  LocationCode,
  OrderId,
  PickTaskId,
  ReturnAuthorizationId,
  Scac,
  ShipmentId,
  ZoneId
} from "./CanonicalIds.ts"
export {
  type BinaryMessage,
  decodeBinary,
  decodeHeaderValue,
  decodeStructured,
  encodeBinary,
  encodeHeaderValue,
  encodeStructured,
  fromNatsMessage,
  type NatsEnvelopeMessage,
  STRUCTURED_CONTENT_TYPE,
  toNatsMessage
} from "./CloudEventsCodec.ts"
export { decodeAtEdge, type DecodeAtEdgeOptions, decodeJsonAtEdge } from "./decodeAtEdge.ts"
export {
  Envelope,
  type EnvelopeAttributeName,
  envelopeAttributeNames,
  EventSource,
  EventType,
  JSON_CONTENT_TYPE
} from "./Envelope.ts"
export {
  type DecodedEvent,
  decodeEvent,
  defineEvent,
  type EventDefinition,
  eventData,
  upcast,
  type Upcaster,
  upcaster
} from "./EventDefinition.ts"
export { Dimensions, HandlingUnit, HandlingUnitContent, HandlingUnitKind } from "./HandlingUnit.ts"
export { Hazmat, UnNumber } from "./Hazmat.ts"
export { invalidMessage, InvalidMessage, MessageIssue, messageIssuesOf } from "./InvalidMessage.ts"
export { InventoryPosition } from "./InventoryPosition.ts"
export { LoadConfirmation } from "./LoadConfirmation.ts"
export { RegionId, SiteId } from "./MeshRefs.ts"
export { BusinessStep, businessStepUrn, Milestone, MilestoneType } from "./Milestone.ts"
export { CurrencyCode, Money } from "./Money.ts"
export { DEFAULT_V1_SERVICE_LEVEL, OrderReleased, OrderReleasedEvent, OrderReleasedV1, ReleasedLine } from "./OrderReleased.ts"
export { PickTask, PickTaskStatus } from "./PickTask.ts"
export { DeliveryException, ProofOfDelivery, ReceivedQuantity } from "./ProofOfDelivery.ts"
export { Decimal, NonNegativeDecimal, Quantity, quantity, UnitCode } from "./Quantity.ts"
export { ReturnAuthorization, ReturnLine, ReturnStatus } from "./ReturnAuthorization.ts"
export { Allocation, CalendarDate, OrderStatus, SalesOrder, SalesOrderLine } from "./SalesOrder.ts"
export { ServiceLevel } from "./ServiceLevel.ts"
export { Freight, Leg, ShipmentPlan, ShipmentStatus, Stop, TransportMode } from "./ShipmentPlan.ts"
export { SourceSystem } from "./SourceSystem.ts"
export { type SystemMessageData, systemMessageName, type SystemMessageType, systemMessageType, type SystemOfRecord } from "./SystemMessageType.ts"
export { SourceTimestamp, SourceTimestampValue } from "./SourceTimestamp.ts"
export { Sscc, ssccFromPayload } from "./Sscc.ts"
export { TimeWindow } from "./TimeWindow.ts"
export { IsoWithOffset, parseIsoWithOffset, UtcInstant } from "./UtcInstant.ts"
