// The database's public API. This class validates what callers pass and delegates: opening
// and recovery to open.ts, writes and flushes to write-path.ts, reads to read-path.ts,
// compactions to compaction-scheduler.ts, failures and the full-disk resume to
// background-error.ts, argument checks to arguments.ts. See docs/design.md.

import { resolve } from 'node:path'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { ShaleError, closedError, invalidArgument } from '../errors.js'
import { ValueKind } from '../base/internal-key.js'
import { resolveOptions, type Options, type ResolvedOptions } from '../base/options.js'
import { levelScores } from '../compaction/compaction-picker.js'
import { InProcessRunner, sharedWorkerRunner, type CompactionRunner } from '../compaction/compaction-runner.js'
import type { TableCache } from '../table/table-cache.js'
import { EventLoopGate } from '../util/event-loop-gate.js'
import type { VersionSet } from '../version/version-set.js'
import type { FileLock, FileSystem } from '../vfs/file-system.js'
import { NodeFileSystem } from '../vfs/node-file-system.js'
import { batchArg, binaryKey, boundArg, iteratorRangeArg, keyArg, pendingOp, readSnapshotArg, syncArg } from './arguments.js'
import type { BatchOperation, Bytes, IteratorOptions, PendingOp, ReadOptions, WriteOptions } from './arguments.js'
import { BackgroundError } from './background-error.js'
import { CompactionScheduler } from './compaction-scheduler.js'
import type { Follower } from './follower.js'
import { GroupCommit } from './group-commit.js'
import { ObsoleteFileCollector } from './obsolete-files.js'
import { openReader, openWriter, type RecoveredWriter } from './open.js'
import { ReadPath } from './read-path.js'
import type { ShaleIterator } from './shale-iterator.js'
import { SnapshotList, type Snapshot } from './snapshot.js'
import { StatsCounters, databaseStats, spaceStats, type DbStats } from './stats.js'
import { WritePath } from './write-path.js'

export type { BatchOperation, ReadOptions } from './arguments.js'

export class Shale {
  readonly location: string
  readonly #options: ResolvedOptions
  readonly #versions: VersionSet
  readonly #tables: TableCache
  readonly #commit: GroupCommit
  readonly #runner: CompactionRunner
  readonly #snapshots = new SnapshotList()
  readonly #counters = new StatsCounters()
  readonly #errors: BackgroundError
  /** A writer has the lock, the write path and the compactions; a read-only handle the follower. */
  readonly #lock: FileLock | undefined
  readonly #writes: WritePath | undefined
  readonly #compactions: CompactionScheduler | undefined
  readonly #follower: Follower | undefined
  readonly #reads: ReadPath
  /** Writes, reads and iterator steps settle on the next turn of the event loop after about 1 ms of synchronous work. */
  readonly #gate = new EventLoopGate()
  #closed = false
  #closing: Promise<void> | undefined

  private constructor(location: string, options: ResolvedOptions, fs: FileSystem, tables: TableCache, role: RecoveredWriter | { follower: Follower }) {
    this.location = location
    this.#options = options
    this.#tables = tables
    this.#commit = new GroupCommit(fs, location)
    this.#runner = options.compactionThread === 'worker' ? sharedWorkerRunner() : new InProcessRunner()
    this.#errors = new BackgroundError(location, this.#counters)
    if ('follower' in role) {
      this.#follower = role.follower
      this.#versions = role.follower.versions
      this.#reads = new ReadPath(this.#versions, tables, this.#counters, this.#snapshots, this.#gate, { follower: role.follower })
      return
    }
    this.#lock = role.lock
    this.#versions = role.versions
    this.#counters.recoveredRecords = role.recoveredRecords
    const files = new ObsoleteFileCollector(fs, location, role.versions, tables, () => this.#writes?.unflushedLog ?? Infinity)
    const core = { location, fs, options, versions: role.versions, tables, counters: this.#counters, errors: this.#errors, files, isClosed: () => this.#closed }
    this.#compactions = new CompactionScheduler(core, this.#runner, this.#snapshots)
    this.#writes = new WritePath(core, this.#commit, this.#compactions, this.#gate, role.mem, role.log)
    this.#reads = new ReadPath(this.#versions, tables, this.#counters, this.#snapshots, this.#gate, { writes: this.#writes })
    files.collect()
    // A store closed with compaction debt (level 0 over its trigger, say) pays it now, not
    // only after the next write: until then every read would search the extra tables.
    void this.#compactions.schedule()
  }

  /**
   * Opens (or creates) the database in directory `location`. With `readOnly: true` it opens
   * an existing store beside the process that writes it, taking no lock and writing nothing;
   * refresh() moves it forward to the writer's latest state.
   */
  static async open(location: string, options?: Options): Promise<Shale> {
    if (typeof location !== 'string' || location.length === 0) throw invalidArgument('Invalid location: expected a non-empty directory path')
    const opts = resolveOptions(options)
    const fs = opts.fileSystem ?? new NodeFileSystem()
    const dir = resolve(location)
    if (opts.readOnly) {
      const { tables, follower } = openReader(dir, opts, fs)
      return new Shale(dir, opts, fs, tables, { follower })
    }
    return openWriter(dir, opts, fs, (recovered) => new Shale(dir, opts, fs, recovered.tables, recovered))
  }

  // ---- writes ----

  put(key: Bytes, value: Bytes, options?: WriteOptions): Promise<void> {
    return this.#write(() => [pendingOp(ValueKind.Value, key, value, this.#options.allowEmptyKeys)], options)
  }

  delete(key: Bytes, options?: WriteOptions): Promise<void> {
    return this.#write(() => [pendingOp(ValueKind.Deletion, key, undefined, this.#options.allowEmptyKeys)], options)
  }

  /** Applies all operations atomically: after a crash, either all or none are present. */
  write(operations: readonly BatchOperation[], options?: WriteOptions): Promise<void> {
    return this.#write(() => batchArg(operations, this.#options.allowEmptyKeys), options)
  }

  /** Validates (bad arguments reject before the database's state is looked at), then writes. */
  #write(ops: () => PendingOp[], options: WriteOptions | undefined): Promise<void> {
    try {
      const pending = ops()
      if (pending.length === 0) return this.#checkWritable() ?? Promise.resolve()
      const sync = syncArg(options)
      // The write path itself refuses a closed or failed database, after trying to resume.
      if (this.#writes === undefined) return this.#checkWritable()!
      return this.#writes.write(pending, sync)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  #checkWritable(): Promise<void> | undefined {
    if (this.#closed) return Promise.reject(closedError('database', 'Database is closed'))
    if (this.#writes === undefined) return Promise.reject(new ShaleError('READ_ONLY', `Cannot write to ${this.location}: it is open read-only`))
    return this.#writes.checkWritable()
  }

  /** Writes the memtable to a table now and waits until it is recorded in the manifest. */
  flush(): Promise<void> {
    return this.#checkWritable() ?? this.#writes!.flush()
  }

  /**
   * Compacts every table overlapping [start, end] (all tables when both are omitted) down to
   * the deepest level that holds data, after flushing the memtable. Reclaims the space of
   * deleted and overwritten keys in that range.
   */
  async compactRange(start?: Bytes, end?: Bytes, options?: { onProgress?: (done: number, total: number) => void }): Promise<void> {
    const s = start === undefined ? undefined : boundArg(start, 'start')
    const e = end === undefined ? undefined : boundArg(end, 'end')
    await this.flush()
    await this.#compactions!.compactRange(s, e, options?.onProgress)
  }

  /**
   * Resolves once no compaction is running or queued: the tree is settled (every level
   * below its target). For tools, tests and benchmarks that want to measure or inspect a
   * quiet store; normal use never needs it.
   */
  async waitForCompactions(): Promise<void> {
    if (this.#closed) throw closedError('database', 'Database is closed')
    await this.#compactions?.waitUntilIdle()
    if (this.#errors.error) throw this.#errors.error
  }

  // ---- reads ----

  /** The snapshot a read goes through, if any (validated). */
  #readSnapshot(options: ReadOptions | undefined): Snapshot | undefined {
    if (this.#closed) throw closedError('database', 'Database is closed')
    return readSnapshotArg(options)
  }

  /** The value of key, or undefined when it is absent or deleted. Synchronous: no I/O wait beyond a positioned read. */
  getSync(key: Bytes, options?: ReadOptions): Buffer | undefined {
    const snap = this.#readSnapshot(options)
    const k = keyArg(key, this.#options.allowEmptyKeys)
    return this.#reads.get(k, binaryKey(key, k), snap)
  }

  get(key: Bytes, options?: ReadOptions): Promise<Buffer | undefined> {
    try {
      return this.#gate.settle(this.getSync(key, options))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  getMany(keys: readonly Bytes[], options?: ReadOptions): Promise<(Buffer | undefined)[]> {
    try {
      if (!Array.isArray(keys)) throw invalidArgument('Invalid keys: expected an array')
      return this.#reads.getMany(keys, (k, snapshot) => this.getSync(k, { ...options, snapshot }), this.#readSnapshot(options))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  has(key: Bytes, options?: ReadOptions): Promise<boolean> {
    return this.get(key, options).then((v) => v !== undefined)
  }

  /** A consistent view as of now; release() it when done. */
  snapshot(): Snapshot {
    if (this.#closed) throw closedError('database', 'Database is closed')
    return this.#reads.snapshot()
  }

  /**
   * Moves a read-only handle forward to the writer's latest state: new MANIFEST edits and new
   * log records, read from where the last refresh stopped. It includes every write the writer
   * had made durable (sync: true, or flushed to a table) before the call. Snapshots and
   * iterators keep the view they were made on. Resolves to whether anything changed; on a
   * writer's own handle it resolves false at once, since that view is always current.
   */
  refresh(): Promise<boolean> {
    try {
      if (this.#closed) throw closedError('database', 'Database is closed')
      return Promise.resolve(this.#follower?.refresh() ?? false)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** True when opened with readOnly: true. */
  get readOnly(): boolean {
    return this.#follower !== undefined
  }

  /** Iterates [key, value] pairs in key order (or reverse) within optional bounds. */
  iterator(options?: IteratorOptions): ShaleIterator {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw invalidArgument(`Invalid iterator options: expected an object, got ${String(options)}`)
    }
    const snap = this.#readSnapshot(options)
    return this.#reads.iterator(iteratorRangeArg(options), snap)
  }

  // ---- maintenance ----

  /**
   * Counters and sizes. With `{ space: true }` it also measures space amplification, which
   * needs the logical size of the newest versions and so reads every entry: O(data).
   */
  stats(options?: { space?: boolean }): DbStats {
    if (this.#closed) throw closedError('database', 'Database is closed')
    const version = this.#versions.current
    const walBytes = this.#follower?.walBytes ?? this.#writes!.walBytes
    return databaseStats({
      counters: this.#counters,
      levels: version.levels,
      scores: levelScores(version, this.#options),
      // A read-only handle's memtables are the writer's logs replayed: all count as active.
      active: this.#follower?.view.memtables ?? [this.#writes!.memtable],
      immutable: this.#writes?.immutable,
      unflushed: this.#reads.currentView().memtables,
      walBytes,
      ownsLogs: this.#follower === undefined,
      lifetime: this.#versions.lifetime,
      space: options?.space === true ? () => spaceStats(this.iterator(), version.levels, this.#tables, walBytes) : undefined,
      rest: {
        lastSequence: this.#reads.lastSequence,
        snapshots: this.#snapshots.size,
        openIterators: this.#reads.openIterators,
        fsyncs: this.#commit.syncs,
        backgroundError: this.#errors.error?.message,
        compactionWarning: this.#runner.warning,
      },
    })
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Finishes background work, makes every write durable (one fsync) and releases the directory lock. */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#closed = true
    this.#writes?.stopLogFlushTimer()
    this.#reads.closeIterators()
    this.#snapshots.releaseAll()
    let failure: unknown
    try {
      await this.#writes?.idle()
      await this.#compactions?.idle()
      await this.#commit.drain()
      // A clean close makes every write durable, even one made without sync: closing is
      // where users expect their data to be safe, and it costs one fsync.
      if (!this.#errors.error && this.#writes !== undefined) await this.#commit.sync()
    } catch (err) {
      failure = err
    }
    // Every step runs even when an earlier one fails (a log's last append can hit a full
    // disk): the lock, above all, must be released, or the store stays locked until exit.
    const steps = [...(this.#writes?.closeLogs() ?? []), () => this.#follower?.close(), () => this.#tables.close(), () => this.#versions.close(), () => this.#lock?.release()]
    for (const step of steps) {
      try {
        step()
      } catch (err) {
        failure ??= err
      }
    }
    await yieldToLoop()
    if (failure !== undefined) throw failure
  }
}
