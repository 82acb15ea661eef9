// Runs an ES module's source in a child process of the runtime running the tests, from a file
// rather than `-e`: Deno's translation of `node --input-type=module -e` (2.9) evaluates the
// code as a CommonJS script, where neither top-level await nor import() works, so a child run
// with -e tests Deno's flag handling instead of Shale. From a file it is a module everywhere.

import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process'
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

let counter = 0

/**
 * Where child programs are written: inside the package (dist/), because Deno resolves the
 * package's `imports` (`#runtime`, `#platform`) only for a program within the package's scope,
 * as an installed package's importer is; one in the temp directory cannot load the engine there.
 */
const CHILD_PROGRAM_DIR = fileURLToPath(new URL('../../children/', import.meta.url))

/** The directory for child programs (see above), created if missing. */
export function childProgramDir(): string {
  mkdirSync(CHILD_PROGRAM_DIR, { recursive: true, mode: 0o755 })
  return CHILD_PROGRAM_DIR
}

/** Writes `source` to a new .mjs file (readable by every user) and runs it to completion. */
export function runModule(source: string, options: SpawnSyncOptions = {}): SpawnSyncReturns<string> {
  const file = join(childProgramDir(), `child-${process.pid}-${counter++}.mjs`)
  writeFileSync(file, source)
  chmodSync(file, 0o644)
  try {
    return spawnSync(process.execPath, [file], { ...options, encoding: 'utf8' })
  } finally {
    rmSync(file, { force: true })
  }
}
