/**
 * One command endpoint of the `/v1` API, declared as data: its path, the
 * module and command schema it builds, which path parameters fill which
 * command fields, the reference checks on its body, and the ownership
 * transition it performs. `CommandRoutes` serves every route the same way and
 * `OpenApiDocument` documents them from the same schemas.
 */
import type { Schema } from "effect"
import type { OwnedTransition } from "@logimesh/governance"
import type { ReferenceCheck } from "./ReferenceChecks.ts"

export interface CommandRoute<C = unknown> {
  /** e.g. `/v1/orders/:order/release`. */
  readonly path: string
  readonly summary: string
  /** Module (subject `cmd.<region>.<module>`) and engine entity type. */
  readonly module: string
  /** The command's `_tag`; the body needs no `_tag` and no `by`. */
  readonly tag: string
  readonly schema: Schema.Codec<C, unknown>
  /** Path parameter -> command field. */
  readonly pathFields: Readonly<Record<string, string>>
  readonly references: ReadonlyArray<ReferenceCheck>
  /** The actor key of the command (the module's `keyOf`). */
  readonly keyOf: (command: C) => string
  /** The order the command belongs to (timeline, correlation), when known from the command. */
  readonly orderOf: (command: C) => string | undefined
  readonly ownership: (command: C) => OwnedTransition & { readonly site?: string; readonly businessKey: string }
  /** 201 for a create, 200 otherwise. */
  readonly created?: boolean
}

/** Keeps `C` while erasing it for the route table. */
export const commandRoute = <C>(route: CommandRoute<C>): CommandRoute => route as unknown as CommandRoute
