/**
 * The raw limits of this machine, measured in the same run as a benchmark so
 * its numbers can be reported as ratios:
 *   - JetStream async publish: pipelined `publish` with a `Nats-Msg-Id`,
 *     awaiting every PubAck (a window of in-flight acks), 500 B payloads;
 *   - Postgres single-row transaction commits on one connection
 *     (synchronous_commit on), and on eight.
 * Each is the median of `rounds` runs.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import pg from "pg"

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

export interface RawPublishOptions {
  readonly url: string
  readonly messages?: number
  readonly payloadBytes?: number
  readonly window?: number
  readonly rounds?: number
}

/** Messages per second of acked, msg-id'd async publishing from one Node process. */
export const measureRawJetStreamPublish = async (options: RawPublishOptions): Promise<number> => {
  const messages = options.messages ?? 20_000
  const window = options.window ?? 512
  const payload = new Uint8Array(options.payloadBytes ?? 500).fill(120)
  const nc = await connect({ servers: options.url, name: "bench-raw-publish" })
  try {
    const jsm = await jetstreamManager(nc)
    const js = jetstream(nc)
    const rates: Array<number> = []
    for (let round = 0; round < (options.rounds ?? 3); round++) {
      const stream = `BENCH_RAW_${process.pid}_${round}`
      await jsm.streams.add({ name: stream, subjects: [`bench.raw.${round}.>`] })
      const subject = `bench.raw.${round}.x`
      const started = performance.now()
      const inFlight = new Set<Promise<unknown>>()
      for (let i = 0; i < messages; i++) {
        const ack = js.publish(subject, payload, { msgID: `raw-${round}-${i}` })
        inFlight.add(ack)
        void ack.finally(() => inFlight.delete(ack))
        if (inFlight.size >= window) await Promise.race(inFlight)
      }
      await Promise.all(inFlight)
      rates.push(messages / ((performance.now() - started) / 1000))
      await jsm.streams.delete(stream)
    }
    return median(rates)
  } finally {
    await nc.close()
  }
}

export interface RawCommitOptions {
  readonly url: string
  readonly seconds?: number
  readonly connections?: number
  readonly rounds?: number
}

/** Committed single-row transactions per second (BEGIN; INSERT; COMMIT), over `connections` clients. */
export const measureRawPgCommits = async (options: RawCommitOptions): Promise<number> => {
  const connections = options.connections ?? 1
  const pool = new pg.Pool({ connectionString: options.url, max: connections })
  const table = `bench_raw_commit_${process.pid}`
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, body text NOT NULL)`)
    const rates: Array<number> = []
    for (let round = 0; round < (options.rounds ?? 3); round++) {
      const deadline = performance.now() + (options.seconds ?? 2) * 1000
      let committed = 0
      const started = performance.now()
      await Promise.all(
        Array.from({ length: connections }, async () => {
          const client = await pool.connect()
          try {
            while (performance.now() < deadline) {
              await client.query("BEGIN")
              await client.query(`INSERT INTO ${table} (body) VALUES ($1)`, ["x".repeat(200)])
              await client.query("COMMIT")
              committed++
            }
          } finally {
            client.release()
          }
        })
      )
      rates.push(committed / ((performance.now() - started) / 1000))
    }
    return median(rates)
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
    await pool.end()
  }
}
