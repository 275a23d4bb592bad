/**
 * Every schema migration the region runs at boot, collected from its
 * modules (each module exports its own `<module>/<nnnn>_<what>` migrations).
 */
import type { Migrations } from "@logimesh/db"
import { engineMigrations } from "@logimesh/engine"
import { governanceMigrations } from "@logimesh/governance"
import { idempotencyMigrations } from "./api/IdempotencyStore.ts"
import { apiKeyMigrations } from "./auth/ApiKeyStore.ts"

export const regionMigrations: Migrations = { ...engineMigrations, ...governanceMigrations, ...idempotencyMigrations, ...apiKeyMigrations }
