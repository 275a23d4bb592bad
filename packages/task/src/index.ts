/**
 * @logimesh/task — one pick task per order line (engine entity `task`, key =
 * pick task id `<order>-L<lineNumber>`). The region flows create tasks on
 * order release and cancel them on order cancel (`by: "LOGIMESH"`); the
 * site's WES confirms picks (`ConfirmPick`) through the `/v1` API.
 * Contract: docs/order-to-delivery.md, "Modules > task".
 */
export { CancelTask, ChangeTask, ConfirmPick, CreateTask, LineNumber, TaskCommand } from "./TaskCommands.ts"
export { decide, evolve, initialState, type TaskDecision } from "./TaskDecider.ts"
export { taskEntity } from "./taskEntity.ts"
export { taskModule } from "./taskModule.ts"
export { TaskCancelled, TaskChanged, TaskCreated, TaskEvent, TaskPicked } from "./TaskEvents.ts"
export { InvalidState, OverPick, TaskRejection, UnitMismatch, UnknownTask } from "./TaskRejections.ts"
export { TaskState, TaskStatus } from "./TaskState.ts"
export {
  PutAwayToWes,
  taskSystemMessages
} from "./TaskSystemMessages.ts"
