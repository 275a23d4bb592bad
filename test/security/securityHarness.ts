/**
 * What the security tests share: the local topology (hub, two site leaves,
 * the region, its Postgres) with JWT authentication configured against a JWKS
 * this test process serves on loopback, tokens signed with jose (by the
 * published key, or by a key the JWKS does not hold), raw HTTP calls, and the
 * evidence that nothing was applied: the messages stored in `COMMANDS_<region>`
 * and the message ids the module engines applied (`EngineQueries`), read until
 * they stand still.
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose"
import { Kysely, PostgresDialect } from "kysely"
import { createServer, type Server } from "node:http"
import pg from "pg"
import { engineQueries } from "@logimesh/engine"
import type { NoTables } from "@logimesh/db"
import { startTestTopology, type TestTopology } from "@logimesh/testkit"
import { natsAuthOptions } from "@logimesh/bus"
import { ADMIN_USER } from "@logimesh/topology"

export const ISSUER = "https://idp.logimesh.test"
export const AUDIENCE = "logimesh-eu-west"
export const KID = "test-key-1"

export interface Jwks {
  readonly url: string
  /** A token signed by the published key; `claims` over sane defaults (1 h, ERP). */
  sign(claims?: JWTPayload, options?: { readonly expiresIn?: string | number; readonly audience?: string; readonly issuer?: string }): Promise<string>
  /** Signed by a key the JWKS does not hold, under the published key's `kid`. */
  signWithRogueKey(claims?: JWTPayload): Promise<string>
  close(): Promise<void>
}

export const startJwks = async (): Promise<Jwks> => {
  const published = await generateKeyPair("ES256")
  const rogue = await generateKeyPair("ES256")
  const jwk = { ...(await exportJWK(published.publicKey)), kid: KID, alg: "ES256", use: "sig" }
  const server: Server = createServer((req, res) => {
    if (req.url !== "/.well-known/jwks.json") {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  const build = (claims: JWTPayload, options: { readonly expiresIn?: string | number; readonly audience?: string; readonly issuer?: string } = {}) =>
    new SignJWT({ sub: "svc-erp", logimesh_system: "ERP", ...claims })
      .setProtectedHeader({ alg: "ES256", kid: KID })
      .setIssuedAt()
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setExpirationTime(options.expiresIn ?? "1h")
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign: (claims = {}, options = {}) => build(claims, options).sign(published.privateKey),
    signWithRogueKey: (claims = {}) => build(claims).sign(rogue.privateKey),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** The topology with `auth.jwt` in its region.json pointing at `jwks`. */
export const startSecureTopology = (label: string, jwks: Jwks): Promise<TestTopology> =>
  startTestTopology(label, { regionAuth: { jwt: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: jwks.url, algorithms: ["ES256"], clockToleranceSeconds: 5 } } })

export interface HttpAnswer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: any
}

export const http = async (
  baseUrl: string,
  method: string,
  path: string,
  options: { readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown } = {}
): Promise<HttpAnswer> => {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(options.body === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(20_000)
  })
  const text = await response.text()
  let body: unknown
  try {
    body = text === "" ? undefined : JSON.parse(text)
  } catch {
    body = text
  }
  return { status: response.status, headers: response.headers, text, body }
}

export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` })

/** How much the region took in and applied: messages on COMMANDS_<region>, message ids its engines applied. */
export interface Evidence {
  readonly commands: number
  readonly applied: number
}

export const openEvidence = async (mesh: TestTopology, region = "eu-west") => {
  const nc = await connect({ servers: mesh.hubUrl, ...natsAuthOptions(mesh.topology.natsCredentials(ADMIN_USER)) })
  const jsm = await jetstreamManager(nc, { domain: "hub" })
  const kysely = new Kysely<NoTables>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: mesh.database.url, max: 2 }) }) })
  const queries = engineQueries(kysely)
  const read = async (): Promise<Evidence> => ({
    commands: (await jsm.streams.info(`COMMANDS_${region}`)).state.messages,
    applied: (await queries.appliedMessages()).size
  })
  /** The evidence once two reads 400 ms apart agree (flows of earlier steps settled); bounded. */
  const settled = async (): Promise<Evidence> => {
    const deadline = Date.now() + 20_000
    let last = await read()
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 400))
      const now = await read()
      if ((now.commands === last.commands && now.applied === last.applied) || Date.now() > deadline) return now
      last = now
    }
  }
  return {
    read,
    settled,
    snapshot: (entityType: string, key: string) => queries.snapshot(entityType, key),
    close: async () => {
      await kysely.destroy()
      await nc.close()
    }
  }
}

export type EvidenceReader = Awaited<ReturnType<typeof openEvidence>>
