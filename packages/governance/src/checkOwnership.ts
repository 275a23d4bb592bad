/**
 * The pure ownership check every module calls before applying a change:
 * may `sender` perform `transition` on `object` (at `site`)? Returns the
 * owners on success, or an `OwnershipViolation` naming object, transition,
 * sender and owner. No I/O: recording and counting a rejection is
 * `OwnershipGuard`'s job.
 */
import { Result } from "effect"
import type { SourceSystem } from "@logimesh/model"
import type { OwnedTransition } from "./OwnershipCatalog.ts"
import { type OwnershipPolicy, SITE_INVENTORY_OWNER, transitionKey } from "./OwnershipPolicy.ts"
import { OwnershipViolation } from "./OwnershipViolation.ts"
import { definedFields } from "@logimesh/model"

export type OwnershipChange = OwnedTransition & {
  readonly sender: SourceSystem
  /** The site the change concerns; required where ownership is chosen per site. */
  readonly site?: string
  /** The business key (order id, shipment id…), for the error and the audit trail. */
  readonly businessKey?: string
}

type Resolved = { readonly owners: ReadonlyArray<SourceSystem>; readonly detail?: string }

/** The systems that own a transition (at a site, if given). */
export const ownersOf = (policy: OwnershipPolicy, change: Pick<OwnershipChange, "object" | "transition" | "site">): Resolved => {
  const key = transitionKey(change as OwnedTransition)
  const declared = (change.site === undefined ? undefined : policy.siteOverrides.get(change.site)?.get(key)) ?? policy.owners.get(key)
  if (declared === undefined) return { owners: [], detail: `${key} is not declared in the ownership policy` }
  if (declared !== SITE_INVENTORY_OWNER) return { owners: declared }
  if (change.site === undefined) return { owners: [], detail: `${key} is owned per site; the change names no site` }
  const owner = policy.inventoryOwnerBySite.get(change.site)
  return owner === undefined ? { owners: [], detail: `unknown site "${change.site}"` } : { owners: [owner] }
}

export const checkOwnership = (policy: OwnershipPolicy, change: OwnershipChange): Result.Result<ReadonlyArray<SourceSystem>, OwnershipViolation> => {
  const resolved = ownersOf(policy, change)
  if (resolved.owners.includes(change.sender)) return Result.succeed(resolved.owners)
  return Result.fail(
    new OwnershipViolation({
      object: change.object,
      transition: change.transition,
      sender: change.sender,
      owners: resolved.owners,
      ...definedFields({ site: change.site, businessKey: change.businessKey, detail: resolved.detail })
    })
  )
}
