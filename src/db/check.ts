// Verifies a database without changing it: CURRENT, every MANIFEST record, every block of
// every live table (checksums, order, key range against the MANIFEST) and every record of
// the live logs. It holds the directory lock while it reads, so nothing changes under it, or,
// when a writer holds the lock, checks beside it.

import { defaultFileSystem } from '#platform'
import { joinPath } from '#runtime'
import { ShaleError, errorMessage } from '../errors.js'
import { lockFileName, parseFileName, tableFileName } from '../base/file-names.js'
import { compareInternal } from '../base/internal-key.js'
import { keySuccessor } from '../base/range-tombstones.js'
import { compareBytes } from '../util/bytes.js'
import type { TableReader } from '../table/table-reader.js'
import { openUncachedTable } from '../table/uncached-table.js'
import { salvageTable } from '../table/table-salvage.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { lostEditEvidence } from '../version/manifest-cross-check.js'
import { readCurrent } from '../version/current-file.js'
import { decodeEdit } from '../version/version-edit.js'
import type { FileLock, FileSystem } from '../vfs/file-system.js'
import { readLogRecords, type LogDamage } from '../wal/log-records.js'
import { decodeBatch } from '../wal/write-batch.js'

export interface FileCheck {
  name: string
  kind: 'current' | 'manifest' | 'table' | 'log' | 'other'
  status: 'ok' | 'corrupt' | 'missing' | 'orphan'
  /** Entries in a table, records in a log or MANIFEST. */
  items: number
  detail?: string
}

export interface CheckReport {
  ok: boolean
  files: FileCheck[]
  /** Checked beside a process that had the store open (without its lock): see checkDatabase. */
  live: boolean
}

/** How checkDatabase reads the directory, in the shape repairDatabase's options take. */
export interface CheckOptions {
  /** The file system the database lives on (default: the real one, node:fs). */
  fileSystem?: FileSystem
  /** Called as each file of the directory is reached: `done` of `total` files. */
  onProgress?: (done: number, total: number) => void
}

/** Reads every file's records and reports what is damaged. */
export function checkDatabase(location: string, options: CheckOptions = {}): CheckReport {
  const fs = options.fileSystem ?? defaultFileSystem()
  const onFile = options.onProgress
  if (fs.stat(location) !== 'directory') throw new ShaleError('NOT_FOUND', `Cannot check ${location}: no such directory`)
  let lock: FileLock | undefined
  try {
    const taken = fs.lock(lockFileName(location))
    if (taken instanceof Promise) {
      void taken.then((l) => l.release(), () => {})
      throw new ShaleError('UNSUPPORTED', `Cannot check ${location}: checkDatabase reads synchronously, and this file system locks asynchronously (the browser's); check a copy on Node`)
    }
    lock = taken
  } catch (err) {
    if (!(err instanceof ShaleError && err.code === 'LOCKED')) throw err
  }
  if (lock !== undefined) {
    try {
      return { ...check(location, fs, onFile, false), live: false }
    } finally {
      lock.release()
    }
  }
  // A writer has the store open. It deletes a file only after a MANIFEST edit, and creates
  // one only under numbers an edit reserved, so a pass during which the MANIFEST did not
  // change saw one consistent state; a pass that overlapped a change is done again. A log it
  // appends to in place (preallocateLogs) can look damaged to a read that overlaps one of its
  // writes, so a damaged log is read again in a later pass, and reported only once two
  // passes in a row find the same damage: an append in flight moves on, damage stays put.
  let logRechecks = 0
  let logDamage: string | undefined
  for (let pass = 1; pass <= MAX_LIVE_PASSES; pass++) {
    const before = manifestState(location, fs)
    let report: Omit<CheckReport, 'live'>
    try {
      report = check(location, fs, onFile, true)
    } catch (err) {
      // A file the writer deleted between our listing it and reading it: the pass overlapped.
      if (err instanceof ShaleError && err.code === 'NOT_FOUND') continue
      throw err
    }
    if (manifestState(location, fs) !== before) continue
    const damage = report.files.filter((f) => f.kind === 'log' && f.status === 'corrupt').map((f) => `${f.name}: ${f.detail ?? ''}`).join('\n')
    if (damage !== '' && damage !== logDamage && logRechecks++ < LIVE_LOG_RECHECKS) {
      logDamage = damage
      continue
    }
    return { ...report, live: true }
  }
  throw new ShaleError('LOCKED', `Cannot check ${location}: its writer changed the MANIFEST during each of ${MAX_LIVE_PASSES} passes; try again when it is quieter`)
}

const MAX_LIVE_PASSES = 20
/** Extra passes, at most, beside a live writer, before a damaged log is reported (see checkDatabase). */
const LIVE_LOG_RECHECKS = 5

/** CURRENT's content and the size of the MANIFEST it names: what a writer's edit changes. */
function manifestState(dir: string, fs: FileSystem): string {
  try {
    const name = readCurrent(fs, dir)
    const file = fs.openRead(joinPath(dir, name))
    try {
      return `${name}:${file.size}`
    } finally {
      file.close()
    }
  } catch {
    return ''
  }
}


function check(dir: string, fs: FileSystem, onFile: ((done: number, total: number) => void) | undefined, beside: boolean): Omit<CheckReport, 'live'> {
  const files: FileCheck[] = []
  const current: FileCheck = { name: 'CURRENT', kind: 'current', status: 'ok', items: 0 }
  files.push(current)
  let manifestName: string | undefined
  try {
    manifestName = readCurrent(fs, dir)
  } catch (err) {
    current.status = (err as ShaleError).code === 'NOT_FOUND' ? 'missing' : 'corrupt'
    current.detail = errorMessage(err)
  }

  // Replay the MANIFEST into the set of live tables.
  const live = new Map<number, { level: number; meta: FileMetadata }>()
  let logNumber = 0
  let nextFileNumber = 0
  let reservesFileNumbers = false
  let manifestCheck: FileCheck | undefined
  if (manifestName !== undefined) {
    const m: FileCheck = { name: manifestName, kind: 'manifest', status: 'ok', items: 0 }
    files.push(m)
    manifestCheck = m
    const path = joinPath(dir, manifestName)
    if (fs.stat(path) !== 'file') {
      m.status = 'missing'
    } else {
      const file = fs.openRead(path)
      try {
        // Every intact edit, past any damage; any damage at all, even a torn tail, is reported.
        const onDamage = (d: LogDamage): void => {
          m.status = 'corrupt'
          m.detail = `offset ${d.offset}: ${d.reason}`
        }
        readLogRecords(
          file,
          path,
          (record, offset) => {
            const edit = decodeEdit(record, `${path} at offset ${offset}`)
            m.items++
            if (edit.logNumber !== undefined) logNumber = edit.logNumber
            if (edit.nextFileNumber !== undefined) nextFileNumber = Math.max(nextFileNumber, edit.nextFileNumber)
            if (edit.reservesFileNumbers === true) reservesFileNumbers = true
            for (const d of edit.deletedFiles) live.delete(d.number)
            for (const f of edit.newFiles) live.set(f.file.number, { level: f.level, meta: f.file })
          },
          { afterDamage: 'resync', midLog: 'ignore', onDamage },
        )
      } catch (err) {
        m.status = 'corrupt'
        m.detail = errorMessage(err)
      } finally {
        file.close()
      }
    }
  }

  const names = fs.list(dir).sort()
  if (manifestCheck?.status === 'ok') {
    const evidence = lostEditEvidence(names, { tables: new Set(live.keys()), logNumber, nextFileNumber, reservesFileNumbers })
    if (evidence.length > 0) {
      manifestCheck.status = 'corrupt'
      manifestCheck.detail = `edits are missing: ${evidence.join('; ')}; open refuses it, repair rebuilds from the tables and logs`
    }
  }
  const total = names.length
  const replay = new ReplayOrder()
  let done = 0
  for (const name of names) {
    const parsed = parseFileName(name)
    onFile?.(++done, total)
    if (parsed?.kind === 'table' && beside && !live.has(parsed.number)) {
      // Beside a writer, a table the MANIFEST does not list is most likely one it is writing.
      files.push({ name, kind: 'table', status: 'orphan', items: 0, detail: 'not in the MANIFEST: being written, or left by a crash; not read' })
    } else if (parsed?.kind === 'table') files.push(checkTable(fs, dir, name, live.get(parsed.number)?.meta))
    else if (parsed?.kind === 'log') {
      const isLive = parsed.number >= logNumber
      const log = checkLog(fs, dir, name, isLive)
      if (isLive) replay.add(log)
      files.push(log.check)
    }
  }
  for (const [number] of live) {
    const name = tableFileName(dir, number).slice(dir.length + 1)
    if (!names.includes(name)) files.push({ name, kind: 'table', status: 'missing', items: 0, detail: 'listed in the MANIFEST' })
  }
  return { ok: files.every((f) => f.status === 'ok' || f.status === 'orphan'), files }
}

function checkTable(fs: FileSystem, dir: string, name: string, meta: FileMetadata | undefined): FileCheck {
  const result: FileCheck = { name, kind: 'table', status: meta === undefined ? 'orphan' : 'ok', items: 0 }
  const path = joinPath(dir, name)
  let reader: TableReader | undefined
  try {
    reader = openUncachedTable(fs, path)
    const it = reader.iterator()
    let prev: { key: Uint8Array; seq: number } | undefined
    for (it.seekToFirst(); it.valid(); it.next()) {
      const key = it.key().slice()
      if (prev !== undefined && compareInternal(prev.key, prev.seq, key, it.seq()) >= 0) throw new Error(`entry ${result.items} is out of order`)
      if (meta !== undefined && (compareBytes(key, meta.smallestKey) < 0 || compareBytes(key, meta.largestKey) > 0)) {
        throw new Error(`entry ${result.items} lies outside the key range the MANIFEST records`)
      }
      prev = { key, seq: it.seq() }
      result.items++
    }
    it.close()
    if (result.items !== reader.properties().entries) throw new Error(`holds ${result.items} entries, its properties say ${reader.properties().entries}`)
    // The range-deletion block was checksummed and checked against the properties at open;
    // what is left is agreeing with the MANIFEST, which reads rely on to find tombstones.
    const tombstones = reader.rangeTombstones()
    if (meta !== undefined) {
      if (tombstones.count !== (meta.rangeDeletions ?? 0)) throw new Error(`holds ${tombstones.count} range deletions, the MANIFEST records ${meta.rangeDeletions ?? 0}`)
      const first = tombstones.fragments[0]
      const last = tombstones.fragments.at(-1)
      // An end is exclusive: one just past the largest key (its successor) is inside the range.
      if ((first !== undefined && compareBytes(first.start, meta.smallestKey) < 0) || (last !== undefined && compareBytes(last.end, keySuccessor(meta.largestKey)) > 0)) {
        throw new Error('a range deletion lies outside the key range the MANIFEST records')
      }
    }
  } catch (err) {
    result.status = 'corrupt'
    result.detail = `${errorMessage(err)}; ${salvageSummary(fs, path)}`
  } finally {
    reader?.close()
  }
  return result
}

/** How much of a damaged table repair would keep: every block is checked, not just the first bad one. */
function salvageSummary(fs: FileSystem, path: string): string {
  const file = fs.openRead(path)
  try {
    const s = salvageTable(file, path, () => {})
    const lost = s.lostBlocks === undefined ? `an uncounted number of blocks (${s.lostBytes} bytes)` : `${s.lostBlocks} blocks (${s.lostBytes} bytes)`
    return `repair would keep ${s.entries} entries in ${s.blocks} intact data blocks and lose ${lost}`
  } finally {
    file.close()
  }
}

interface LogCheck {
  check: FileCheck
  /** The first record's sequence, and the sequence after the last one read before any damage. */
  sequences: { first: number; next: number } | undefined
  /** Open stops replaying at this log's end: it ends in a torn tail. */
  endsReplay: boolean
}

/**
 * The live logs in number order, as open replays them: after a torn tail, or a log whose
 * first sequence does not follow the last one replayed (an older log lost its unsynced
 * records at a record boundary), open replays no later log. Such a log is healthy, but
 * says so: what it holds will not be in the store.
 */
class ReplayOrder {
  #next: number | undefined
  #stoppedBy: string | undefined

  add(log: LogCheck): void {
    const { check, sequences } = log
    if (sequences === undefined || check.status !== 'ok') return
    if (this.#stoppedBy === undefined && this.#next !== undefined && sequences.first !== this.#next) {
      this.#stoppedBy = `the logs before it end at sequence ${this.#next - 1} and its first record holds sequence ${sequences.first} (an unsynced tail lost in a crash)`
    }
    if (this.#stoppedBy !== undefined) {
      check.detail = `not replayed on open: ${this.#stoppedBy}; its ${check.items} records are dropped${check.detail === undefined ? '' : `; ${check.detail}`}`
      return
    }
    this.#next = sequences.next
    if (log.endsReplay) this.#stoppedBy = `${check.name} before it ends in a torn tail`
  }
}

function checkLog(fs: FileSystem, dir: string, name: string, isLive: boolean): LogCheck {
  const result: FileCheck = { name, kind: 'log', status: isLive ? 'ok' : 'orphan', items: 0 }
  // Below the live log: flushed, and kept for the change feed (changesRetention) or by a crash.
  if (!isLive) result.detail = 'flushed to a table; kept for the change feed or left by a crash'
  let sequences: LogCheck['sequences']
  let endsReplay = false
  const path = joinPath(dir, name)
  const file = fs.openRead(path)
  try {
    // Every damaged region, and whether a valid record follows the first one, as open sees it.
    const damage: LogDamage[] = []
    const log = readLogRecords(
      file,
      path,
      (record, offset) => {
        const batch = decodeBatch(record, `${path} at offset ${offset}`)
        result.items++
        if (damage.length > 0) return
        if (sequences === undefined) sequences = { first: batch.seq, next: batch.seq }
        sequences.next = batch.seq + batch.ops.length
      },
      { afterDamage: 'resync', midLog: 'report', onDamage: (d) => damage.push(d) },
    )
    if (log.damage === undefined) return { check: result, sequences, endsReplay }
    const first = log.damage
    const validAfterDamage = log.validAfter
    const list = damage.map((d) => `offset ${d.offset}: ${d.reason}`).join('; ')
    if (validAfterDamage !== undefined) {
      result.status = 'corrupt'
      result.detail = `damaged (${list}) with a valid record at offset ${validAfterDamage}; open refuses it with CORRUPTION (walRecovery: 'point-in-time' keeps only the writes before offset ${first.offset})`
    } else if (damage.every((d) => d.truncated)) {
      // Bytes missing at the end are what a crash leaves of an unsynced write; recovery cuts them.
      result.detail = `torn tail at offset ${first.offset}: ${first.reason} (cut on open)`
      endsReplay = true
    } else {
      // A complete record that fails its checksum may be a synced write: open cannot tell
      // it from a torn one and drops it, so this is damage, not a healthy tail.
      result.status = 'corrupt'
      result.detail = `damaged at the end (${list}); open drops the ${file.size - first.offset} bytes from offset ${first.offset}, and any writes in them are lost`
    }
  } catch (err) {
    result.status = 'corrupt'
    result.detail = errorMessage(err)
  } finally {
    file.close()
  }
  return { check: result, sequences, endsReplay }
}
