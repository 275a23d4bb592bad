/**
 * Whether a Docker engine answers, asked through testcontainers'
 * `getContainerRuntimeClient()` (fails in a few ms without one). The
 * container backend is used only when this is true; the process backend
 * (local nats-server, the machine's Postgres) is the default everywhere.
 * testcontainers is loaded lazily so the process backend never pays for it.
 */

export const NO_DOCKER_REASON = "no Docker engine: testcontainers backend skipped; process backend is used"

let answer: Promise<boolean> | undefined

export const dockerAvailable = (): Promise<boolean> => {
  answer ??= import("testcontainers").then(
    ({ getContainerRuntimeClient }) => getContainerRuntimeClient().then(() => true, () => false),
    () => false
  )
  return answer
}
