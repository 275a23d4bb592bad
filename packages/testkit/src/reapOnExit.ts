/**
 * Safety net for servers a test file starts: if the test process exits
 * without reaching `afterAll` (a crash, a worker torn down), every process
 * group still registered here gets SIGKILL from the `exit` handler.
 * Normal cleanup still happens in `stop()`; it unregisters.
 */
import { signalGroup } from "@logimesh/topology"

const live = new Set<number>()
let installed = false

export const reapOnExit = (pid: number): (() => void) => {
  if (!installed) {
    installed = true
    process.once("exit", () => {
      for (const group of live) signalGroup(group, "SIGKILL")
    })
  }
  live.add(pid)
  return () => live.delete(pid)
}
