/**
 * @logimesh/governance — system-of-record ownership enforced (policy file,
 * pure `checkOwnership`, `OwnershipGuard` that records and counts every
 * refusal), cross-reference ids in Postgres (`XrefStore`), status-code
 * mappings per external system, exact unit-of-measure conversions and the
 * region > site > zone > dock hierarchy, all loaded from
 * `sites/governance/` and validated at boot by `loadGovernance`.
 */
export { checkOwnership, type OwnershipChange, ownersOf } from "./checkOwnership.ts"
export { Governance } from "./Governance.ts"
export { governanceMigrations } from "./governanceMigrations.ts"
export { GOVERNANCE_DIR, type GovernanceData, loadGovernance } from "./loadGovernance.ts"
export {
  buildLocationHierarchy,
  type DockLocation,
  type LocationHierarchy,
  locateDock,
  SiteLocationsFile,
  ZoneKind
} from "./LocationHierarchy.ts"
export {
  allTransitions,
  type BusinessObject,
  businessObjects,
  type OwnedTransition,
  ownershipCatalog,
  type TransitionOf
} from "./OwnershipCatalog.ts"
export {
  OwnershipGuard,
  type OwnershipGuardShape,
  ownershipRejections,
  ownershipRejectionsOf,
  pruneOwnershipRejections,
  type RejectionRow
} from "./OwnershipGuard.ts"
export {
  type OwnershipPolicy,
  OwnershipPolicyFile,
  resolveOwnershipPolicy,
  SITE_INVENTORY_OWNER
} from "./OwnershipPolicy.ts"
export { OwnershipViolation } from "./OwnershipViolation.ts"
export {
  type CanonicalStatus,
  canonicalStatuses,
  makeStatusCodeMap,
  StatusCodeFile,
  type StatusCodeMap,
  type StatusObject,
  toCanonicalStatus,
  toExternalStatus,
  UnknownStatusCode,
  UnmappedStatus,
  validateStatusCodeFile
} from "./StatusCodeMap.ts"
export {
  convert,
  type ConvertOptions,
  Dimension,
  InexactConversion,
  UndefinedConversion,
  UnknownUnit,
  UomError,
  UomErrorReason,
  UomFile,
  validateUomFile
} from "./UomTable.ts"
export {
  type CanonicalKind,
  type CanonicalRef,
  type ExternalRef,
  namespaceKind,
  XrefConflict,
  XrefKindMismatch,
  XrefNamespace,
  XrefStore,
  type XrefStoreShape
} from "./XrefStore.ts"
