// Writes a memtable to a new level-0 table. The table is built in slices of about a
// millisecond, yielding to the event loop between them so reads and writes keep flowing
// while a flush runs, then synced before anyone may record it in the manifest.

import type { ResolvedOptions } from '../base/options.js'
import type { Memtable } from '../memtable/memtable.js'
import { TimeSlicer } from '../util/time-slicer.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { TableWriter } from '../version/table-writer.js'
import type { FileSystem } from '../vfs/file-system.js'

export async function writeLevel0Table(
  memtable: Memtable,
  fileNumber: number,
  dir: string,
  fs: FileSystem,
  options: ResolvedOptions,
): Promise<FileMetadata> {
  const table = new TableWriter(fs, dir, fileNumber, options)
  try {
    const it = memtable.iterator()
    const slicer = new TimeSlicer()
    for (it.seekToFirst(); it.valid(); it.next()) {
      table.add(it.key(), it.seq(), it.kind(), it.value())
      // Only await when a slice is over: an await per entry costs a microtask each.
      const pause = slicer.tick()
      if (pause !== undefined) await pause
    }
    for (const t of memtable.rawRangeTombstones()) table.addRangeTombstone(t.start, t.end, t.seq)
  } catch (err) {
    table.abandon()
    throw err
  }
  return table.finish()
}
