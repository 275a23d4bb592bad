/**
 * Hears every API key revocation, whichever process made it: `ApiKeyStore`'s
 * revoke and rotate `pg_notify` the key id on `API_KEY_REVOKED_CHANNEL` in
 * the transaction that revokes it (delivered on commit), and this service
 * `LISTEN`s on a dedicated connection (`listenChannel` of @logimesh/db,
 * `application_name` `logimesh-key-revocations`) for as long as its Layer's
 * scope lives. It is what lets the `Authenticator` cache a verified key:
 *   - `onRevoked` handlers get the id of every revocation heard;
 *   - `session()` is undefined while the listener is down (revocations may be
 *     missed: a cache must not be trusted), and a new number after each
 *     (re)connection, so an entry cached in an earlier session is never used
 *     again;
 *   - `heard()` counts revocations, so a verification that raced one (its
 *     query read the row before the commit, the notification came before its
 *     answer) can tell and not cache its answer.
 * A lost connection is logged once (a warning; failed reconnections at debug)
 * and retried with a bounded backoff (1 s doubling up to 10 s); `LISTEN`
 * standing again starts the next session (logged).
 */
import { Context, Effect, Layer, type Redacted } from "effect"
import { ProcessSettings } from "@logimesh/config"
import { listenChannel } from "@logimesh/db"

/** The notification channel; its payload is the revoked key's id. */
export const API_KEY_REVOKED_CHANNEL = "logimesh_api_key_revoked"

export interface ApiKeyRevocationsShape {
  /** The listener's current session, undefined while it does not stand (every answer then comes from the database). */
  readonly session: () => number | undefined
  /** How many revocations were heard. */
  readonly heard: () => number
  /** `handler` gets the key id of every revocation heard from now on. */
  readonly onRevoked: (handler: (id: string) => void) => void
}

export class ApiKeyRevocations extends Context.Service<ApiKeyRevocations, ApiKeyRevocationsShape>()("logimesh/region/ApiKeyRevocations") {
  /** Never live: nothing may be cached (a process without a listener). */
  static readonly none: ApiKeyRevocationsShape = { session: () => undefined, heard: () => 0, onRevoked: () => undefined }

  static readonly layerFrom = (url: Redacted.Redacted<string>, backoff?: { readonly initialMs: number; readonly maxMs: number }) =>
    Layer.effect(
      ApiKeyRevocations,
      Effect.gen(function* () {
        const services = yield* Effect.context<never>()
        const log = (effect: Effect.Effect<void>) => void Effect.runForkWith(services)(effect)
        const handlers: Array<(id: string) => void> = []
        let sessions = 0
        let live = false
        let heard = 0
        yield* listenChannel({
          url,
          channel: API_KEY_REVOKED_CHANNEL,
          applicationName: "logimesh-key-revocations",
          backoff,
          onMessage: (id) => {
            heard += 1
            for (const handler of handlers) handler(id)
          },
          onListening: () => {
            sessions += 1
            live = true
            log(Effect.logInfo("API key revocations: listening; verified keys are cached").pipe(Effect.annotateLogs({ session: sessions })))
          },
          onLost: (error) => {
            // Whatever was cached may have been revoked unheard from now on: no session until LISTEN stands again.
            sessions += 1
            const wasLive = live
            live = false
            log(
              wasLive
                ? Effect.logWarning("API key revocations: listener lost; every API key is checked in the database until it is back", error)
                : Effect.logDebug("API key revocations: listener not back yet", error)
            )
          }
        })
        return ApiKeyRevocations.of({
          session: () => (live ? sessions : undefined),
          heard: () => heard,
          onRevoked: (handler) => {
            handlers.push(handler)
          }
        })
      })
    )

  /** On `DATABASE_URL`, through `ProcessSettings`. */
  static readonly layer = Layer.unwrap(Effect.map(ProcessSettings.databaseUrl, (url) => ApiKeyRevocations.layerFrom(url)))
}
