/**
 * The task module as the region runs and serves it: the `task` entity (key =
 * pick task id `<order>-L<line>`), its command route (the WES confirms a
 * pick), the order of a task, and the task id functions.
 */
import { keyPatternOf } from "@logimesh/engine"
import { orderOfPickTask, pickTaskIdOf, pickTaskIdPrefix } from "@logimesh/model"
import { moduleSpec } from "@logimesh/modulespec"
import { ConfirmPick } from "./TaskCommands.ts"
import { taskEntity } from "./taskEntity.ts"
import { taskSystemMessages } from "./TaskSystemMessages.ts"

export const taskModule = moduleSpec({
  entity: taskEntity,
  orderOf: (command) => orderOfPickTask(command.task),
  ids: {
    taskIdOf: pickTaskIdOf,
    orderOfTask: orderOfPickTask,
    /** A key pattern (engine `keyPatternOf`) matching every pick task of an order. */
    taskKeysOf: (order: string): string => keyPatternOf(pickTaskIdPrefix(order), "[0-9]+")
  },
  routes: (route) => [
    route({
      path: "/v1/tasks/:task/confirm-pick",
      summary: "Confirm a pick, possibly short or with a substitute item (WES)",
      command: ConfirmPick,
      tag: "ConfirmPick",
      pathFields: { task: "task" },
      references: [
        { kind: "count", path: "picked" },
        { kind: "item", path: "substituteItem" }
      ],
      ownership: { object: "PickTask", transition: "confirm_pick" }
    })
  ],
  unroutedTransitions: [
    {
      object: "PickTask",
      transition: "short_pick",
      how: "a ConfirmPick of less than the task's quantity; the route checks it as confirm_pick (it cannot know the quantity)"
    }
  ],
  systemMessages: taskSystemMessages
})
