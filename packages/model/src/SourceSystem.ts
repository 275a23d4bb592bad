/**
 * The external systems logimesh talks to. Ownership rules, status-code
 * mappings and a command's caller (`X-Source-System` over HTTP,
 * `Logimesh-Source-System` on a command message) all name one of these.
 */
import { Schema } from "effect"

export const SourceSystem = Schema.Literals(["ERP", "WES", "DISPATCH", "CARRIER", "PORTAL", "LOGIMESH"])
export type SourceSystem = typeof SourceSystem.Type
