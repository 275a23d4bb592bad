/**
 * The mesh's own certificate authority and the certificates of its NATS
 * servers, made with the `openssl` CLI (scripts/prerequisites.sh installs it)
 * into `<secrets dir>/tls/` (git-ignored; private keys 0600):
 *
 *   ca.pem, ca-key.pem               the mesh CA (10 years; never leaves the secrets dir except ca.pem)
 *   server.pem, server-key.pem       every NATS server's listener (hub leafnode listener; client listeners
 *                                    when client TLS is on): SANs IP 127.0.0.1, DNS localhost and the
 *                                    compose service names
 *   leaf-<site>.pem, leaf-<site>-key.pem
 *                                    the client certificate a site's leaf presents on its link to the hub
 *
 * The hub verifies every leaf's certificate against the CA (`verify: true`) and
 * the leaf verifies the hub's, so a link without a certificate the CA signed
 * never comes up (the WAN proxy only passes bytes). Existing files are kept:
 * a restart, `add-site` or a re-render reuses them; a new site gets its leaf
 * certificate on demand.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

export const OPENSSL_BIN = "openssl"

export interface TlsFiles {
  readonly certFile: string
  readonly keyFile: string
  readonly caFile: string
}

export const tlsDir = (secretsDir: string): string => join(secretsDir, "tls")
export const caFileOf = (secretsDir: string): string => join(tlsDir(secretsDir), "ca.pem")

/** DNS names the server certificate covers besides localhost (compose service names). */
const serverDnsNames = (sites: ReadonlyArray<string>): ReadonlyArray<string> => ["localhost", "nats-hub", ...sites.map((site) => `nats-leaf-${site}`)]

const openssl = (args: ReadonlyArray<string>): void => {
  try {
    execFileSync(OPENSSL_BIN, args, { stdio: ["ignore", "pipe", "pipe"] })
  } catch (error) {
    const stderr = (error as { readonly stderr?: Buffer }).stderr?.toString().trim() ?? ""
    const missing = (error as { readonly code?: string }).code === "ENOENT"
    throw new Error(missing ? `${OPENSSL_BIN} is not installed (bash scripts/prerequisites.sh installs it)` : `${OPENSSL_BIN} ${args[0]} failed: ${stderr}`)
  }
}

const privateKey = (file: string): void => {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file])
  chmodSync(file, 0o600)
}

/** Signs a certificate for `subject` with the mesh CA; `extensions` is an openssl extension section body. */
const signed = (dir: string, name: string, subject: string, extensions: string): TlsFiles => {
  const certFile = join(dir, `${name}.pem`)
  const keyFile = join(dir, `${name}-key.pem`)
  const caFile = join(dir, "ca.pem")
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile, caFile }
  const csr = join(dir, `${name}.csr`)
  const ext = join(dir, `${name}.ext`)
  privateKey(keyFile)
  openssl(["req", "-new", "-key", keyFile, "-subj", subject, "-out", csr])
  writeFileSync(ext, extensions)
  openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    caFile,
    "-CAkey",
    join(dir, "ca-key.pem"),
    "-CAcreateserial",
    "-days",
    "825",
    "-sha256",
    "-extfile",
    ext,
    "-out",
    certFile
  ])
  rmSync(csr, { force: true })
  rmSync(ext, { force: true })
  return { certFile, keyFile, caFile }
}

const ensureCa = (dir: string): void => {
  const caFile = join(dir, "ca.pem")
  const caKey = join(dir, "ca-key.pem")
  if (existsSync(caFile) && existsSync(caKey)) return
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  privateKey(caKey)
  openssl(["req", "-x509", "-new", "-key", caKey, "-sha256", "-days", "3650", "-subj", "/O=logimesh/CN=logimesh mesh CA", "-out", caFile])
}

export interface MeshCertificates {
  readonly caFile: string
  /** The certificate of every NATS server's TLS listeners. */
  readonly server: TlsFiles
  /** The client certificate of a site's leaf for its link to the hub (made on first use). */
  leaf(site: string): TlsFiles
}

/** Makes (or reuses) the CA, the server certificate and each named site's leaf certificate under `<secretsDir>/tls`. */
export const ensureMeshCertificates = (secretsDir: string, sites: ReadonlyArray<string>): MeshCertificates => {
  const dir = tlsDir(secretsDir)
  ensureCa(dir)
  const dns = serverDnsNames(sites)
  const server = signed(
    dir,
    "server",
    "/O=logimesh/CN=logimesh nats server",
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,${dns.map((name) => `DNS:${name}`).join(",")}\n`
  )
  const leaf = (site: string): TlsFiles =>
    signed(
      dir,
      `leaf-${site}`,
      `/O=logimesh/CN=leaf ${site}`,
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
    )
  for (const site of sites) leaf(site)
  return { caFile: join(dir, "ca.pem"), server, leaf }
}

/**
 * A second, unrelated CA with one client certificate: what an impostor leaf
 * would present (tests show the hub refuses it).
 */
export const makeForeignLeafCertificate = (dir: string): TlsFiles => {
  ensureCa(dir)
  return signed(dir, "impostor", "/O=elsewhere/CN=impostor leaf", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
}
