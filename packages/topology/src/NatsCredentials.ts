/**
 * The users of the mesh's NATS servers and their secrets, generated into the
 * git-ignored secrets dir (`<state dir>/secrets/`, mode 0700, files 0600):
 *
 *   nkeys/<user>.nk           the NKey seed of a client user (admin, region-<region>, erp,
 *                             dispatch, carrier, wes-<site>); the servers' configs hold only
 *                             the public keys, and a client proves it holds the seed by
 *                             signing the server's nonce (`nkeyAuthenticator`)
 *   leaf-links/<site>.password the password of the leaf user `leaf-<site>` its leaf presents
 *                             on its link to the hub (nats-server 2.9 remotes carry user and
 *                             password in the URL; the link also needs a certificate the mesh
 *                             CA signed, MeshCertificates.ts)
 *   tls/                      MeshCertificates.ts
 *
 * Secrets are made once and reused (a restart, a re-render, `add-site`);
 * only a rotation (rotateNatsUser.ts) replaces one, atomically.
 * Users are bound to permissions by natsPermissions.ts.
 */
import type { MeshConfig } from "@logimesh/config"
import { createUser, fromSeed } from "@nats-io/nkeys"
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import {
  type CentralSystem,
  centralSystemPermissions,
  leafLinkPermissions,
  type Permissions,
  privateInboxPrefix,
  regionPermissions,
  wesPermissions
} from "./natsPermissions.ts"

export const ADMIN_USER = "admin"
export const CENTRAL_SYSTEMS: ReadonlyArray<CentralSystem> = ["erp", "dispatch", "carrier"]
export const wesUser = (site: string): string => `wes-${site}`
export const regionUser = (region: string): string => `region-${region}`
export const leafUser = (site: string): string => `leaf-${site}`

export const secretsDirOf = (stateDir: string): string => join(stateDir, "secrets")
export const seedFileOf = (secretsDir: string, user: string): string => join(secretsDir, "nkeys", `${user}.nk`)
export const leafPasswordFileOf = (secretsDir: string, site: string): string => join(secretsDir, "leaf-links", `${site}.password`)

/** A client's credentials as files: what `NATS_NKEY_SEED_FILE` and `NATS_CA_FILE` name. */
export interface NatsClientCredentials {
  readonly seedFile: string
  /** The mesh CA, when the client listeners use TLS. */
  readonly caFile?: string | undefined
  /** The inbox prefix the client must use (its only subscribe permission); undefined: `_INBOX`. */
  readonly inboxPrefix?: string | undefined
}

export type NatsUser =
  | { readonly kind: "nkey"; readonly name: string; readonly publicKey: string; readonly permissions: Permissions }
  | { readonly kind: "password"; readonly name: string; readonly password: string; readonly permissions: Permissions }

const writeSecret = (file: string, content: string): void => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  writeFileSync(file, content, { mode: 0o600 })
  chmodSync(file, 0o600)
}

/** Replaces a secret atomically: the new content goes to a temp file (0600) that is renamed over the old one. */
const replaceSecret = (file: string, content: string): void => {
  const temp = `${file}.${process.pid}.tmp`
  writeSecret(temp, content)
  renameSync(temp, file)
}

/** The public key of `user`, its seed made on first use. */
export const ensureNkeyUser = (secretsDir: string, user: string): string => {
  const file = seedFileOf(secretsDir, user)
  if (!existsSync(file)) writeSecret(file, `${new TextDecoder().decode(createUser().getSeed())}\n`)
  return fromSeed(new TextEncoder().encode(readFileSync(file, "utf8").trim())).getPublicKey()
}

/** The password of the leaf user of `site`, made on first use (hex: safe inside a URL). */
export const ensureLeafPassword = (secretsDir: string, site: string): string => {
  const file = leafPasswordFileOf(secretsDir, site)
  if (!existsSync(file)) writeSecret(file, `${randomBytes(24).toString("hex")}\n`)
  return readFileSync(file, "utf8").trim()
}

/** A new seed for `user` replacing the old one (which no server accepts once it reloads); its new public key. */
export const rotateNkeySeed = (secretsDir: string, user: string): string => {
  const seed = createUser().getSeed()
  replaceSecret(seedFileOf(secretsDir, user), `${new TextDecoder().decode(seed)}\n`)
  return fromSeed(seed).getPublicKey()
}

/** A new password for the leaf user of `site`, replacing the old one. */
export const rotateLeafPassword = (secretsDir: string, site: string): void =>
  replaceSecret(leafPasswordFileOf(secretsDir, site), `${randomBytes(24).toString("hex")}\n`)

const nkeyUser = (secretsDir: string, name: string, permissions: Permissions): NatsUser => ({
  kind: "nkey",
  name,
  publicKey: ensureNkeyUser(secretsDir, name),
  permissions
})

/**
 * The hub's users: admin, one per region, the central systems, and one leaf user per site declared
 * under `sites/` (disabled ones too, so enabling a site needs no new user).
 */
export const hubUsers = (secretsDir: string, mesh: MeshConfig): ReadonlyArray<NatsUser> => {
  const regions = mesh.regions.map((entry) => entry.region.id as string)
  return [
    nkeyUser(secretsDir, ADMIN_USER, "all"),
    ...mesh.regions.map((entry) =>
      nkeyUser(
        secretsDir,
        regionUser(entry.region.id),
        regionPermissions(
          entry.region.id,
          entry.sites.map((site) => site.id as string)
        )
      )
    ),
    ...CENTRAL_SYSTEMS.map((system) => nkeyUser(secretsDir, system, centralSystemPermissions(system, regions))),
    ...mesh.regions.flatMap((entry) =>
      entry.sites.map(
        (site): NatsUser => ({
          kind: "password",
          name: leafUser(site.id),
          password: ensureLeafPassword(secretsDir, site.id),
          permissions: leafLinkPermissions(site.id, entry.region.id)
        })
      )
    )
  ]
}

/** A site leaf's users: admin (tools, tests) and the site's WES. */
export const leafUsers = (secretsDir: string, site: string): ReadonlyArray<NatsUser> => [
  nkeyUser(secretsDir, ADMIN_USER, "all"),
  nkeyUser(secretsDir, wesUser(site), wesPermissions(site, wesUser(site)))
]

/** Every user's secret made up front (so tools and simulators find their seed files before the servers start). */
export const ensureMeshCredentials = (secretsDir: string, mesh: MeshConfig): void => {
  hubUsers(secretsDir, mesh)
  for (const entry of mesh.regions) for (const site of entry.sites) leafUsers(secretsDir, site.id)
}

/** The files a client of user `user` connects with. */
export const clientCredentials = (secretsDir: string, user: string, clientTls: boolean): NatsClientCredentials => ({
  seedFile: seedFileOf(secretsDir, user),
  // The site systems and the central systems read replies only on their own inboxes (natsPermissions.ts).
  ...(user.startsWith("wes-") || (CENTRAL_SYSTEMS as ReadonlyArray<string>).includes(user) ? { inboxPrefix: privateInboxPrefix(user) } : {}),
  ...(clientTls ? { caFile: join(secretsDir, "tls", "ca.pem") } : {})
})
