// Opening a database directory: inspecting what is there (nothing, a database, an empty or
// half-created directory, or something that is not ours), preparing it for a writer, and
// recovering at open. Recovery rebuilds the version from the MANIFEST, replays the logs it
// does not cover (recovery.ts) into a level-0 table and starts a fresh log, so every writer
// begins from tables plus one empty log. A read-only open only inspects, then follows.

import { joinPath } from '#runtime'
import { ShaleError, invalidArgument } from '../errors.js'
import { currentFileName, lockFileName, logFileName, parseFileName } from '../base/file-names.js'
import type { ResolvedOptions } from '../base/options.js'
import { Memtable } from '../memtable/memtable.js'
import { TableCache } from '../table/table-cache.js'
import { BlockCache } from '../table/block-cache.js'
import { emptyEdit } from '../version/version-edit.js'
import { VersionSet } from '../version/version-set.js'
import type { FileLock, FileSystem } from '../vfs/file-system.js'
import { LogWriter } from '../wal/log-writer.js'
import { CHECKPOINT_MARKER, incompleteCheckpoint } from './checkpoint-marker.js'
import { writeLevel0Table } from './flush.js'
import { Follower } from './follower.js'
import { replayLogs } from './recovery.js'

/** What a writer's open hands to the database it builds. */
export interface RecoveredWriter {
  lock: FileLock
  versions: VersionSet
  tables: TableCache
  /** The empty memtable and the fresh log new writes go to. */
  mem: Memtable
  log: LogWriter
  /** Log records replayed at open. */
  recoveredRecords: number
}

/**
 * Opens (or creates) the store at dir for writing: takes the lock, recovers, and passes the
 * result to `build`. If recovery or `build` fails, what was opened is closed and the lock released.
 */
export async function openWriter<T>(dir: string, opts: ResolvedOptions, fs: FileSystem, build: (recovered: RecoveredWriter) => T): Promise<T> {
  const exists = prepareDirectory(fs, dir, opts)
  const lock = await fs.lock(lockFileName(dir))
  try {
    const versions = exists ? await VersionSet.recover(dir, fs) : await VersionSet.create(dir, fs)
    try {
      const { mem, log, recoveredRecords } = await recoverLogs(dir, opts, fs, versions)
      return build({ lock, versions, tables: newTableCache(dir, fs, opts), mem, log, recoveredRecords })
    } catch (err) {
      versions.close()
      throw err
    }
  } catch (err) {
    lock.release()
    throw err
  }
}

/** Opens an existing store beside its writer: no lock, nothing written. */
export function openReader(dir: string, opts: ResolvedOptions, fs: FileSystem): { tables: TableCache; follower: Follower } {
  checkReadOnlyDirectory(fs, dir)
  const tables = newTableCache(dir, fs, opts)
  try {
    return { tables, follower: Follower.open(dir, fs, tables, opts.walRecovery) }
  } catch (err) {
    tables.close()
    throw err
  }
}

// Replays the logs the manifest does not cover, writes them to a level-0 table, and
// starts a fresh log.
async function recoverLogs(dir: string, opts: ResolvedOptions, fs: FileSystem, versions: VersionSet): Promise<{ mem: Memtable; log: LogWriter; recoveredRecords: number }> {
  const logNumbers = fs
    .list(dir)
    .map((n) => parseFileName(n))
    .filter((f) => f?.kind === 'log' && f.number >= versions.logNumber)
    .map((f) => f!.number)
    .sort((a, b) => a - b)
  const recovered = new Memtable(0)
  const replay = replayLogs(fs, dir, logNumbers, recovered, versions.lastSequence, opts.walRecovery)
  versions.advanceLastSequence(replay.lastSequence)
  const [logNumber, tableNumber] = (await versions.allocateFileNumbers(2)) as [number, number]
  const edit = emptyEdit()
  edit.logNumber = logNumber
  // The replayed writes count toward the store's life now that a table holds them.
  const work = { userBytes: recovered.userBytes, walBytes: replay.logBytes, flushes: 0, flushBytes: 0 }
  if (recovered.count > 0) {
    const meta = await writeLevel0Table(recovered, tableNumber, dir, fs, opts)
    edit.newFiles.push({ level: 0, file: meta })
    work.flushes = 1
    work.flushBytes = meta.size
  }
  // Logs replay did not reach hold writes that are not in the store, whose sequence numbers
  // will be used again: the change feed must never read them, so they go before the edit that
  // would leave them below the live log (a crash before it replays to the same point again).
  for (const n of replay.unreplayed) fs.remove(logFileName(dir, n))
  const log = new LogWriter(fs.create(logFileName(dir, logNumber), { preallocate: opts.preallocateLogs }))
  try {
    await fs.syncDir(dir)
    await versions.logAndApply(edit, work)
  } catch (err) {
    log.close()
    throw err
  }

  return { mem: new Memtable(logNumber), log, recoveredRecords: replay.records }
}

function newTableCache(dir: string, fs: FileSystem, opts: ResolvedOptions): TableCache {
  const blockCache = opts.blockCacheSize > 0 ? new BlockCache(opts.blockCacheSize) : undefined
  return new TableCache(dir, fs, { maxOpenFiles: opts.maxOpenFiles, blockCache, paranoidChecks: opts.paranoidChecks, search: opts.blockSearch })
}

/**
 * What is at dir: nothing, a database (CURRENT exists), or an empty directory or the
 * leftovers of a creation that never finished. A file, a directory someone else owns, or
 * tables without CURRENT are refused here, for every kind of open.
 */
function inspectDirectory(fs: FileSystem, dir: string): 'missing' | 'database' | 'empty' {
  const kind = fs.stat(dir)
  if (kind === 'file') throw invalidArgument(`Cannot open ${dir}: it is a file, not a database directory`)
  if (kind === undefined) return 'missing'
  const names = fs.list(dir)
  if (names.includes(CHECKPOINT_MARKER)) throw incompleteCheckpoint(dir)
  if (fs.stat(currentFileName(dir)) === 'file') return 'database'
  const ours = names.map((n) => parseFileName(n))
  if (ours.some((f) => f?.kind === 'table' || f?.kind === 'log')) {
    throw new ShaleError('CORRUPTION', `Corruption in ${joinPath(dir, 'CURRENT')}: missing, but the directory holds tables or logs`)
  }
  // Without CURRENT a database was never fully created; leftovers of that attempt are ours
  // to reuse. Anything else means the directory belongs to someone else.
  const foreign = names.filter((_, i) => ours[i] === undefined)
  if (foreign.length > 0) {
    throw invalidArgument(`Cannot open ${dir}: the directory is not empty and is not a Shale database (found ${foreign.slice(0, 3).join(', ')})`)
  }
  return 'empty'
}

/** Checks the path and says whether a database already exists there; creates the directory if allowed. */
function prepareDirectory(fs: FileSystem, dir: string, opts: ResolvedOptions): boolean {
  const found = inspectDirectory(fs, dir)
  if (found === 'database') {
    if (opts.errorIfExists) throw invalidArgument(`Cannot open ${dir}: a database exists there and errorIfExists is true`)
    return true
  }
  if (!opts.createIfMissing) throw new ShaleError('NOT_FOUND', `Cannot open ${dir}: it does not exist and createIfMissing is false`)
  if (found === 'missing') fs.mkdir(dir)
  return false
}

/** A read-only open needs an existing store and creates nothing, whatever createIfMissing says. */
function checkReadOnlyDirectory(fs: FileSystem, dir: string): void {
  const found = inspectDirectory(fs, dir)
  if (found === 'missing') throw new ShaleError('NOT_FOUND', `Cannot open ${dir} read-only: it does not exist`)
  if (found === 'empty') throw new ShaleError('NOT_FOUND', `Cannot open ${dir} read-only: no database there (no CURRENT file)`)
}
