/**
 * A small HTTP client for the region's `/v1` API in tests: JSON in, status
 * and JSON out, the caller named by `X-Source-System`.
 */
import { definedFields } from "@logimesh/model"
export interface ApiResponse {
  readonly status: number
  readonly contentType: string
  readonly body: any
}

export const api = (baseUrl: string) => {
  const call = async (
    method: string,
    path: string,
    options: { readonly as?: string; readonly body?: unknown; readonly raw?: string; readonly key?: string } = {}
  ): Promise<ApiResponse> => {
    const headers: Record<string, string> = { "content-type": "application/json" }
    if (options.as !== undefined) headers["X-Source-System"] = options.as
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
    get: (path: string) => call("GET", path)
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
