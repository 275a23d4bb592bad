/**
 * Length, width and height of a carton or pallet, each an exact quantity
 * with its unit (CM, IN, M).
 */
import { Schema } from "effect"
import { Quantity } from "./Quantity.ts"

export class Dimensions extends Schema.Class<Dimensions>("logimesh/model/Dimensions")({
  length: Quantity,
  width: Quantity,
  height: Quantity
}) {}
