// Counters the database keeps while running, and the plain object db.stats() returns.

export interface LevelStats {
  level: number
  files: number
  bytes: number
}

export interface DbStats {
  memtableBytes: number
  memtableEntries: number
  immutableMemtableBytes: number
  walBytes: number
  lastSequence: number
  levels: LevelStats[]
  snapshots: number
  openIterators: number
  /** fsync calls on write-ahead logs; with group commit this is well below syncWrites. */
  fsyncs: number
  backgroundError: string | undefined
  writes: number
  syncWrites: number
  gets: number
  /** Tables consulted by gets (read amplification = tablesConsulted / gets). */
  tablesConsulted: number
  userBytes: number
  flushes: number
  flushBytes: number
  flushMillis: number
  writeStalls: number
  recoveredRecords: number
}

type Live = Pick<
  DbStats,
  'memtableBytes' | 'memtableEntries' | 'immutableMemtableBytes' | 'walBytes' | 'lastSequence' | 'levels' | 'snapshots' | 'openIterators' | 'fsyncs' | 'backgroundError'
>

export class StatsCounters {
  writes = 0
  syncWrites = 0
  gets = 0
  tablesConsulted = 0
  userBytes = 0
  flushes = 0
  flushBytes = 0
  flushMillis = 0
  writeStalls = 0
  recoveredRecords = 0

  snapshot(live: Live): DbStats {
    return {
      ...live,
      writes: this.writes,
      syncWrites: this.syncWrites,
      gets: this.gets,
      tablesConsulted: this.tablesConsulted,
      userBytes: this.userBytes,
      flushes: this.flushes,
      flushBytes: this.flushBytes,
      flushMillis: Math.round(this.flushMillis),
      writeStalls: this.writeStalls,
      recoveredRecords: this.recoveredRecords,
    }
  }
}
