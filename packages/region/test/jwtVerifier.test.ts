/**
 * The JWT check with a local JWKS file (no network): a token signed by a key
 * of the file names its principal; expired, another audience or issuer, an
 * algorithm outside the allow-list, a key the file lacks, are refused; a file
 * that is no JWKS stops the launch naming `auth.jwt.jwksFile`. The remote
 * JWKS path is tested end to end in test/security/.
 */
import { Effect, Exit } from "effect"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type JwtSettings, makeJwtVerifier } from "../src/auth/JwtVerifier.ts"

const dir = mkdtempSync(join(tmpdir(), "jwks-"))
const file = join(dir, "jwks.json")
let sign: (claims: Record<string, unknown>, options?: { exp?: number; aud?: string; iss?: string }) => Promise<string>
let signRogue: () => Promise<string>
let signRs: () => Promise<string>

const settings = (over: Partial<JwtSettings> = {}): JwtSettings => ({
  issuer: "https://idp.test",
  audience: "region",
  jwksUrl: undefined,
  jwksFile: file,
  algorithms: ["ES256"],
  clockToleranceSeconds: 5,
  ...over
})

beforeAll(async () => {
  const key = await generateKeyPair("ES256")
  const rogue = await generateKeyPair("ES256")
  const rsa = await generateKeyPair("RS256")
  writeFileSync(
    file,
    JSON.stringify({
      keys: [
        { ...(await exportJWK(key.publicKey)), kid: "k1", alg: "ES256" },
        { ...(await exportJWK(rsa.publicKey)), kid: "r1", alg: "RS256" }
      ]
    })
  )
  const build = (claims: Record<string, unknown>, options: { exp?: number; aud?: string; iss?: string } = {}, kid = "k1", alg = "ES256") =>
    new SignJWT({ sub: "svc", logimesh_system: "ERP", ...claims })
      .setProtectedHeader({ alg, kid })
      .setIssuer(options.iss ?? "https://idp.test")
      .setAudience(options.aud ?? "region")
      .setExpirationTime(options.exp ?? "1h")
  sign = (claims, options) => build(claims, options).sign(key.privateKey)
  signRogue = () => build({}).sign(rogue.privateKey)
  signRs = () => build({}, {}, "r1", "RS256").sign(rsa.privateKey)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const verify = async (token: string, over: Partial<JwtSettings> = {}) => {
  const verifier = await Effect.runPromise(makeJwtVerifier(settings(over), "region.json"))
  return Effect.runPromiseExit(verifier(token))
}

describe("JwtVerifier with a local JWKS file", () => {
  it("a valid token names its principal (control)", async () => {
    const exit = await verify(await sign({ logimesh_system: "WES", logimesh_site: "dc-antwerp", logimesh_roles: ["admin"] }))
    expect(exit).toEqual(Exit.succeed({ id: "jwt:svc", system: "WES", site: "dc-antwerp", admin: true }))
  })

  it("refuses expired, another audience, another issuer, a key the file lacks, an algorithm outside the list", async () => {
    const refused = [
      await sign({}, { exp: Math.floor(Date.now() / 1000) - 60 }),
      await sign({}, { aud: "other" }),
      await sign({}, { iss: "https://evil.test" }),
      await signRogue(),
      await signRs(),
      "not.a.token"
    ]
    for (const token of refused) {
      const exit = await verify(token)
      expect(Exit.isFailure(exit)).toBe(true)
    }
    // The RS256 token verifies once the algorithm is allowed: the refusal above was the allow-list.
    expect(Exit.isSuccess(await verify(await signRs(), { algorithms: ["ES256", "RS256"] }))).toBe(true)
  })

  it("a WES token without its site is refused by the claims check", async () => {
    const exit = await verify(await sign({ logimesh_system: "WES" }))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("TokenClaims")
  })

  it("a file that is no JWKS stops the launch naming auth.jwt.jwksFile", async () => {
    const broken = join(dir, "broken.json")
    writeFileSync(broken, "{ not json")
    const exit = await Effect.runPromiseExit(makeJwtVerifier(settings({ jwksFile: broken }), "region.json"))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("auth.jwt.jwksFile")
  })
})

describe("verified tokens", () => {
  it("a token verified once is taken again without a signature check, until its exp", async () => {
    const verifier = await Effect.runPromise(makeJwtVerifier(settings({ clockToleranceSeconds: 0 }), "region.json"))
    const token = await sign({}, { exp: Math.floor(Date.now() / 1000) + 2 })
    for (let i = 0; i < 5; i++) expect(Exit.isSuccess(await Effect.runPromiseExit(verifier(token)))).toBe(true)
    expect(verifier.signatureChecks()).toBe(1)
    // Past its exp the token is checked again, and refused.
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    expect(Exit.isFailure(await Effect.runPromiseExit(verifier(token)))).toBe(true)
    expect(verifier.signatureChecks()).toBe(2)
  })
  it("a refused token is never cached: each try is checked", async () => {
    const verifier = await Effect.runPromise(makeJwtVerifier(settings(), "region.json"))
    const rogue = await signRogue()
    for (let i = 0; i < 3; i++) expect(Exit.isFailure(await Effect.runPromiseExit(verifier(rogue)))).toBe(true)
    expect(verifier.signatureChecks()).toBe(3)
  })
})
