// Deletes files that no live version, log or manifest needs any more: tables replaced by
// flushes or orphaned by a crash mid-flush, logs whose memtables are in tables, old
// manifests and temp files. Files Shale does not own are left alone.

import { join } from 'node:path'
import { parseFileName } from '../base/file-names.js'
import type { FileSystem } from '../vfs/file-system.js'

export interface LiveFiles {
  /** Tables some version references, plus tables being written right now. */
  tables: Set<number>
  /** Logs at or above this number may still hold unflushed writes. */
  minLogNumber: number
  manifestNumber: number
}

/** Returns the names removed. */
export function deleteObsoleteFiles(fs: FileSystem, dir: string, live: LiveFiles): string[] {
  const removed: string[] = []
  // Oldest first: a crash part-way then never leaves a log gone while an older one, which
  // a stale MANIFEST would take as live, survives (docs/format.md#file-numbers).
  const byNumber = (a: string, b: string): number => (parseFileName(a)?.number ?? 0) - (parseFileName(b)?.number ?? 0)
  for (const name of fs.list(dir).sort(byNumber)) {
    const f = parseFileName(name)
    if (f === undefined) continue
    const obsolete =
      (f.kind === 'table' && !live.tables.has(f.number)) ||
      (f.kind === 'log' && f.number < live.minLogNumber) ||
      // A higher-numbered MANIFEST or temp file may be one being written right now.
      (f.kind === 'manifest' && f.number < live.manifestNumber) ||
      (f.kind === 'temp' && f.number <= live.manifestNumber)
    if (!obsolete) continue
    fs.remove(join(dir, name))
    removed.push(name)
  }
  return removed
}
