/**
 * Every command endpoint of the `/v1` API (docs/order-to-delivery.md,
 * "HTTP API"): the routes of the module specs (`moduleSpecs`), in that
 * order. Each module declares its own routes (`<module>Module.ts` in its
 * package); served by `CommandRoutes`, documented by `OpenApiDocument`.
 */
import type { CommandRoute } from "@logimesh/modulespec"
import { moduleSpecs } from "../modules/moduleCatalog.ts"

export const commandTable: ReadonlyArray<CommandRoute> = moduleSpecs.flatMap((spec) => spec.routes)
