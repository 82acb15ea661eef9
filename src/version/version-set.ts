// The current version, the counters that go with it (next file number, last sequence, live
// log, lifetime totals, compaction pointers), and the MANIFEST that makes every change to
// them atomic and durable. The counters change only through this class's methods.
//
// A change is appended to the MANIFEST as one log record and synced before it takes
// effect. CURRENT names the MANIFEST in use (current-file.ts); a new MANIFEST is complete and
// durable before CURRENT names it.

import { basename, join } from 'node:path'
import { ShaleError, closedError, corruption } from '../errors.js'
import { currentFileName, manifestFileName, parseFileName, tableFileName } from '../base/file-names.js'
import { NUM_LEVELS } from '../base/levels.js'
import type { FileSystem, RandomAccessFile } from '../vfs/file-system.js'
import { readLogRecords } from '../wal/log-records.js'
import { LogWriter } from '../wal/log-writer.js'
import { readCurrent, writeCurrent } from './current-file.js'
import { lostEditEvidence } from './manifest-cross-check.js'
import { Version } from './version.js'
import { addLifetime, emptyLifetime, type LifetimeCounters, type LifetimeDelta } from './lifetime-counters.js'
import { COMPARATOR_NAME, decodeEdit, emptyEdit, encodeEdit, type VersionEdit } from './version-edit.js'

function manifestGone(dir: string, name: string): ShaleError {
  return new ShaleError('NOT_FOUND', `Cannot read ${join(dir, name)}: the writer replaced it`)
}

/** What to do about a MANIFEST damaged before its end (docs/format.md#damage-in-the-manifest). */
const REPAIR_REMEDY = 'repair rebuilds the database from its tables and logs'

/** Past this size the next change starts a fresh MANIFEST holding one snapshot record. */
const MAX_MANIFEST_SIZE = 64 * 1024 * 1024

/**
 * File numbers every record reserves beyond the last one handed out: the next memtable
 * rotation's log, its flush's table and ROTATION_RESERVE, so a flush needs no record of
 * its own besides its edit.
 */
const FILE_NUMBER_HEADROOM = 3
/** Allocations leave this many reserved, so a memtable rotation, which cannot wait for a MANIFEST write, always finds one. */
const ROTATION_RESERVE = 1
/** A record written only to reserve numbers (for a compaction) reserves this many more. */
const RESERVATION_BATCH = 32

export class VersionSet {
  readonly #dir: string
  readonly #fs: FileSystem
  readonly #live = new Set<Version>()
  #current: Version
  #manifest: LogWriter | undefined
  #manifestNumber = 0
  #nextFileNumber = 1
  /** The next file number the durable MANIFEST records: tables and logs may use numbers below it. */
  #reservedUntil = 0
  #lastSequence = 0
  #logNumber = 0
  #lifetime: LifetimeCounters = emptyLifetime()
  /** Per level: the largest user key of the last compaction there, so picks cycle through the key space. */
  readonly #compactPointers: (Uint8Array | undefined)[] = new Array(NUM_LEVELS).fill(undefined)

  private constructor(dir: string, fs: FileSystem) {
    this.#dir = dir
    this.#fs = fs
    this.#current = this.#install(new Version(Array.from({ length: NUM_LEVELS }, () => []), this.#onUnused))
  }

  get current(): Version {
    return this.#current
  }

  get manifestNumber(): number {
    return this.#manifestNumber
  }

  /** The next file number to hand out. */
  get nextFileNumber(): number {
    return this.#nextFileNumber
  }

  /** The sequence number of the newest write applied (to a memtable or a table). */
  get lastSequence(): number {
    return this.#lastSequence
  }

  /** Logs numbered below this are fully contained in tables and may be deleted. */
  get logNumber(): number {
    return this.#logNumber
  }

  /** Totals over the store's life, as of the newest edit in the MANIFEST. */
  get lifetime(): LifetimeCounters {
    return this.#lifetime
  }

  /**
   * Per level, where the next automatic compaction there starts: after the largest key of the
   * last one. Recorded in the MANIFEST with each compaction's edit, so it survives a reopen.
   */
  get compactPointers(): readonly (Uint8Array | undefined)[] {
    return this.#compactPointers
  }

  /**
   * Records that writes up to `sequence` were applied (to the memtable, or replayed from the
   * logs at open). The MANIFEST records it with the next edit. It never moves back.
   */
  advanceLastSequence(sequence: number): void {
    // A bug, not a condition to handle: sequence numbers would be reused.
    if (sequence < this.#lastSequence) throw new Error(`last sequence ${this.#lastSequence} cannot move back to ${sequence}`)
    this.#lastSequence = sequence
  }

  /**
   * A number for a new table or log, from those the MANIFEST has reserved: at open a file
   * numbered at or above the MANIFEST's next file number proves lost edits, so none may
   * exist. Callers that may run out use allocateFileNumbers.
   */
  newFileNumber(): number {
    // A bug, not a condition to handle: the file would make the next open refuse the store.
    if (this.#nextFileNumber >= this.#reservedUntil) throw new Error(`file number ${this.#nextFileNumber} is not reserved in the MANIFEST`)
    return this.#nextFileNumber++
  }

  /** Hands out `count` reserved file numbers, first making the MANIFEST reserve more if needed. */
  allocateFileNumbers(count: number): Promise<number[]> {
    const run = this.#applying.then(async () => {
      if (this.#nextFileNumber + count + ROTATION_RESERVE > this.#reservedUntil) await this.#logAndApply(emptyEdit(), undefined, count + RESERVATION_BATCH)
      return Array.from({ length: count }, () => this.newFileNumber())
    })
    this.#applying = run.then(
      () => {},
      () => {},
    )
    return run
  }

  /**
   * Numbers of every table listed by a version that some reader still holds, and of the
   * tables an edit whose MANIFEST write failed added (see #unsettled).
   */
  liveTableNumbers(): Set<number> {
    const out = new Set<number>(this.#unsettled)
    for (const v of this.#live) for (const f of v.allFiles()) out.add(f.number)
    return out
  }

  /**
   * Tables added by edits whose MANIFEST write failed. The edit is not applied, yet it may
   * be in the file (appended, then the fsync failed; or a fresh MANIFEST failed only after
   * CURRENT named it), and an open would replay it: its tables must stay until a fresh
   * MANIFEST, written from the current version, is in place.
   */
  readonly #unsettled = new Set<number>()

  /**
   * A new, empty version: MANIFEST-000001 for a new database, or, for repair, a MANIFEST
   * numbered after every file already in the directory.
   */
  static async create(dir: string, fs: FileSystem, counters?: { nextFileNumber: number; lastSequence: number }): Promise<VersionSet> {
    const vs = new VersionSet(dir, fs)
    if (counters !== undefined) {
      vs.#nextFileNumber = counters.nextFileNumber
      vs.#lastSequence = counters.lastSequence
    }
    await vs.#startManifest(vs.#current, vs.#logNumber)
    return vs
  }

  /** Rebuilds the version from CURRENT and its MANIFEST, then starts a fresh MANIFEST. */
  static async recover(dir: string, fs: FileSystem): Promise<VersionSet> {
    const vs = VersionSet.#load(dir, fs)
    vs.#refuseIfStale()
    // Counters must stay ahead of every file already on disk, even ones we will delete.
    for (const f of fs.list(dir)) {
      const p = parseFileName(f)
      if (p !== undefined && p.number >= vs.#nextFileNumber) vs.#nextFileNumber = p.number + 1
    }
    await vs.#startManifest(vs.#current, vs.#logNumber)
    return vs
  }

  /**
   * The version another process's MANIFEST describes, for a read-only handle: nothing is
   * written, and catchUp() follows the writer's later edits.
   */
  static openReadOnly(dir: string, fs: FileSystem): VersionSet {
    // Tables are not checked here: the writer may delete one as we read. The reader opens them
    // next, and tells a missing table from a deleted one by whether the MANIFEST moved.
    return VersionSet.#load(dir, fs, false)
  }

  /** Reads CURRENT and replays the whole MANIFEST it names into a new set. */
  static #load(dir: string, fs: FileSystem, checkTables = true): VersionSet {
    const vs = new VersionSet(dir, fs)
    const name = readCurrent(fs, dir)
    // CURRENT is replaced by rename after its new MANIFEST is durable, so a name whose file is
    // missing is damage, unless CURRENT moved on meanwhile (a writer reopening beside a reader).
    if (fs.stat(join(dir, name)) !== 'file' && readCurrent(fs, dir) === name) throw corruption(currentFileName(dir), `names ${name}, which does not exist`)
    vs.#manifestNumber = parseFileName(name)!.number
    vs.#replayManifest(name, 0)
    if (!vs.#sawComparator) throw corruption(join(dir, name), 'no valid records')
    for (const f of checkTables ? vs.#current.allFiles() : []) {
      const table = tableFileName(dir, f.number)
      if (fs.stat(table) !== 'file') throw corruption(join(dir, name), `lists table ${basename(table)}, which is missing`)
    }
    return vs
  }

  /**
   * Refuses a MANIFEST that the directory proves has lost edits (manifest-cross-check.ts):
   * building on it would delete the lost edits' tables as orphans.
   */
  #refuseIfStale(): void {
    const tables = new Set([...this.#current.allFiles()].map((f) => f.number))
    const evidence = lostEditEvidence(this.#fs.list(this.#dir), { tables, logNumber: this.#logNumber, nextFileNumber: this.#nextFileNumber, reservesFileNumbers: this.#reservesFileNumbers })
    if (evidence.length === 0) return
    throw corruption(
      manifestFileName(this.#dir, this.#manifestNumber),
      `edits are missing (a truncated MANIFEST, or an older copy): ${evidence.join('; ')}. Nothing was deleted; repair rebuilds the database from its tables and logs`,
    )
  }

  /** The replayed MANIFEST's writer keeps the file-number rules (docs/format.md#file-numbers). */
  #reservesFileNumbers = false

  /** Where a read-only set stands in the writer's MANIFEST: its name, and the bytes replayed. */
  /** `size` is the file's size when it was replayed: a torn tail left by a crash stays the same size. */
  #followed = { name: '', end: 0, size: 0 }
  #sawComparator = false

  /**
   * Applies what the writer added since the last call: new records of the same MANIFEST, or
   * the whole of a new one (the writer reopened, or rolled it over). True when anything was
   * read. Throws NOT_FOUND when the MANIFEST vanished between reading CURRENT and opening it.
   */
  catchUp(): boolean {
    const name = readCurrent(this.#fs, this.#dir)
    // #replayManifest reports a MANIFEST that vanished as NOT_FOUND itself.
    if (name === this.#followed.name) return this.#replayManifest(name, this.#followed.end)
    // A new MANIFEST starts with a record holding the whole state: rebuild from nothing.
    const fresh = new VersionSet(this.#dir, this.#fs)
    fresh.#replayManifest(name, 0)
    if (!fresh.#sawComparator) throw corruption(join(this.#dir, name), 'no valid records')
    this.#applyCounters({ ...emptyEdit(), lastSequence: fresh.#lastSequence })
    this.#nextFileNumber = Math.max(this.#nextFileNumber, fresh.#nextFileNumber)
    this.#logNumber = fresh.#logNumber
    this.#lifetime = fresh.#lifetime
    fresh.#compactPointers.forEach((key, level) => (this.#compactPointers[level] = key))
    // Re-made under this set, so that it leaves this set's live list when it is no longer used.
    this.#current = this.#install(new Version(fresh.#current.levels, this.#onUnused), this.#current)
    this.#manifestNumber = parseFileName(name)!.number
    this.#followed = fresh.#followed
    this.#sawComparator = true
    return true
  }

  /**
   * True when CURRENT still names the MANIFEST replayed last and it has not grown since (a
   * torn record at its end, which replay stops before, counts as unchanged until it grows).
   */
  manifestUnchanged(): boolean {
    const { name, size } = this.#followed
    if (readCurrent(this.#fs, this.#dir) !== name) return false
    const path = join(this.#dir, name)
    if (this.#fs.stat(path) !== 'file') return false
    const file = this.#fs.openRead(path)
    try {
      return file.size === size
    } finally {
      file.close()
    }
  }

  /**
   * Applies the MANIFEST's records from `fromOffset` on. A damaged tail (a torn write, or an
   * edit still being appended) ends the replay; damage with a valid record after it is refused.
   */
  #replayManifest(name: string, fromOffset: number): boolean {
    const manifestPath = join(this.#dir, name)
    let file: RandomAccessFile
    try {
      file = this.#fs.openRead(manifestPath)
    } catch (err) {
      throw err instanceof ShaleError && err.code === 'NOT_FOUND' ? manifestGone(this.#dir, name) : err
    }
    try {
      // A torn tail (a crash, or an edit the writer is still appending) ends the replay and a
      // follower resumes before it; damage with a valid record after it is CORRUPTION.
      const log = readLogRecords(file, manifestPath, (record, offset) => {
        const e = decodeEdit(record, `${manifestPath} at offset ${offset}`)
        if (e.comparator !== undefined) {
          if (e.comparator !== COMPARATOR_NAME) throw new ShaleError('INVALID_ARGUMENT', `Cannot open ${this.#dir}: it was written with key order ${e.comparator}, not ${COMPARATOR_NAME}`)
          this.#sawComparator = true
        }
        if (!this.#sawComparator) throw corruption(manifestPath, 'the first record does not name the key order')
        if (e.reservesFileNumbers === true) this.#reservesFileNumbers = true
        // Every number below a recorded next file number may be in use.
        if (e.nextFileNumber !== undefined) this.#nextFileNumber = this.#reservedUntil = Math.max(this.#nextFileNumber, e.nextFileNumber)
        this.#applyCounters(e)
        this.#current = this.#install(this.#current.apply(e, this.#onUnused), this.#current)
      }, { from: fromOffset, remedy: REPAIR_REMEDY })
      this.#followed = { name, end: log.end, size: file.size }
      return log.records > 0
    } finally {
      file.close()
    }
  }

  /**
   * Makes an edit durable in the MANIFEST, then installs the resulting version. `work` is
   * what the edit adds to the lifetime counters, which are recorded with it.
   */
  logAndApply(edit: VersionEdit, work?: LifetimeDelta): Promise<void> {
    // Serialized: each edit must be applied to the version the previous one produced.
    const run = this.#applying.then(() => this.#logAndApply(edit, work))
    this.#applying = run.catch(() => {})
    return run
  }

  #applying: Promise<void> = Promise.resolve()
  #manifestBroken = false

  async #logAndApply(edit: VersionEdit, work: LifetimeDelta | undefined, reserve = FILE_NUMBER_HEADROOM): Promise<void> {
    if (this.#manifest === undefined) throw closedError('database', 'Cannot change the manifest: the version set is closed')
    edit.nextFileNumber = Math.max(this.#reservedUntil, this.#nextFileNumber + reserve)
    edit.lastSequence = this.#lastSequence
    // Added here, inside the serialized section, so concurrent flushes and compactions never
    // overwrite each other's totals.
    edit.lifetime = addLifetime(this.#lifetime, work)
    const next = this.#current.apply(edit, this.#onUnused)
    try {
      // A MANIFEST whose last write failed may end in a torn record: never append after it,
      // start a fresh one holding the whole state instead.
      if (this.#manifestBroken || this.#manifest.size > MAX_MANIFEST_SIZE) {
        await this.#startManifest(next, edit.logNumber ?? this.#logNumber, edit.lifetime, edit.nextFileNumber, edit.compactPointers)
        this.#manifestBroken = false
        // CURRENT names a MANIFEST holding exactly `next`: no failed edit can be replayed now.
        this.#unsettled.clear()
      } else {
        try {
          this.#manifest.addRecord(encodeEdit(edit))
          await this.#manifest.sync()
        } catch (err) {
          this.#manifestBroken = true
          throw err
        }
        this.#reservedUntil = edit.nextFileNumber
      }
    } catch (err) {
      // Whether the edit is in effect at the next open is unknown, so its tables stay.
      for (const { file } of edit.newFiles) this.#unsettled.add(file.number)
      throw err
    }
    this.#applyCounters(edit)
    this.#current = this.#install(next, this.#current)
  }

  close(): void {
    this.#manifest?.close()
    this.#manifest = undefined
  }

  #applyCounters(e: VersionEdit): void {
    if (e.logNumber !== undefined) this.#logNumber = e.logNumber
    if (e.lastSequence !== undefined) this.#lastSequence = Math.max(this.#lastSequence, e.lastSequence)
    if (e.lifetime !== undefined) this.#lifetime = e.lifetime
    for (const p of e.compactPointers ?? []) this.#compactPointers[p.level] = p.key
  }

  /**
   * Called when a version that is no longer current loses its last reader (an iterator or
   * snapshot closed): the tables only it listed have just become obsolete.
   */
  onVersionReleased: (() => void) | undefined

  readonly #onUnused = (v: Version): void => {
    this.#live.delete(v)
    this.onVersionReleased?.()
  }

  /** Makes v current-able: the set holds one reference for as long as v is current. */
  #install(v: Version, previous?: Version): Version {
    this.#live.add(v)
    v.ref()
    previous?.unref()
    return v
  }

  /**
   * Writes a new MANIFEST holding the whole of `version`, then points CURRENT at it. The
   * arguments after `version` are what an edit being applied with it changes.
   */
  async #startManifest(version: Version, logNumber: number, lifetime = this.#lifetime, reserved = 0, newPointers: VersionEdit['compactPointers'] = []): Promise<void> {
    // Not from the reserved numbers: the open's cross-check looks at tables and logs only.
    const number = this.#nextFileNumber++
    const nextFileNumber = Math.max(reserved, this.#reservedUntil, this.#nextFileNumber + FILE_NUMBER_HEADROOM)
    const path = manifestFileName(this.#dir, number)
    const writer = new LogWriter(this.#fs.create(path))
    const snapshot: VersionEdit = {
      ...emptyEdit(),
      comparator: COMPARATOR_NAME,
      logNumber,
      nextFileNumber,
      lastSequence: this.#lastSequence,
      lifetime,
      reservesFileNumbers: true,
    }
    const pointers = [...this.#compactPointers]
    for (const p of newPointers) pointers[p.level] = p.key
    snapshot.compactPointers = pointers.flatMap((key, level) => (key === undefined ? [] : [{ level, key }]))
    version.levels.forEach((files, level) => {
      for (const file of files) snapshot.newFiles.push({ level, file })
    })
    try {
      writer.addRecord(encodeEdit(snapshot))
      await writer.sync()
      await writeCurrent(this.#fs, this.#dir, number)
    } catch (err) {
      writer.close()
      throw err
    }
    this.#manifest?.close()
    this.#manifest = writer
    this.#manifestNumber = number
    this.#reservedUntil = nextFileNumber
  }
}
