/**
 * A shipment milestone (depart, in transit, delay, arrive, deliver), with the
 * GS1 EPCIS / CBV business step it corresponds to, where it happened and
 * when (source timestamp: UTC plus the offset the sender wrote).
 */
import { Schema } from "effect"
import { ShipmentId } from "./CanonicalIds.ts"
import { SiteId } from "./MeshRefs.ts"
import { SourceTimestamp } from "./SourceTimestamp.ts"

export const MilestoneType = Schema.Literals(["departed", "in_transit", "delayed", "arrived", "delivered"])
export type MilestoneType = typeof MilestoneType.Type

/** CBV 2.0 business steps (urn:epcglobal:cbv:bizstep:<step>) used across the flow. */
export const BusinessStep = Schema.Literals([
  "picking",
  "packing",
  "staging_outbound",
  "loading",
  "shipping",
  "departing",
  "arriving",
  "receiving"
])
export type BusinessStep = typeof BusinessStep.Type

export const businessStepUrn = (step: BusinessStep): string => `urn:epcglobal:cbv:bizstep:${step}`

export class Milestone extends Schema.Class<Milestone>("logimesh/model/Milestone")({
  shipment: ShipmentId,
  type: MilestoneType,
  bizStep: BusinessStep,
  stopSequence: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0)))),
  site: Schema.optionalKey(SiteId),
  occurredAt: SourceTimestamp,
  /** Delays carry a reason code (X12 214 AT7 style) and a new ETA. */
  delayReason: Schema.optionalKey(Schema.NonEmptyString),
  estimatedArrival: Schema.optionalKey(SourceTimestamp)
}) {}
