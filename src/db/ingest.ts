// Bulk load (db.ingest): a sorted run of puts written straight to tables, past the log, the
// memtable and level 0, then installed by one MANIFEST edit, so it becomes visible whole or
// not at all. Two steps (docs/design.md#bulk-load):
//
// 1. Build, beside writes and compactions: each entry is validated (as a put's, and keys
//    strictly ascending) and goes through the output splitter into tables of the target
//    file size, time-sliced like a flush. Every entry carries one sequence number S,
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

import { closedError, invalidArgument } from '../errors.js'
import { tableFileName } from '../base/file-names.js'
import { ValueKind } from '../base/internal-key.js'
import { OutputSplitter } from '../compaction/output-splitter.js'
import { compareBytes } from '../util/bytes.js'
import { SerialQueue } from '../util/serial-queue.js'
import { TimeSlicer } from '../util/time-slicer.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { ingestLevel } from '../version/ingest-level.js'
import { emptyEdit } from '../version/version-edit.js'
import { ingestEntryArg, type IngestSource } from './arguments.js'
import type { CompactionScheduler } from './compaction-scheduler.js'
import type { DbCore } from './db-core.js'
import type { WritePath } from './write-path.js'

/**
 * How far above the last sequence an ingest's entries are numbered: the writes that may
 * run while its tables are built (more wait). Numbers skipped are never used; at 2^24 per
 * ingest the 2^53 sequence numbers last for 2^29 ingests.
 */
export const SEQUENCE_GAP = 2 ** 24

/** File numbers reserved at a time while tables are built. */
const NUMBERS_PER_RESERVATION = 8

export interface IngestResult {
  /** Entries loaded. */
  entries: number
  /** Tables written, and their bytes. */
  tables: number
  bytes: number
  /** The level the tables went to; undefined when there were no entries. */
  level: number | undefined
}

interface Built {
  tables: FileMetadata[]
  entries: number
  userBytes: number
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
  async #build(entries: IngestSource, sequence: number, files: number[]): Promise<Built> {
    const { fs, location, options, versions } = this.#core
    const reserved: number[] = []
    const splitter = new OutputSplitter(fs, location, options, () => {
      // Refilled before each table starts (below), so a number is always there.
      const n = reserved.shift()!
      this.#core.files.protect(n)
      files.push(n)
      return n
    })
    const slicer = new TimeSlicer()
    let last = new Uint8Array(64)
    let lastLength = -1
    let count = 0
    let userBytes = 0
    try {
      for await (const entry of entries) {
        const [key, value] = ingestEntryArg(entry, count, options.allowEmptyKeys)
        if (lastLength >= 0 && compareBytes(key, last.subarray(0, lastLength)) <= 0) {
          throw invalidArgument(`Invalid ingest entry ${count}: its key does not sort after the previous entry's (ingest needs strictly ascending keys, compared bytewise)`)
        }
        // A copy: the caller may reuse the key's buffer once the next entry is asked for.
        if (key.length > last.length) last = new Uint8Array(Math.max(key.length, last.length * 2))
        last.set(key)
        lastLength = key.length
        if (splitter.full) await splitter.cut()
        if (!splitter.open && reserved.length === 0) reserved.push(...(await versions.allocateFileNumbers(NUMBERS_PER_RESERVATION)))
        splitter.add(key, sequence, ValueKind.Value, value)
        count++
        userBytes += key.length + value.length
        const pause = slicer.tick()
        if (pause !== undefined) {
          await pause
          // Close waits for this ingest (Writer.idle), so stop soon rather than finish.
          if (this.#core.isClosed()) throw closedError('database', 'Database is closed')
        }
      }
      const tables = await splitter.finish()
      return { tables, entries: count, userBytes }
    } catch (err) {
      splitter.abandon()
      throw err
    }
  }

  /** Holds writes, flushes, and records the tables at their level in one edit; returns the level. */
  async #install(built: Built, sequence: number, files: number[]): Promise<number> {
    const { versions, fs, location, errors, counters } = this.#core
    if (this.#core.isClosed()) throw closedError('database', 'Database is closed')
    if (errors.error) throw errors.error
    await this.#writes.holdForIngest()
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
