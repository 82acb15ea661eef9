// What a read-only handle sees of a store another process writes: the tables the writer's
// MANIFEST lists and the records of its live logs, replayed into memtables of our own. Nothing
// is ever written. refresh() reads only what the writer added since the last call.
//
// A refresh is consistent because the writer deletes a log only after a MANIFEST edit that
// covers it, and a table only after an edit that drops it: so if the MANIFEST is unchanged
// after the logs were read, the view is one the writer passed through, and it holds every
// write the writer had made durable before the refresh began. When the MANIFEST did change
// (or a file vanished), the round is repeated from where it got to.
//
// Every table of a version this handle holds is kept open, so a version stays readable after
// the writer deletes its files (an open file survives unlink on POSIX).

import { baseName } from '#runtime'
import { ShaleError, corruption } from '../errors.js'
import { logFileName, parseFileName, tableFileName } from '../base/file-names.js'
import { Memtable } from '../memtable/memtable.js'
import type { TableCache } from '../table/table-cache.js'
import type { TableReader } from '../table/table-reader.js'
import { VersionSet } from '../version/version-set.js'
import type { FileSystem, RandomAccessFile } from '../vfs/file-system.js'
import type { ReadView } from './read-view.js'
import { sleepSync } from '../util/sleep-sync.js'
import { midLogCorruption } from '../wal/log-records.js'
import { replayLog, type WalRecovery } from './recovery.js'

/** One of the writer's logs, replayed up to `end`. */
interface LogTail {
  readonly memtable: Memtable
  end: number
  /** Damage with valid records after it, first seen at `end` at time `since` (see #readLogs). */
  suspect: { offset: number; since: number; error: ShaleError } | undefined
  /**
   * The log, open from the last read on: its first `end` bytes stay readable after the
   * writer deletes it (POSIX), so a checkpoint of this view can copy them.
   */
  file: RandomAccessFile | undefined
}

/** One log of a read-only handle's view, for a checkpoint: its first `end` bytes are what the view replayed. */
export interface ViewLog {
  readonly number: number
  readonly end: number
  readonly file: RandomAccessFile
}

/**
 * How long damage with valid records after it may persist before it is called corruption.
 * The writer appends in place inside zeros it reserved (preallocateLogs), so a read that
 * overlaps one of its writes can see a record's bytes still zero with the next record's
 * already there; that clears within the write. Damage that stays this long is real.
 */
const SUSPECT_MS = 1000
/** At open, where there is no earlier view to keep serving, the damage is re-read for this long instead. */
const OPEN_SUSPECT_MS = 500
const OPEN_RETRY_MS = 5

/** Rounds before giving up on a writer that changes its MANIFEST faster than we can read it. */
const MAX_ROUNDS = 1000

export class Follower {
  readonly versions: VersionSet
  readonly #dir: string
  readonly #fs: FileSystem
  readonly #tables: TableCache
  readonly #walRecovery: WalRecovery
  readonly #tails = new Map<number, LogTail>()
  readonly #pinned = new Map<number, TableReader>()
  #view: ReadView
  #lastSequence = 0
  /** The highest sequence number in any table pinned so far. */
  #tableSequence = 0
  /** Log records replayed so far. */
  records = 0

  private constructor(dir: string, fs: FileSystem, tables: TableCache, walRecovery: WalRecovery, versions: VersionSet) {
    this.#dir = dir
    this.#fs = fs
    this.#tables = tables
    this.#walRecovery = walRecovery
    this.versions = versions
    this.#view = { memtables: [], version: versions.current }
  }

  static open(dir: string, fs: FileSystem, tables: TableCache, walRecovery: WalRecovery): Follower {
    const f = new Follower(dir, fs, tables, walRecovery, loadVersions(dir, fs))
    try {
      f.refresh()
      const started = Date.now()
      for (let suspect = f.#suspect(); suspect !== undefined; suspect = f.#suspect()) {
        if (Date.now() - started >= OPEN_SUSPECT_MS) throw suspect.error
        sleepSync(OPEN_RETRY_MS)
        f.refresh()
      }
    } catch (err) {
      f.close()
      throw err
    }
    return f
  }

  #suspect(): LogTail['suspect'] {
    for (const tail of this.#tails.values()) if (tail.suspect !== undefined) return tail.suspect
    return undefined
  }

  /** The writer's directory and the file system it is read through (the change feed reads its logs). */
  get dir(): string {
    return this.#dir
  }

  get fs(): FileSystem {
    return this.#fs
  }

  get view(): ReadView {
    return this.#view
  }

  get lastSequence(): number {
    return this.#lastSequence
  }

  /** Bytes of the writer's live logs replayed so far. */
  get walBytes(): number {
    let n = 0
    for (const t of this.#tails.values()) n += t.end
    return n
  }

  /** The logs of the current view, oldest first, and the files to copy their replayed bytes from. */
  viewLogs(): ViewLog[] {
    const out: ViewLog[] = []
    for (const [number, tail] of [...this.#tails].sort((a, b) => a[0] - b[0])) {
      if (tail.file !== undefined) out.push({ number, end: tail.end, file: tail.file })
    }
    return out
  }

  /** Catches up with the writer; true when the view moved. */
  refresh(): boolean {
    const before = this.#view
    const beforeSequence = this.#lastSequence
    for (let round = 1; ; round++) {
      try {
        this.versions.catchUp()
        this.#pinTables()
        this.#readLogs()
        if (this.versions.manifestUnchanged()) break
      } catch (err) {
        // A file the writer removed between our reading its name and opening it: go round again.
        if (!(err instanceof ShaleError && err.code === 'NOT_FOUND') || round >= MAX_ROUNDS) throw err
      }
      if (round >= MAX_ROUNDS) {
        throw new ShaleError('IO', `Cannot refresh ${this.#dir}: its writer changed the MANIFEST during each of ${MAX_ROUNDS} rounds of reading it`)
      }
    }
    // Entries added to memtables above the old last sequence stay invisible until here. The
    // MANIFEST's own last sequence is not used: it may count writes still in the writer's
    // buffer, and a snapshot at it would see them appear later. Records read, and entries in
    // tables, are all that is visible: the writer numbers whatever it appends later above them.
    let last = Math.max(beforeSequence, this.#tableSequence)
    const memtables: Memtable[] = []
    for (const [, tail] of [...this.#tails].sort((a, b) => b[0] - a[0])) {
      memtables.push(tail.memtable)
      last = Math.max(last, tail.memtable.largestSeq)
    }
    this.#lastSequence = last
    const version = this.versions.current
    const moved = version !== before.version || memtables.length !== before.memtables.length || memtables.some((m, i) => m !== before.memtables[i])
    if (moved) this.#view = { memtables, version }
    return moved || last !== beforeSequence
  }

  /** Releases every table this handle kept open. */
  close(): void {
    for (const reader of this.#pinned.values()) this.#tables.release(reader)
    this.#pinned.clear()
    for (const tail of this.#tails.values()) tail.file?.close()
  }

  /** Keeps open exactly the tables of the versions still held (the current one, snapshots', iterators'). */
  #pinTables(): void {
    const live = this.versions.liveTableNumbers()
    for (const [n, reader] of this.#pinned) {
      if (live.has(n)) continue
      this.#tables.release(reader)
      this.#pinned.delete(n)
      // No view lists it any more and the writer may have deleted it: close it, do not cache it.
      this.#tables.evict(n)
    }
    for (const n of live) {
      if (this.#pinned.has(n)) continue
      try {
        const reader = this.#tables.acquire(n)
        this.#pinned.set(n, reader)
        this.#tableSequence = Math.max(this.#tableSequence, reader.properties().largestSeq)
      } catch (err) {
        // Deleted by the writer after a compaction we have not read yet, or missing for good.
        if (err instanceof ShaleError && err.code === 'NOT_FOUND' && this.versions.manifestUnchanged()) {
          throw corruption(this.#dir, `the MANIFEST lists table ${baseName(tableFileName(this.#dir, n))}, which is missing`)
        }
        throw err
      }
    }
  }

  /** Replays what the writer appended to its live logs; drops logs that tables now hold. */
  #readLogs(): void {
    const first = this.versions.logNumber
    for (const [n, tail] of [...this.#tails]) {
      if (n >= first) continue
      tail.file?.close()
      this.#tails.delete(n)
    }
    const numbers = this.#fs
      .list(this.#dir)
      .map((name) => parseFileName(name))
      .filter((f) => f?.kind === 'log' && f.number >= first)
      .map((f) => f!.number)
      .sort((a, b) => a - b)
    for (const n of numbers) {
      let tail = this.#tails.get(n)
      if (tail === undefined) this.#tails.set(n, (tail = { memtable: new Memtable(n), end: 0, suspect: undefined, file: undefined }))
      const path = logFileName(this.#dir, n)
      const file = this.#fs.openRead(path)
      // The newest open file is kept (see LogTail.file); it holds at least what was replayed.
      tail.file?.close()
      tail.file = file
      if (file.size === tail.end) continue
      const r = replayLog(file, path, tail.memtable, tail.end, this.#walRecovery, undefined, true)
      tail.end = r.end
      this.records += r.records
      if (r.damage !== undefined && r.validAfter !== undefined) {
        // Read again at the next refresh, from the damage on: a write in progress has finished by then.
        const now = Date.now()
        if (tail.suspect?.offset !== r.damage.offset) {
          tail.suspect = { offset: r.damage.offset, since: now, error: midLogCorruption(path, r.damage, { fileName: path, offset: r.validAfter }) }
        } else if (now - tail.suspect.since >= SUSPECT_MS) throw tail.suspect.error
      } else tail.suspect = undefined
    }
  }
}

/** The writer may be replacing its MANIFEST while we read CURRENT: retry a vanished one. */
function loadVersions(dir: string, fs: FileSystem): VersionSet {
  for (let round = 1; ; round++) {
    try {
      return VersionSet.openReadOnly(dir, fs)
    } catch (err) {
      if (!(err instanceof ShaleError && err.code === 'NOT_FOUND') || round >= MAX_ROUNDS) throw err
    }
  }
}
