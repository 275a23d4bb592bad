/**
 * One region deployable: the contents of `sites/<region>/region.json`.
 */
import { Schema } from "effect"
import { RegionId } from "./MeshIds.ts"

const databaseName = Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z_][a-z0-9_]{0,62}$/, { expected: "a lowercase Postgres identifier" })))

export class RegionConfig extends Schema.Class<RegionConfig>("logimesh/config/RegionConfig")({
  id: RegionId,
  name: Schema.NonEmptyString,
  database: databaseName
}) {}
