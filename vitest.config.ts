/**
 * Two projects: `unit` (no network, *.test.ts) and `integration` (real
 * nats-server processes and Postgres, *.integration.test.ts and test/).
 * Integration files start their own servers on free ports, so they run side
 * by side; the pool is capped to the machine's two cores.
 */
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "**/node_modules/**"]
        }
      },
      {
        test: {
          name: "integration",
          include: ["packages/*/test/**/*.integration.test.ts", "test/**/*.test.ts"],
          exclude: ["test/fixtures/**", "**/node_modules/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          maxWorkers: 2
        }
      }
    ]
  }
})
