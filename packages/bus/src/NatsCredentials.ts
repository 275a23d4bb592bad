/**
 * A NATS client's credentials as files (what `NATS_NKEY_SEED_FILE` and
 * `NATS_CA_FILE` name) and the connection options they become: an NKey
 * authenticator signing the server's nonce with the seed (the seed is read
 * once and never logged), and TLS verified against the mesh CA.
 */
import { type ConnectionOptions, nkeyAuthenticator } from "@nats-io/transport-node"
import { Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import { ProcessSettings } from "@logimesh/config"

export interface NatsCredentialFiles {
  readonly seedFile?: string | undefined
  readonly caFile?: string | undefined
  /** A client allowed to subscribe only below its own inbox prefix uses it for every reply. */
  readonly inboxPrefix?: string | undefined
}

/** Connection options for `credentials` (none for an anonymous server). */
export const natsAuthOptions = (credentials: NatsCredentialFiles | undefined): Pick<ConnectionOptions, "authenticator" | "tls" | "inboxPrefix"> => ({
  ...(credentials?.inboxPrefix === undefined ? {} : { inboxPrefix: credentials.inboxPrefix }),
  ...(credentials?.seedFile === undefined
    ? {}
    : { authenticator: nkeyAuthenticator(new TextEncoder().encode(readFileSync(credentials.seedFile, "utf8").trim())) }),
  ...(credentials?.caFile === undefined ? {} : { tls: { caFile: credentials.caFile } })
})

/** The credentials this process was handed through its environment (ProcessSettings). */
export const natsCredentialsFromSettings = Effect.map(
  Effect.all([ProcessSettings.natsSeedFile, ProcessSettings.natsCaFile]),
  ([seedFile, caFile]): NatsCredentialFiles => ({ seedFile: Option.getOrUndefined(seedFile), caFile: Option.getOrUndefined(caFile) })
)
