/**
 * Turns a request's headers into a `Principal`, or an `Unauthenticated`
 * refusal (the reason for the log, never for the caller):
 *   Authorization: Bearer lmk_<id>_<secret>   an API key (`ApiKeyStore`)
 *   Authorization: Bearer <JWT>               a token of the region's identity provider (`JwtVerifier`)
 *   X-Api-Key: lmk_<id>_<secret>              an API key, for clients that cannot set Authorization
 * Both headers at once are refused (which would win is a question no caller should need answered).
 * A database error while looking a key up is a `DbError` (503), not a refusal.
 */
import { Context, Effect, Layer } from "effect"
import type { DbError } from "@logimesh/db"
import { RegionContext } from "../RegionContext.ts"
import { API_KEY_PREFIX, ApiKeyStore } from "./ApiKeyStore.ts"
import { type JwtVerifier, jwtSettings, makeJwtVerifier } from "./JwtVerifier.ts"
import type { Principal } from "./Principal.ts"
import { Unauthenticated } from "./Unauthenticated.ts"

/** Header names the region reads credentials from (lower case, as node gives them). */
export const CredentialHeaders = { authorization: "authorization", apiKey: "x-api-key" } as const

export interface AuthenticatorShape {
  readonly authenticate: (headers: Readonly<Record<string, string | undefined>>) => Effect.Effect<Principal, Unauthenticated | DbError>
  /** Whether bearer JWTs are accepted (for the `WWW-Authenticate` challenge and the OpenAPI document). */
  readonly jwt: boolean
}

export class Authenticator extends Context.Service<Authenticator, AuthenticatorShape>()("logimesh/region/Authenticator") {
  static readonly make = (keys: ApiKeyStore["Service"], verifyJwt: JwtVerifier | undefined): AuthenticatorShape => {
    const byApiKey = (key: string) =>
      Effect.flatMap(keys.verify(key), (check) => {
        switch (check._tag) {
          case "Valid":
            return Effect.succeed(check.principal)
          case "Revoked":
            return Effect.fail(new Unauthenticated({ reason: "RevokedApiKey", detail: `key ${key.slice(0, 20)} is revoked` }))
          case "Unknown":
            return Effect.fail(new Unauthenticated({ reason: "UnknownApiKey", detail: "no such API key, or a wrong secret" }))
        }
      })
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
    return { authenticate, jwt: verifyJwt !== undefined }
  }

  /** From the region's `auth` config (and `LOGIMESH_JWT_*`); a broken one stops the launch naming the field. */
  static readonly layer = Layer.effect(
    Authenticator,
    Effect.gen(function* () {
      const context = yield* RegionContext
      const keys = yield* ApiKeyStore
      const regionDir = `${context.mesh.dir}/${context.region.id}`
      const settings = yield* jwtSettings(regionDir, context.region.auth?.jwt)
      const verifyJwt = settings === undefined ? undefined : yield* makeJwtVerifier(settings, `${regionDir}/region.json`)
      yield* Effect.logInfo("authentication").pipe(
        Effect.annotateLogs({ apiKeys: true, jwt: settings === undefined ? "off" : `${settings.issuer} (${settings.jwksUrl ?? settings.jwksFile})` })
      )
      return Authenticator.of(Authenticator.make(keys, verifyJwt))
    })
  )
}
