// The database's public API. This class validates what callers pass and delegates: opening
// and recovery to open.ts, the lock, writes and compactions to writer.ts (which holds
// write-path.ts and compaction-scheduler.ts), reads to read-path.ts, failures and the
// full-disk resume to background-error.ts, stats to handle-stats.ts, closing to close.ts,
// argument checks to arguments.ts. The parts it holds are listed in db-handle.ts. See
// docs/design.md.

import { compactionRunner, defaultFileSystem } from '#platform'
import { resolvePath } from '#runtime'
import { ShaleError, closedError, invalidArgument } from '../errors.js'
import { ValueKind } from '../base/internal-key.js'
import { resolveOptions, type Options, type ResolvedOptions } from '../base/options.js'
import type { TableCache } from '../table/table-cache.js'
import { EventLoopGate } from '../util/event-loop-gate.js'
import type { FileSystem } from '../vfs/file-system.js'
import { batchArg, binaryKey, boundArg, cacheFillArg, ingestSourceArg, iteratorRangeArg, pendingOp, rangeDeletionOp, readKeyArg, readSnapshotArg, syncArg } from './arguments.js'
import type { BatchOperation, Bytes, IngestSource, IteratorOptions, PendingOp, ReadOptions, WriteOptions } from './arguments.js'
import { BackgroundError } from './background-error.js'
import { checkpoint, type CheckpointResult } from './checkpoint.js'
import { ChangeFeed, changesArgs, type ChangesOptions } from './change-feed.js'
import { FollowerChanges } from './follower-changes.js'
import { closeHandle } from './close.js'
import type { DbHandle } from './db-handle.js'
import type { Follower } from './follower.js'
import { GroupCommit } from './group-commit.js'
import { handleStats } from './handle-stats.js'
import type { IngestResult } from './ingest.js'
import { openReader, openWriter, type RecoveredWriter } from './open.js'
import { ReadPath } from './read-path.js'
import type { ShaleIterator } from './shale-iterator.js'
import { SnapshotList, type Snapshot } from './snapshot.js'
import { StatsCounters, type DbStats } from './stats.js'
import { Writer } from './writer.js'

export type { BatchOperation, LoggedOperation, ReadOptions } from './arguments.js'

const databaseClosed = (): ShaleError => closedError('database', 'Database is closed')

export class Shale {
  readonly location: string
  readonly #options: ResolvedOptions
  /** Everything this handle delegates to; `reads` is also kept below, for the read calls. */
  readonly #handle: DbHandle
  readonly #fs: FileSystem
  readonly #reads: ReadPath
  /** Writes, reads and iterator steps settle on the next turn of the event loop after about 1 ms of synchronous work. */
  readonly #gate = new EventLoopGate()
  #closed = false
  #closing: Promise<void> | undefined

  private constructor(location: string, options: ResolvedOptions, fs: FileSystem, tables: TableCache, role: RecoveredWriter | { follower: Follower }) {
    this.location = location
    this.#options = options
    this.#fs = fs
    const counters = new StatsCounters()
    const snapshots = new SnapshotList()
    const runner = compactionRunner(options.compactionThread)
    const shared = { options, tables, counters, snapshots, runner, commit: new GroupCommit(fs, location), errors: new BackgroundError(location, counters) }
    if ('follower' in role) {
      const { follower } = role
      this.#reads = new ReadPath(follower.versions, tables, counters, snapshots, this.#gate, { follower })
      this.#handle = { ...shared, versions: follower.versions, reads: this.#reads, writer: undefined, follower }
      return
    }
    counters.recoveredRecords = role.recoveredRecords
    const writer = new Writer(role, { ...shared, location, fs, isClosed: () => this.#closed }, this.#gate)
    this.#reads = new ReadPath(role.versions, tables, counters, snapshots, this.#gate, { writes: writer.writes })
    this.#handle = { ...shared, versions: role.versions, reads: this.#reads, writer, follower: undefined }
    writer.start()
  }

  /**
   * Opens (or creates) the database in directory `location`. With `readOnly: true` it opens
   * an existing store beside the process that writes it, taking no lock and writing nothing;
   * refresh() moves it forward to the writer's latest state.
   */
  static async open(location: string, options?: Options): Promise<Shale> {
    if (typeof location !== 'string' || location.length === 0) throw invalidArgument('Invalid location: expected a non-empty directory path')
    const opts = resolveOptions(options)
    const fs = opts.fileSystem ?? defaultFileSystem()
    const dir = resolvePath(location)
    await fs.mount?.(dir)
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

  /**
   * Deletes every key k with gte <= k < lt in one write, by a range tombstone: its cost does
   * not depend on how many keys the range holds (compactions reclaim their space later).
   * Keys written after it are unaffected, and snapshots taken before still see the range.
   * gte equal to lt deletes nothing (the call still succeeds); gte after lt is INVALID_ARGUMENT.
   * Without lt, every key from gte on: the end is fixed as the write is numbered, just past
   * the largest key then stored, and that is what the log and the change feed record.
   */
  deleteRange(gte: Bytes, lt?: Bytes, options?: WriteOptions): Promise<void> {
    return this.#write(() => {
      const op = rangeDeletionOp(gte, lt, 'range', true)
      return op === undefined ? [] : [op]
    }, options)
  }

  /** Applies all operations atomically: after a crash, either all or none are present. */
  write(operations: readonly BatchOperation[], options?: WriteOptions): Promise<void> {
    return this.#write(() => batchArg(operations, this.#options.allowEmptyKeys), options)
  }

  /**
   * Bulk load: writes `entries`, which must be in strictly ascending key order (bytewise),
   * straight to tables and installs them in one step. Atomic: once it resolves every entry is
   * visible and durable, and if it rejects (bad or unsorted input, an iterable that throws, a
   * failure, close) none is. Entries overwrite existing keys like puts made at the moment it
   * resolves; snapshots taken before then do not see them. Writes go on while the tables are
   * built and pause only while they are installed, which flushes the memtable.
   */
  ingest(entries: IngestSource): Promise<IngestResult> {
    try {
      const source = ingestSourceArg(entries)
      // A rejection when set: closed, read-only or stopped by a failure.
      return (this.#checkWritable() as Promise<never> | undefined) ?? this.#handle.writer!.ingests.ingest(source)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Validates (bad arguments reject before the database's state is looked at), then writes. */
  #write(ops: () => PendingOp[], options: WriteOptions | undefined): Promise<void> {
    try {
      const pending = ops()
      if (pending.length === 0) return this.#checkWritable() ?? Promise.resolve()
      const sync = syncArg(options)
      // The write path itself refuses a closed or failed database, after trying to resume.
      if (this.#handle.writer === undefined) return this.#checkWritable()!
      return this.#handle.writer.writes.write(pending, sync)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** A rejection when this handle cannot write now: closed, read-only, or stopped by a failure. */
  #checkWritable(): Promise<void> | undefined {
    if (this.#closed) return Promise.reject(databaseClosed())
    if (this.#handle.writer === undefined) return Promise.reject(new ShaleError('READ_ONLY', `Cannot write to ${this.location}: it is open read-only`))
    return this.#handle.writer.writes.checkWritable()
  }

  /** Throws once close() has begun: every call but close() and the getters starts here. */
  #checkOpen(): void {
    if (this.#closed) throw databaseClosed()
  }

  /** Writes the memtable to a table now and waits until it is recorded in the manifest. */
  flush(): Promise<void> {
    return this.#checkWritable() ?? this.#handle.writer!.writes.flush()
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
    await this.#handle.writer!.compactions.compactRange(s, e, options?.onProgress)
  }

  /**
   * Resolves once no flush or compaction is running or queued (a flush already started,
   * say by a large range deletion, is waited for, with the compactions it leads to): the
   * tree is settled (every level below its target) and the tables compactions replaced
   * are deleted, unless an open iterator still reads them (they go soon after it closes).
   * For tools, tests and benchmarks that want to measure or inspect a quiet store; normal
   * use never needs it.
   */
  async waitForCompactions(): Promise<void> {
    this.#checkOpen()
    await this.#handle.writer?.waitForCompactions()
    if (this.#handle.errors.error) throw this.#handle.errors.error
  }

  // ---- reads ----

  /** The snapshot a read goes through, if any (validated). */
  #readSnapshot(options: ReadOptions | undefined): Snapshot | undefined {
    this.#checkOpen()
    return readSnapshotArg(options)
  }

  /** The value of key, or undefined when it is absent or deleted. Synchronous: no I/O wait beyond a positioned read. */
  getSync(key: Bytes, options?: ReadOptions): Buffer | undefined {
    const snap = this.#readSnapshot(options)
    const k = readKeyArg(key, this.#options.allowEmptyKeys)
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
      const allowEmpty = this.#options.allowEmptyKeys
      return this.#reads.getMany(keys, (key) => readKeyArg(key, allowEmpty), this.#readSnapshot(options), () => this.#checkOpen())
    } catch (err) {
      return Promise.reject(err)
    }
  }

  has(key: Bytes, options?: ReadOptions): Promise<boolean> {
    return this.get(key, options).then((v) => v !== undefined)
  }

  /** A consistent view as of now; release() it when done. */
  snapshot(): Snapshot {
    this.#checkOpen()
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
      this.#checkOpen()
      return Promise.resolve(this.#handle.follower?.refresh() ?? false)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /**
   * The change feed: every committed write batch from sequence `since` on, in commit order,
   * each whole as `{ sequence, operations }`, then new ones as they are committed, until the
   * loop breaks or `signal` aborts (which ends it quietly). It reads the write-ahead logs, so
   * it reaches back as far as they are kept (changesRetention); an older `since` throws
   * SEQUENCE_UNAVAILABLE saying which sequences are available, and the feed ends with the same
   * code at a db.ingest(), which writes no log. On a read-only handle it reads the writer's
   * logs, looking for more every 50 ms. See docs/design.md#change-feed.
   */
  changes(options?: ChangesOptions): ChangeFeed {
    this.#checkOpen()
    const { writer, follower } = this.#handle
    const source = writer?.changes ?? new FollowerChanges(follower!, () => this.#closed)
    const { since, signal } = changesArgs(options, source.lastSequence())
    return new ChangeFeed(source, since, signal)
  }

  /** True when opened with readOnly: true. */
  get readOnly(): boolean {
    return this.#handle.follower !== undefined
  }

  /** Iterates [key, value] pairs in key order (or reverse) within optional bounds. */
  iterator(options?: IteratorOptions): ShaleIterator {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw invalidArgument(`Invalid iterator options: expected an object, got ${String(options)}`)
    }
    const snap = this.#readSnapshot(options)
    return this.#reads.iterator(iteratorRangeArg(options), snap, cacheFillArg(options))
  }

  // ---- maintenance ----

  /**
   * Counters and sizes. With `{ space: true }` it also measures space amplification, which
   * needs the logical size of the newest versions and so reads every entry: O(data).
   */
  stats(options?: { space?: boolean }): DbStats {
    this.#checkOpen()
    return handleStats(this.#handle, options?.space === true ? () => this.iterator() : undefined)
  }

  /**
   * Hot backup: writes an openable copy of the store, as of the call, to directory `dir`
   * (which must not exist, or be empty, and must not be inside this store's directory) while
   * writes go on. The copy holds exactly what a snapshot taken at the call sees; writes made
   * after the call are not in it. Tables are hard-linked where the file system allows (they
   * are immutable, so sharing them is safe), else copied; the live logs are copied. Atomic:
   * `dir` appears, complete, only at the end. On a read-only handle it is a copy of that
   * handle's view. Node only. See docs/design.md#checkpoints.
   */
  checkpoint(dir: string): Promise<CheckpointResult> {
    try {
      this.#checkOpen()
      return checkpoint(this.#handle, this.location, this.#fs, dir, () => this.#closed)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Finishes background work, makes every write durable (one fsync) and releases the directory lock. */
  close(): Promise<void> {
    this.#closed = true
    this.#closing ??= closeHandle(this.#handle)
    return this.#closing
  }
}
