/**
 * Samples the resident memory of the region process every 200 ms while a
 * drill runs (re-reading its pid from the topology state, so a killed and
 * restarted region is followed), and keeps the maximum.
 */
import { readFileSync } from "node:fs"
import { readTopologyState } from "@logimesh/topology"

const rssMbOf = (pid: number): number | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]
    return kb === undefined ? undefined : Number(kb) / 1024
  } catch {
    return undefined
  }
}

export interface RssSampler {
  readonly maxMb: () => number
  readonly stop: () => void
}

export const sampleRegionRss = (stateDir: string, intervalMs = 200): RssSampler => {
  let max = 0
  const timer = setInterval(() => {
    for (const c of readTopologyState(stateDir)?.components ?? []) {
      if (c.kind !== "region" || c.pid === null) continue
      const mb = rssMbOf(c.pid)
      if (mb !== undefined) max = Math.max(max, mb)
    }
  }, intervalMs)
  return { maxMb: () => Math.round(max), stop: () => clearInterval(timer) }
}
