/**
 * Whether a Docker engine answers, asked through testcontainers'
 * `getContainerRuntimeClient()` (fails in well under a second without one),
 * and why not when it does not. The container backend is used only when asked
 * for (`LOGIMESH_TEST_BACKEND=containers`, see selectTestBackend.ts) and this
 * answers; the process backend (local nats-server, the machine's Postgres) is
 * the default everywhere. testcontainers is loaded lazily so the process
 * backend never pays for it. The answer is asked once per process.
 */

export const NO_DOCKER_REASON = "no Docker engine: testcontainers backend skipped; process backend is used"

export type DockerProbe = { readonly available: true } | { readonly available: false; readonly reason: string }

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

let probe: Promise<DockerProbe> | undefined

export const probeDocker = (): Promise<DockerProbe> => {
  probe ??= import("testcontainers").then(
    ({ getContainerRuntimeClient }) =>
      getContainerRuntimeClient().then(
        (): DockerProbe => ({ available: true }),
        (error: unknown): DockerProbe => ({ available: false, reason: messageOf(error) })
      ),
    (error: unknown): DockerProbe => ({ available: false, reason: `cannot load testcontainers: ${messageOf(error)}` })
  )
  return probe
}

export const dockerAvailable = (): Promise<boolean> => probeDocker().then((answer) => answer.available)
