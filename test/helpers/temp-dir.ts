// Temporary directories for tests that use the real file system.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A new directory under `parent` (the system's temp directory unless given). */
export function tempDir(prefix = 'shale-test-', parent = tmpdir()): { path: string; remove: () => void } {
  const path = mkdtempSync(join(parent, prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
