/**
 * Proof of delivery (system of record: DISPATCH or the CARRIER): the signed
 * document's reference, what was received per handling unit, and exceptions
 * (short, damaged, refused) that feed invoicing and claims.
 */
import { Schema } from "effect"
import { ShipmentId } from "./CanonicalIds.ts"
import { Quantity } from "./Quantity.ts"
import { SourceTimestamp } from "./SourceTimestamp.ts"
import { Sscc } from "./Sscc.ts"

export class ReceivedQuantity extends Schema.Class<ReceivedQuantity>("logimesh/model/ReceivedQuantity")({
  sscc: Sscc,
  quantity: Quantity
}) {}

export class DeliveryException extends Schema.Class<DeliveryException>("logimesh/model/DeliveryException")({
  sscc: Schema.optionalKey(Sscc),
  kind: Schema.Literals(["short", "over", "damaged", "refused", "wrong_item"]),
  note: Schema.optionalKey(Schema.String)
}) {}

export class ProofOfDelivery extends Schema.Class<ProofOfDelivery>("logimesh/model/ProofOfDelivery")({
  shipment: ShipmentId,
  stopSequence: Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0))),
  /** Reference of the signed document (e-POD id or scanned BOL), where the image lives. */
  documentRef: Schema.NonEmptyString,
  signedBy: Schema.NonEmptyString,
  deliveredAt: SourceTimestamp,
  received: Schema.Array(ReceivedQuantity),
  exceptions: Schema.Array(DeliveryException)
}) {}
