/**
 * Given / when / then helpers for testing a decider through its entity
 * definition (`@logimesh/engine/testing`), shared by the modules' decider
 * tests:
 *   decided(json, state)   the decision in wire form: `{ events }` encoded, or `{ rejection }` encoded
 *   run(jsons, from?)      applies commands given as wire JSON (each must be accepted): state and events
 *   given(...jsons)        the state after those commands
 *   accepted / rejected    the decision on a decoded command, failing the test if it went the other way
 *   givenCommands(...cmds) the state after decoded commands
 */
import { Result, Schema } from "effect"
import type { EntityDefinition } from "../src/index.ts"

export const deciderHarness = <C, E, S, R>(entity: EntityDefinition<C, E, S, R>) => {
  const { decide, evolve, initialState } = entity.decider
  const decodeCommand = Schema.decodeUnknownSync(entity.command)
  const encodeEvent = Schema.encodeSync(entity.event)
  const encodeRejection = Schema.encodeSync(entity.rejection)
  const tagOf = (command: unknown) => (typeof command === "object" && command !== null && "_tag" in command ? String(command._tag) : "command")

  const accepted = (command: C, state: S): ReadonlyArray<E> => {
    const decision = decide(command, state)
    if (Result.isFailure(decision)) throw new Error(`${tagOf(command)} rejected: ${JSON.stringify(encodeRejection(decision.failure))}`)
    return decision.success
  }
  const rejected = (command: C, state: S): R => {
    const decision = decide(command, state)
    if (Result.isSuccess(decision)) throw new Error(`${tagOf(command)} accepted: ${JSON.stringify(decision.success.map((e) => encodeEvent(e)))}`)
    return decision.failure
  }
  const apply = (state: S, command: C): S => accepted(command, state).reduce(evolve, state)
  const givenCommands = (...commands: ReadonlyArray<C>): S => commands.reduce(apply, initialState)

  const decided = (command: unknown, state: S): { events: ReadonlyArray<unknown> } | { rejection: unknown } => {
    const decision = decide(decodeCommand(command), state)
    return Result.isSuccess(decision) ? { events: decision.success.map((e) => encodeEvent(e)) } : { rejection: encodeRejection(decision.failure) }
  }
  const run = (commands: ReadonlyArray<unknown>, from: S = initialState): { state: S; events: ReadonlyArray<E> } => {
    let state = from
    const events: Array<E> = []
    for (const command of commands) {
      const decoded = accepted(decodeCommand(command), state)
      events.push(...decoded)
      state = decoded.reduce(evolve, state)
    }
    return { state, events }
  }
  const given = (...commands: ReadonlyArray<unknown>): S => run(commands).state

  return { accepted, rejected, apply, givenCommands, decided, run, given }
}
export * from "./engineTables.ts"
