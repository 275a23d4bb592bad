/**
 * Stock counts, posted by a site's inventory owner (WES for Rotterdam, ERP
 * for Antwerp in `sites/`): the baseline count every run starts with, and
 * the deliberately wrong count of the inventory-mismatch exception. A wrong
 * count reads the book first (GET /v1/inventory/{site}/{item}) and finds
 * `FOUND_STOCK_EA` more than on hand. The read may be a little stale (picks
 * are issued concurrently), so the difference is far larger than anything
 * that can move the book meanwhile: a count just below the book was seen to
 * land exactly on it. Counts of one site/item are serialized.
 */
import type { ApiAnswer, ApiClient } from "./ApiClient.ts"
import { KeyedMutex } from "./Concurrency.ts"
import { BASELINE_STOCK_EA } from "./ReferenceData.ts"
import { eaches, isRecord, quantityOf } from "./SimulatorSupport.ts"

export interface PostedCount {
  readonly site: string
  readonly item: string
  readonly countedEa: number
  readonly by: string
  readonly purpose: "baseline" | "mismatch"
  readonly order: string | undefined
  readonly ok: boolean
  readonly status: number
}

export const countPath = (site: string, item: string): string => `/v1/inventory/${encodeURIComponent(site)}/${encodeURIComponent(item)}/count`

export const postCount = (client: ApiClient, site: string, item: string, onHandEa: number, key: string, correlationId?: string): Promise<ApiAnswer> =>
  client.post({
    path: countPath(site, item),
    body: { onHand: eaches(onHandEa) },
    idempotencyKey: key,
    correlationId,
    action: "count-stock",
    // Counts are posted from memory (no message brings them back): keep trying a region that does not answer.
    persistMs: 600_000
  })

/** On hand (or, failing that, available to promise) of an inventory answer, in whole units. */
export const bookOf = (body: unknown): number | undefined => {
  if (!isRecord(body)) return undefined
  for (const key of ["onHand", "available", "availableToPromise", "atp"]) {
    const v = body[key]
    const q = quantityOf(v)
    const n = q !== undefined ? Number(q.amount) : typeof v === "string" || typeof v === "number" ? Number(v) : Number.NaN
    if (Number.isFinite(n)) return Math.floor(n)
  }
  for (const nested of ["inventory", "state", "position"]) {
    const inner = body[nested]
    if (isRecord(inner)) {
      const n = bookOf(inner)
      if (n !== undefined) return n
    }
  }
  return undefined
}

/** How much a mismatch count finds above the book. */
export const FOUND_STOCK_EA = 250

export class InventoryCounter {
  readonly posted: Array<PostedCount> = []
  private readonly mutex = new KeyedMutex()
  private readonly ownerOf: (site: string) => { readonly client: ApiClient; readonly system: string }

  constructor(ownerOf: (site: string) => { readonly client: ApiClient; readonly system: string }) {
    this.ownerOf = ownerOf
  }

  baseline(site: string, item: string, seed: number): Promise<PostedCount> {
    return this.mutex.run(`${site}/${item}`, async () => {
      const { client, system } = this.ownerOf(site)
      const answer = await postCount(client, site, item, BASELINE_STOCK_EA, `${system}:count:${site}:${item}:baseline:${seed}`)
      return this.record({ site, item, countedEa: BASELINE_STOCK_EA, by: system, purpose: "baseline", order: undefined, ok: answer.ok, status: answer.status })
    })
  }

  /** A count that differs from the book (the inventory-mismatch exception: stock found on a recount), on behalf of `order`. */
  mismatch(site: string, item: string, order: string): Promise<PostedCount> {
    return this.mutex.run(`${site}/${item}`, async () => {
      const { client, system } = this.ownerOf(site)
      const read = await client.get(`/v1/inventory/${encodeURIComponent(site)}/${encodeURIComponent(item)}`, order).catch(() => undefined)
      const book = read !== undefined && read.status === 200 ? bookOf(read.body) : undefined
      const countedEa = (book ?? BASELINE_STOCK_EA) + FOUND_STOCK_EA
      const answer = await postCount(client, site, item, countedEa, `${system}:count:${site}:${item}:mismatch:${order}`, order)
      return this.record({ site, item, countedEa, by: system, purpose: "mismatch", order, ok: answer.ok, status: answer.status })
    })
  }

  private record(count: PostedCount): PostedCount {
    this.posted.push(count)
    return count
  }
}
