/**
 * Given / when / then for the pick task decider: create, confirm (full,
 * short, substitute), cancel before and after the pick, every rejection
 * (UnknownTask, InvalidState, OverPick, UnitMismatch), replays, and the JSON
 * round trip of state, events and rejections through the Schema codecs.
 */
import { BigDecimal, Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { deciderHarness } from "@logimesh/engine/testing"
import { definedFields, quantity } from "@logimesh/model"
import {
  CreateTask,
  decide,
  evolve,
  initialState,
  InvalidState,
  OverPick,
  TaskCancelled,
  TaskChanged,
  TaskCommand,
  TaskCreated,
  taskEntity,
  TaskEvent,
  TaskPicked,
  TaskRejection,
  TaskState,
  UnitMismatch,
  UnknownTask
} from "../src/index.ts"

// Decimals compare by value (1.5 == 1.50), not by their internal representation.
expect.addEqualityTesters([(a: unknown, b: unknown) => (BigDecimal.isBigDecimal(a) && BigDecimal.isBigDecimal(b) ? BigDecimal.equals(a, b) : undefined)])

const TASK = "O-1001-L2"
const ea = (amount: string) => quantity(amount, "EA")
const cmd = (input: Record<string, unknown>): TaskCommand => Schema.decodeUnknownSync(TaskCommand)(input)

const createInput = {
  _tag: "CreateTask",
  by: "LOGIMESH",
  task: TASK,
  order: "O-1001",
  lineNumber: 2,
  site: "dc-rotterdam",
  item: "SKU-42",
  quantity: { amount: "10", unit: "EA" }
}
const create = Schema.decodeUnknownSync(CreateTask)(createInput)
const confirm = (amount: string, options: { readonly unit?: string; readonly location?: string; readonly substituteItem?: string } = {}) =>
  cmd({
    _tag: "ConfirmPick",
    by: "WES",
    task: TASK,
    picked: { amount, unit: options.unit ?? "EA" },
    location: options.location ?? "RTM-A-01-02",
    ...definedFields({ substituteItem: options.substituteItem })
  })
const cancel = (reason = "order cancelled") => cmd({ _tag: "CancelTask", by: "LOGIMESH", task: TASK, reason })

/** accepted / rejected fail the test when the decision went the other way (`@logimesh/engine/testing`). */
const { accepted, rejected, givenCommands: given } = deciderHarness(taskEntity)

describe("CreateTask", () => {
  it("given nothing, creates the task (the command's fields without `by`)", () => {
    const events = accepted(create, initialState)
    expect(events).toEqual([
      new TaskCreated({ task: create.task, order: create.order, lineNumber: 2, site: create.site, item: create.item, quantity: ea("10") })
    ])
    expect(events[0]).not.toHaveProperty("by")
    const state = events.reduce(evolve, initialState)
    expect(state.status).toBe("open")
    expect([state.task, state.order, state.lineNumber, state.site, state.item, state.requested?.toString(), state.picked]).toEqual([
      TASK,
      "O-1001",
      2,
      "dc-rotterdam",
      "SKU-42",
      "10 EA",
      undefined
    ])
  })

  it("the same task again is a pure replay, also after pick or cancel; a different one is InvalidState", () => {
    expect(decide(create, given(create))).toEqual(Result.succeed([]))
    expect(decide(create, given(create, confirm("10")))).toEqual(Result.succeed([]))
    expect(decide(create, given(create, cancel()))).toEqual(Result.succeed([]))
    const other = cmd({ ...createInput, quantity: { amount: "11", unit: "EA" } })
    expect(rejected(other, given(create))).toMatchObject({ _tag: "InvalidState", command: "CreateTask", state: "open" })
    expect(rejected(cmd({ ...createInput, item: "SKU-77" }), given(create))).toMatchObject({ _tag: "InvalidState" })
  })
})

describe("ConfirmPick", () => {
  it("a full pick: TaskPicked, not short, not a substitute", () => {
    const state = given(create)
    const events = accepted(confirm("10"), state)
    expect(events).toEqual([
      new TaskPicked({
        task: create.task,
        order: create.order,
        lineNumber: 2,
        site: create.site,
        item: create.item,
        requested: ea("10"),
        picked: ea("10"),
        short: false,
        substitute: false,
        location: (events[0] as TaskPicked).location
      })
    ])
    expect((events[0] as TaskPicked).location).toBe("RTM-A-01-02")
    const after = events.reduce(evolve, state)
    expect(after.status).toBe("picked")
    expect(after.picked?.toString()).toBe("10 EA")
    expect(after.requested?.toString()).toBe("10 EA")
  })

  it("a short pick: short = picked < requested, by exact decimal comparison", () => {
    const picked = accepted(confirm("9.999999999999"), given(create))[0] as TaskPicked
    expect(picked.short).toBe(true)
    expect(picked.picked.toString()).toBe("9.999999999999 EA")
    expect((accepted(confirm("0"), given(create))[0] as TaskPicked).short).toBe(true)
    expect((accepted(confirm("10.000"), given(create))[0] as TaskPicked).short).toBe(false)
  })

  it("a substitute: the picked item is the substitute, flagged; the same item named as substitute is not one", () => {
    const state = given(create)
    const picked = accepted(confirm("10", { substituteItem: "SKU-555" }), state)[0] as TaskPicked
    expect([picked.item, picked.substitute, picked.short]).toEqual(["SKU-555", true, false])
    const after = evolve(state, picked)
    expect([after.item, after.pickedItem, after.substitute]).toEqual(["SKU-42", "SKU-555", true])
    const same = accepted(confirm("10", { substituteItem: "SKU-42" }), state)[0] as TaskPicked
    expect([same.item, same.substitute]).toEqual(["SKU-42", false])
  })

  it("picked > requested is OverPick; another unit is UnitMismatch", () => {
    expect(rejected(confirm("10.5"), given(create))).toEqual(new OverPick({ requested: ea("10"), picked: ea("10.5") }))
    expect(rejected(confirm("1", { unit: "CS" }), given(create))).toEqual(new UnitMismatch({ expected: "EA", got: "CS" }))
  })

  it("an unknown task is UnknownTask; a cancelled one is InvalidState", () => {
    expect(rejected(confirm("10"), initialState)).toEqual(new UnknownTask({ task: create.task }))
    expect(rejected(confirm("10"), given(create, cancel()))).toEqual(
      new InvalidState({ command: "ConfirmPick", state: "cancelled", detail: `task ${TASK} is cancelled` })
    )
  })

  it("the same confirmation again is a pure replay; a different one is InvalidState", () => {
    const state = given(create, confirm("8", { substituteItem: "SKU-555" }))
    expect(decide(confirm("8", { substituteItem: "SKU-555" }), state)).toEqual(Result.succeed([]))
    expect(decide(confirm("8.0", { substituteItem: "SKU-555" }), state)).toEqual(Result.succeed([]))
    expect(rejected(confirm("9", { substituteItem: "SKU-555" }), state)).toMatchObject({ _tag: "InvalidState", command: "ConfirmPick", state: "picked" })
    expect(rejected(confirm("8"), state)).toMatchObject({ _tag: "InvalidState", state: "picked" })
    expect(rejected(confirm("8", { substituteItem: "SKU-555", location: "RTM-B-09" }), state)).toMatchObject({ _tag: "InvalidState" })
  })
})

describe("CancelTask", () => {
  it("before the pick: TaskCancelled without a picked quantity", () => {
    const state = given(create)
    const events = accepted(cancel(), state)
    expect(events).toEqual([new TaskCancelled({ task: create.task, order: create.order, lineNumber: 2, site: create.site, item: create.item })])
    expect(events[0]).not.toHaveProperty("picked")
    expect(events.reduce(evolve, state).status).toBe("cancelled")
  })

  it("after the pick: TaskCancelled with the picked quantity of the picked item; the state keeps the pick", () => {
    const state = given(create, confirm("7", { substituteItem: "SKU-555" }))
    const cancelled = accepted(cancel(), state)[0] as TaskCancelled
    expect([cancelled.item, cancelled.picked?.toString()]).toEqual(["SKU-555", "7 EA"])
    const after = evolve(state, cancelled)
    expect([after.status, after.picked?.toString(), after.short, after.substitute]).toEqual(["cancelled", "7 EA", true, true])
  })

  it("again is a pure replay; an unknown task is UnknownTask", () => {
    expect(decide(cancel(), given(create, cancel()))).toEqual(Result.succeed([]))
    expect(decide(cancel("another reason"), given(create, cancel()))).toEqual(Result.succeed([]))
    expect(rejected(cancel(), initialState)).toEqual(new UnknownTask({ task: create.task }))
  })
})

const roundTrip = <A, I>(schema: Schema.Codec<A, I>, value: A): A =>
  Schema.decodeUnknownSync(schema)(JSON.parse(JSON.stringify(Schema.encodeSync(schema)(value))))

describe("JSON codecs", () => {
  it("state and every event survive a JSON round trip", () => {
    const seen = new Set<string>()
    const run = (commands: ReadonlyArray<TaskCommand>) => {
      let state = initialState
      expect(roundTrip(TaskState, state)).toEqual(state)
      for (const command of commands) {
        expect(roundTrip(TaskCommand, command)).toEqual(command)
        for (const event of accepted(command, state)) {
          seen.add(event._tag)
          expect(roundTrip(TaskEvent, event)).toEqual(event)
          state = evolve(state, event)
        }
        expect(roundTrip(TaskState, state)).toEqual(state)
      }
      return state
    }
    expect(run([create, confirm("2.5", { substituteItem: "SKU-555" }), cancel()]).status).toBe("cancelled")
    expect(run([create, cancel()]).status).toBe("cancelled")
    expect([...seen].sort()).toEqual(["TaskCancelled", "TaskCreated", "TaskPicked"])
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(TaskState)(given(create, confirm("2.5")))))
    expect(json).toMatchObject({
      _tag: "TaskState",
      status: "picked",
      requested: { amount: "10", unit: "EA" },
      picked: { amount: "2.5", unit: "EA" },
      short: true
    })
  })

  it("rejections survive a JSON round trip", () => {
    for (const rejection of [
      new InvalidState({ command: "ConfirmPick", state: "cancelled", detail: "x" }),
      new UnknownTask({ task: create.task }),
      new OverPick({ requested: ea("10"), picked: ea("11") }),
      new UnitMismatch({ expected: "EA", got: "CS" })
    ]) {
      expect(roundTrip(TaskRejection, rejection)).toEqual(rejection)
    }
  })
})

describe("taskEntity", () => {
  it("is the engine entity `task`, keyed by task id, tagging events and rejections by `_tag`", () => {
    expect(taskEntity.name).toBe("task")
    expect(taskEntity.keyOf(create)).toBe(TASK)
    expect(taskEntity.keyOf(confirm("1"))).toBe(TASK)
    expect(taskEntity.keyOf(cancel())).toBe(TASK)
    expect(taskEntity.notifyRejections).toBe(false)
    expect(taskEntity.decider.initialState.status).toBe("none")
    expect(accepted(create, initialState).map(taskEntity.eventType)).toEqual(["TaskCreated"])
    expect(taskEntity.rejectionType(new UnknownTask({ task: create.task }))).toBe("UnknownTask")
  })
})

describe("ChangeTask", () => {
  const change = (amount: string, unit = "EA") => cmd({ _tag: "ChangeTask", by: "LOGIMESH", task: TASK, quantity: { amount, unit } })

  it("changes an open task's requested quantity; a pick is then short against the new quantity only", () => {
    const events = accepted(change("6"), given(create))
    expect(events).toEqual([new TaskChanged({ task: create.task, order: create.order, lineNumber: 2, previous: ea("10"), quantity: ea("6") })])
    const state = given(create, change("6"))
    expect(state.requested?.toString()).toBe("6 EA")
    const [picked] = accepted(confirm("6"), state) as ReadonlyArray<TaskPicked>
    expect(picked?.short).toBe(false)
    expect(rejected(confirm("7"), state)).toBeInstanceOf(OverPick)
  })

  it("the same quantity again changes nothing; another unit is UnitMismatch; unknown task is UnknownTask", () => {
    expect(accepted(change("10"), given(create))).toEqual([])
    expect(rejected(change("1", "CS"), given(create))).toBeInstanceOf(UnitMismatch)
    expect(rejected(change("6"), initialState)).toBeInstanceOf(UnknownTask)
  })

  it("a picked or cancelled task cannot change (InvalidState naming the status)", () => {
    const picked = rejected(change("6"), given(create, confirm("10")))
    expect(picked).toBeInstanceOf(InvalidState)
    expect((picked as InvalidState).state).toBe("picked")
    expect((rejected(change("6"), given(create, cancel())) as InvalidState).state).toBe("cancelled")
  })
})
