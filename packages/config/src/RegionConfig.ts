/**
 * One region deployable: the contents of `sites/<region>/region.json`
 * (its id, name, database, and how its HTTP callers authenticate).
 */
import { Schema } from "effect"
import { RegionId } from "./MeshIds.ts"
import { RegionAuthConfig } from "./RegionAuthConfig.ts"

const databaseName = Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z_][a-z0-9_]{0,62}$/, { expected: "a lowercase Postgres identifier" })))

export class RegionConfig extends Schema.Class<RegionConfig>("logimesh/config/RegionConfig")({
  id: RegionId,
  name: Schema.NonEmptyString,
  database: databaseName,
  /** How HTTP callers authenticate (JWT issuer); absent: API keys only. */
  auth: Schema.optionalKey(RegionAuthConfig)
}) {}
