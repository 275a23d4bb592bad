/**
 * Every message type the region's flows send to outside systems, gathered
 * from the module specs, by `system/type@version` (variants of one name decode as
 * their union), with the JSON Schema of each (`GET /v1/system-messages.json`;
 * the contract receivers and adapters are written against).
 */
import { Schema } from "effect"
import { type SystemMessageType, systemMessageName } from "@logimesh/model"
import { moduleSpecs } from "../modules/moduleCatalog.ts"

/** Each module's message types, as its spec declares them. */
export const systemMessageTypes: ReadonlyArray<SystemMessageType> = moduleSpecs.flatMap((spec) => spec.systemMessages)

const variantsByName = new Map<string, Array<SystemMessageType>>()
for (const message of systemMessageTypes) {
  const name = systemMessageName(message)
  variantsByName.set(name, [...(variantsByName.get(name) ?? []), message])
}

/** `system/type@version` -> the schema a receiver decodes it with. */
export const systemMessageSchemas: ReadonlyMap<string, Schema.Codec<unknown, unknown>> = new Map(
  [...variantsByName].map(([name, variants]) => [name, variants.length === 1 ? variants[0]!.schema : Schema.Union(variants.map((v) => v.schema))])
)

/** The system and type a `sys.…` subject addresses: `sys.erp.<type>`, `sys.wes.<site>.<type>`, `sys.carrier.<scac>.<type>`. */
export const systemMessageAddress = (subject: string): { readonly system: string; readonly type: string } | undefined => {
  const tokens = subject.split(".")
  if (tokens[0] !== "sys") return undefined
  const system = tokens[1]
  if ((system === "wes" || system === "carrier") && tokens.length === 4) return { system, type: tokens[3]! }
  if ((system === "erp" || system === "dispatch" || system === "customer") && tokens.length === 3) return { system, type: tokens[2]! }
  return undefined
}

/** The schema of a message on `subject` at `version` (its `Logimesh-Message-Version` header), if logimesh sends such a message. */
export const systemMessageSchemaOf = (subject: string, version: number): Schema.Codec<unknown, unknown> | undefined => {
  const address = systemMessageAddress(subject)
  return address === undefined ? undefined : systemMessageSchemas.get(`${address.system}/${address.type}@${version}`)
}

/** A standalone JSON Schema (draft 2020-12) of every message type, by name: its definitions under `$defs`, where its `$ref`s point. */
export const systemMessageJsonSchemas = (): Readonly<Record<string, unknown>> =>
  Object.fromEntries(
    [...systemMessageSchemas]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, schema]) => {
        const document = Schema.toJsonSchemaDocument(schema)
        return [
          name,
          {
            $schema: "https://json-schema.org/draft/2020-12/schema",
            $id: `urn:logimesh:system-message:${name}`,
            ...document.schema,
            ...(Object.keys(document.definitions).length === 0 ? {} : { $defs: document.definitions })
          }
        ]
      })
  )
