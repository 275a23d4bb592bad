/**
 * Building blocks of the region's flows: a command to another module
 * (`cmd.<region>.<module>`, encoded with that module's command schema) and a
 * message to an outside system (`sys.…`, a typed value encoded once with its
 * message type's schema; the subject follows the system: `sys.<erp|dispatch|
 * customer>.<type>`, `sys.wes.<site>.<type>`, `sys.carrier.<scac>.<type>`).
 * Both become outbox rows of the event's transaction, published with
 * `Nats-Msg-Id` = `<region>:<outbox id>`, so each is sent exactly once per
 * committed event and a redelivered command is dropped by the target's inbox.
 */
import { Schema } from "effect"
import { Subjects } from "@logimesh/bus"
import type { EffectMessage } from "@logimesh/engine"
import type { SystemOfRecord } from "@logimesh/model"

export const toModule = <C>(region: string, module: string, schema: Schema.Codec<C, unknown>, command: C): EffectMessage => ({
  subject: Subjects.moduleCommand(region, module),
  payload: Schema.encodeSync(schema)(command)
})

/** A message type as the flows use it (see `systemMessageType`). */
interface MessageType<System extends SystemOfRecord, A> {
  readonly system: System
  readonly type: string
  readonly version: number
  readonly schema: Schema.Codec<A, unknown, never, never>
}

/** The headers every system message carries: its type and the version of its schema. */
export const systemMessageHeaders = (message: Pick<MessageType<SystemOfRecord, unknown>, "type" | "version">) => ({
  "Logimesh-Message-Type": message.type,
  "Logimesh-Message-Version": String(message.version)
})

const toSystem = <A extends { readonly type: string }>(subject: string, message: MessageType<SystemOfRecord, A>, data: Omit<A, "type">): EffectMessage => ({
  subject,
  payload: Schema.encodeSync(message.schema)({ type: message.type, ...data } as A),
  headers: systemMessageHeaders(message)
})

/** To the ERP, dispatch or the customer side. */
export const toCentral = <A extends { readonly type: string }>(
  message: MessageType<"erp" | "dispatch" | "customer", A>,
  data: Omit<A, "type">
): EffectMessage => toSystem(Subjects.centralSystem(message.system, message.type), message, data)

/** To one site's WES. */
export const toWes = <A extends { readonly type: string }>(site: string, message: MessageType<"wes", A>, data: Omit<A, "type">): EffectMessage =>
  toSystem(Subjects.siteWes(site, message.type), message, data)

/** To one carrier. */
export const toCarrier = <A extends { readonly type: string }>(scac: string, message: MessageType<"carrier", A>, data: Omit<A, "type">): EffectMessage =>
  toSystem(Subjects.carrier(scac, message.type), message, data)

export const LOGIMESH = "LOGIMESH" as const
