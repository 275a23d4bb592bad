/**
 * @logimesh/testkit — vitest harness over real servers: nats-server processes
 * (standalone, or a hub with site leaves behind fault proxies) on ports they
 * pick themselves as they bind, with their own store dirs, region processes
 * that report the HTTP port they bound, and a fresh Postgres database per
 * test file.
 * Everything started here is cleaned up by its `stop()`/`drop()` from
 * `afterAll`, also when a test fails (and SIGKILLed if the process exits
 * first). `LOGIMESH_TEST_BACKEND=containers` switches `startTestNats` and
 * `createTestDatabase` to testcontainers, and fails fast without a Docker engine.
 */
export { createTestDatabase, type TestDatabase, testDatabaseName, testPostgresAdminUrl } from "./createTestDatabase.ts"
export { dockerAvailable, type DockerProbe, NO_DOCKER_REASON, probeDocker } from "./dockerAvailable.ts"
export { hubLinkedDomains, leafLinkAddress } from "./leafnodeLinks.ts"
export { reapOnExit } from "./reapOnExit.ts"
export { CONTAINER_NATS_IMAGE, type ContainerNats, startContainerNats } from "./startContainerNats.ts"
export { CONTAINER_POSTGRES_IMAGE, type ContainerPostgres, startContainerPostgres } from "./startContainerPostgres.ts"
export { startTestMesh, type TestMesh, type TestMeshLeaf, type TestMeshOptions } from "./startTestMesh.ts"
export { type RegionProcess, startRegionProcess } from "./startRegionProcess.ts"
export { startTestTopology, type TestTopology } from "./startTestTopology.ts"
export { startTestNats, type TestNats, type TestNatsAuth, type TestNatsOptions } from "./startTestNats.ts"
export { NO_DOCKER_FOR_CONTAINERS, selectTestBackend } from "./selectTestBackend.ts"
export {
  DEFAULT_TEST_PG_URL,
  TEST_BACKENDS,
  type TestBackend,
  testBackendConfig,
  testBackendSetting,
  testPostgresUrl,
  testPostgresUrlConfig
} from "./testBackendSettings.ts"
export { makeTestRunDir, randomSuffix, type TestRunDir } from "./testRunDir.ts"
