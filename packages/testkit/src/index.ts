/**
 * @logimesh/testkit — vitest harness over real servers: nats-server processes
 * (standalone, or a hub with site leaves) on free ports with their own store
 * dirs, and a fresh Postgres database per test file. Everything started here
 * is cleaned up in `afterAll`, also when a test fails.
 */
export { startTestNats, type TestNats } from "./startTestNats.ts"
export { makeTestRunDir, randomSuffix, type TestRunDir } from "./testRunDir.ts"
