/**
 * Ids derived from an order id (docs/order-to-delivery.md): the order's
 * shipment is `S-<order>`, the pick task of its line n is `<order>-L<n>`.
 * Spelled here only, below every module: the order creates both, the
 * shipment, pod and task modules read the order back from them. The shipment
 * and task modules expose these as their id functions (`shipmentModule.ids`,
 * `taskModule.ids`).
 */

export const shipmentIdOf = (order: string): string => `S-${order}`

export const orderOfShipment = (shipment: string): string => shipment.replace(/^S-/, "")

/** What every pick task id of an order starts with; the line number follows. */
export const pickTaskIdPrefix = (order: string): string => `${order}-L`

export const pickTaskIdOf = (order: string, lineNumber: number): string => `${pickTaskIdPrefix(order)}${lineNumber}`

export const orderOfPickTask = (task: string): string => task.replace(/-L\d+$/, "")
