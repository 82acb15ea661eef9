// Writes a memtable to a new level-0 table. The table is built in slices of about a
// millisecond, yielding to the event loop between them so reads and writes keep flowing while a flush runs, then synced
// before anyone may record it in the manifest.

import { tableFileName } from '../base/file-names.js'
import type { ResolvedOptions } from '../base/options.js'
import type { Memtable } from '../memtable/memtable.js'
import { TableBuilder } from '../table/table-builder.js'
import { TimeSlicer } from '../util/time-slicer.js'
import type { FileMetadata } from '../version/file-metadata.js'
import type { FileSystem } from '../vfs/file-system.js'


export async function writeLevel0Table(
  memtable: Memtable,
  fileNumber: number,
  dir: string,
  fs: FileSystem,
  options: ResolvedOptions,
): Promise<FileMetadata> {
  const path = tableFileName(dir, fileNumber)
  const file = fs.create(path)
  try {
    const builder = new TableBuilder(
      file,
      { blockSize: options.blockSize, restartInterval: options.blockRestartInterval, bloomBitsPerKey: options.bloomBitsPerKey },
      path,
    )
    const it = memtable.iterator()
    const slicer = new TimeSlicer()
    for (it.seekToFirst(); it.valid(); it.next()) {
      builder.add(it.key(), it.seq(), it.kind(), it.value())
      await slicer.tick()
    }
    const t = builder.finish()
    await file.sync()
    return {
      number: fileNumber,
      size: t.fileSize,
      smallestKey: t.smallestKey,
      smallestSeq: t.smallestSeq,
      largestKey: t.largestKey,
      largestSeq: t.largestSeq,
    }
  } finally {
    file.close()
  }
}
