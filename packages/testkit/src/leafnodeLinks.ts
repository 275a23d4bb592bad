/**
 * Which path a leaf's link really takes (its proxy, or straight to the hub),
 * read from the leaf's own `/leafz` (2.9 shape). Which leaves the hub sees is
 * `hubLinkedDomains` of `@logimesh/topology`, re-exported here.
 */
export { hubLinkedDomains } from "@logimesh/topology"

interface Leafz {
  readonly leafs?: ReadonlyArray<{ readonly ip: string; readonly port: number }>
}

/** `ip:port` this leaf's one leafnode link goes to, or undefined when it has none (or is down). */
export const leafLinkAddress = async (leaf: { readonly host: string; readonly monitorPort: number }): Promise<string | undefined> => {
  const response = await fetch(`http://${leaf.host}:${leaf.monitorPort}/leafz`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined)
  if (response === undefined || !response.ok) return undefined
  const link = ((await response.json()) as Leafz).leafs?.[0]
  return link === undefined ? undefined : `${link.ip}:${link.port}`
}
