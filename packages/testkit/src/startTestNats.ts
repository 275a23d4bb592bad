/**
 * A standalone JetStream nats-server for one test file: free ports, its own
 * store dir, removed by `stop()` (call it from `afterAll`, it is idempotent).
 */
import { freePort, type NatsServer, startNatsServer } from "@logimesh/topology"
import { join } from "node:path"
import { makeTestRunDir } from "./testRunDir.ts"

export interface TestNats {
  readonly url: string
  readonly server: NatsServer
  stop(): Promise<void>
}

export const startTestNats = async (label = "nats"): Promise<TestNats> => {
  const dir = makeTestRunDir(label)
  const server = await startNatsServer({
    role: "standalone",
    serverName: `${label}-${process.pid}`,
    host: "127.0.0.1",
    port: await freePort(),
    monitorPort: await freePort(),
    storeDir: join(dir.path, "js"),
    maxFileStore: "1GB"
  }, { workDir: dir.path })
  let current = server
  return {
    url: server.url,
    get server() {
      return current
    },
    stop: async () => {
      await current.process.kill()
      dir.remove()
    }
  }
}
