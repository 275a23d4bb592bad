/**
 * Pure helpers of reconciliation: which system of record a `sys.…` subject
 * addresses, which order a system message belongs to, and the outbox id a
 * region's msg id names.
 *
 *   sys.erp.<type>             -> erp
 *   sys.dispatch.<type>        -> dispatch
 *   sys.customer.<type>        -> customer
 *   sys.wes.<site>.<type>      -> wes:<site>
 *   sys.carrier.<scac>.<type>  -> carrier:<scac>
 *
 * The order of a message: the `order` field of its JSON payload (every flow
 * message to a system carries one, `flows/*Flow.ts`), else the entity key when
 * the row came from the order entity (`Logimesh-Entity-Type: order`), else
 * none (e.g. an ERP inventory-mismatch, keyed by site and item).
 */

/** `wes:<site>` and `carrier:<scac>` keep the qualifier; `other:<token>` for an unknown `sys.` subject. */
export const systemOf = (subject: string): string => {
  const tokens = subject.split(".")
  if (tokens[0] !== "sys" || tokens.length < 3) return "other"
  const system = tokens[1]!
  if (system === "wes" || system === "carrier") return tokens.length >= 4 ? `${system}:${tokens[2]}` : `${system}:?`
  if (system === "erp" || system === "dispatch" || system === "customer") return system
  return `other:${system}`
}

/** The site of a `wes:<site>` system, else undefined. */
export const wesSiteOf = (system: string): string | undefined => (system.startsWith("wes:") ? system.slice(4) : undefined)

/** The order a system message belongs to (see the file comment), or null. */
export const orderOf = (payload: string | Uint8Array, headers: Readonly<Record<string, string | undefined>>): string | null => {
  try {
    const text = typeof payload === "string" ? payload : new TextDecoder().decode(payload)
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      const order = (parsed as Record<string, unknown>)["order"]
      if (typeof order === "string" && order !== "") return order
    }
  } catch {
    // not JSON: fall back to the headers
  }
  return headers["Logimesh-Entity-Type"] === "order" ? (headers["Logimesh-Entity-Key"] ?? null) : null
}

/** The outbox id of `<region>:<id>`, else undefined (another region's id, a replay id, no id). */
export const outboxIdOf = (region: string, msgId: string): string | undefined => {
  const prefix = `${region}:`
  if (!msgId.startsWith(prefix)) return undefined
  const rest = msgId.slice(prefix.length)
  return /^[1-9][0-9]{0,18}$/.test(rest) ? rest : undefined
}

/**
 * The origin stream sequence of a sourced message, from its `Nats-Stream-Source`
 * header (nats-server 2.9: `"<stream>[:<hash>] <seq>"`, later versions add fields
 * after the sequence). Undefined when absent or unreadable.
 */
export const sourcedSequenceOf = (header: string | undefined): number | undefined => {
  if (header === undefined) return undefined
  const seq = Number(header.trim().split(/\s+/)[1])
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined
}
