// Open TableReaders by file number, with a bound on how many stay open. Readers are
// reference-counted: one that is held (by a get in progress or a live iterator) is never
// closed under its holder, even when it is evicted or over the limit.

import { closedError } from '../errors.js'
import type { FileSystem } from '../vfs/file-system.js'
import type { FoundEntry } from '../base/found-entry.js'
import type { InternalIterator } from '../base/internal-iterator.js'
import { tableFileName } from '../base/file-names.js'
import type { RangeTombstoneSet } from '../base/range-tombstones.js'
import type { BlockSearch } from './block.js'
import type { BlockCache } from './block-cache.js'
import { TableReader, type SearchCounter } from './table-reader.js'
import type { CacheFill } from './table-iterator.js'

export interface TableCacheOptions {
  /** Readers kept open at once, not counting held ones beyond the limit. */
  maxOpenFiles: number
  blockCache: BlockCache | undefined
  paranoidChecks: boolean
  search: BlockSearch
}

interface Entry {
  readonly fileNumber: number
  readonly reader: TableReader
  refs: number
  /** The cache's clock at the last acquire: the smallest is the least recently used. */
  lastUse: number
  /** Evicted while held: close at the last release instead of returning to the cache. */
  doomed: boolean
}

export class TableCache {
  readonly #dir: string
  readonly #fs: FileSystem
  readonly #options: TableCacheOptions
  /** Open, non-doomed readers. */
  readonly #open = new Map<number, Entry>()
  /** Counts acquires; an entry's lastUse orders evictions without reordering the map on every get. */
  #clock = 0
  /** Every open reader, doomed ones included. */
  readonly #byReader = new Map<TableReader, Entry>()
  /** How many doomed readers are still held. */
  #doomed = 0
  #closed = false

  constructor(dir: string, fs: FileSystem, options: TableCacheOptions) {
    if (!Number.isInteger(options.maxOpenFiles) || options.maxOpenFiles < 1) {
      throw new RangeError(`Cannot create a table cache: maxOpenFiles ${options.maxOpenFiles} is not a positive integer`)
    }
    this.#dir = dir
    this.#fs = fs
    this.#options = options
  }

  /** What the shared block cache holds, for stats(); zeros when there is none. */
  blockCacheUsage(): { capacity: number; bytes: number; blocks: number } {
    const c = this.#options.blockCache
    return { capacity: c?.capacity ?? 0, bytes: c?.charge ?? 0, blocks: c?.size ?? 0 }
  }

  /** Readers currently in the cache (held doomed readers are not counted). */
  get openCount(): number {
    return this.#open.size
  }

  /**
   * The reader of a table, opened on first use, with a reference held: the caller must
   * release() it exactly once, and not use the reader afterwards.
   */
  acquire(fileNumber: number): TableReader {
    if (this.#closed) throw closedError('database', `Cannot open table ${fileNumber}: the table cache is closed`)
    let entry = this.#open.get(fileNumber)
    if (entry === undefined) {
      entry = { fileNumber, reader: this.#openReader(fileNumber), refs: 0, lastUse: 0, doomed: false }
      this.#open.set(fileNumber, entry)
      this.#byReader.set(entry.reader, entry)
    }
    entry.refs++
    entry.lastUse = ++this.#clock
    // Trim after taking the reference so the new reader is never the one closed.
    this.#trim()
    return entry.reader
  }

  /**
   * Drops a reference taken by acquire(). Passing the reader is exact; passing the file
   * number is ambiguous only if the table was evicted and then acquired again while the
   * old reader was still held, and then releases the evicted reader first.
   */
  release(table: number | TableReader): void {
    let entry: Entry | undefined
    if (typeof table !== 'number') {
      entry = this.#byReader.get(table)
    } else {
      if (this.#doomed > 0) {
        for (const e of this.#byReader.values()) {
          if (e.doomed && e.fileNumber === table) {
            entry = e
            break
          }
        }
      }
      entry ??= this.#open.get(table)
    }
    if (entry === undefined || entry.refs === 0) {
      const name = typeof table === 'number' ? table : table.fileName
      throw new Error(`Cannot release table ${name}: it is not acquired`)
    }
    entry.refs--
    if (entry.refs > 0) return
    if (entry.doomed) this.#closeEntry(entry)
    else this.#trim()
  }

  /**
   * Point lookup (TableReader.get). A reader already open is used without taking a
   * reference: the lookup is synchronous and closes nothing, so nothing can close the
   * reader under it. Only a table not yet open goes through acquire(), whose trim may
   * close others.
   */
  get(fileNumber: number, userKey: Uint8Array, seq: number, searched?: SearchCounter, hash?: number): FoundEntry | undefined {
    const entry = this.#open.get(fileNumber)
    if (entry !== undefined) {
      entry.lastUse = ++this.#clock
      return entry.reader.get(userKey, seq, searched, hash)
    }
    const reader = this.acquire(fileNumber)
    try {
      return reader.get(userKey, seq, searched, hash)
    } finally {
      this.release(reader)
    }
  }

  /** A table's range tombstones (immutable: valid after the reader closes). */
  rangeTombstones(fileNumber: number): RangeTombstoneSet {
    const entry = this.#open.get(fileNumber)
    if (entry !== undefined) return entry.reader.rangeTombstones()
    const reader = this.acquire(fileNumber)
    try {
      return reader.rangeTombstones()
    } finally {
      this.release(reader)
    }
  }

  /** A cursor over a table that holds its reader until the cursor is closed. `fill`: which blocks it caches. */
  iterator(fileNumber: number, fill: CacheFill = 'all'): InternalIterator {
    const reader = this.acquire(fileNumber)
    try {
      return reader.iterator(() => this.release(reader), fill)
    } catch (err) {
      this.release(reader)
      throw err
    }
  }

  /**
   * Forgets a table whose file is being deleted: closed now if nobody holds it, else at
   * its last release. Its blocks leave the block cache when it closes, and a later
   * acquire() opens the file afresh under a new cache id.
   */
  evict(fileNumber: number): void {
    const entry = this.#open.get(fileNumber)
    if (entry === undefined) return
    this.#open.delete(fileNumber)
    if (entry.refs === 0) {
      this.#closeEntry(entry)
    } else {
      entry.doomed = true
      this.#doomed++
    }
  }

  /** Closes every unheld reader; held ones close at their last release. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const entry of [...this.#open.values()]) this.evict(entry.fileNumber)
  }

  #openReader(fileNumber: number): TableReader {
    const path = tableFileName(this.#dir, fileNumber)
    const file = this.#fs.openRead(path)
    try {
      return TableReader.open(file, path, {
        blockCache: this.#options.blockCache,
        paranoidChecks: this.#options.paranoidChecks,
        search: this.#options.search,
      })
    } catch (err) {
      file.close()
      throw err
    }
  }

  #closeEntry(entry: Entry): void {
    this.#byReader.delete(entry.reader)
    if (entry.doomed) this.#doomed--
    entry.reader.close()
  }

  /** Closes least recently acquired unheld readers until the limit holds (if it can). */
  #trim(): void {
    while (this.#open.size > this.#options.maxOpenFiles) {
      let oldest: Entry | undefined
      for (const entry of this.#open.values()) {
        if (entry.refs === 0 && (oldest === undefined || entry.lastUse < oldest.lastUse)) oldest = entry
      }
      if (oldest === undefined) return
      this.#open.delete(oldest.fileNumber)
      this.#closeEntry(oldest)
    }
  }
}
