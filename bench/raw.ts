/**
 * `npm run bench:raw` — the machine's raw limits on their own (the engine
 * benchmark measures them again in its own run). Starts a private
 * nats-server and a fresh database, prints progress, ends with one JSON line.
 */
import { cpus, totalmem } from "node:os"
import { createTestDatabase, startTestNats } from "@logimesh/testkit"
import { measureRawJetStreamPublish, measureRawPgCommits } from "./rawLimits.ts"

const nats = await startTestNats("bench-raw")
const database = await createTestDatabase("bench_raw")
try {
  console.error("raw JetStream async publish (3 x 20,000 msgs of 500 B, msg-id, acked)…")
  const jsPub = await measureRawJetStreamPublish({ url: nats.url })
  console.error(`  ${jsPub.toFixed(0)} msg/s`)
  console.error("raw Postgres single-row commits, 1 connection (3 x 2 s)…")
  const pg1 = await measureRawPgCommits({ url: database.url })
  console.error(`  ${pg1.toFixed(0)} tx/s`)
  console.error("raw Postgres single-row commits, 8 connections (3 x 2 s)…")
  const pg8 = await measureRawPgCommits({ url: database.url, connections: 8 })
  console.error(`  ${pg8.toFixed(0)} tx/s`)
  console.log(JSON.stringify({
    raw_js_pub_per_s: Math.round(jsPub),
    raw_pg_tx_per_s: Math.round(pg1),
    raw_pg_tx_per_s_8conn: Math.round(pg8),
    cpus: cpus().length,
    mem_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString()
  }))
} finally {
  await nats.stop()
  await database.drop()
}
