/**
 * A fresh database with the engine's tables and a runtime over it (`Db`,
 * no faults), for engine tests that need Postgres and no NATS.
 */
import { Layer, ManagedRuntime, Redacted } from "effect"
import { Db, runMigrations } from "@logimesh/db"
import { createTestDatabase } from "@logimesh/testkit"
import { engineMigrations, FaultInjector } from "../src/index.ts"

export interface EngineDatabase {
  readonly runtime: ManagedRuntime.ManagedRuntime<Db | FaultInjector, never>
  readonly stop: () => Promise<void>
}

export const startEngineDatabase = async (label: string): Promise<EngineDatabase> => {
  const database = await createTestDatabase(label)
  const runtime = ManagedRuntime.make(Layer.merge(Db.layerFrom({ url: Redacted.make(database.url), maxConnections: 2 }), FaultInjector.none))
  await runtime.runPromise(runMigrations(engineMigrations))
  return {
    runtime,
    stop: async () => {
      await runtime.dispose()
      await database.drop()
    }
  }
}
