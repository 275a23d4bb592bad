/** The database URL of a region component (its addresses resolved); a defect for any other kind. */
import type { Component } from "./TopologyState.ts"

export const regionDatabaseUrl = (component: Component): string => {
  if (component.kind !== "region") throw new Error(`${component.name} is not a region`)
  return component.databaseUrl
}
