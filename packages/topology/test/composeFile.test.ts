/**
 * The Docker path renders from the same mesh config: one leaf service per
 * enabled site with its own JetStream domain and a remote to the hub, one
 * Postgres and one region service per region with the right environment —
 * and the committed files equal a fresh render (they cannot go stale).
 */
import { loadMeshConfig, type MeshConfig } from "@logimesh/config"
import { Effect } from "effect"
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { execFileSync } from "node:child_process"
import { checkComposeFiles, composeFiles, NATS_IMAGE, renderCompose, toYaml, writeComposeSecrets } from "../src/composeFile.ts"
import { ensureComposeSecrets } from "../src/composeSecrets.ts"
import { repoRoot } from "../src/renderTemplate.ts"

const load = (dir: string): Promise<MeshConfig> => Effect.runPromise(loadMeshConfig(dir))
const scratch = mkdtempSync(join(tmpdir(), "logimesh-compose-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A copy of sites/ with one more site in eu-west, and Antwerp disabled. */
const variantMesh = async (): Promise<MeshConfig> => {
  const dir = join(scratch, "sites")
  cpSync(join(repoRoot, "sites"), dir, { recursive: true })
  writeFileSync(
    join(dir, "eu-west", "dc-lille.json"),
    JSON.stringify({
      id: "dc-lille",
      name: "Lille DC",
      region: "eu-west",
      timezone: "Europe/Paris",
      enabled: true,
      inventoryOwner: "WES"
    })
  )
  const antwerp = join(dir, "eu-west", "dc-antwerp.json")
  const site = JSON.parse(readFileSync(antwerp, "utf8")) as Record<string, unknown>
  writeFileSync(antwerp, JSON.stringify({ ...site, enabled: false }))
  return load(dir)
}

describe("docker compose rendering", () => {
  it("writes the secrets the committed files include into a git-ignored folder: one auth file per server, leaf URLs with their passwords", async () => {
    const mesh = await load(join(repoRoot, "sites"))
    const secrets = join(scratch, "secrets")
    const written = writeComposeSecrets(mesh, secrets)
    expect(written.map((p) => p.slice(secrets.length + 1)).sort()).toEqual(["hub.auth.conf", "leaf-dc-antwerp.auth.conf", "leaf-dc-rotterdam.auth.conf"])
    const leaf = readFileSync(join(secrets, "leaf-dc-rotterdam.auth.conf"), "utf8")
    expect(leaf).toMatch(/LEAF_HUB_URL: "nats-leaf:\/\/leaf-dc-rotterdam:[0-9a-f]{48}@nats-hub:7422"/)
    expect(readFileSync(join(secrets, "hub.auth.conf"), "utf8")).toContain("# region-eu-west")
    expect(execFileSync("git", ["check-ignore", "infra/docker/secrets/hub.auth.conf"], { cwd: repoRoot, encoding: "utf8" }).trim()).toBe(
      "infra/docker/secrets/hub.auth.conf"
    )
  })

  it("has one leaf per enabled site, with its domain and a remote to the hub", async () => {
    const mesh = await variantMesh()
    const { model, natsConfigs } = renderCompose(mesh)
    const leaves = Object.keys(model.services)
      .filter((name) => name.startsWith("nats-leaf-"))
      .sort()
    expect(leaves).toEqual(["nats-leaf-dc-lille", "nats-leaf-dc-rotterdam"])
    for (const site of ["dc-lille", "dc-rotterdam"]) {
      const config = natsConfigs.find((f) => f.path.endsWith(`/leaf-${site}.conf`))?.content ?? ""
      expect(config).toContain(`domain: "${site}"`)
      // The remote URL (with the leaf user's password) and the users come from the git-ignored secrets file.
      expect(config).toContain("url: $LEAF_HUB_URL")
      expect(config).toContain(`include "secrets/leaf-${site}.auth.conf"`)
      expect(config).toContain(`cert_file: "/etc/nats/secrets/tls/leaf-${site}.pem"`)
      expect(config).toContain("sync_interval: always")
      expect(model.services[`nats-leaf-${site}`]?.image).toBe(NATS_IMAGE)
      expect(model.services[`nats-leaf-${site}`]?.depends_on?.["nats-hub"]?.condition).toBe("service_healthy")
    }
    const hub = natsConfigs.find((f) => f.path.endsWith("/hub.conf"))?.content ?? ""
    expect(hub).toContain(`domain: "hub"`)
    expect(hub).toContain(`listen: "0.0.0.0:7422"`)
    expect(hub).toContain(`include "secrets/hub.auth.conf"`)
    expect(hub).toContain("verify: true")
    // No secret in a committed file: no password, no seed.
    for (const file of natsConfigs) expect(file.content).not.toMatch(/password|SU[A-Z0-9]{50,}/)
    // Host ports must not collide.
    const ports = Object.values(model.services)
      .flatMap((s) => s.ports ?? [])
      .map((p) => p.split(":").slice(0, 2).join(":"))
    expect(new Set(ports).size).toBe(ports.length)
  })

  it("runs one Postgres and one region service per region, wired to the hub and that Postgres", async () => {
    const { model } = renderCompose(await load(join(repoRoot, "sites")))
    expect(model.services["postgres-eu-west"]?.environment?.["POSTGRES_DB"]).toBe("logimesh_eu_west")
    expect(model.services["region-eu-west"]?.environment).toEqual({
      LOGIMESH_REGION: "eu-west",
      LOGIMESH_SITES_DIR: "/app/sites",
      NATS_URL: "nats://nats-hub:4222",
      NATS_NKEY_SEED_FILE: "/run/logimesh/nats.nk",
      DATABASE_URL:
        "postgres://logimesh_region:${LOGIMESH_DB_PASSWORD_EU_WEST:?run npm run topology -- compose to generate infra/.env}@postgres-eu-west:5432/logimesh_eu_west",
      HTTP_HOST: "0.0.0.0",
      HTTP_PORT: "8080"
    })
    // Postgres: SCRAM for host connections, no trust, the region's role made at first start, passwords from infra/.env
    const postgres = model.services["postgres-eu-west"]
    expect(postgres?.environment).toMatchObject({
      POSTGRES_INITDB_ARGS: "--auth-host=scram-sha-256",
      POSTGRES_PASSWORD: "${POSTGRES_PASSWORD_EU_WEST:?run npm run topology -- compose to generate infra/.env}",
      LOGIMESH_DB_ROLE: "logimesh_region"
    })
    expect(postgres?.environment?.["POSTGRES_HOST_AUTH_METHOD"]).toBeUndefined()
    expect(postgres?.volumes).toContain("./docker/postgres/initdb-region-role.sh:/docker-entrypoint-initdb.d/10-region-role.sh:ro")
    expect(model.services["region-eu-west"]?.build?.dockerfile).toBe("infra/docker/region.Dockerfile")
    expect(Object.keys(model.services["region-eu-west"]?.depends_on ?? {}).sort()).toEqual(["nats-hub", "postgres-eu-west"])
  })

  it("generates the passwords compose reads into an env file (0600), once: an existing one is never changed", async () => {
    const mesh = await load(join(repoRoot, "sites"))
    const file = join(scratch, "compose.env")
    expect(ensureComposeSecrets(mesh, file)).toEqual(["POSTGRES_PASSWORD_EU_WEST", "LOGIMESH_DB_PASSWORD_EU_WEST"])
    const first = readFileSync(file, "utf8")
    expect(first).toMatch(/^LOGIMESH_DB_PASSWORD_EU_WEST=[0-9a-f]{32}$/m)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(ensureComposeSecrets(mesh, file)).toEqual([])
    expect(readFileSync(file, "utf8")).toBe(first)
    // a region added later gets its own, the others stay
    writeFileSync(file, first.replace(/^POSTGRES_PASSWORD_EU_WEST=.*\n/m, ""))
    expect(ensureComposeSecrets(mesh, file)).toEqual(["POSTGRES_PASSWORD_EU_WEST"])
    expect(readFileSync(file, "utf8")).toContain(first.match(/^LOGIMESH_DB_PASSWORD_EU_WEST=.*$/m)?.[0] ?? "missing")
  })

  it("writes YAML whose scalars are JSON-quoted and nesting is by indentation", () => {
    expect(toYaml({ a: { b: ["x", 1], c: {} }, "d:e": true }).trimStart()).toBe(["a:", "  b:", '    - "x"', "    - 1", "  c: {}", '"d:e": true'].join("\n"))
  })

  it("the committed infra/docker-compose.yml and infra/docker/nats/*.conf equal a fresh render", async () => {
    const mesh = await load(join(repoRoot, "sites"))
    expect(composeFiles(mesh).length).toBe(4)
    expect(checkComposeFiles(mesh), "stale: run `node packages/topology/src/cli.ts compose`").toEqual([])
  })
})
