/**
 * Which site leaves are linked to the hub right now, read from the hub's
 * `/leafz?subs=1`. A 2.9 hub lists no leaf names, so a leaf is recognised by
 * the JetStream API interest it brings along (`$JS.<domain>.API.INFO`).
 */

interface Leafz {
  readonly leafs?: ReadonlyArray<{ readonly subscriptions_list?: ReadonlyArray<string> }>
}

export const hubLinkedDomains = async (hub: { readonly host: string; readonly monitorPort: number }): Promise<ReadonlySet<string>> => {
  const response = await fetch(`http://${hub.host}:${hub.monitorPort}/leafz?subs=1`, { signal: AbortSignal.timeout(1_000) })
  if (!response.ok) throw new Error(`/leafz on ${hub.host}:${hub.monitorPort} answered ${response.status}`)
  const leafz = (await response.json()) as Leafz
  const domains = new Set<string>()
  for (const leaf of leafz.leafs ?? []) {
    for (const subject of leaf.subscriptions_list ?? []) {
      const match = /^\$JS\.([^.]+)\.API\.INFO$/.exec(subject)
      if (match?.[1] !== undefined) domains.add(match[1])
    }
  }
  return domains
}
