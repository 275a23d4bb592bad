/**
 * The task module as an engine entity: name "task", key = pick task id, the
 * pure task decider and the Schema codecs of its commands, events, state and
 * rejections. Rejections are recorded in the audit trail, not notified.
 */
import { type EntityDefinition, taggedEntity } from "@logimesh/engine"
import { TaskCommand } from "./TaskCommands.ts"
import { decide, evolve, initialState } from "./TaskDecider.ts"
import { TaskEvent } from "./TaskEvents.ts"
import { TaskRejection } from "./TaskRejections.ts"
import { TaskState } from "./TaskState.ts"

export const taskEntity: EntityDefinition<TaskCommand, TaskEvent, TaskState, TaskRejection> = taggedEntity({
  name: "task",
  decider: { initialState, decide, evolve },
  keyOf: (command) => command.task,
  command: TaskCommand,
  event: TaskEvent,
  state: TaskState,
  rejection: TaskRejection
})
