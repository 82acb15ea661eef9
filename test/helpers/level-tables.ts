// Builds real SSTables on an in-memory file system from hand-written entries, and a table
// cache over them that counts the readers held, for the version-layer tests (level
// iterator, version lookups) that need tables but not a database.

import { tableFileName } from '../../src/base/file-names.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { TableCache } from '../../src/table/table-cache.js'
import type { TableReader } from '../../src/table/table-reader.js'
import type { FileMetadata } from '../../src/version/file-metadata.js'
import { ArrayIterator, type Entry } from './array-iterator.js'
import { MemoryFileSystem } from './memory-file-system.js'

export const DIR = '/db'

/** A table cache that keeps count of acquire() calls not yet released. */
export class CountingTableCache extends TableCache {
  held = 0
  override acquire(fileNumber: number): TableReader {
    const reader = super.acquire(fileNumber)
    this.held++
    return reader
  }
  override release(table: number | TableReader): void {
    super.release(table)
    this.held--
  }
}

export class LevelTables {
  readonly fs = new MemoryFileSystem()
  readonly cache: CountingTableCache

  constructor(maxOpenFiles = 2) {
    this.fs.mkdir(DIR)
    this.cache = new CountingTableCache(DIR, this.fs, { maxOpenFiles, blockCache: undefined, paranoidChecks: true, search: 'binary' })
  }

  /** Writes table `number` holding `entries` (sorted here) in small blocks; returns its metadata. */
  write(number: number, entries: readonly Entry[]): FileMetadata {
    const path = tableFileName(DIR, number)
    const file = this.fs.create(path)
    const builder = new TableBuilder(file, { blockSize: 64, restartInterval: 2, bloomBitsPerKey: 10 }, path)
    for (const e of new ArrayIterator(entries).entries) builder.add(e.key, e.seq, e.kind, e.value)
    const t = builder.finish()
    file.close()
    return { number, size: t.fileSize, smallestKey: t.smallestKey, smallestSeq: t.smallestSeq, largestKey: t.largestKey, largestSeq: t.largestSeq }
  }
}
