/**
 * A standalone JetStream nats-server for one test file: ports picked by the
 * server itself (`-1`, read back from its ports file: no two servers started
 * at once can collide), its own store dir, removed by `stop()` (call it from
 * `afterAll`, it is idempotent). `restart()` brings it back on the same ports
 * and store (after a test killed it through `server.process`; retried while
 * a port is briefly taken, see @logimesh/topology retryWhileAddressInUse),
 * and `server` then names the new process.
 *
 * With `LOGIMESH_TEST_BACKEND=containers` (see selectTestBackend.ts) the
 * server runs in a container instead: `url` and `stop()` behave the same;
 * `server` and `restart()` need a local process and throw, saying so.
 */
import { type NatsServer, startNatsServer } from "@logimesh/topology"
import { join } from "node:path"
import { reapOnExit } from "./reapOnExit.ts"
import { selectTestBackend } from "./selectTestBackend.ts"
import { startContainerNats } from "./startContainerNats.ts"
import { makeTestRunDir } from "./testRunDir.ts"

export interface TestNats {
  readonly url: string
  /** The server as it runs now (replaced by `restart`). */
  readonly server: NatsServer
  /** Kills it if still running, then starts it again on the same ports and store dir. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export const startTestNats = async (label = "nats"): Promise<TestNats> =>
  (await selectTestBackend()) === "containers" ? startContainerTestNats(label) : startProcessTestNats(label)

const startContainerTestNats = async (label: string): Promise<TestNats> => {
  const container = await startContainerNats()
  const noProcess = (what: string) => new Error(`${label}: ${what} needs a local nats-server process; LOGIMESH_TEST_BACKEND=containers runs it in a container`)
  let stopped: Promise<void> | undefined
  return {
    url: container.url,
    get server(): NatsServer {
      throw noProcess("server")
    },
    restart: () => Promise.reject(noProcess("restart()")),
    stop: () => {
      stopped ??= container.stop()
      return stopped
    }
  }
}

const startProcessTestNats = async (label: string): Promise<TestNats> => {
  const dir = makeTestRunDir(label)
  const first = await startNatsServer(
    {
      role: "standalone",
      serverName: `${label}-${process.pid}`,
      host: "127.0.0.1",
      port: 0,
      monitorPort: 0,
      storeDir: join(dir.path, "js"),
      maxFileStore: "1GB"
    },
    { workDir: dir.path }
  ).catch((error: unknown) => {
    dir.remove()
    throw error
  })
  let current = first
  let unregister = reapOnExit(first.process.pid)
  let stopped: Promise<void> | undefined
  return {
    url: first.url,
    get server() {
      return current
    },
    restart: async () => {
      if (stopped !== undefined) throw new Error(`${label}: restart after stop`)
      await current.process.kill()
      unregister()
      current = await current.restart()
      unregister = reapOnExit(current.process.pid)
    },
    stop: () => {
      stopped ??= current.process.kill().then(() => {
        unregister()
        dir.remove()
      })
      return stopped
    }
  }
}
