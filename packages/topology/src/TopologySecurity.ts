/**
 * How a local topology authenticates: the security of each NATS server it
 * starts (natsServerSecurity.ts) and the credentials of the processes it
 * starts (a region connects as `region-<region>`, `apply-streams` as
 * `admin`), all from the git-ignored secrets dir `<state dir>/secrets/`.
 *
 * A process is handed its credentials as files, by environment:
 *   NATS_NKEY_SEED_FILE   the NKey seed it signs the server's nonce with
 *   NATS_CA_FILE          the mesh CA, when the client listeners use TLS
 * (read only by `ProcessSettings` in the processes themselves).
 */
import { ADMIN_USER, clientCredentials, type NatsClientCredentials, regionUser, secretsDirOf } from "./NatsCredentials.ts"
import { meshNatsSecurity, type NatsServerSecurity } from "./natsServerSecurity.ts"

export const NATS_NKEY_SEED_FILE_ENV = "NATS_NKEY_SEED_FILE"
export const NATS_CA_FILE_ENV = "NATS_CA_FILE"

export interface TopologySecurity {
  readonly secretsDir: string
  readonly clientTls: boolean
  readonly nats: (server: { readonly role: "hub" } | { readonly role: "leaf"; readonly domain: string }) => Promise<NatsServerSecurity>
  /** The credentials files of `user` (admin, region-<region>, erp, dispatch, carrier, wes-<site>). */
  readonly credentials: (user: string) => NatsClientCredentials
}

export const topologySecurity = (state: {
  readonly stateDir: string
  readonly sitesDir: string
  readonly natsClientTls?: boolean | undefined
}): TopologySecurity => {
  const secretsDir = secretsDirOf(state.stateDir)
  const clientTls = state.natsClientTls === true
  return {
    secretsDir,
    clientTls,
    nats: meshNatsSecurity(state.sitesDir, { secretsDir, clientTls }),
    credentials: (user) => clientCredentials(secretsDir, user, clientTls)
  }
}

/** The environment that hands `credentials` to a process. */
export const credentialsEnv = (credentials: NatsClientCredentials): NodeJS.ProcessEnv => ({
  [NATS_NKEY_SEED_FILE_ENV]: credentials.seedFile,
  ...(credentials.caFile === undefined ? {} : { [NATS_CA_FILE_ENV]: credentials.caFile })
})

export const regionCredentialsEnv = (security: TopologySecurity, region: string): NodeJS.ProcessEnv => credentialsEnv(security.credentials(regionUser(region)))
export const adminCredentialsEnv = (security: TopologySecurity): NodeJS.ProcessEnv => credentialsEnv(security.credentials(ADMIN_USER))
