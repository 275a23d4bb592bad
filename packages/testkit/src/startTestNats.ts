/**
 * A standalone JetStream nats-server for one test file: ports picked by the
 * server itself (`-1`, read back from its ports file: no two servers started
 * at once can collide), its own store dir, removed by `stop()` (call it from
 * `afterAll`, it is idempotent). `restart()` brings it back on the same ports
 * and store (after a test killed it through `server.process`; retried while
 * a port is briefly taken, see @logimesh/topology retryWhileAddressInUse),
 * and `server` then names the new process.
 *
 * `auth` puts an `authorization` block in the server's config: one NKey
 * user with the permissions given (an allow-list, as the mesh's users have,
 * natsPermissions.ts), its seed made into `<run dir>/nkeys/<user>.nk`
 * (dir 0700, file 0600); anonymous clients are then refused. `credentials`
 * names the seed file: clients connect with `natsAuthOptions(credentials)`
 * (@logimesh/bus) or `NatsConnection.layerFrom({ credentials })`, a child
 * process with `NATS_NKEY_SEED_FILE`. Without `auth` the server is anonymous
 * and `credentials` undefined.
 *
 * With `LOGIMESH_TEST_BACKEND=containers` (see selectTestBackend.ts) the
 * server runs in a container instead: `url` and `stop()` behave the same;
 * `server` and `restart()` need a local process and throw, saying so, and
 * `auth` is refused (the container runs the image's anonymous config).
 */
import {
  type NatsClientCredentials,
  type NatsServer,
  type Permissions,
  renderAuthorization,
  ensureNkeyUser,
  seedFileOf,
  startNatsServer
} from "@logimesh/topology"
import { join } from "node:path"
import { reapOnExit } from "./reapOnExit.ts"
import { selectTestBackend } from "./selectTestBackend.ts"
import { startContainerNats } from "./startContainerNats.ts"
import { makeTestRunDir } from "./testRunDir.ts"

export interface TestNatsAuth {
  /** The one user's name (names its seed file). */
  readonly user: string
  readonly permissions: Permissions
}

export interface TestNatsOptions {
  /** Authenticate clients: one NKey user; absent: anonymous. */
  readonly auth?: TestNatsAuth | undefined
}

export interface TestNats {
  readonly url: string
  /** The user's seed file when the server was started with `auth`; undefined: anonymous. */
  readonly credentials: NatsClientCredentials | undefined
  /** The server as it runs now (replaced by `restart`). */
  readonly server: NatsServer
  /** Kills it if still running, then starts it again on the same ports and store dir. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export const startTestNats = async (label = "nats", options: TestNatsOptions = {}): Promise<TestNats> =>
  (await selectTestBackend()) === "containers" ? startContainerTestNats(label, options) : startProcessTestNats(label, options)

const startContainerTestNats = async (label: string, options: TestNatsOptions): Promise<TestNats> => {
  if (options.auth !== undefined) {
    throw new Error(
      `${label}: auth needs a local nats-server process (its config holds the user); LOGIMESH_TEST_BACKEND=containers runs the image's anonymous config`
    )
  }
  const container = await startContainerNats()
  const noProcess = (what: string) => new Error(`${label}: ${what} needs a local nats-server process; LOGIMESH_TEST_BACKEND=containers runs it in a container`)
  let stopped: Promise<void> | undefined
  return {
    url: container.url,
    credentials: undefined,
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

const startProcessTestNats = async (label: string, options: TestNatsOptions): Promise<TestNats> => {
  const dir = makeTestRunDir(label)
  const auth = options.auth
  const security =
    auth === undefined
      ? undefined
      : {
          authorization: renderAuthorization([{ kind: "nkey", name: auth.user, publicKey: ensureNkeyUser(dir.path, auth.user), permissions: auth.permissions }])
        }
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
    { workDir: dir.path, security }
  ).catch((error: unknown) => {
    dir.remove()
    throw error
  })
  let current = first
  let unregister = reapOnExit(first.process.pid)
  let stopped: Promise<void> | undefined
  return {
    url: first.url,
    credentials: auth === undefined ? undefined : { seedFile: seedFileOf(dir.path, auth.user) },
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
