/**
 * @logimesh/modulespec — the spec object each business module exports
 * (entity, command routes as data, order of a command, id functions,
 * ownership transitions without a route) and the route type the region
 * serves and documents.
 */
export {
  type CommandRoute,
  type CommandRouteSpec,
  type DecodedCommand,
  type ModuleSpec,
  moduleSpec,
  type ModuleSurface,
  type OwnershipChoice,
  type OwnershipClaim,
  type ReferenceCheck,
  type RouteBuilder,
  type UnroutedTransition
} from "./ModuleSpec.ts"
