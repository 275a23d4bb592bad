/**
 * Every line is one pino JSON object carrying correlationId, orderId, site
 * and region (null when unknown), the level and the message.
 */
import { Effect } from "effect"
import { Writable } from "node:stream"
import { describe, expect, it } from "vitest"
import { PinoLoggerLayer, withLogContext } from "../src/index.ts"

const capture = () => {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk
        .toString("utf8")
        .split("\n")
        .filter((l) => l.length > 0)) {
        lines.push(JSON.parse(line) as Record<string, unknown>)
      }
      done()
    }
  })
  return { lines, destination }
}

describe("PinoLogger", () => {
  it("writes the correlation fields on every line", async () => {
    const { lines, destination } = capture()
    const program = Effect.gen(function* () {
      yield* Effect.logInfo("order released")
      yield* Effect.logWarning("pick short").pipe(Effect.annotateLogs({ sku: "SKU-9" }))
    }).pipe(
      withLogContext({ correlationId: "corr-1", orderId: "SO-42", site: "dc-rotterdam" }),
      Effect.provide(PinoLoggerLayer({ service: "region", region: "eu-west", destination }))
    )
    await Effect.runPromise(program)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: "order released",
      service: "region",
      correlationId: "corr-1",
      orderId: "SO-42",
      site: "dc-rotterdam",
      region: "eu-west"
    })
    expect(lines[1]).toMatchObject({ level: 40, msg: "pick short", sku: "SKU-9", orderId: "SO-42" })
    expect(typeof lines[0]?.["time"]).toBe("string")
  })

  it("keeps the fields, as null, when nothing is known", async () => {
    const { lines, destination } = capture()
    await Effect.runPromise(Effect.logInfo("boot").pipe(Effect.provide(PinoLoggerLayer({ service: "topology", destination }))))
    expect(lines[0]).toMatchObject({ msg: "boot", correlationId: null, orderId: null, site: null, region: null })
  })

  it("logs the cause of a failure", async () => {
    const { lines, destination } = capture()
    await Effect.runPromise(Effect.logError("relay failed", new Error("broken pipe")).pipe(Effect.provide(PinoLoggerLayer({ service: "region", destination }))))
    expect(lines[0]?.["level"]).toBe(50)
    expect(JSON.stringify(lines[0])).toContain("broken pipe")
  })
})
