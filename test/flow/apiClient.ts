/**
 * A small HTTP client for the region's `/v1` API in tests: JSON in, status
 * and JSON out, the caller named by its system (`as`: "ERP", "WES" = the WES of
 * dc-rotterdam, "WES@dc-antwerp") and authenticated with the key the topology
 * issued for it; queries go as the operator (region-wide, admin).
 */
import { definedFields } from "@logimesh/model"
import type { RegionApiKeys } from "@logimesh/topology"

/** The key of a caller named "ERP", "WES" (dc-rotterdam) or "WES@<site>"; undefined for anything else (sent without credentials). */
export const keyOf = (keys: RegionApiKeys, as: string): string | undefined => {
  const [system, site] = as.split("@")
  if (system === "WES") return keys.WES[site ?? "dc-rotterdam"]
  if (system === "ERP" || system === "DISPATCH" || system === "CARRIER" || system === "PORTAL") return keys[system]
  if (system === "admin") return keys.admin
  return undefined
}
export interface ApiResponse {
  readonly status: number
  readonly contentType: string
  readonly body: any
}

export const api = (baseUrl: string, keys: RegionApiKeys) => {
  const call = async (
    method: string,
    path: string,
    options: { readonly as?: string; readonly body?: unknown; readonly raw?: string; readonly key?: string } = {}
  ): Promise<ApiResponse> => {
    const headers: Record<string, string> = { "content-type": "application/json" }
    const key = options.as === undefined ? undefined : keyOf(keys, options.as)
    if (key !== undefined) headers["Authorization"] = `Bearer ${key}`
    if (options.key !== undefined) headers["Idempotency-Key"] = options.key
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(options.raw !== undefined ? { body: options.raw } : options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(20_000)
    })
    const text = await response.text()
    return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: text === "" ? undefined : JSON.parse(text) }
  }
  return {
    post: (path: string, as: string | undefined, body?: unknown, key?: string) => call("POST", path, definedFields({ as, body, key })),
    postRaw: (path: string, as: string, raw: string) => call("POST", path, { as, raw }),
    get: (path: string) => call("GET", path, { as: "admin" })
  }
}

export const shipTo = { name: "Acme BV", lines: ["Keizersgracht 1"], city: "Amsterdam", postalCode: "1015AA", country: "NL" }

export const orderBody = (order: string, site = "dc-rotterdam") => ({
  order,
  shipFrom: site,
  serviceLevel: "STANDARD",
  shipTo,
  lines: [
    {
      lineNumber: 1,
      item: "SKU-42",
      quantity: { amount: "2", unit: "CS" },
      requestedShipDate: "2026-12-01",
      hazmat: false,
      weight: { amount: "12.5", unit: "KG" }
    },
    { lineNumber: 2, item: "SKU-77", quantity: { amount: "3", unit: "EA" }, requestedShipDate: "2026-12-01", hazmat: true, weight: { amount: "4", unit: "KG" } }
  ]
})
