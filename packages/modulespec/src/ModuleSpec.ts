/**
 * A business module as one spec object: its engine entity, its command
 * routes of the `/v1` API as data, the order a command belongs to, its id
 * functions, the ownership transitions it performs without a route, and the
 * messages to outside systems its events cause. The region builds its route
 * table, its OpenAPI document, its check of the ownership vocabulary and its
 * system message catalog from these specs; it adds nothing a module owns.
 *
 * A route is declared with its command type `C` (`CommandRouteSpec<C>`) and
 * built into a `CommandRoute` that closes over `C`: the region sees only
 * `decode` (JSON object -> key, order, ownership claim, encoded command) and
 * the schema for documentation.
 */
import { Exit, Schema } from "effect"
import type { EntityDefinition } from "@logimesh/engine"
import type { OwnedTransition } from "@logimesh/governance"
import type { SystemMessageType } from "@logimesh/model"
import { definedFields } from "@logimesh/model"

/** What the region checks in a body before decoding (`ReferenceChecks.ts`); paths may use `*` for array elements. */
export type ReferenceCheck =
  | { readonly kind: "site"; readonly path: string }
  | { readonly kind: "item"; readonly path: string }
  /** A count quantity; `itemField` names the item's sibling field (same array element) when the unit is a packaging unit. */
  | { readonly kind: "count"; readonly path: string; readonly itemField?: string }
  | { readonly kind: "mass"; readonly path: string }
  | { readonly kind: "length"; readonly path: string }
  | { readonly kind: "dock"; readonly path: string }

/** A transition chosen by the command (e.g. by its milestone); `all` lists every one it can choose. */
export interface OwnershipChoice<C> {
  readonly all: ReadonlyArray<OwnedTransition>
  readonly of: (command: C) => OwnedTransition
}

/** One command endpoint as its module declares it. */
export interface CommandRouteSpec<C extends { readonly _tag: string }> {
  /** e.g. `/v1/orders/:order/release`. */
  readonly path: string
  readonly summary: string
  readonly command: Schema.Codec<C, unknown>
  /** The command's `_tag`; the body needs no `_tag` and no `by`. */
  readonly tag: C["_tag"]
  /** Path parameter -> command field; none by default. */
  readonly pathFields?: Readonly<Record<string, string>>
  readonly references?: ReadonlyArray<ReferenceCheck>
  /** The ownership transition the command performs (its business key is the actor key). */
  readonly ownership: OwnedTransition | OwnershipChoice<C>
  /** The site whose owners decide, where ownership is chosen per site. */
  readonly ownershipSite?: (command: C) => string
  /** 201 for a create, 200 otherwise. */
  readonly created?: boolean
}

/** The ownership change a decoded command asks for. */
export type OwnershipClaim = OwnedTransition & { readonly site?: string; readonly businessKey: string }

export interface DecodedCommand {
  /** The actor key (the entity's `keyOf`). */
  readonly key: string
  /** The order the command belongs to (timeline, correlation), when the command tells. */
  readonly order: string | undefined
  readonly ownership: OwnershipClaim
  /** The command in its JSON-safe encoded form. */
  readonly encode: () => unknown
}

/** A route with its command type closed over. */
export interface CommandRoute {
  /** Every command is a POST. */
  readonly method: "POST"
  readonly path: string
  readonly summary: string
  /** Module (subject `cmd.<region>.<module>`) and engine entity type. */
  readonly module: string
  readonly tag: string
  /** The command schema, for the OpenAPI document. */
  readonly schema: Schema.Top
  readonly pathFields: Readonly<Record<string, string>>
  readonly references: ReadonlyArray<ReferenceCheck>
  readonly created: boolean
  /** Every (object, transition) the route can claim. */
  readonly transitions: ReadonlyArray<OwnedTransition>
  /** The command from the body with path fields, `_tag` and `by` filled in; every failing field on failure. */
  readonly decode: (input: unknown) => Exit.Exit<DecodedCommand, Schema.SchemaError>
}

/** A transition of the ownership vocabulary the module performs without a route, and how. */
export type UnroutedTransition = OwnedTransition & { readonly how: string }

/** What the region reads of every module, whatever its command type. */
export interface ModuleSurface {
  readonly name: string
  readonly routes: ReadonlyArray<CommandRoute>
  readonly unroutedTransitions: ReadonlyArray<UnroutedTransition>
  /** The messages to outside systems its events cause (the region's flows send them). */
  readonly systemMessages: ReadonlyArray<SystemMessageType>
}

export interface ModuleSpec<Cmd, Event, State, Rejection, Ids> extends ModuleSurface {
  readonly entity: EntityDefinition<Cmd, Event, State, Rejection>
  readonly orderOf: (command: Cmd) => string | undefined
  /** The module's id functions and parsers (how its keys are spelled and read). */
  readonly ids: Ids
}

/** Builds one route of a module: key from the entity's `keyOf`, order from the module's `orderOf`. */
export type RouteBuilder<Cmd> = <C extends Cmd & { readonly _tag: string }>(spec: CommandRouteSpec<C>) => CommandRoute

const buildRoute = <Cmd, C extends Cmd & { readonly _tag: string }>(
  module: { readonly name: string; readonly keyOf: (command: Cmd) => string; readonly orderOf: (command: Cmd) => string | undefined },
  spec: CommandRouteSpec<C>
): CommandRoute => {
  const decodeExit = Schema.decodeUnknownExit(spec.command)
  const encode = Schema.encodeSync(spec.command)
  const ownership = spec.ownership
  return {
    method: "POST",
    path: spec.path,
    summary: spec.summary,
    module: module.name,
    tag: spec.tag,
    schema: spec.command,
    pathFields: spec.pathFields ?? {},
    references: spec.references ?? [],
    created: spec.created === true,
    transitions: "of" in ownership ? ownership.all : [ownership],
    decode: (input) =>
      Exit.map(decodeExit(input, { errors: "all" }), (command): DecodedCommand => {
        const key = module.keyOf(command)
        const site = spec.ownershipSite?.(command)
        return {
          key,
          order: module.orderOf(command),
          ownership: { ...("of" in ownership ? ownership.of(command) : ownership), ...definedFields({ site }), businessKey: key },
          encode: () => encode(command)
        }
      })
  }
}

export const moduleSpec = <Cmd, Event, State, Rejection, Ids>(spec: {
  readonly entity: EntityDefinition<Cmd, Event, State, Rejection>
  readonly orderOf: (command: Cmd) => string | undefined
  readonly ids: Ids
  readonly routes: (route: RouteBuilder<Cmd>) => ReadonlyArray<CommandRoute>
  readonly unroutedTransitions?: ReadonlyArray<UnroutedTransition>
  readonly systemMessages?: ReadonlyArray<SystemMessageType>
}): ModuleSpec<Cmd, Event, State, Rejection, Ids> => {
  const module = { name: spec.entity.name, keyOf: spec.entity.keyOf, orderOf: spec.orderOf }
  return {
    name: spec.entity.name,
    entity: spec.entity,
    orderOf: spec.orderOf,
    ids: spec.ids,
    routes: spec.routes((route) => buildRoute(module, route)),
    unroutedTransitions: spec.unroutedTransitions ?? [],
    systemMessages: spec.systemMessages ?? []
  }
}
