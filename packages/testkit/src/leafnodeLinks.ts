/**
 * Reads leafnode links from nats-server monitoring endpoints (2.9 shapes).
 * The hub's `/leafz` carries no leaf names, so a leaf is recognised on the hub
 * by the JetStream API interest it brings along (`$JS.<domain>.API.INFO`);
 * which path a leaf's link really takes (its proxy, or straight to the hub) is
 * read from the leaf's own `/leafz`.
 */

interface Leafz {
  readonly leafnodes?: number
  readonly leafs?: ReadonlyArray<{ readonly ip: string; readonly port: number; readonly subscriptions_list?: ReadonlyArray<string> }>
}

const readLeafz = async (host: string, monitorPort: number, subs: boolean): Promise<Leafz> => {
  const response = await fetch(`http://${host}:${monitorPort}/leafz${subs ? "?subs=1" : ""}`, { signal: AbortSignal.timeout(1_000) })
  if (!response.ok) throw new Error(`/leafz on ${host}:${monitorPort} answered ${response.status}`)
  return (await response.json()) as Leafz
}

/** JetStream domains of the leaves currently linked to this hub. */
export const hubLinkedDomains = async (hub: { readonly host: string; readonly monitorPort: number }): Promise<ReadonlySet<string>> => {
  const leafz = await readLeafz(hub.host, hub.monitorPort, true)
  const domains = new Set<string>()
  for (const leaf of leafz.leafs ?? []) {
    for (const subject of leaf.subscriptions_list ?? []) {
      const match = /^\$JS\.([^.]+)\.API\.INFO$/.exec(subject)
      if (match?.[1] !== undefined) domains.add(match[1])
    }
  }
  return domains
}

/** `ip:port` this leaf's one leafnode link goes to, or undefined when it has none (or is down). */
export const leafLinkAddress = async (leaf: { readonly host: string; readonly monitorPort: number }): Promise<string | undefined> => {
  const leafz = await readLeafz(leaf.host, leaf.monitorPort, false).catch(() => undefined)
  const link = leafz?.leafs?.[0]
  return link === undefined ? undefined : `${link.ip}:${link.port}`
}
