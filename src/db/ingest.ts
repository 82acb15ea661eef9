// Bulk load (db.ingest): a sorted run of puts written straight to tables, past the log, the
// memtable and level 0, then installed by one MANIFEST edit, so it becomes visible whole or
// not at all. Two steps (docs/design.md#bulk-load):
//
// 1. Build (ingest-build.ts), beside writes and compactions: each entry is validated (as
//    a put's, and keys strictly ascending) and goes through the output splitter into tables
//    of the target file size, time-sliced like a flush. Every entry carries one sequence number S,
//    reserved at the start SEQUENCE_GAP above the last one: writes meanwhile take the
//    numbers below it, so S is still newer than all of them when it is installed.
// 2. Install, on the compaction queue (no compaction can be writing into the level picked)
//    and with writes held: flush the memtable, pick the level (version/ingest-level.ts),
//    and log one edit adding the tables and recording S as the last sequence. The flush is
//    what makes this correct: no entry older than S is left in a memtable, which reads
//    search before any table, and the live log is empty, so after a crash its first record
//    (S + 1) follows the MANIFEST's last sequence as recovery expects.
//
// Until the edit is durable nothing refers to the tables: a failure deletes them, and a
// crash leaves orphans that the next open deletes. Ingests run one at a time.

import { closedError } from '../errors.js'
import { tableFileName } from '../base/file-names.js'
import { SerialQueue } from '../util/serial-queue.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { ingestLevel } from '../version/ingest-level.js'
import { emptyEdit } from '../version/version-edit.js'
import type { IngestSource } from './arguments.js'
import type { CompactionScheduler } from './compaction-scheduler.js'
import type { DbCore } from './db-core.js'
import { IngestBuilder, type BuiltRun } from './ingest-build.js'
import type { WritePath } from './write-path.js'

/**
 * How far above the last sequence an ingest's entries are numbered: the writes that may
 * run while its tables are built (more wait). Numbers skipped are never used; at 2^24 per
 * ingest the 2^53 sequence numbers last for 2^29 ingests.
 */
export const SEQUENCE_GAP = 2 ** 24

export interface IngestResult {
  /** Entries loaded. */
  entries: number
  /** Tables written, and their bytes. */
  tables: number
  bytes: number
  /** The level the tables went to; undefined when there were no entries. */
  level: number | undefined
}

export class Ingester {
  readonly #core: DbCore
  readonly #writes: WritePath
  readonly #compactions: CompactionScheduler
  readonly #queue = new SerialQueue()

  constructor(core: DbCore, writes: WritePath, compactions: CompactionScheduler) {
    this.#core = core
    this.#writes = writes
    this.#compactions = compactions
  }

  /** Loads `entries` (validated as they arrive); all of them are visible once it resolves, none if it rejects. */
  ingest(entries: IngestSource): Promise<IngestResult> {
    return this.#queue.push(async () => {
      const rejected = this.#writes.checkWritable()
      if (rejected !== undefined) await rejected
      const sequence = this.#core.versions.lastSequence + SEQUENCE_GAP
      this.#writes.beginIngest(sequence)
      // Numbers of the tables on disk that no version lists yet.
      const files: number[] = []
      let installed = false
      try {
        const built = await this.#build(entries, sequence, files)
        if (built.tables.length === 0) return { entries: 0, tables: 0, bytes: 0, level: undefined }
        const level = await this.#compactions.exclusive(() => this.#install(built, sequence, files))
        installed = true
        return { entries: built.entries, tables: built.tables.length, bytes: built.tables.reduce((n, t) => n + t.size, 0), level }
      } finally {
        this.#writes.endIngest()
        if (!installed) this.#discard(files)
        for (const n of files) this.#core.files.release(n)
        if (installed) {
          this.#core.files.collect()
          void this.#compactions.schedule()
        }
      }
    })
  }

  /** Settles (never rejects) once the ingests queued so far are done: for close. */
  idle(): Promise<void> {
    return this.#queue.idle()
  }

  /** Writes the entries as tables, every one with `sequence`; `files` collects the numbers used. */
  async #build(entries: IngestSource, sequence: number, files: number[]): Promise<BuiltRun> {
    const builder = new IngestBuilder(this.#core, sequence, files)
    try {
      if (Symbol.asyncIterator in entries) {
        // An async source may yield arrays of entries: one await per array, not per entry.
        for await (const item of entries) {
          if (!Array.isArray(item)) {
            const wait = builder.add(item)
            if (wait !== undefined) await wait
            continue
          }
          for (const entry of item as unknown[]) {
            const wait = builder.add(entry)
            if (wait !== undefined) await wait
          }
        }
      } else {
        for (const entry of entries) {
          const wait = builder.add(entry)
          if (wait !== undefined) await wait
        }
      }
      return await builder.finish()
    } catch (err) {
      builder.abandon()
      throw err
    }
  }

  /** Holds writes, flushes, and records the tables at their level in one edit; returns the level. */
  async #install(built: BuiltRun, sequence: number, files: number[]): Promise<number> {
    const { versions, fs, location, errors, counters } = this.#core
    if (this.#core.isClosed()) throw closedError('database', 'Database is closed')
    if (errors.error) throw errors.error
    await this.#writes.holdForIngest()
    await this.#writes.logIngestMarker(sequence)
    let tables = built.tables
    const level = ingestLevel(versions.current, tables[0]!.smallestKey, tables.at(-1)!.largestKey)
    // Level 0 is searched newest first, by file number: take numbers above the flush's.
    if (level === 0) tables = await this.#renumber(tables, files)
    // The tables' directory entries must be durable before the edit names them.
    await fs.syncDir(location)
    const edit = emptyEdit()
    for (const file of tables) edit.newFiles.push({ level, file })
    const bytes = tables.reduce((n, t) => n + t.size, 0)
    // Writes are held and the memtable is empty: nothing is numbered between the last write and S.
    versions.advanceLastSequence(sequence)
    try {
      await versions.logAndApply(edit, { userBytes: built.userBytes, flushBytes: bytes })
    } catch (err) {
      // The edit may or may not be on disk: keep the tables (protected, so nothing in this
      // process deletes them) and stop writes; the next open keeps them or deletes them.
      files.length = 0
      throw errors.fail('record an ingest in the MANIFEST', err)
    }
    this.#writes.publishIngest(sequence)
    counters.ingests++
    counters.ingestedEntries += built.entries
    counters.ingestBytes += bytes
    counters.userBytes += built.userBytes
    return level
  }

  /** Renames the tables to fresh numbers, in order; `files` follows what is on disk. */
  async #renumber(tables: FileMetadata[], files: number[]): Promise<FileMetadata[]> {
    const { versions, fs, location } = this.#core
    const numbers = await versions.allocateFileNumbers(tables.length)
    return tables.map((t, i) => {
      const n = numbers[i]!
      this.#core.files.protect(n)
      files.push(n)
      fs.rename(tableFileName(location, t.number), tableFileName(location, n))
      files.splice(files.indexOf(t.number), 1)
      this.#core.files.release(t.number)
      return { ...t, number: n }
    })
  }

  /** Deletes tables no version lists (a failed ingest's); what is left here the next open deletes. */
  #discard(files: number[]): void {
    for (const n of files) {
      try {
        this.#core.fs.remove(tableFileName(this.#core.location, n))
      } catch {
        // Not created, or already gone: either way not there to refer to.
      }
    }
  }
}
