/**
 * Status-code mappings per external system, both ways:
 * `sites/governance/status-codes/<system>.json` maps each system's codes for
 * an object (a WES's order status "30", a carrier's X12 214 code "AF") to
 * the canonical status of that object, and back.
 *
 * Declared mappings must be bijective: within one system and object no
 * external code and no canonical status may appear twice (checked at load,
 * naming file and field). An unknown code is an `UnknownStatusCode` error:
 * the message is parked with that reason, never guessed.
 */
import { Result, Schema } from "effect"
import { ConfigIssue } from "@logimesh/config"
import { MilestoneType, OrderStatus, PickTaskStatus, ReturnStatus, ShipmentStatus, SourceSystem } from "@logimesh/model"

/** The canonical statuses each mapped object may take (from @logimesh/model). */
export const canonicalStatuses = {
  SalesOrder: OrderStatus,
  PickTask: PickTaskStatus,
  ShipmentPlan: ShipmentStatus,
  Milestone: MilestoneType,
  ReturnAuthorization: ReturnStatus
} as const
export type StatusObject = keyof typeof canonicalStatuses
export type CanonicalStatus<O extends StatusObject> = (typeof canonicalStatuses)[O]["Type"]

const entries = <S extends Schema.Top>(canonical: S) => Schema.Array(Schema.Struct({ external: Schema.NonEmptyString, canonical }))

export const StatusCodeFile = Schema.Struct({
  system: SourceSystem,
  objects: Schema.Struct({
    SalesOrder: Schema.optionalKey(entries(OrderStatus)),
    PickTask: Schema.optionalKey(entries(PickTaskStatus)),
    ShipmentPlan: Schema.optionalKey(entries(ShipmentStatus)),
    Milestone: Schema.optionalKey(entries(MilestoneType)),
    ReturnAuthorization: Schema.optionalKey(entries(ReturnStatus))
  })
})
export type StatusCodeFile = typeof StatusCodeFile.Type

export class UnknownStatusCode extends Schema.TaggedError<UnknownStatusCode>()("UnknownStatusCode", {
  system: Schema.String,
  object: Schema.String,
  code: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    return `unknown ${this.system} status code "${this.code}" for ${this.object} (known: ${this.known.join(", ") || "none"}); add it to sites/governance/status-codes/ and replay`
  }
}

export class UnmappedStatus extends Schema.TaggedError<UnmappedStatus>()("UnmappedStatus", {
  system: Schema.String,
  object: Schema.String,
  status: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    return `${this.object} status "${this.status}" has no ${this.system} code`
  }
}

interface Mapping {
  readonly toCanonical: ReadonlyMap<string, string>
  readonly toExternal: ReadonlyMap<string, string>
}

/** Every system's mappings, keyed `<system>/<object>`. */
export interface StatusCodeMap {
  readonly mappings: ReadonlyMap<string, Mapping>
}

/** Checks bijectivity of one decoded file; the first duplicate found is reported with both paths. */
export const validateStatusCodeFile = (decoded: StatusCodeFile): ReadonlyArray<ConfigIssue> => {
  const issues: Array<ConfigIssue> = []
  for (const [object, list] of Object.entries(decoded.objects)) {
    for (const side of ["external", "canonical"] as const) {
      const seen = new Map<string, number>()
      ;(list ?? []).forEach((entry, i) => {
        const first = seen.get(entry[side])
        if (first !== undefined) {
          issues.push(
            new ConfigIssue({
              path: `objects.${object}.${i}.${side}`,
              message: `duplicate ${side} ${side === "external" ? "code" : "status"} "${entry[side]}" (also objects.${object}.${first}.${side}): mappings must be one-to-one`
            })
          )
        } else seen.set(entry[side], i)
      })
    }
  }
  return issues
}

export const makeStatusCodeMap = (files: ReadonlyArray<StatusCodeFile>): StatusCodeMap => {
  const mappings = new Map<string, Mapping>()
  for (const f of files) {
    for (const [object, list] of Object.entries(f.objects)) {
      mappings.set(`${f.system}/${object}`, {
        toCanonical: new Map((list ?? []).map((e) => [e.external, e.canonical])),
        toExternal: new Map((list ?? []).map((e) => [e.canonical, e.external]))
      })
    }
  }
  return { mappings }
}

export const toCanonicalStatus = <O extends StatusObject>(
  map: StatusCodeMap,
  system: SourceSystem,
  object: O,
  code: string
): Result.Result<CanonicalStatus<O>, UnknownStatusCode> => {
  const mapping = map.mappings.get(`${system}/${object}`)
  const status = mapping?.toCanonical.get(code)
  return status === undefined
    ? Result.fail(new UnknownStatusCode({ system, object, code, known: [...(mapping?.toCanonical.keys() ?? [])] }))
    : Result.succeed(status as CanonicalStatus<O>)
}

export const toExternalStatus = <O extends StatusObject>(
  map: StatusCodeMap,
  system: SourceSystem,
  object: O,
  status: CanonicalStatus<O>
): Result.Result<string, UnmappedStatus> => {
  const code = map.mappings.get(`${system}/${object}`)?.toExternal.get(status)
  return code === undefined ? Result.fail(new UnmappedStatus({ system, object, status })) : Result.succeed(code)
}
