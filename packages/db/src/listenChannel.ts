/**
 * `LISTEN` on one Postgres notification channel for as long as the caller's
 * scope lives, on a dedicated connection (a pool's connections come and go;
 * a listener must stay). `onListening` is called each time `LISTEN` stands
 * (first and after every reconnection), `onMessage` with each payload, and
 * `onLost` when the connection fails or ends: notifications sent from then
 * until the next `onListening` are missed, so a caller caching what the
 * channel invalidates must stop trusting its cache in `onLost`. It reconnects
 * with a bounded backoff (1 s doubling up to 10 s by default). Closing the
 * scope ends the connection without calling `onLost`. Callbacks run
 * synchronously on the connection's events and must not throw.
 */
import { Effect, Redacted, type Scope } from "effect"
import pg from "pg"
import { classifyDbError, type DbError } from "./DbError.ts"

export interface ListenChannelOptions {
  readonly url: Redacted.Redacted<string>
  readonly channel: string
  /** `application_name` of the connection (how an operator finds it in `pg_stat_activity`). */
  readonly applicationName?: string | undefined
  readonly onMessage: (payload: string) => void
  readonly onListening: () => void
  readonly onLost: (error: DbError) => void
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number } | undefined
}

export const listenChannel = (options: ListenChannelOptions): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const initialMs = options.backoff?.initialMs ?? 1_000
      const maxMs = options.backoff?.maxMs ?? 10_000
      const operation = `db.listen.${options.channel}`
      let closed = false
      let failures = 0
      let client: pg.Client | undefined
      let retry: ReturnType<typeof setTimeout> | undefined
      const connect = async () => {
        retry = undefined
        const current = new pg.Client({
          connectionString: Redacted.value(options.url),
          application_name: options.applicationName ?? "logimesh-listen",
          connectionTimeoutMillis: 5_000,
          keepAlive: true
        })
        client = current
        let lost = false
        const lose = (cause: unknown) => {
          if (lost) return
          lost = true
          current.removeAllListeners("notification")
          current.end().catch(() => undefined)
          if (closed) return
          options.onLost(classifyDbError(operation, cause ?? new Error("Connection terminated")))
          const delay = Math.min(initialMs * 2 ** failures, maxMs)
          failures += 1
          retry = setTimeout(() => void connect(), delay)
        }
        current.on("error", lose)
        current.on("end", () => lose(undefined))
        current.on("notification", (message) => {
          if (message.channel === options.channel) options.onMessage(message.payload ?? "")
        })
        try {
          await current.connect()
          await current.query(`LISTEN ${current.escapeIdentifier(options.channel)}`)
        } catch (cause) {
          lose(cause)
          return
        }
        if (lost || closed) return
        failures = 0
        options.onListening()
      }
      void connect()
      return {
        close: async () => {
          closed = true
          if (retry !== undefined) clearTimeout(retry)
          await client?.end().catch(() => undefined)
        }
      }
    }),
    (listener) => Effect.promise(() => listener.close())
  ).pipe(Effect.asVoid)
