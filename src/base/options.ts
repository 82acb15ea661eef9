// Database options, their defaults and validation. Every option is checked once at open,
// so a typo or an out-of-range value fails fast with INVALID_ARGUMENT.

import { invalidArgument } from '../errors.js'
import type { FileSystem } from '../vfs/file-system.js'

export interface Options {
  /** Create the directory and an empty database when missing (default true). */
  createIfMissing?: boolean
  /** Fail if a database already exists there (default false). */
  errorIfExists?: boolean
  /**
   * Memtable size that triggers a flush to an SSTable, in bytes (default 8 MiB). Two can be
   * in memory at once (one flushing). Larger memtables mean larger level-0 tables, so each
   * compaction into the level below moves more data per rewrite: sustained random writes get
   * faster, at the cost of a longer event-loop delay while a flush runs on the main thread
   * (measurements: docs/design.md, "Off the event loop").
   */
  memtableSize?: number
  /** Target size of an SSTable data block before compression, in bytes (default 4 KiB). */
  blockSize?: number
  /** Entries between full keys (restart points) in a data block (default 16). */
  blockRestartInterval?: number
  /** Bloom filter bits per key; 0 disables filters (default 10, about 1% false positives). */
  bloomBitsPerKey?: number
  /**
   * How new tables store data blocks (default 'lz4': compressed when that saves at least an
   * eighth of the block). 'none' writes them as is. Tables of either kind are always readable.
   */
  compression?: 'lz4' | 'none'
  /**
   * Bytes of decoded blocks kept in the block cache (default 128 MiB). It fills only with
   * blocks actually read; docs/design.md#block-compression says why the default is larger than RocksDB's.
   */
  blockCacheSize?: number
  /** Table files kept open at once (default 500). */
  maxOpenFiles?: number
  /**
   * What to do with a damaged write-ahead log on open. 'tolerate-tail' (default) cuts a torn
   * or corrupt tail but refuses to open when valid records follow the damage, because those
   * may be acknowledged writes. 'point-in-time' stops at the first damage and drops the rest.
   */
  walRecovery?: 'tolerate-tail' | 'point-in-time'
  /**
   * Zero each write-ahead log ahead of its appends and write in place (default true), so a
   * sync rewrites blocks the file has instead of growing it, which on ext4 saves a journal
   * commit per sync (docs/design.md, "Preallocated logs"). Costs up to 512 KiB of zeros per
   * log, until the log is deleted. The file system may ignore it.
   */
  preallocateLogs?: boolean
  /** Verify block checksums on every read, not only on first load (default true). */
  paranoidChecks?: boolean
  /** How a block is searched. 'linear' exists for the binary-versus-linear benchmark (docs/benchmarks.md). */
  blockSearch?: 'binary' | 'linear'
  /** Level-0 files that trigger a compaction into level 1 (default 4). */
  l0CompactionTrigger?: number
  /** Level-0 files at which each write yields to let compaction catch up (default 8). */
  l0SlowdownTrigger?: number
  /** Level-0 files at which writes wait for compaction (default 12). */
  l0StopTrigger?: number
  /** Target size of level 1 in bytes; deeper levels grow by levelMultiplier (default 10 MiB). */
  l1TargetSize?: number
  /** Size ratio between adjacent levels (default 10). */
  levelMultiplier?: number
  /** Compaction output files are cut at about this size (default 2 MiB). */
  targetFileSize?: number
  /**
   * Accept the empty key (default false: an empty key is usually a bug, so it is rejected
   * with INVALID_ARGUMENT). The Level adapter turns this on, since Level allows empty keys.
   */
  allowEmptyKeys?: boolean
  /**
   * Open an existing store without the write lock and without writing anything (default
   * false), beside the process that writes it or on a medium this process cannot write.
   * Reads see the store as of open; db.refresh() moves them forward. Writes, flush and
   * compactRange reject with READ_ONLY.
   */
  readOnly?: boolean
  /**
   * Where compactions merge tables. 'worker' (the default with the real file system): in a
   * worker thread shared by every store in the process, so the event loop stays free; if no
   * worker can start, they run on the main thread and stats().compactionWarning says why.
   * 'main': on the main thread, in slices of about a millisecond. With a substitute
   * fileSystem the default is 'main', and 'worker' is INVALID_ARGUMENT unless that file
   * system says how the worker can rebuild it (`forWorker`): otherwise the worker's I/O
   * would bypass it.
   */
  compactionThread?: 'worker' | 'main'
  /**
   * Keeps write-ahead logs after their memtable is flushed, for the change feed
   * (db.changes): the newest retained logs are kept while together they hold at most `bytes`
   * and each was last written at most `ms` ago (give either or both). Default: none kept, so
   * the feed reaches back only to the last flush. Checked after each flush and compaction,
   * and at open.
   */
  changesRetention?: ChangesRetention
  /** Substitute file system (tests inject faults through it). */
  fileSystem?: FileSystem
}

/** How much history the change feed keeps (Options.changesRetention). */
export interface ChangesRetention {
  /** Total bytes of retained logs (file sizes, preallocated zeros included). */
  bytes?: number
  /** Age of a retained log, from its last write, in milliseconds. */
  ms?: number
}

export type ResolvedOptions = Required<Omit<Options, 'fileSystem'>> & { fileSystem: FileSystem | undefined }

export const DEFAULT_OPTIONS: Omit<ResolvedOptions, 'fileSystem'> = {
  createIfMissing: true,
  errorIfExists: false,
  memtableSize: 8 * 1024 * 1024,
  blockSize: 4096,
  blockRestartInterval: 16,
  bloomBitsPerKey: 10,
  compression: 'lz4',
  blockCacheSize: 128 * 1024 * 1024,
  maxOpenFiles: 500,
  walRecovery: 'tolerate-tail',
  preallocateLogs: true,
  paranoidChecks: true,
  blockSearch: 'binary',
  l0CompactionTrigger: 4,
  l0SlowdownTrigger: 8,
  l0StopTrigger: 12,
  l1TargetSize: 10 * 1024 * 1024,
  levelMultiplier: 10,
  targetFileSize: 2 * 1024 * 1024,
  allowEmptyKeys: false,
  readOnly: false,
  compactionThread: 'worker',
  changesRetention: {},
}

/** Every option Shale knows (the Level adapter separates these from Level's own). */
export const OPTION_NAMES: ReadonlySet<string> = new Set([...Object.keys(DEFAULT_OPTIONS), 'fileSystem'])

/**
 * Keys and values share one bound, so one operation fits in memory comfortably. Every length
 * on disk is a varint, so the format itself sets no smaller limit on keys (LevelDB and
 * classic-level set none); a big key costs memory in its memtable node, its block's index
 * entry and a file's bounds, for as long as it lives.
 */
export const MAX_KEY_SIZE = 64 * 1024 * 1024
export const MAX_VALUE_SIZE = 64 * 1024 * 1024

function checkInt(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidArgument(`Invalid option ${name}: expected an integer from ${min} to ${max}, got ${String(v)}`)
  }
}

function checkBool(name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw invalidArgument(`Invalid option ${name}: expected a boolean, got ${String(v)}`)
}

/** A copy of a valid changesRetention: an object with bytes and/or ms, non-negative integers. */
function checkRetention(v: unknown): ChangesRetention {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument(`Invalid option changesRetention: expected an object { bytes?, ms? }, got ${String(v)}`)
  const out: ChangesRetention = {}
  for (const [k, x] of Object.entries(v)) {
    if (k !== 'bytes' && k !== 'ms') throw invalidArgument(`Invalid option changesRetention.${k}: expected only bytes and ms`)
    if (x === undefined) continue
    checkInt(`changesRetention.${k}`, x, 0, Number.MAX_SAFE_INTEGER)
    out[k] = x as number
  }
  return out
}

export function resolveOptions(options: Options | undefined): ResolvedOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument(`Invalid options: expected an object, got ${String(options)}`)
  }
  for (const name of Object.keys(options ?? {})) {
    if (!OPTION_NAMES.has(name)) throw invalidArgument(`Invalid option ${name}: not a Shale option`)
  }
  const o: ResolvedOptions = { ...DEFAULT_OPTIONS, fileSystem: undefined }
  for (const [k, v] of Object.entries(options ?? {})) if (v !== undefined) (o as Record<string, unknown>)[k] = v
  checkBool('createIfMissing', o.createIfMissing)
  checkBool('errorIfExists', o.errorIfExists)
  checkBool('paranoidChecks', o.paranoidChecks)
  checkBool('preallocateLogs', o.preallocateLogs)
  checkBool('allowEmptyKeys', o.allowEmptyKeys)
  checkBool('readOnly', o.readOnly)
  if (o.readOnly && o.errorIfExists) throw invalidArgument('Invalid options: readOnly opens an existing database, so errorIfExists cannot be true')
  checkInt('memtableSize', o.memtableSize, 1024, 1024 * 1024 * 1024)
  checkInt('blockSize', o.blockSize, 64, 4 * 1024 * 1024)
  checkInt('blockRestartInterval', o.blockRestartInterval, 1, 1024)
  checkInt('bloomBitsPerKey', o.bloomBitsPerKey, 0, 64)
  checkInt('blockCacheSize', o.blockCacheSize, 0, 64 * 1024 * 1024 * 1024)
  checkInt('maxOpenFiles', o.maxOpenFiles, 8, 1_000_000)
  checkInt('l0CompactionTrigger', o.l0CompactionTrigger, 1, 1000)
  checkInt('l0SlowdownTrigger', o.l0SlowdownTrigger, o.l0CompactionTrigger, 1000)
  checkInt('l0StopTrigger', o.l0StopTrigger, o.l0SlowdownTrigger, 1000)
  checkInt('l1TargetSize', o.l1TargetSize, 1024, 2 ** 40)
  checkInt('levelMultiplier', o.levelMultiplier, 2, 1000)
  checkInt('targetFileSize', o.targetFileSize, 1024, 2 ** 32)
  if (o.walRecovery !== 'tolerate-tail' && o.walRecovery !== 'point-in-time') {
    throw invalidArgument(`Invalid option walRecovery: expected 'tolerate-tail' or 'point-in-time', got ${String(o.walRecovery)}`)
  }
  if (o.compression !== 'lz4' && o.compression !== 'none') {
    throw invalidArgument(`Invalid option compression: expected 'lz4' or 'none', got ${String(o.compression)}`)
  }
  if (o.compactionThread !== 'worker' && o.compactionThread !== 'main') {
    throw invalidArgument(`Invalid option compactionThread: expected 'worker' or 'main', got ${String(o.compactionThread)}`)
  }
  if (o.fileSystem !== undefined) {
    if (options?.compactionThread === undefined) o.compactionThread = 'main'
    else if (o.compactionThread === 'worker' && o.fileSystem.forWorker === undefined) {
      throw invalidArgument("Invalid options: compactionThread 'worker' needs a fileSystem the worker can rebuild (forWorker); this one cannot cross threads, use 'main'")
    }
  }
  o.changesRetention = checkRetention(o.changesRetention)
  if (o.blockSearch !== 'binary' && o.blockSearch !== 'linear') {
    throw invalidArgument(`Invalid option blockSearch: expected 'binary' or 'linear', got ${String(o.blockSearch)}`)
  }
  return o
}
