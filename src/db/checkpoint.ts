// db.checkpoint(dir): an openable copy of the store as of one sequence number, taken while
// writes go on (docs/design.md#checkpoints). Everything the copy holds is captured in one
// synchronous step at the call: the visible sequence S, the current version (referenced, so
// its tables outlive any compaction meanwhile) and the live logs (opened, so they outlive the
// flush that makes them obsolete). Then, in a temporary sibling directory: tables are
// hard-linked (copied where a link cannot be made), each log is copied up to its last record
// at or below S, and a fresh MANIFEST naming just that version, and CURRENT, are written;
// everything is synced, and the directory is renamed to the target last.
//
// Logs rather than a flush first: a flush would stall writes behind it, add a level-0 table
// to the live store for every checkpoint, and still leave writes made during it in the log.

import { baseName, dirName, joinPath, resolvePath, runtimeName, yieldToLoop } from '#runtime'
import { ShaleError, closedError, corruption, invalidArgument } from '../errors.js'
import { lockFileName, logFileName, manifestFileName, tableFileName } from '../base/file-names.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { writeCurrent } from '../version/current-file.js'
import type { LifetimeCounters } from '../version/lifetime-counters.js'
import { COMPARATOR_NAME, emptyEdit, encodeEdit, type VersionEdit } from '../version/version-edit.js'
import type { Version } from '../version/version.js'
import { sizedView, type FileLock, type FileSystem, type RandomAccessFile } from '../vfs/file-system.js'
import { getU32, getU64 } from '../util/coding.js'
import { LogReader } from '../wal/log-reader.js'
import { LogWriter } from '../wal/log-writer.js'
import { TimeSlicer } from '../util/time-slicer.js'
import { CHECKPOINT_MARKER } from './checkpoint-marker.js'
import type { DbHandle } from './db-handle.js'

/** What db.checkpoint() resolves to. */
export interface CheckpointResult {
  /** The checkpoint holds every write numbered up to this sequence and none after it: the store as a snapshot taken at the call saw it. */
  sequence: number
  /** The directory written (absolute). */
  location: string
  /** Tables in the checkpoint, and how many of them are hard links to the live store's files or copies. */
  tables: number
  linked: number
  copied: number
  /** Logs copied (up to the last record at or below `sequence`). */
  logs: number
  /** Bytes written: copied tables, logs, MANIFEST and CURRENT. Linked tables cost none. */
  bytes: number
  /** Bytes of the linked tables, shared with the live store. */
  linkedBytes: number
}

/** A log as captured at the call: `size` bytes of it hold every write applied before the call. */
export interface CapturedLog {
  readonly number: number
  readonly size: number
  readonly file: RandomAccessFile
}

/** Everything a checkpoint holds, taken in one synchronous step. */
interface Capture {
  readonly sequence: number
  readonly version: Version
  readonly logNumber: number
  readonly nextFileNumber: number
  readonly lifetime: LifetimeCounters
  readonly compactPointers: readonly (Uint8Array | undefined)[]
  readonly logs: CapturedLog[]
}

/** Errors of link(2) that mean "not here", not "broken": the table is copied instead. */
const LINK_UNSUPPORTED = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS', 'EACCES'])
/** Bytes read and written per step of a copy; the event loop turns between steps. */
const COPY_CHUNK = 1 << 18

/** The temporary directory a checkpoint to `target` is built in. */
export function checkpointTempDir(target: string): string {
  return `${target}.shale-checkpoint-tmp`
}

/**
 * Writes a checkpoint of the store `handle` serves to `dir`. `isClosed` turns true once the
 * handle's close() began: the checkpoint then stops with CLOSED and leaves nothing at `dir`.
 */
export async function checkpoint(handle: DbHandle, location: string, fs: FileSystem, dir: string, isClosed: () => boolean): Promise<CheckpointResult> {
  if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('Invalid checkpoint directory: expected a non-empty path')
  if (runtimeName === 'browser') throw new ShaleError('UNSUPPORTED', 'Checkpoints are not supported on the browser file system (OPFS cannot rename a directory into place)')
  const target = resolvePath(dir)
  checkTarget(fs, location, target)
  const capture = handle.writer !== undefined ? captureWriter(handle, location, fs) : captureFollower(handle, location, fs)
  try {
    return await build(handle, location, fs, target, capture, isClosed)
  } finally {
    capture.version.unref()
    for (const log of capture.logs) log.file.close()
  }
}

function checkTarget(fs: FileSystem, location: string, target: string): void {
  const inside = target === location || target.startsWith(location.endsWith('/') ? location : `${location}/`)
  if (inside) throw invalidArgument(`Cannot checkpoint ${location} into ${target}: the target is inside the database directory`)
  const kind = fs.stat(target)
  if (kind === 'file') throw invalidArgument(`Cannot checkpoint into ${target}: it is a file`)
  if (kind === 'directory' && fs.list(target).length > 0) throw invalidArgument(`Cannot checkpoint into ${target}: the directory is not empty`)
}

function captureWriter(handle: DbHandle, location: string, fs: FileSystem): Capture {
  const writes = handle.writer!.writes
  // After a failure the logs may not hold every applied write (a log abandoned after a full disk).
  if (handle.errors.error) throw handle.errors.error
  // Hands the log buffer to the file: every write applied so far is then below `size`.
  const live = writes.liveLogs()
  const sequence = writes.visibleSequence
  const versions = handle.versions
  const logs: CapturedLog[] = []
  try {
    // Open now: a flush that finishes during the copy deletes the older log (an open file survives that on POSIX).
    for (const l of live) logs.push({ number: l.number, size: l.size, file: fs.openRead(logFileName(location, l.number)) })
  } catch (err) {
    for (const l of logs) l.file.close()
    throw err
  }
  versions.current.ref()
  // An ingest's tables are installed a moment before its sequence is published: a capture
  // in between holds them, so it is as of their sequence (the copy's next write must follow it).
  let ingested = 0
  for (const f of versions.current.allFiles()) ingested = Math.max(ingested, f.smallestSeq, f.largestSeq)
  return { sequence: Math.max(sequence, ingested), version: versions.current, logNumber: versions.logNumber, nextFileNumber: versions.nextFileNumber, lifetime: versions.lifetime, compactPointers: [...versions.compactPointers], logs }
}

/** A read-only handle's checkpoint is of its view: its version's tables and the log records it replayed. */
function captureFollower(handle: DbHandle, location: string, fs: FileSystem): Capture {
  const follower = handle.follower!
  const versions = handle.versions
  const logs: CapturedLog[] = []
  try {
    for (const l of follower.viewLogs()) {
      // Opened again, our own: the handle's refresh closes its copy. Once the writer has deleted
      // the log, only the handle's open file has it: its replayed bytes are read now.
      let file: RandomAccessFile
      try {
        file = fs.openRead(logFileName(location, l.number))
      } catch (err) {
        if (!(err instanceof ShaleError && err.code === 'NOT_FOUND')) throw err
        file = bytesFile(l.file.read(0, l.end))
      }
      logs.push({ number: l.number, size: l.end, file })
    }
  } catch (err) {
    for (const l of logs) l.file.close()
    throw err
  }
  const version = follower.view.version
  version.ref()
  return { sequence: follower.lastSequence, version, logNumber: versions.logNumber, nextFileNumber: versions.nextFileNumber, lifetime: versions.lifetime, compactPointers: [...versions.compactPointers], logs }
}

async function build(handle: DbHandle, location: string, fs: FileSystem, target: string, capture: Capture, isClosed: () => boolean): Promise<CheckpointResult> {
  const temp = checkpointTempDir(target)
  const result: CheckpointResult = { sequence: capture.sequence, location: target, tables: 0, linked: 0, copied: 0, logs: 0, bytes: 0, linkedBytes: 0 }
  const checkOpen = (): void => {
    if (isClosed()) throw closedError('database', `Checkpoint of ${location} stopped: the database was closed`)
  }
  fs.mkdir(temp)
  // Held while building: a second checkpoint to the same target gets LOCKED; one that finds a
  // temporary directory whose builder died takes the lock over and clears it.
  const lock: FileLock = await fs.lock(lockFileName(temp))
  let renamed = false
  try {
    for (const name of fs.list(temp)) if (name !== 'LOCK' && !name.startsWith('LOCK.')) fs.remove(joinPath(temp, name))
    const marker = fs.create(joinPath(temp, CHECKPOINT_MARKER))
    marker.append(new TextEncoder().encode(`checkpoint of ${location} in progress\n`))
    marker.close()

    // Links are quick, but a large store has thousands of tables: the loop turns between slices.
    const slicer = new TimeSlicer(1, 1)
    let maxNumber = 0
    for (const file of capture.version.allFiles()) {
      const turn = slicer.tick()
      if (turn !== undefined) await turn
      checkOpen()
      maxNumber = Math.max(maxNumber, file.number)
      const how = await placeTable(handle, location, fs, temp, file, checkOpen)
      result.tables++
      if (how === 'linked') {
        result.linked++
        result.linkedBytes += file.size
      } else {
        result.copied++
        result.bytes += file.size
      }
    }

    // The MANIFEST names its oldest log as live, so that one must exist, even empty.
    const logs = capture.logs.filter((l) => l.number >= capture.logNumber)
    if (!logs.some((l) => l.number === capture.logNumber)) logs.unshift({ number: capture.logNumber, size: 0, file: bytesFile(new Uint8Array(0)) })
    let more = true
    for (const log of logs) {
      checkOpen()
      maxNumber = Math.max(maxNumber, log.number)
      // Once a log holds a record past the sequence, later logs hold only later ones.
      const end = more ? await logEnd(log, location, capture.sequence, slicer) : { length: 0, past: true }
      if (end.past) more = false
      result.bytes += await copyFile(log.file, end.length, fs, logFileName(temp, log.number), checkOpen)
      result.logs++
    }

    checkOpen()
    const manifestNumber = Math.max(capture.nextFileNumber, maxNumber + 1)
    result.bytes += await writeManifest(fs, temp, manifestNumber, capture)
    await writeCurrent(fs, temp, manifestNumber)
    result.bytes += baseName(manifestFileName(temp, manifestNumber)).length + 1
    // The marker goes only once every file and entry is durable; the rename publishes it all.
    fs.remove(joinPath(temp, CHECKPOINT_MARKER))
    await fs.syncDir(temp)
    checkOpen()
    fs.rename(temp, target)
    renamed = true
    await fs.syncDir(dirName(target))
    // Our lock file moved with the directory: the checkpoint is no one's lock.
    fs.remove(lockFileName(target))
    await fs.syncDir(target)
    return result
  } catch (err) {
    if (!renamed) removeTemp(fs, temp)
    throw err
  } finally {
    lock.release()
    if (!renamed) removeTempDir(fs, temp)
  }
}

/** Hard-links a table into the checkpoint, or copies it where a link cannot be made. */
async function placeTable(handle: DbHandle, location: string, fs: FileSystem, temp: string, file: FileMetadata, checkOpen: () => void): Promise<'linked' | 'copied'> {
  const from = tableFileName(location, file.number)
  const to = tableFileName(temp, file.number)
  let gone = false
  if (fs.link !== undefined) {
    try {
      fs.link(from, to)
      return 'linked'
    } catch (err) {
      const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code
      gone = err instanceof ShaleError && err.code === 'NOT_FOUND'
      if (!gone && (code === undefined || !LINK_UNSUPPORTED.has(code))) throw err
    }
  }
  if (!gone) {
    let source: RandomAccessFile | undefined
    try {
      source = fs.openRead(from)
    } catch (err) {
      if (!(err instanceof ShaleError && err.code === 'NOT_FOUND')) throw err
    }
    if (source !== undefined) {
      try {
        await copyFile(source, file.size, fs, to, checkOpen)
      } finally {
        source.close()
      }
      return 'copied'
    }
  }
  // A read-only handle's table the writer has since deleted: the handle keeps it open.
  if (handle.follower === undefined) throw corruption(from, 'the table is missing although a version being checkpointed lists it')
  const reader = handle.tables.acquire(file.number)
  try {
    await copyFile(reader.file, file.size, fs, to, checkOpen)
  } finally {
    handle.tables.release(reader)
  }
  return 'copied'
}

/**
 * Where a captured log's copy ends: after its last record at or below `sequence` (`past`
 * when a later record was seen). Only the captured bytes are read, so a preallocated log's
 * zeros and records appended since the call are never reached.
 */
export async function logEnd(log: CapturedLog, location: string, sequence: number, slicer: TimeSlicer): Promise<{ length: number; past: boolean }> {
  const path = logFileName(location, log.number)
  const reader = new LogReader(sizedView(log.file, Math.min(log.size, log.file.size)), path)
  let length = 0
  // A live log holds up to a memtable's worth of records: read them a time slice at a time.
  for (let r = reader.next(); r.type !== 'eof'; r = reader.next()) {
    const turn = slicer.tick()
    if (turn !== undefined) await turn
    if (r.type === 'damage') throw corruption(`${path} at offset ${r.offset}`, `${r.reason} (while checkpointing it)`)
    const first = getU64(r.record, 0)
    const count = getU32(r.record, 8)
    if (first + count - 1 > sequence) return { length, past: true }
    length = reader.position
  }
  return { length, past: false }
}

/** Copies the first `length` bytes of `source` to a new file at `to` and syncs it; resolves to the bytes written. */
async function copyFile(source: RandomAccessFile, length: number, fs: FileSystem, to: string, checkOpen: () => void): Promise<number> {
  const out = fs.create(to)
  try {
    for (let at = 0; at < length; at += COPY_CHUNK) {
      out.append(source.read(at, Math.min(COPY_CHUNK, length - at)))
      if (at + COPY_CHUNK < length) {
        await yieldToLoop()
        checkOpen()
      }
    }
    await out.sync()
  } finally {
    out.close()
  }
  return length
}

/** A MANIFEST holding one record: the captured version and counters (docs/format.md#manifest). */
async function writeManifest(fs: FileSystem, temp: string, number: number, capture: Capture): Promise<number> {
  const edit: VersionEdit = {
    ...emptyEdit(),
    comparator: COMPARATOR_NAME,
    logNumber: capture.logNumber,
    nextFileNumber: number + 1,
    lastSequence: capture.sequence,
    lifetime: capture.lifetime,
    reservesFileNumbers: true,
    compactPointers: capture.compactPointers.flatMap((key, level) => (key === undefined ? [] : [{ level, key }])),
  }
  capture.version.levels.forEach((files, level) => {
    for (const file of files) edit.newFiles.push({ level, file })
  })
  const writer = new LogWriter(fs.create(manifestFileName(temp, number)))
  try {
    writer.addRecord(encodeEdit(edit))
    await writer.sync()
    return writer.size
  } finally {
    writer.close()
  }
}

/** Best effort after a failure: the temporary directory goes (a later checkpoint clears what stays). */
function removeTemp(fs: FileSystem, temp: string): void {
  try {
    for (const name of fs.list(temp)) if (name !== 'LOCK') fs.remove(joinPath(temp, name))
  } catch {
    // Left for the next checkpoint to the same target.
  }
}

/** After removeTemp and the lock's release: the directory itself, if the file system can and it is empty. */
function removeTempDir(fs: FileSystem, temp: string): void {
  try {
    if (fs.list(temp).length === 0) fs.removeDir?.(temp)
  } catch {
    // As above.
  }
}

/** Bytes in memory as a RandomAccessFile. */
function bytesFile(bytes: Uint8Array): RandomAccessFile {
  return {
    size: bytes.length,
    read: (offset, length) => {
      if (offset + length > bytes.length) throw corruption('a checkpoint buffer', `wanted ${length} bytes at offset ${offset}, it holds ${bytes.length}`)
      return bytes.subarray(offset, offset + length)
    },
    close: () => {},
  }
}
