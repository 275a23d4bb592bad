/**
 * Operator CLI for the region's API keys (table `auth_api_key` in the
 * region's database; the region checks keys there on every request).
 *
 *   npm run credentials -- issue --system WES --site dc-antwerp [--admin] [--principal ID] [--label TEXT] [--json]
 *   npm run credentials -- list [--json]
 *   npm run credentials -- revoke <key id>
 *   npm run credentials -- rotate <key id> [--json]
 *
 * The database is `DATABASE_URL` (the region's). `issue` and `rotate` print
 * the key once (`lmk_<id>_<secret>`); only its SHA-256 is stored. A WES key
 * needs `--site`. Exit codes: 0 ok, 1 failed, 2 usage.
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { ProcessSettings } from "@logimesh/config"
import { SiteId, SourceSystem } from "@logimesh/model"
import { type IssuedApiKey, withApiKeyStore } from "@logimesh/region"

const usage = `usage: npm run credentials -- issue --system ERP|WES|DISPATCH|CARRIER|PORTAL|LOGIMESH [--site SITE] [--admin] [--principal ID] [--label TEXT] [--json]
                            | list [--json] | revoke <key id> | rotate <key id> [--json]`

const args = process.argv.slice(2)
const flag = (name: string): boolean => {
  const at = args.indexOf(name)
  if (at === -1) return false
  args.splice(at, 1)
  return true
}
const option = (name: string): string | undefined => {
  const at = args.indexOf(name)
  if (at === -1) return undefined
  const value = args[at + 1]
  args.splice(at, 2)
  return value
}

const show = (issued: IssuedApiKey, json: boolean) => {
  if (json) return console.log(JSON.stringify({ id: issued.id, key: issued.key, principal: issued.principal }))
  console.log(`key id     ${issued.id}`)
  console.log(
    `principal  ${issued.principal.id} (${issued.principal.system}${issued.principal.site === undefined ? "" : ` at ${issued.principal.site}`}${issued.principal.admin ? ", admin" : ""})`
  )
  console.log(`key        ${issued.key}`)
  console.log("the key is shown once; store it where its system reads it")
}

const main = async (): Promise<number> => {
  const url = await Effect.runPromise(Effect.map(ProcessSettings.existingDatabaseUrl, Option.map(Redacted.value)))
  if (Option.isNone(url)) {
    console.error("DATABASE_URL (the region's database) is required")
    return 2
  }
  const json = flag("--json")
  const admin = flag("--admin")
  const systemText = option("--system")
  const siteText = option("--site")
  const principal = option("--principal")
  const label = option("--label")
  const [command, id] = args
  switch (command) {
    case "issue": {
      const system = Schema.decodeUnknownOption(SourceSystem)(systemText)
      if (Option.isNone(system)) return usageError(`--system must be one of ${SourceSystem.literals.join(", ")}`)
      const site = siteText === undefined ? undefined : Schema.decodeUnknownOption(SiteId)(siteText)
      if (site !== undefined && Option.isNone(site)) return usageError(`--site ${siteText} is not a site id`)
      if (system.value === "WES" && site === undefined) return usageError("a WES key needs --site")
      const issued = await withApiKeyStore(url.value, (store) =>
        store.issue({ system: system.value, site: site === undefined ? undefined : Option.getOrUndefined(site), admin, principal, label })
      )
      show(issued, json)
      return 0
    }
    case "list": {
      const keys = await withApiKeyStore(url.value, (store) => store.list)
      if (json) console.log(JSON.stringify(keys))
      else {
        for (const k of keys) {
          console.log(
            `${k.id}\t${k.principal}\t${k.system}\t${k.site ?? "-"}\t${k.admin ? "admin" : "-"}\t${k.revokedAt === null ? "live" : `revoked ${k.revokedAt}`}\t${k.label ?? ""}`
          )
        }
        console.log(`${keys.length} key(s)`)
      }
      return 0
    }
    case "revoke": {
      if (id === undefined) return usageError()
      const revoked = await withApiKeyStore(url.value, (store) => store.revoke(id))
      console.log(revoked ? `revoked ${id}` : `no live key ${id}`)
      return revoked ? 0 : 1
    }
    case "rotate": {
      if (id === undefined) return usageError()
      const issued = await withApiKeyStore(url.value, (store) => store.rotate(id))
      if (issued === undefined) {
        console.error(`no live key ${id}`)
        return 1
      }
      show(issued, json)
      return 0
    }
    default:
      return usageError()
  }
}

const usageError = (why?: string): number => {
  if (why !== undefined) console.error(why)
  console.error(usage)
  return 2
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
)
