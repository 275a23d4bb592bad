/**
 * How a region authenticates its HTTP callers (`"auth"` in
 * `sites/<region>/region.json`): JSON Web Tokens signed by an identity
 * provider, checked against its JWKS (a URL, a local JWKS file, or both).
 * API keys need no configuration (the region's own table). Absent: API keys
 * only. A broken entry stops the launch naming the field.
 */
import { Schema } from "effect"

/** Asymmetric JOSE algorithms a token may be signed with; `none` and the HMAC family are never accepted. */
export const JwtAlgorithm = Schema.Literals(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"])

const httpUrl = Schema.String.pipe(Schema.check(Schema.isPattern(/^https?:\/\/[^\s]+$/, { expected: "an http(s) URL" })))

export class JwtAuthConfig extends Schema.Class<JwtAuthConfig>("logimesh/config/JwtAuthConfig")({
  /** The `iss` every token must carry. */
  issuer: Schema.NonEmptyString,
  /** The `aud` every token must include. */
  audience: Schema.NonEmptyString,
  /** The identity provider's JWKS endpoint (keys fetched and cached, refetched on an unknown `kid`). */
  jwksUrl: Schema.optionalKey(httpUrl),
  /** A JWKS file (path relative to the region folder, or absolute), for keys distributed by hand. */
  jwksFile: Schema.optionalKey(Schema.NonEmptyString),
  /** Accepted algorithms (default RS256, ES256, EdDSA). */
  algorithms: Schema.optionalKey(Schema.Array(JwtAlgorithm).pipe(Schema.check(Schema.isMinLength(1)))),
  /** Allowed clock skew for `exp` / `nbf` / `iat` (default 30 s, at most 300). */
  clockToleranceSeconds: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 300 })))
}) {}

export class RegionAuthConfig extends Schema.Class<RegionAuthConfig>("logimesh/config/RegionAuthConfig")({
  jwt: Schema.optionalKey(JwtAuthConfig)
}) {}
