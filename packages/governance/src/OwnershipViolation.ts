/**
 * A change to a business object from a system that does not own that
 * transition (`sites/governance/ownership.json`). Terminal: the message
 * is parked, the rejection recorded and counted; it never silently wins.
 */
import { Schema } from "effect"
import { SourceSystem } from "@logimesh/model"

export class OwnershipViolation extends Schema.TaggedError<OwnershipViolation>()("OwnershipViolation", {
  object: Schema.String,
  transition: Schema.String,
  sender: SourceSystem,
  /** The systems that may perform this transition (here: at this site). Empty when none could be resolved. */
  owners: Schema.Array(SourceSystem),
  site: Schema.optionalKey(Schema.String),
  businessKey: Schema.optionalKey(Schema.String),
  /** Why no owner could be resolved (unknown site, site required), when that is the case. */
  detail: Schema.optionalKey(Schema.String)
}) {
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    const where = this.site === undefined ? "" : ` at site ${this.site}`
    const key = this.businessKey === undefined ? "" : ` (${this.businessKey})`
    const owners = this.owners.length === 0 ? `no owner: ${this.detail ?? "not declared"}` : `owned by ${this.owners.join(" or ")}`
    return `${this.sender} may not ${this.transition} ${this.object}${key}${where}: ${owners}`
  }
}
