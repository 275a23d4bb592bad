/**
 * Checks a bearer JWT against the region's identity provider (`auth.jwt` of
 * `region.json`, fields overridable by `LOGIMESH_JWT_*`): signature by a key
 * of the JWKS (remote URL via `createRemoteJWKSet`, cached and refetched on an
 * unknown `kid`, and/or a local JWKS file), algorithm in the allow-list,
 * `iss`, `aud`, `exp` (required) and `nbf` with a small clock tolerance, a
 * `sub`. The claims name the principal:
 *   logimesh_system  one of the source systems (required)
 *   logimesh_site    the site of a WES (required for WES, refused otherwise unknown-shaped)
 *   logimesh_roles   array of roles; `admin` opens the operator routes
 * Principal id `jwt:<sub>`.
 * A token verified once is taken again without checking its signature for
 * up to `TOKEN_FRESH_MS` and never past its `exp` (a signature check cost
 * about 1 ms of the region's CPU per request, a quarter of a command's, in
 * `npm run bench:api`): a key removed from the JWKS stops its tokens within
 * that minute. The cache holds SHA-256 digests of tokens, at most
 * `MAX_VERIFIED_TOKENS` (the oldest dropped first).
 */
import { Effect, Option, Schema } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { isAbsolute, join } from "node:path"
import { createLocalJWKSet, createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose"
import { ConfigFileError, ConfigIssue, type JwtAuthConfig, ProcessSettings } from "@logimesh/config"
import { SiteId, SourceSystem } from "@logimesh/model"
import type { Principal } from "./Principal.ts"
import { Unauthenticated } from "./Unauthenticated.ts"

/** How long a verified token is taken without checking its signature again. */
export const TOKEN_FRESH_MS = 60_000
export const MAX_VERIFIED_TOKENS = 10_000

export const DEFAULT_JWT_ALGORITHMS: ReadonlyArray<string> = ["RS256", "ES256", "EdDSA"]
export const DEFAULT_CLOCK_TOLERANCE_S = 30

/** Claim names of the principal. */
export const JwtClaims = { system: "logimesh_system", site: "logimesh_site", roles: "logimesh_roles" } as const

export interface JwtSettings {
  readonly issuer: string
  readonly audience: string
  readonly jwksUrl: string | undefined
  readonly jwksFile: string | undefined
  readonly algorithms: ReadonlyArray<string>
  readonly clockToleranceSeconds: number
}

export type JwtVerifier = (token: string) => Effect.Effect<Principal, Unauthenticated>

const decodeSystem = Schema.decodeUnknownOption(SourceSystem)
const decodeSite = Schema.decodeUnknownOption(SiteId)

/** The principal the verified claims name, or why they do not name one. */
export const principalOfClaims = (claims: JWTPayload): Principal | string => {
  if (typeof claims.sub !== "string" || claims.sub === "") return "no sub"
  const system = decodeSystem(claims[JwtClaims.system])
  if (Option.isNone(system)) return `${JwtClaims.system} is not a source system`
  const rawSite = claims[JwtClaims.site]
  const site = rawSite === undefined ? Option.none() : decodeSite(rawSite)
  if (rawSite !== undefined && Option.isNone(site)) return `${JwtClaims.site} is not a site id`
  if (system.value === "WES" && Option.isNone(site)) return `a WES token needs ${JwtClaims.site}`
  const roles = claims[JwtClaims.roles]
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === "string"))) return `${JwtClaims.roles} must be an array of strings`
  return {
    id: `jwt:${claims.sub}`,
    system: system.value,
    ...(Option.isSome(site) ? { site: site.value } : {}),
    admin: Array.isArray(roles) && roles.includes("admin")
  }
}

/** The JWT settings of a region: its `auth.jwt`, with the environment's fields over it; undefined when neither names an issuer. */
export const jwtSettings = (regionDir: string, fromFile: JwtAuthConfig | undefined) =>
  Effect.gen(function* () {
    const env = {
      issuer: Option.getOrUndefined(yield* ProcessSettings.jwtIssuer),
      audience: Option.getOrUndefined(yield* ProcessSettings.jwtAudience),
      jwksUrl: Option.getOrUndefined(yield* ProcessSettings.jwtJwksUrl),
      jwksFile: Option.getOrUndefined(yield* ProcessSettings.jwtJwksFile)
    }
    const issuer = env.issuer ?? fromFile?.issuer
    const audience = env.audience ?? fromFile?.audience
    if (issuer === undefined && audience === undefined && fromFile === undefined) return undefined
    const file = `${regionDir}/region.json`
    const issues: Array<ConfigIssue> = []
    if (issuer === undefined) issues.push(new ConfigIssue({ path: "auth.jwt.issuer", message: "required (or LOGIMESH_JWT_ISSUER)" }))
    if (audience === undefined) issues.push(new ConfigIssue({ path: "auth.jwt.audience", message: "required (or LOGIMESH_JWT_AUDIENCE)" }))
    const jwksUrl = env.jwksUrl ?? fromFile?.jwksUrl
    const jwksFileName = env.jwksFile ?? fromFile?.jwksFile
    if (jwksUrl === undefined && jwksFileName === undefined) {
      issues.push(new ConfigIssue({ path: "auth.jwt.jwksUrl", message: "a jwksUrl or a jwksFile is required" }))
    }
    if (jwksUrl !== undefined && !/^https?:\/\/\S+$/.test(jwksUrl))
      issues.push(new ConfigIssue({ path: "auth.jwt.jwksUrl", message: "must be an http(s) URL" }))
    if (issues.length > 0 || issuer === undefined || audience === undefined) return yield* new ConfigFileError({ file, issues })
    return {
      issuer,
      audience,
      jwksUrl,
      jwksFile: jwksFileName === undefined ? undefined : isAbsolute(jwksFileName) ? jwksFileName : join(regionDir, jwksFileName),
      algorithms: fromFile?.algorithms ?? DEFAULT_JWT_ALGORITHMS,
      clockToleranceSeconds: fromFile?.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_S
    } satisfies JwtSettings
  })

/** Builds the verifier; a JWKS file that cannot be read or is no JWKS stops the launch naming it. */
export const makeJwtVerifier = (settings: JwtSettings, regionFile: string) =>
  Effect.gen(function* () {
    const local =
      settings.jwksFile === undefined
        ? undefined
        : yield* Effect.try({
            try: () => createLocalJWKSet(JSON.parse(readFileSync(settings.jwksFile as string, "utf8"))),
            catch: (error) =>
              new ConfigFileError({
                file: regionFile,
                issues: [new ConfigIssue({ path: "auth.jwt.jwksFile", message: `${settings.jwksFile}: not a readable JWKS (${String(error)})` })]
              })
          })
    const remote =
      settings.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 })
    // The local keys first; a key they lack is looked up at the provider.
    const getKey: JWTVerifyGetKey = async (header, token) => {
      if (local !== undefined) {
        try {
          return await local(header, token)
        } catch (error) {
          if (remote === undefined) throw error
        }
      }
      if (remote === undefined) throw new Error("no JWKS configured")
      return remote(header, token)
    }
    const verified = new Map<string, { readonly principal: Principal; readonly untilMs: number }>()
    let signatureChecks = 0
    const digestOf = (token: string) => createHash("sha256").update(token).digest("base64")
    const check: JwtVerifier = (token) =>
      Effect.tryPromise({
        try: () => {
          signatureChecks += 1
          return jwtVerify(token, getKey, {
            issuer: settings.issuer,
            audience: settings.audience,
            algorithms: [...settings.algorithms],
            clockTolerance: settings.clockToleranceSeconds,
            requiredClaims: ["exp", "sub"]
          })
        },
        catch: (error) => new Unauthenticated({ reason: "InvalidToken", detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
      }).pipe(
        Effect.flatMap(({ payload }) => {
          const principal = principalOfClaims(payload)
          if (typeof principal === "string") return Effect.fail(new Unauthenticated({ reason: "TokenClaims", detail: principal }))
          const untilMs = Math.min(Date.now() + TOKEN_FRESH_MS, (payload.exp ?? 0) * 1000)
          if (verified.size >= MAX_VERIFIED_TOKENS) verified.delete(verified.keys().next().value ?? "")
          verified.set(digestOf(token), { principal, untilMs })
          return Effect.succeed(principal)
        })
      )
    const verify: JwtVerifier = (token) =>
      Effect.suspend(() => {
        const digest = digestOf(token)
        const known = verified.get(digest)
        if (known !== undefined && Date.now() < known.untilMs) return Effect.succeed(known.principal)
        if (known !== undefined) verified.delete(digest)
        return check(token)
      })
    return Object.assign(verify, { signatureChecks: () => signatureChecks })
  })
