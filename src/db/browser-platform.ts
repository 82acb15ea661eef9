// What a database gets from its host by default in the browser: the origin private file
// system, and compactions on the database's own worker, time-sliced, whatever
// compactionThread says. A nested worker would need its own sync access handles on the
// tables it merges, which OPFS grants one at a time per file (the database's worker holds
// them open); and the database already runs off the page's main thread, so a compaction
// slice delays only this database's requests, never rendering or input. See docs/design.md.

import { InProcessRunner, type CompactionRunner } from '../compaction/in-process-runner.js'
import type { FileSystem } from '../vfs/file-system.js'
import { OpfsFileSystem } from '../vfs/opfs-file-system.js'

export function defaultFileSystem(): FileSystem {
  return new OpfsFileSystem()
}

export function compactionRunner(_thread: 'worker' | 'main'): CompactionRunner {
  return new InProcessRunner()
}
