/**
 * The contract of one message logimesh sends to an outside system (ERP,
 * dispatch, customer side, a site's WES, a carrier): which system, its
 * `type` (the last subject token and the payload's `type` field), its
 * version, and the Schema of its payload. Flows build the payload as a
 * typed value and encode it once, with this schema, into the outbox.
 * Several types may share (system, type, version) as variants (e.g. the
 * ERP's fulfilment progress, sent by the order at `picked` and by the
 * shipment at `ready_to_ship`); a receiver decodes with their union.
 */
import { Schema } from "effect"

export type SystemOfRecord = "erp" | "dispatch" | "customer" | "wes" | "carrier"

export interface SystemMessageType<System extends SystemOfRecord = SystemOfRecord, A = unknown> {
  readonly system: System
  readonly type: string
  readonly version: number
  readonly schema: Schema.Codec<A, unknown>
}

/** A message type whose payload is `{ type, ...fields }`. */
export const systemMessageType = <const System extends SystemOfRecord, const Type extends string, const Fields extends Schema.Struct.Fields>(
  system: System,
  type: Type,
  version: number,
  fields: Fields
) => {
  const schema = Schema.Struct({ type: Schema.Literal(type), ...fields })
  return { system, type, version, schema }
}

/** `system/type@version`: the name a receiver, a document or a JSON Schema file uses for a message type. */
export const systemMessageName = (message: Pick<SystemMessageType, "system" | "type" | "version">): string =>
  `${message.system}/${message.type}@${message.version}`
