/**
 * Building blocks of the region's flows: a command to another module
 * (`cmd.<region>.<module>`, encoded with that module's command schema) and a
 * message to an outside system (`sys.…`, the event's encoded fields plus a
 * `type`). Both become outbox rows of the event's transaction, published with
 * `Nats-Msg-Id` = `<region>:<outbox id>`, so each is sent exactly once per
 * committed event and a redelivered command is dropped by the target's inbox.
 */
import { Schema } from "effect"
import { Subjects } from "@logimesh/bus"
import type { EffectMessage } from "@logimesh/engine"

export const toModule = <C>(region: string, module: string, schema: Schema.Codec<C, unknown>, command: C): EffectMessage => ({
  subject: Subjects.moduleCommand(region, module),
  payload: Schema.encodeSync(schema)(command)
})

export const toSystem = (subject: string, type: string, data: Readonly<Record<string, unknown>>): EffectMessage => ({
  subject,
  payload: { type, ...data },
  headers: { "Logimesh-Message-Type": type }
})

export const LOGIMESH = "LOGIMESH" as const
