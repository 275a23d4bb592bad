/**
 * Every schema migration the region runs at boot, collected from its
 * modules (each module exports its own `<module>/<nnnn>_<what>` migrations).
 * Empty until the first business module lands.
 */
import type { Migrations } from "@logimesh/db"

export const regionMigrations: Migrations = {}
