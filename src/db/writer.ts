// What only a handle open for writing has: the directory lock, the write path, the
// compaction scheduler, bulk loads and the obsolete-file collector they share. The Shale facade builds
// one from what open.ts recovered; a read-only handle has a Follower in its place. Once
// built, the writer deletes what a crash left obsolete and pays any compaction debt.

import type { ResolvedOptions } from '../base/options.js'
import type { CompactionRunner } from '../compaction/in-process-runner.js'
import type { EventLoopGate } from '../util/event-loop-gate.js'
import type { FileLock, FileSystem } from '../vfs/file-system.js'
import type { BackgroundError } from './background-error.js'
import { ChangeLogs } from './change-logs.js'
import { CompactionScheduler } from './compaction-scheduler.js'
import type { GroupCommit } from './group-commit.js'
import { Ingester } from './ingest.js'
import { ObsoleteFileCollector } from './obsolete-files.js'
import type { RecoveredWriter } from './open.js'
import type { SnapshotList } from './snapshot.js'
import type { StatsCounters } from './stats.js'
import { WritePath } from './write-path.js'

/** What the writer shares with the rest of the database. */
export interface WriterParts {
  readonly location: string
  readonly fs: FileSystem
  readonly options: ResolvedOptions
  readonly counters: StatsCounters
  readonly errors: BackgroundError
  readonly commit: GroupCommit
  readonly runner: CompactionRunner
  readonly snapshots: SnapshotList
  /** True once close() began. */
  readonly isClosed: () => boolean
}

export class Writer {
  readonly writes: WritePath
  readonly compactions: CompactionScheduler
  readonly ingests: Ingester
  readonly changes: ChangeLogs
  readonly #lock: FileLock
  readonly #files: ObsoleteFileCollector

  constructor(recovered: RecoveredWriter, parts: WriterParts, gate: EventLoopGate) {
    const { location, fs, options, counters, errors, isClosed } = parts
    const { versions, tables } = recovered
    this.#lock = recovered.lock
    this.changes = new ChangeLogs(fs, location, options.changesRetention, {
      liveLog: () => Math.min(versions.logNumber, this.writes.unflushedLog),
      lastSequence: () => versions.lastSequence,
      newestLog: () => this.writes.memtable.logNumber,
      flushLog: () => this.writes.flushLogBuffer(),
      bytesInFile: (log) => this.writes.bytesInFile(log),
      nextRecordStart: () => this.writes.nextRecordStart(),
    })
    // Flushed logs stay while the change feed keeps them (changesRetention, open feeds).
    this.#files = new ObsoleteFileCollector(fs, location, versions, tables, () => Math.min(this.writes.unflushedLog, this.changes.keepFrom()))
    const core = { location, fs, options, versions, tables, counters, errors, files: this.#files, changes: this.changes, isClosed }
    this.compactions = new CompactionScheduler(core, parts.runner, parts.snapshots)
    this.writes = new WritePath(core, parts.commit, this.compactions, gate, recovered.mem, recovered.log)
    this.ingests = new Ingester(core, this.writes, this.compactions)
    versions.onVersionReleased = () => this.#files.collectSoon(isClosed)
  }

  /** Deletes the files a crash or an earlier run left obsolete and starts any compaction owed. */
  start(): void {
    this.#files.collect()
    // A store closed with compaction debt (level 0 over its trigger, say) pays it now, not
    // only after the next write: until then every read would search the extra tables.
    void this.compactions.schedule()
  }

  /**
   * For waitForCompactions: no flush or compaction running or owed, and the files they left
   * obsolete deleted. Flushes first: one in progress owes the compactions it will schedule.
   */
  async waitForCompactions(): Promise<void> {
    await this.writes.idle()
    await this.compactions.waitUntilIdle()
    await this.#files.settled()
  }

  /** Resolves once no ingest, flush or compaction is running or queued: for close. */
  async idle(): Promise<void> {
    // An ingest stops soon once close has begun, and may flush and compact on its way.
    await this.ingests.idle()
    await this.writes.idle()
    await this.compactions.idle()
  }

  /** Releases the directory lock: the last step of close, after every file is closed. */
  releaseLock(): void {
    this.#files.cancel()
    this.#lock.release()
  }
}
