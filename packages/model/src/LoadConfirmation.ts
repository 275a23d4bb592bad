/**
 * The site's confirmation that a shipment's handling units were loaded onto
 * a trailer at a dock door (sent by the WES; closes outbound execution).
 */
import { Schema } from "effect"
import { DockDoorId, LoadId, ShipmentId } from "./CanonicalIds.ts"
import { SiteId } from "./MeshRefs.ts"
import { SourceTimestamp } from "./SourceTimestamp.ts"
import { Sscc } from "./Sscc.ts"

export class LoadConfirmation extends Schema.Class<LoadConfirmation>("logimesh/model/LoadConfirmation")({
  id: LoadId,
  shipment: ShipmentId,
  site: SiteId,
  dock: DockDoorId,
  trailer: Schema.NonEmptyString,
  seal: Schema.optionalKey(Schema.NonEmptyString),
  handlingUnits: Schema.Array(Sscc).pipe(Schema.check(Schema.isMinLength(1))),
  loadedAt: SourceTimestamp
}) {}
