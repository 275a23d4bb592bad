/**
 * A fresh, uniquely named scratch directory for one test file's servers,
 * under the git-ignored `.test-runs/` of the repository.
 */
import { randomBytes } from "node:crypto"
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { repoRoot } from "@logimesh/topology"

export const randomSuffix = (): string => randomBytes(4).toString("hex")

export interface TestRunDir {
  readonly path: string
  remove(): void
}

export const makeTestRunDir = (label: string): TestRunDir => {
  const path = join(repoRoot, ".test-runs", `${label}-${process.pid}-${randomSuffix()}`)
  mkdirSync(path, { recursive: true })
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
