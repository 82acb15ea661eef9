// Counters the database keeps while running, and the plain object db.stats() returns,
// including the amplification figures: write amplification = (WAL + flush + compaction
// bytes written) / user bytes; read amplification = tables consulted per get. Most counters
// are per process (since this handle opened); `lifetime` covers the store's whole life.

import type { Memtable } from '../memtable/memtable.js'
import type { TableCache } from '../table/table-cache.js'
import type { FileMetadata } from '../version/file-metadata.js'
import type { LifetimeCounters } from '../version/lifetime-counters.js'
import { NUM_LEVELS } from '../base/levels.js'
import type { SyncStats } from './group-commit.js'

export interface LevelStats {
  level: number
  files: number
  bytes: number
  /** Compaction priority: >= 1 means the level is over its target (L0: file count / trigger). */
  score: number
  /** Compactions that wrote into this level, and their bytes read and written, since this handle opened. */
  compactions: number
  compactionBytesRead: number
  compactionBytesWritten: number
  compactionMillis: number
}

/**
 * The store's whole life, across every process that opened it: the totals recorded in the
 * MANIFEST with the newest flush or compaction, plus the writes still in this handle's
 * memtables and logs. A store written before Shale recorded them counts from its first open
 * by a Shale that does.
 */
export interface LifetimeStats {
  userBytes: number
  walBytesWritten: number
  /** Memtables written as level-0 tables, including the one recovery writes on open. */
  flushes: number
  /** Bytes of those tables, and of the tables db.ingest() wrote (user data written once). */
  flushBytes: number
  compactions: number
  compactionBytesRead: number
  compactionBytesWritten: number
  /** (WAL + flush + compaction bytes written) / user bytes, over the store's life. */
  writeAmplification: number
  /** Compactions by output level 0 to 6. */
  levels: { level: number; compactions: number; compactionBytesRead: number; compactionBytesWritten: number }[]
}

/** stats().changes: the range db.changes() can start from, and the logs kept for it. */
export interface ChangesStats {
  /** The newest committed sequence. */
  lastSequence: number
  /** The lowest `since` db.changes() accepts now (lastSequence + 1 when the logs hold no batch). */
  firstSequence: number
  /** Flushed logs kept by changesRetention, and their bytes (preallocated zeros included). */
  retainedLogs: number
  retainedBytes: number
  /** Feeds open on this handle (each keeps the logs it has not read yet). */
  feeds: number
}

/**
 * Sizes describe the store now; `lifetime` describes its whole life; every other counter is
 * per process: it counts what this handle did since it opened.
 */
export interface DbStats {
  memtableBytes: number
  memtableEntries: number
  immutableMemtableBytes: number
  /** Bytes in the live write-ahead logs. */
  walBytes: number
  lastSequence: number
  levels: LevelStats[]
  snapshots: number
  openIterators: number
  /** fsync calls on write-ahead logs; with group commit this is well below syncWrites. */
  fsyncs: number
  /** Sync writes and the fsyncs behind them: fsync latency, writers per group-commit round, and the gaps between rounds. */
  wal: SyncStats
  /** The decoded-block cache: its capacity (the blockCacheSize option), and the bytes and blocks it holds now. */
  blockCache: { capacity: number; bytes: number; blocks: number }
  backgroundError: string | undefined
  /**
   * Set when compactions that would run in the worker thread run on the main thread instead
   * (time-sliced) because no worker could start in this process; it names the reason. The
   * store works normally either way: this is a warning, not an error.
   */
  compactionWarning: string | undefined
  /** Counters over the store's life, unlike the per-process ones that follow. */
  lifetime: LifetimeStats
  /** What the change feed (db.changes) can deliver now. */
  changes: ChangesStats
  writes: number
  syncWrites: number
  gets: number
  userBytes: number
  walBytesWritten: number
  flushes: number
  flushBytes: number
  flushMillis: number
  compactionBytesRead: number
  compactionBytesWritten: number
  trivialMoves: number
  /** Tables dropped whole, unread, because range tombstones hide all they hold (delete-only compactions), and their bytes. */
  deleteOnlyTables: number
  deleteOnlyBytes: number
  /** Entries compactions dropped because a newer version, or a range tombstone, hides them from every snapshot. */
  droppedShadowed: number
  /**
   * Deletion markers compactions dropped: point tombstones, and range tombstones counted by
   * fragment (a range deletion cut by others, or by table boundaries, counts once per piece).
   */
  droppedTombstones: number
  /** (WAL + flush + ingest + compaction bytes written) / user bytes written (ingested ones included), by this process; see lifetime.writeAmplification. */
  writeAmplification: number
  /**
   * Read amplification: tables searched per get (the bloom filter did not rule them out,
   * so a data block was read or found in cache), mean and 99th percentile.
   */
  readAmplification: { mean: number; p99: number }
  /** Bloom filters checked per get (tables whose key range held the key), mean. */
  filterProbesPerGet: number
  /**
   * Only with stats({ space: true }). `amplification`: tables and logs on disk over the
   * logical size (keys plus values) of the newest version of every live key; compression can
   * take it below 1. `uncompressedAmplification`: the keys and values of every version the
   * tables keep, before compression, plus the logs' size (`storedBytes`), over that logical
   * size, which measures only the obsolete versions and tombstones kept.
   */
  space:
    | { logicalBytes: number; diskBytes: number; storedBytes: number; amplification: number; uncompressedAmplification: number }
    | undefined
  /**
   * Writes that waited for a full memtable's flush (once per flush waited for), were slowed,
   * or stopped by level 0 (once per write); a write queued behind one held up counts too.
   */
  writeStalls: number
  writeSlowdowns: number
  writeStops: number
  /** Times writes resumed after a full disk. */
  resumes: number
  recoveredRecords: number
  /** db.ingest() calls that installed tables, the entries they loaded and the table bytes they wrote. */
  ingests: number
  ingestedEntries: number
  ingestBytes: number
}

type Live = Pick<
  DbStats,
  | 'memtableBytes'
  | 'memtableEntries'
  | 'immutableMemtableBytes'
  | 'walBytes'
  | 'walBytesWritten'
  | 'lastSequence'
  | 'levels'
  | 'snapshots'
  | 'openIterators'
  | 'fsyncs'
  | 'wal'
  | 'blockCache'
  | 'backgroundError'
  | 'compactionWarning'
  | 'space'
  | 'lifetime'
  | 'changes'
>

/** What db.stats() reports besides the counters, gathered by the database from its parts. */
export interface StatsSources {
  counters: StatsCounters
  levels: readonly (readonly FileMetadata[])[]
  scores: number[]
  /** The memtables writes go to (a read-only handle: every replayed one), and the one being flushed. */
  active: readonly Memtable[]
  immutable: Memtable | undefined
  /** Every memtable a read searches: their writes are not in the lifetime totals yet. */
  unflushed: readonly Memtable[]
  walBytes: number
  /** A writer's own logs count as written; a read-only handle wrote none. */
  ownsLogs: boolean
  lifetime: LifetimeCounters
  space: (() => DbStats['space']) | undefined
  rest: Pick<DbStats, 'lastSequence' | 'snapshots' | 'openIterators' | 'fsyncs' | 'wal' | 'blockCache' | 'backgroundError' | 'compactionWarning' | 'changes'>
}

/** The object db.stats() returns. */
export function databaseStats(s: StatsSources): DbStats {
  return s.counters.snapshot({
    ...s.rest,
    space: s.space?.(),
    memtableBytes: sum(s.active, (m) => m.approximateBytes),
    memtableEntries: sum(s.active, (m) => m.count),
    immutableMemtableBytes: s.immutable?.approximateBytes ?? 0,
    walBytes: s.walBytes,
    walBytesWritten: s.counters.walBytesWritten + (s.ownsLogs ? s.walBytes : 0),
    levels: s.counters.levelStats(s.levels, s.scores),
    // What the live logs hold counts once it is flushed; until then it is added from memory.
    lifetime: lifetimeStats(s.lifetime, { userBytes: sum(s.unflushed, (m) => m.userBytes), walBytes: s.walBytes }),
  })
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let n = 0
  for (const x of xs) n += f(x)
  return n
}

/** Lifetime totals from the MANIFEST plus the writes this handle has not flushed yet. */
export function lifetimeStats(recorded: LifetimeCounters, unflushed: { userBytes: number; walBytes: number }, numLevels = NUM_LEVELS): LifetimeStats {
  const levels = Array.from({ length: numLevels }, (_, level) => {
    const l = recorded.levels[level]
    return { level, compactions: l?.compactions ?? 0, compactionBytesRead: l?.bytesRead ?? 0, compactionBytesWritten: l?.bytesWritten ?? 0 }
  })
  const userBytes = recorded.userBytes + unflushed.userBytes
  const walBytesWritten = recorded.walBytes + unflushed.walBytes
  const compactionBytesWritten = levels.reduce((s, l) => s + l.compactionBytesWritten, 0)
  const written = walBytesWritten + recorded.flushBytes + compactionBytesWritten
  return {
    userBytes,
    walBytesWritten,
    flushes: recorded.flushes,
    flushBytes: recorded.flushBytes,
    compactions: levels.reduce((s, l) => s + l.compactions, 0),
    compactionBytesRead: levels.reduce((s, l) => s + l.compactionBytesRead, 0),
    compactionBytesWritten,
    writeAmplification: userBytes === 0 ? 0 : written / userBytes,
    levels,
  }
}

/**
 * Space amplification (DbStats.space) of a version plus its logs. `entries` is every live
 * key and value, newest versions only (an iterator over the database): this reads them all.
 */
export function spaceStats(entries: Iterable<[Uint8Array, Uint8Array]>, levels: readonly (readonly FileMetadata[])[], tables: TableCache, walBytes: number): NonNullable<DbStats['space']> {
  let logicalBytes = 0
  for (const [k, v] of entries) logicalBytes += k.length + v.length
  const diskBytes = levels.reduce((sum, files) => sum + files.reduce((n, f) => n + f.size, 0), 0) + walBytes
  // Keys and values of every version the tables keep, before compression (the logs,
  // whose entries are all live until flushed, count at their size): against the logical
  // size this counts only the obsolete versions, whatever the codec saves.
  let storedBytes = walBytes
  for (const files of levels) {
    for (const f of files) {
      const reader = tables.acquire(f.number)
      const p = reader.properties()
      storedBytes += p.rawKeyBytes + p.rawValueBytes
      tables.release(reader)
    }
  }
  const over = (n: number) => (logicalBytes === 0 ? 0 : n / logicalBytes)
  return { logicalBytes, diskBytes, storedBytes, amplification: over(diskBytes), uncompressedAmplification: over(storedBytes) }
}

interface LevelCounters {
  compactions: number
  bytesRead: number
  bytesWritten: number
  millis: number
}

/** Per-get table counts above this share the last bucket. */
const MAX_TRACKED_TABLES = 64

export class StatsCounters {
  writes = 0
  syncWrites = 0
  gets = 0
  /** Running counts; Version.get increments them. */
  tablesProbed = 0
  tablesSearched = 0
  readonly #tablesPerGet = new Array<number>(MAX_TRACKED_TABLES + 1).fill(0)
  userBytes = 0
  walBytesWritten = 0
  flushes = 0
  flushBytes = 0
  flushMillis = 0
  trivialMoves = 0
  deleteOnlyTables = 0
  deleteOnlyBytes = 0
  droppedShadowed = 0
  droppedTombstones = 0
  writeStalls = 0
  writeSlowdowns = 0
  writeStops = 0
  resumes = 0
  recoveredRecords = 0
  ingests = 0
  ingestedEntries = 0
  ingestBytes = 0
  readonly #levels: LevelCounters[] = []

  recordGet(tables: number): void {
    this.gets++
    this.#tablesPerGet[Math.min(tables, MAX_TRACKED_TABLES)]!++
  }

  recordCompaction(outputLevel: number, bytesRead: number, bytesWritten: number, millis: number, trivialMove: boolean): void {
    const c = (this.#levels[outputLevel] ??= { compactions: 0, bytesRead: 0, bytesWritten: 0, millis: 0 })
    c.compactions++
    c.bytesRead += bytesRead
    c.bytesWritten += bytesWritten
    c.millis += millis
    if (trivialMove) this.trivialMoves++
  }

  levelStats(levels: readonly (readonly FileMetadata[])[], scores: number[]): LevelStats[] {
    return levels.map((files, level) => {
      const c = this.#levels[level]
      return {
        level,
        files: files.length,
        bytes: files.reduce((s, f) => s + f.size, 0),
        score: scores[level] ?? 0,
        compactions: c?.compactions ?? 0,
        compactionBytesRead: c?.bytesRead ?? 0,
        compactionBytesWritten: c?.bytesWritten ?? 0,
        compactionMillis: Math.round(c?.millis ?? 0),
      }
    })
  }

  #readAmplification(): { mean: number; p99: number } {
    const total = this.#tablesPerGet.reduce((s, n) => s + n, 0)
    if (total === 0) return { mean: 0, p99: 0 }
    let sum = 0
    let p99 = 0
    let seen = 0
    this.#tablesPerGet.forEach((n, tables) => {
      sum += n * tables
      if (seen < total * 0.99) p99 = tables
      seen += n
    })
    return { mean: sum / total, p99 }
  }

  snapshot(live: Live): DbStats {
    const compactionBytesRead = live.levels.reduce((s, l) => s + l.compactionBytesRead, 0)
    const compactionBytesWritten = live.levels.reduce((s, l) => s + l.compactionBytesWritten, 0)
    const written = live.walBytesWritten + this.flushBytes + this.ingestBytes + compactionBytesWritten
    return {
      ...live,
      writes: this.writes,
      syncWrites: this.syncWrites,
      gets: this.gets,
      userBytes: this.userBytes,
      flushes: this.flushes,
      flushBytes: this.flushBytes,
      flushMillis: Math.round(this.flushMillis),
      compactionBytesRead,
      compactionBytesWritten,
      trivialMoves: this.trivialMoves,
      deleteOnlyTables: this.deleteOnlyTables,
      deleteOnlyBytes: this.deleteOnlyBytes,
      droppedShadowed: this.droppedShadowed,
      droppedTombstones: this.droppedTombstones,
      writeAmplification: this.userBytes === 0 ? 0 : written / this.userBytes,
      readAmplification: this.#readAmplification(),
      filterProbesPerGet: this.gets === 0 ? 0 : this.tablesProbed / this.gets,
      writeStalls: this.writeStalls,
      writeSlowdowns: this.writeSlowdowns,
      writeStops: this.writeStops,
      resumes: this.resumes,
      recoveredRecords: this.recoveredRecords,
      ingests: this.ingests,
      ingestedEntries: this.ingestedEntries,
      ingestBytes: this.ingestBytes,
    }
  }
}
