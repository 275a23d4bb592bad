/**
 * The pick task decider (pure): rules from docs/order-to-delivery.md,
 * "Modules > task".
 *
 *   CreateTask  -> TaskCreated    (same repeat: nothing; a different one: InvalidState)
 *   ConfirmPick -> TaskPicked     (unknown: UnknownTask; cancelled: InvalidState; same repeat: nothing;
 *                                  different repeat: InvalidState; other unit: UnitMismatch; picked > requested: OverPick)
 *   CancelTask  -> TaskCancelled  (unknown: UnknownTask; cancelled already: nothing)
 *   ChangeTask  -> TaskChanged    (only while open; same quantity: nothing; other unit: UnitMismatch)
 *
 * `short` = picked < requested, compared as exact decimals (effect BigDecimal).
 */
import { BigDecimal, Result } from "effect"
import type { Decision } from "@logimesh/engine"
import type { ItemId, OrderId, PickTaskId, Quantity, SiteId } from "@logimesh/model"
import type { CancelTask, ChangeTask, ConfirmPick, CreateTask, TaskCommand } from "./TaskCommands.ts"
import { TaskCancelled, TaskChanged, TaskCreated, type TaskEvent, TaskPicked } from "./TaskEvents.ts"
import { InvalidState, OverPick, type TaskRejection, UnitMismatch, UnknownTask } from "./TaskRejections.ts"
import { TaskState } from "./TaskState.ts"
import { definedFields } from "@logimesh/model"

export type TaskDecision = Decision<TaskEvent, TaskRejection>

/** The state of a task that does not exist yet. */
export const initialState: TaskState = new TaskState({ status: "none", short: false, substitute: false })

const nothing: TaskDecision = Result.succeed([])
const emit = (...events: ReadonlyArray<TaskEvent>): TaskDecision => Result.succeed(events)
const invalid = (command: TaskCommand, state: TaskState, detail: string): TaskDecision =>
  Result.fail(new InvalidState({ command: command._tag, state: state.status, detail }))

const sameQuantity = (a: Quantity, b: Quantity): boolean => a.unit === b.unit && BigDecimal.equals(a.amount, b.amount)
const show = (q: Quantity): string => `${BigDecimal.format(BigDecimal.normalize(q.amount))} ${q.unit}`

interface Created {
  readonly task: PickTaskId
  readonly order: OrderId
  readonly lineNumber: number
  readonly site: SiteId
  readonly item: ItemId
  readonly requested: Quantity
}

/** The task as created, once it exists. */
const createdOf = (state: TaskState): Created | undefined => {
  const { task, order, lineNumber, site, item, requested } = state
  if (
    state.status === "none" ||
    task === undefined ||
    order === undefined ||
    lineNumber === undefined ||
    site === undefined ||
    item === undefined ||
    requested === undefined
  ) {
    return undefined
  }
  return { task, order, lineNumber, site, item, requested }
}

const createTask = (command: CreateTask, state: TaskState): TaskDecision => {
  const created = createdOf(state)
  if (created === undefined) {
    return emit(
      new TaskCreated({
        task: command.task,
        order: command.order,
        lineNumber: command.lineNumber,
        site: command.site,
        item: command.item,
        quantity: command.quantity
      })
    )
  }
  const same =
    created.order === command.order &&
    created.lineNumber === command.lineNumber &&
    created.site === command.site &&
    created.item === command.item &&
    sameQuantity(created.requested, command.quantity)
  return same
    ? nothing
    : invalid(
        command,
        state,
        `task ${created.task} already exists for order ${created.order} line ${created.lineNumber}: ${show(created.requested)} of ${created.item} at ${created.site}`
      )
}

const confirmPick = (command: ConfirmPick, state: TaskState): TaskDecision => {
  const created = createdOf(state)
  if (created === undefined) return Result.fail(new UnknownTask({ task: command.task }))
  if (state.status === "cancelled") return invalid(command, state, `task ${created.task} is cancelled`)
  const item = command.substituteItem ?? created.item
  if (state.status === "picked") {
    const same = state.picked !== undefined && sameQuantity(state.picked, command.picked) && state.location === command.location && state.pickedItem === item
    return same
      ? nothing
      : invalid(
          command,
          state,
          `task ${created.task} is already picked: ${state.picked === undefined ? "?" : show(state.picked)} of ${state.pickedItem ?? created.item} from ${state.location ?? "?"}`
        )
  }
  if (command.picked.unit !== created.requested.unit) {
    return Result.fail(new UnitMismatch({ expected: created.requested.unit, got: command.picked.unit }))
  }
  if (BigDecimal.isGreaterThan(command.picked.amount, created.requested.amount)) {
    return Result.fail(new OverPick({ requested: created.requested, picked: command.picked }))
  }
  return emit(
    new TaskPicked({
      task: created.task,
      order: created.order,
      lineNumber: created.lineNumber,
      site: created.site,
      item,
      requested: created.requested,
      picked: command.picked,
      short: BigDecimal.isLessThan(command.picked.amount, created.requested.amount),
      substitute: item !== created.item,
      location: command.location
    })
  )
}

const cancelTask = (command: CancelTask, state: TaskState): TaskDecision => {
  const created = createdOf(state)
  if (created === undefined) return Result.fail(new UnknownTask({ task: command.task }))
  if (state.status === "cancelled") return nothing
  return emit(
    new TaskCancelled({
      task: created.task,
      order: created.order,
      lineNumber: created.lineNumber,
      site: created.site,
      item: state.picked === undefined ? created.item : (state.pickedItem ?? created.item),
      ...definedFields({ picked: state.picked })
    })
  )
}

const changeTask = (command: ChangeTask, state: TaskState): TaskDecision => {
  const created = createdOf(state)
  if (created === undefined) return Result.fail(new UnknownTask({ task: command.task }))
  if (command.quantity.unit !== created.requested.unit) {
    return Result.fail(new UnitMismatch({ expected: created.requested.unit, got: command.quantity.unit }))
  }
  if (BigDecimal.equals(command.quantity.amount, created.requested.amount)) return nothing
  if (state.status !== "open") return invalid(command, state, `task ${created.task} is ${state.status}; only an open task can change`)
  return emit(
    new TaskChanged({ task: created.task, order: created.order, lineNumber: created.lineNumber, previous: created.requested, quantity: command.quantity })
  )
}

export const decide = (command: TaskCommand, state: TaskState): TaskDecision => {
  switch (command._tag) {
    case "CreateTask":
      return createTask(command, state)
    case "ConfirmPick":
      return confirmPick(command, state)
    case "CancelTask":
      return cancelTask(command, state)
    case "ChangeTask":
      return changeTask(command, state)
  }
}

type StateFields = Omit<ConstructorParameters<typeof TaskState>[0], "_tag">

const next = (state: TaskState, changes: Partial<StateFields>): TaskState => {
  const { _tag, ...fields } = state
  return new TaskState({ ...fields, ...changes })
}

export const evolve = (state: TaskState, event: TaskEvent): TaskState => {
  switch (event._tag) {
    case "TaskCreated":
      return new TaskState({
        status: "open",
        task: event.task,
        order: event.order,
        lineNumber: event.lineNumber,
        site: event.site,
        item: event.item,
        requested: event.quantity,
        short: false,
        substitute: false
      })
    case "TaskPicked":
      return next(state, {
        status: "picked",
        picked: event.picked,
        pickedItem: event.item,
        location: event.location,
        short: event.short,
        substitute: event.substitute
      })
    case "TaskCancelled":
      return next(state, { status: "cancelled" })
    case "TaskChanged":
      return next(state, { requested: event.quantity })
  }
}
