/**
 * No credential leaves through a database error or a log line: a DbError
 * built from a pg error that quotes a connection string with a password,
 * logged through the region's pino logger (as a message, as an annotation,
 * as the failure's cause), leaves the password out of every byte written;
 * so do `Authorization` headers, NATS URLs with user:password, tokens and
 * `lmk_` API keys (BusError: packages/bus/test/BusErrorRedaction.test.ts).
 * The control first: the raw error text does carry it.
 */
import { Effect } from "effect"
import { Writable } from "node:stream"
import { describe, expect, it } from "vitest"
import { PinoLoggerLayer, redactText } from "@logimesh/logging"
import { classifyDbError } from "../src/index.ts"

const PASSWORD = "s3cret-Pa55"

const capture = () => {
  let written = ""
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString("utf8")
      done()
    }
  })
  return { output: () => written, destination }
}

describe("secrets in errors and logs", () => {
  const pgError = Object.assign(new Error(`connect ECONNREFUSED for postgres://logimesh_region:${PASSWORD}@db.internal:5432/logimesh_eu_west`), {
    code: "ECONNREFUSED"
  })

  it("the raw pg error carries the password (control), the DbError does not", () => {
    expect(pgError.message).toContain(PASSWORD)
    const error = classifyDbError("order.appendEvents", pgError)
    expect(error.reason._tag).toBe("ConnectionLost")
    expect(error.message).not.toContain(PASSWORD)
    expect(error.message).toContain("postgres://logimesh_region:[REDACTED]@db.internal:5432")
  })

  it("a logged DbError, as message, annotation and cause, leaves no password in the output", async () => {
    const { output, destination } = capture()
    const program = Effect.gen(function* () {
      const error = classifyDbError("order.appendEvents", pgError)
      yield* Effect.logError("database unavailable", pgError)
      yield* Effect.logError(`raw: ${pgError.message}`).pipe(
        Effect.annotateLogs({ databaseUrl: `postgres://u:${PASSWORD}@h/db`, detail: pgError.message, headers: { authorization: `Bearer ${PASSWORD}` } })
      )
      yield* Effect.fail(error).pipe(
        Effect.tapCause((cause) => Effect.logError("failed", cause)),
        Effect.exit
      )
      yield* Effect.die(pgError).pipe(
        Effect.tapCause((cause) => Effect.logError("died", cause)),
        Effect.exit
      )
    }).pipe(Effect.provide(PinoLoggerLayer({ service: "region", destination })))
    await Effect.runPromise(program)
    const written = output()
    expect(written.split("\n").filter((l) => l !== "").length).toBe(4)
    expect(written).not.toContain(PASSWORD)
    expect(written).toContain("[REDACTED]")
  })

  it("redacts NATS URLs, tokens, Authorization values and API keys; leaves ordinary text alone", () => {
    const text = [
      `nats://hub:${PASSWORD}@127.0.0.1:4222`,
      `nats://${PASSWORD}@127.0.0.1:4222`,
      `Authorization: Bearer ${PASSWORD}`,
      `authorization=Basic ${PASSWORD}`,
      `host=db password=${PASSWORD} user=x`,
      `https://api.example/x?token=${PASSWORD}&a=1`,
      `key lmk_${PASSWORD}`
    ].join("\n")
    expect(redactText(text)).not.toContain(PASSWORD)
    expect(redactText("order SO-1 released at 10:00 to nats://127.0.0.1:4222")).toBe("order SO-1 released at 10:00 to nats://127.0.0.1:4222")
  })
})
