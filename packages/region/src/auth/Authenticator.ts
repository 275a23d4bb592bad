/**
 * Turns a request's headers into a `Principal`, or an `Unauthenticated`
 * refusal (the reason for the log, never for the caller):
 *   Authorization: Bearer lmk_<id>_<secret>   an API key (`ApiKeyStore`)
 *   Authorization: Bearer <JWT>               a token of the region's identity provider (`JwtVerifier`)
 *   X-Api-Key: lmk_<id>_<secret>              an API key, for clients that cannot set Authorization
 * Both headers at once are refused (which would win is a question no caller should need answered).
 *
 * A key this process verified in the database within the last `FRESH_MS` authenticates without a database
 * round trip (the SHA-256 of its secret compared in constant time), but only while `ApiKeyRevocations`
 * hears revocations and only if it was verified in the listener's current session: a revocation or rotation
 * by any process (`npm run credentials`, the topology, another region process) is heard and the key forgotten
 * before its next request; while the listener is down every key goes to the database (fail safe). A
 * verification that raced a revocation (a notification heard while its query ran) is not cached. At most
 * `MAX_VERIFIED` keys are remembered (the oldest verified go first).
 *
 * A database error while looking a key up is a `DbError` (503), not a refusal — except for a key this
 * process verified within the last `OUTAGE_GRACE_MS`: while Postgres is down such a key still
 * authenticates (the operator reading `/v1/backlog` and `/metrics` during the outage it is about; commands
 * are refused by admission then anyway). Only what the database said last counts: a key found revoked, or
 * heard revoked, is forgotten at once (rows are never deleted); a revocation made while this process could
 * not hear it (the database down, or just before it went down) is honoured once the database answers again.
 */
import { Context, Effect, Layer } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import type { DbError } from "@logimesh/db"
import { DependencyMonitor } from "../degraded/DependencyMonitor.ts"
import { RegionContext } from "../RegionContext.ts"
import { ApiKeyRevocations, type ApiKeyRevocationsShape } from "./ApiKeyRevocations.ts"
import { API_KEY_PREFIX, ApiKeyStore, parseApiKey } from "./ApiKeyStore.ts"
import { type JwtVerifier, jwtSettings, makeJwtVerifier } from "./JwtVerifier.ts"
import type { Principal } from "./Principal.ts"
import { Unauthenticated } from "./Unauthenticated.ts"

/** Header names the region reads credentials from (lower case, as node gives them). */
export const CredentialHeaders = { authorization: "authorization", apiKey: "x-api-key" } as const

/** How long a key verified against the database keeps authenticating while the database does not answer. */
export const OUTAGE_GRACE_MS = 15 * 60_000

/** How long a key verified against the database authenticates from memory while revocations are heard. */
export const FRESH_MS = 60_000

/** How many verified keys a process remembers. */
export const MAX_VERIFIED = 10_000

export interface AuthenticatorShape {
  readonly authenticate: (headers: Readonly<Record<string, string | undefined>>) => Effect.Effect<Principal, Unauthenticated | DbError>
}

export class Authenticator extends Context.Service<Authenticator, AuthenticatorShape>()("logimesh/region/Authenticator") {
  static readonly make = (
    keys: ApiKeyStore["Service"],
    verifyJwt: JwtVerifier | undefined,
    databaseUp: Effect.Effect<boolean> = Effect.succeed(true),
    revocations: ApiKeyRevocationsShape = ApiKeyRevocations.none
  ): AuthenticatorShape => {
    /** `session`: the listener's session it was verified in when it may be served from memory, else undefined. */
    const verified = new Map<string, { readonly hash: Buffer; readonly principal: Principal; readonly atMs: number; readonly session: number | undefined }>()
    revocations.onRevoked((id) => verified.delete(id))
    const hashOf = (secret: string) => createHash("sha256").update(secret).digest()
    /** The key's remembered principal when its secret matches and `usable` accepts the entry; undefined otherwise. */
    const remembered = (key: string, usable: (entry: { readonly atMs: number; readonly session: number | undefined }) => boolean): Principal | undefined => {
      const parsed = parseApiKey(key)
      const entry = parsed === undefined ? undefined : verified.get(parsed.id)
      if (parsed === undefined || entry === undefined || !usable(entry)) return undefined
      return timingSafeEqual(entry.hash, hashOf(parsed.secret)) ? entry.principal : undefined
    }
    /** Verified in the listener's current session, lately: no revocation of it can have been missed. */
    const fresh = (key: string) => {
      const session = revocations.session()
      return session === undefined ? undefined : remembered(key, (entry) => entry.session === session && Date.now() - entry.atMs <= FRESH_MS)
    }
    /** The key as the database last confirmed it, within the grace period; undefined otherwise. */
    const lastKnown = (key: string) => remembered(key, (entry) => Date.now() - entry.atMs <= OUTAGE_GRACE_MS)
    // With the database known down, a key it confirmed lately answers at once instead of waiting on a connection.
    const byApiKey = (key: string) =>
      Effect.suspend(() => {
        const cached = fresh(key)
        if (cached !== undefined) return Effect.succeed(cached)
        return Effect.flatMap(databaseUp, (up) => {
          const known = up ? undefined : lastKnown(key)
          return known === undefined ? byDatabase(key) : Effect.succeed(known)
        })
      })
    const byDatabase = (key: string) =>
      Effect.suspend(() => {
        // Read before the query: an answer may be served from memory only if no revocation was heard and the
        // listener stood throughout (the row read may predate a revocation whose notification came first).
        const sessionBefore = revocations.session()
        const heardBefore = revocations.heard()
        const atMs = Date.now()
        return Effect.flatMap(keys.verify(key), (check) => {
          const parsed = parseApiKey(key)
          // Forgotten once revoked; a wrong secret under a known id proves nothing about the key and changes nothing.
          if (parsed !== undefined && check._tag === "Revoked") verified.delete(parsed.id)
          switch (check._tag) {
            case "Valid": {
              if (parsed !== undefined) {
                verified.delete(parsed.id) // re-inserted last: the map's order is the order of verification
                // A revocation heard while the row was read: the answer serves this request only, never a later one
                // (not even the outage grace). Verified while the listener was down: kept for the outage grace only.
                if (revocations.heard() === heardBefore) {
                  const live = sessionBefore !== undefined && revocations.session() === sessionBefore
                  verified.set(parsed.id, { hash: hashOf(parsed.secret), principal: check.principal, atMs, session: live ? sessionBefore : undefined })
                }
              }
              if (verified.size > MAX_VERIFIED) verified.delete(verified.keys().next().value ?? "")
              return Effect.succeed(check.principal)
            }
            case "Revoked":
              return Effect.fail(new Unauthenticated({ reason: "RevokedApiKey", detail: `key ${key.slice(0, 20)} is revoked` }))
            case "Unknown":
              return Effect.fail(new Unauthenticated({ reason: "UnknownApiKey", detail: "no such API key, or a wrong secret" }))
          }
        })
      }).pipe(
        Effect.catchTag("DbError", (error) => {
          const principal = lastKnown(key)
          return principal === undefined ? Effect.fail(error) : Effect.succeed(principal)
        })
      )
    const authenticate: AuthenticatorShape["authenticate"] = (headers) => {
      const authorization = headers[CredentialHeaders.authorization]
      const apiKey = headers[CredentialHeaders.apiKey]
      if (authorization !== undefined && apiKey !== undefined) {
        return Effect.fail(new Unauthenticated({ reason: "MalformedCredentials", detail: "both Authorization and X-Api-Key" }))
      }
      if (apiKey !== undefined) return byApiKey(apiKey.trim())
      if (authorization === undefined) return Effect.fail(new Unauthenticated({ reason: "NoCredentials", detail: "no Authorization or X-Api-Key" }))
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)
      if (match === null) return Effect.fail(new Unauthenticated({ reason: "MalformedCredentials", detail: "Authorization is not a Bearer credential" }))
      const credential = match[1]!
      if (credential.startsWith(API_KEY_PREFIX)) return byApiKey(credential)
      if (verifyJwt === undefined)
        return Effect.fail(new Unauthenticated({ reason: "JwtNotConfigured", detail: "a bearer token, but no JWT issuer is configured" }))
      return verifyJwt(credential)
    }
    return { authenticate }
  }

  /**
   * From the region's `auth` config (and `LOGIMESH_JWT_*`); a broken one stops the launch naming the field.
   * Listens for API key revocations on `DATABASE_URL` for as long as it lives (`ApiKeyRevocations`).
   */
  static readonly layer = Layer.effect(
    Authenticator,
    Effect.gen(function* () {
      const context = yield* RegionContext
      const keys = yield* ApiKeyStore
      const monitor = yield* DependencyMonitor
      const revocations = yield* ApiKeyRevocations
      const regionDir = `${context.mesh.dir}/${context.region.id}`
      const settings = yield* jwtSettings(regionDir, context.region.auth?.jwt)
      const verifyJwt = settings === undefined ? undefined : yield* makeJwtVerifier(settings, `${regionDir}/region.json`)
      yield* Effect.logInfo("authentication").pipe(
        Effect.annotateLogs({ apiKeys: true, jwt: settings === undefined ? "off" : `${settings.issuer} (${settings.jwksUrl ?? settings.jwksFile})` })
      )
      return Authenticator.of(Authenticator.make(keys, verifyJwt, monitor.gate.isOpen, revocations))
    })
  ).pipe(Layer.provide(ApiKeyRevocations.layer))
}
