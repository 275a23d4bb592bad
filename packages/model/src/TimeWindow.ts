/**
 * A closed-open window of time in UTC (delivery window, dock appointment).
 * `from` must be before `to`.
 */
import { DateTime, Schema } from "effect"
import { UtcInstant } from "./UtcInstant.ts"

export class TimeWindow extends Schema.Class<TimeWindow>("logimesh/model/TimeWindow")(
  Schema.Struct({ from: UtcInstant, to: UtcInstant }).pipe(
    Schema.check(
      Schema.makeFilter((w: { readonly from: DateTime.Utc; readonly to: DateTime.Utc }) => DateTime.isLessThan(w.from, w.to), {
        expected: "a window whose `from` is before its `to`"
      })
    )
  )
) {}
