/**
 * Which backend `startTestNats()` and `createTestDatabase()` use: the
 * process backend unless `LOGIMESH_TEST_BACKEND=containers` asks for
 * testcontainers. Asked for containers without a Docker engine, it fails at
 * once with the probe's reason — never a silent fall back to processes, which
 * would make a "containers" run test something else than it says.
 */
import { type DockerProbe, probeDocker } from "./dockerAvailable.ts"
import { type TestBackend, testBackendSetting } from "./testBackendSettings.ts"

export const NO_DOCKER_FOR_CONTAINERS = "LOGIMESH_TEST_BACKEND=containers but no Docker engine answers"

/** `setting` and `probe` default to the environment and the real Docker probe; tests inject them. */
export const selectTestBackend = async (setting: TestBackend = testBackendSetting(), probe: () => Promise<DockerProbe> = probeDocker): Promise<TestBackend> => {
  if (setting === "process") return "process"
  const answer = await probe()
  if (!answer.available) throw new Error(`${NO_DOCKER_FOR_CONTAINERS}: ${answer.reason}`)
  return "containers"
}
