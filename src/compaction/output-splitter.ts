// Writes a sorted stream of entries as a run of new tables, starting the next table once the
// current one reaches the target file size: the output side of a compaction and of a repair.
// Tables of a sorted level must not share a user key, so the caller decides where a cut may
// fall (only between user keys) and may cut early for reasons of its own.

import type { ValueKind } from '../base/internal-key.js'
import { keySuccessor, truncateTombstones, type RangeTombstone } from '../base/range-tombstones.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { TableWriter, type TableWriterOptions } from '../version/table-writer.js'
import type { FileSystem } from '../vfs/file-system.js'

export type OutputSplitterOptions = TableWriterOptions & { targetFileSize: number }

export class OutputSplitter {
  readonly #fs: FileSystem
  readonly #dir: string
  readonly #options: OutputSplitterOptions
  readonly #newNumber: () => number
  /** In key order; a slot stays empty until its table is synced. */
  readonly #outputs: (FileMetadata | undefined)[] = []
  #out: TableWriter | undefined
  /** The sync of the last table cut in the background, if any. */
  #syncing: Promise<void> | undefined
  /** Range tombstones to spread over the outputs, each cut to its table's key range. */
  #tombstones: readonly RangeTombstone[] = []
  /** Where the next table's share of the tombstones begins (undefined: the start of the key space). */
  #tombstonesFrom: Uint8Array | undefined

  /** `newNumber` hands out the file number of each table, when its first entry arrives. */
  constructor(fs: FileSystem, dir: string, options: OutputSplitterOptions, newNumber: () => number) {
    this.#fs = fs
    this.#dir = dir
    this.#options = options
    this.#newNumber = newNumber
  }

  /** Whether a table is being written, so a cut() would finish one. */
  get open(): boolean {
    return this.#out !== undefined
  }

  /** Whether the table being written has reached the target file size. */
  get full(): boolean {
    return this.#out !== undefined && this.#out.estimatedFileSize() >= this.#options.targetFileSize
  }

  /**
   * Range tombstones for the outputs. Each table gets the pieces from where the previous one's
   * ended up to just after its last key (its last key's successor, so no key falls between
   * two tables), and the last table the rest; if no entry remains, one table holds them all.
   */
  setRangeTombstones(tombstones: readonly RangeTombstone[]): void {
    this.#tombstones = tombstones
  }

  /** Entries must arrive in internal-key order; the first one after a cut starts a new table. */
  add(key: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): void {
    this.#out ??= new TableWriter(this.#fs, this.#dir, this.#newNumber(), this.#options)
    this.#out.add(key, seq, kind, value)
  }

  /**
   * Finishes (and syncs) the table being written, if any. Call only between user keys. With
   * `background`, the sync goes on while the next table is written: the promise settles once
   * the previous table's sync is done (one in flight at most), and a failure shows at the next
   * cut or at finish().
   */
  async cut(background = false, final = false): Promise<void> {
    if (this.#out === undefined) return
    const done = this.#out
    // Cleared first: a table whose finish fails is not abandoned a second time.
    this.#out = undefined
    if (this.#tombstones.length > 0) {
      const last = done.lastUserKey()
      const upper = final || last === undefined ? undefined : keySuccessor(last)
      for (const t of truncateTombstones(this.#tombstones, this.#tombstonesFrom, upper)) done.addRangeTombstone(t.start, t.end, t.seq)
      this.#tombstonesFrom = upper
    }
    const slot = this.#outputs.push(undefined) - 1
    const synced = done.finish().then((meta) => {
      this.#outputs[slot] = meta
    })
    if (!background) return synced
    const previous = this.#syncing
    this.#syncing = synced
    // Observed here too, so a failure after the caller gave up is not an unhandled rejection.
    synced.catch(() => {})
    await previous
  }

  /** Finishes the last table; returns every table written, in key order. The directory entries are the caller's to sync. */
  async finish(): Promise<FileMetadata[]> {
    if (this.#out === undefined && truncateTombstones(this.#tombstones, this.#tombstonesFrom, undefined).length > 0) {
      this.#out = new TableWriter(this.#fs, this.#dir, this.#newNumber(), this.#options)
    }
    await this.cut(false, true)
    await this.#syncing
    return this.#outputs as FileMetadata[]
  }

  /** After a failure: stops the table being written. Finished tables stay for obsolete-file deletion. */
  abandon(): void {
    this.#out?.abandon()
    this.#out = undefined
  }
}
