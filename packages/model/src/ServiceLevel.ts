/**
 * The delivery service level a customer bought; dispatch plans by it.
 */
import { Schema } from "effect"

export const ServiceLevel = Schema.Literals(["STANDARD", "EXPRESS", "NEXT_DAY", "SAME_DAY", "ECONOMY"])
export type ServiceLevel = typeof ServiceLevel.Type
