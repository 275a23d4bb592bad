/**
 * The vocabulary of ownership: every business object logimesh guards and the
 * transitions a system can perform on it. Modules name a transition from
 * here when they call `checkOwnership`; the policy file
 * (`sites/governance/ownership.json`) must assign owners to every one of
 * them, and may name no other (a typo fails the boot).
 */
export const ownershipCatalog = {
  SalesOrder: ["create", "change", "cancel", "release"],
  InventoryAvailability: ["adjust", "reserve", "unreserve"],
  ShipmentPlan: ["plan", "revise", "tender", "assign_carrier", "cancel"],
  PickTask: ["confirm_pick", "short_pick", "pack_carton"],
  Milestone: ["depart", "in_transit", "delay", "arrive"],
  ProofOfDelivery: ["capture"],
  ReturnAuthorization: ["authorize", "receive"]
} as const

export type BusinessObject = keyof typeof ownershipCatalog
export type TransitionOf<O extends BusinessObject> = (typeof ownershipCatalog)[O][number]

/** One (object, transition) pair, typed so a transition can only be paired with its own object. */
export type OwnedTransition = { [O in BusinessObject]: { readonly object: O; readonly transition: TransitionOf<O> } }[BusinessObject]

export const businessObjects = Object.keys(ownershipCatalog) as ReadonlyArray<BusinessObject>

export const allTransitions: ReadonlyArray<OwnedTransition> = businessObjects.flatMap((object) =>
  ownershipCatalog[object].map((transition) => ({ object, transition }) as OwnedTransition)
)
