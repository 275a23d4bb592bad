/**
 * The security parts of a NATS server's config, as config text for the
 * templates in `infra/nats/`: the `authorization` block (NKey users with
 * their permissions, and on the hub the password users of the leaf links),
 * the TLS blocks of the hub's leafnode listener (`verify: true`: a leaf must
 * present a certificate the mesh CA signed) and of each leaf's remote (which
 * verifies the hub's), and optionally of the client listeners.
 *
 * `meshNatsSecurity` makes the secrets (NatsCredentials.ts,
 * MeshCertificates.ts) and gives each hub or leaf of a topology its parts;
 * the compose renderer writes the same blocks into git-ignored files the
 * committed configs `include`.
 */
import { loadMeshConfig, type MeshConfig } from "@logimesh/config"
import { Effect } from "effect"
import { ensureMeshCertificates, type TlsFiles } from "./MeshCertificates.ts"
import { hubUsers, leafUser, leafUsers, type NatsUser, ensureLeafPassword } from "./NatsCredentials.ts"

/** How a leaf's remote names its hub credentials: inline in its URL, or a config variable (defined in an included file). */
export type LeafRemoteCredentials =
  | { readonly kind: "inline"; readonly user: string; readonly password: string }
  | { readonly kind: "variable"; readonly name: string }

export interface NatsServerSecurity {
  /** The `authorization { ... }` block, or an `include` of a file holding it. */
  readonly authorization: string
  /** TLS of the client listener (off when absent). */
  readonly clientTls?: TlsFiles | undefined
  /** Hub: its leafnode listener (verifying leaves); leaf: its remote (verifying the hub). */
  readonly leafTls?: TlsFiles | undefined
  /** Leaf only. */
  readonly leafRemote?: LeafRemoteCredentials | undefined
}

const quote = (text: string): string => JSON.stringify(text)
const list = (subjects: ReadonlyArray<string>): string => `[${subjects.map(quote).join(", ")}]`

const renderUser = (user: NatsUser): string => {
  const identity = user.kind === "nkey" ? `nkey: ${quote(user.publicKey)}` : `user: ${quote(user.name)}, password: ${quote(user.password)}`
  const permissions =
    user.permissions === "all"
      ? ""
      : `, permissions: { publish: { allow: ${list(user.permissions.publish)} }, subscribe: { allow: ${list(user.permissions.subscribe)} } }`
  return `    # ${user.name}\n    { ${identity}${permissions} }`
}

/** The `authorization` block of `users`. */
export const renderAuthorization = (users: ReadonlyArray<NatsUser>): string =>
  `authorization {\n  timeout: 5\n  users: [\n${users.map(renderUser).join("\n")}\n  ]\n}`

/**
 * A `tls { ... }` block placed at `indent` (its first line is placed by the template); `verify`: the peer must
 * present a certificate the CA signed (a listener's option).
 */
export const renderTls = (files: TlsFiles, verify: boolean, indent = ""): string =>
  [
    "tls {",
    `cert_file: ${quote(files.certFile)}`,
    `key_file: ${quote(files.keyFile)}`,
    `ca_file: ${quote(files.caFile)}`,
    ...(verify ? ["verify: true"] : []),
    "timeout: 5"
  ]
    .map((line, i) => (i === 0 ? line : `${indent}  ${line}`))
    .concat(`${indent}}`)
    .join("\n")

export interface MeshSecurityOptions {
  readonly secretsDir: string
  /** Also put TLS on the client listeners (clients then need the CA: `NATS_CA_FILE`). */
  readonly clientTls: boolean
}

/** The security of the hub of `mesh`. */
export const hubSecurity = (mesh: MeshConfig, options: MeshSecurityOptions): NatsServerSecurity => {
  const sites = mesh.regions.flatMap((entry) => entry.sites.map((site) => site.id as string))
  const certificates = ensureMeshCertificates(options.secretsDir, sites)
  return {
    authorization: renderAuthorization(hubUsers(options.secretsDir, mesh)),
    clientTls: options.clientTls ? certificates.server : undefined,
    leafTls: certificates.server
  }
}

/** The security of the leaf of `site`. */
export const leafSecurity = (site: string, options: MeshSecurityOptions): NatsServerSecurity => {
  const certificates = ensureMeshCertificates(options.secretsDir, [site])
  return {
    authorization: renderAuthorization(leafUsers(options.secretsDir, site)),
    clientTls: options.clientTls ? certificates.server : undefined,
    leafTls: certificates.leaf(site),
    leafRemote: { kind: "inline", user: leafUser(site), password: ensureLeafPassword(options.secretsDir, site) }
  }
}

/** Gives each NATS server of a topology its security, reading `sites/` again each time (a site added since is known). */
export const meshNatsSecurity =
  (sitesDir: string, options: MeshSecurityOptions) =>
  async (server: { readonly role: "hub" } | { readonly role: "leaf"; readonly domain: string }): Promise<NatsServerSecurity> =>
    server.role === "hub" ? hubSecurity(await Effect.runPromise(loadMeshConfig(sitesDir)), options) : leafSecurity(server.domain, options)
