// Runs an ES module's source in a child process of the runtime running the tests, from a file
// rather than `-e`: Deno's translation of `node --input-type=module -e` (2.9) evaluates the
// code as a CommonJS script, where neither top-level await nor import() works, so a child run
// with -e tests Deno's flag handling instead of Shale. From a file it is a module everywhere.

import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

let counter = 0

/** Writes `source` to a new .mjs file in `dir` (readable by every user) and runs it to completion. */
export function runModule(dir: string, source: string, options: SpawnSyncOptions = {}): SpawnSyncReturns<string> {
  const file = join(dir, `child-${process.pid}-${counter++}.mjs`)
  writeFileSync(file, source)
  chmodSync(file, 0o644)
  return spawnSync(process.execPath, [file], { ...options, encoding: 'utf8' })
}
