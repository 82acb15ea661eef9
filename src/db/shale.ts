// The database: the public API over the write path (log → memtable → flush to tables) and
// the read path (memtable → immutable memtable → tables, newest first). See docs/design.md.

import { join, resolve } from 'node:path'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { ShaleError, invalidArgument } from '../errors.js'
import { currentFileName, lockFileName, logFileName, parseFileName } from '../base/file-names.js'
import { ValueKind } from '../base/internal-key.js'
import { resolveOptions, type Options, type ResolvedOptions } from '../base/options.js'
import { copyBytes } from '../util/bytes.js'
import { BlockCache } from '../table/block-cache.js'
import { EventLoopGate } from '../util/event-loop-gate.js'
import { Memtable } from '../memtable/memtable.js'
import { MergingIterator } from '../iterators/merging-iterator.js'
import type { InternalIterator } from '../base/internal-iterator.js'
import { TableCache } from '../table/table-cache.js'
import { emptyEdit, NUM_LEVELS } from '../version/version-edit.js'
import { bottomLevelTask, levelScores, manualTask, outputNumberBudget, pickCompaction, type CompactionTask } from '../compaction/compaction-picker.js'
import { InProcessRunner, sharedWorkerRunner, type CompactionRunner } from '../compaction/compaction-runner.js'
import { VersionSet } from '../version/version-set.js'
import type { TableLookup, Version } from '../version/version.js'
import type { FileLock, FileSystem } from '../vfs/file-system.js'
import { NodeFileSystem } from '../vfs/node-file-system.js'
import { LogWriter } from '../wal/log-writer.js'
import { writeBatch, type BatchOp } from '../wal/write-batch.js'
import { ByteWriter } from '../util/coding.js'
import { binaryKey, boundArg, keyArg, syncArg, valueArg, type Bytes, type WriteOptions } from './arguments.js'
import { DbIterator, type Bound } from './db-iterator.js'
import { Follower } from './follower.js'
import type { ReadView } from './read-view.js'
import { writeLevel0Table } from './flush.js'
import { GroupCommit } from './group-commit.js'
import { deleteObsoleteFiles } from './obsolete-files.js'
import { replayLogs } from './recovery.js'
import { Snapshot, SnapshotList } from './snapshot.js'
import { ShaleIterator, type IteratorOptions } from './shale-iterator.js'
import { StatsCounters, lifetimeStats, type DbStats } from './stats.js'

/** A validated operation, with its key also as the memtable's binary string. */
type PendingOp = BatchOp & { skey: string }

function pendingOp(kind: ValueKind, key: unknown, value: unknown, allowEmptyKey: boolean, what = 'key'): PendingOp {
  const k = keyArg(key, allowEmptyKey, what)
  return { kind, key: k, value: kind === ValueKind.Value ? valueArg(value) : undefined, skey: binaryKey(key as Bytes, k) }
}

/**
 * Operations hold the caller's buffers until the write is applied, which is synchronous
 * unless the write has to wait; before waiting, it takes copies, so the caller may reuse
 * its buffers as soon as the call returns.
 */
function ownBuffers(ops: PendingOp[]): void {
  for (const op of ops) {
    op.key = copyBytes(op.key)
    if (op.value !== undefined) op.value = copyBytes(op.value)
  }
}

export type BatchOperation = { type: 'put'; key: Bytes; value: Bytes } | { type: 'del'; key: Bytes }

export interface ReadOptions {
  snapshot?: Snapshot
}

export class Shale {
  readonly location: string
  readonly #options: ResolvedOptions
  readonly #fs: FileSystem
  /** The directory lock, the live log and the follower: a writer has the first two, a read-only handle the third. */
  readonly #lock: FileLock | undefined
  #log: LogWriter | undefined
  readonly #follower: Follower | undefined
  readonly #versions: VersionSet
  readonly #tables: TableCache
  readonly #commit: GroupCommit
  readonly #runner: CompactionRunner
  readonly #snapshots = new SnapshotList()
  readonly #iterators = new Set<ShaleIterator>()
  readonly #counters = new StatsCounters()
  /** The memtable writes go to; a read-only handle's stays empty (writes are refused before it). */
  #mem: Memtable
  #imm: { memtable: Memtable; log: LogWriter } | undefined
  /** Settles when the running flush ends; writers stalled on a full memtable wait on it. */
  #flushing: Promise<void> | undefined
  /** Flushes run one at a time on this chain. */
  #background: Promise<void> = Promise.resolve()
  /** Compactions (automatic and manual) run one at a time on this chain, beside flushes. */
  #compactions: Promise<void> = Promise.resolve()
  /** Settles when the compactions queued so far are done; writers stalled on L0 wait on it. */
  #compacting: Promise<void> | undefined
  /** Per level: the largest key of the last compaction there, so picks cycle through the key space. */
  readonly #compactPointers: (Uint8Array | undefined)[] = new Array(NUM_LEVELS).fill(undefined)
  /** A failed fsync, flush or manifest write: writes stop, reads go on. */
  #bgError: ShaleError | undefined
  #closed = false
  #closing: Promise<void> | undefined
  #flushTimer: NodeJS.Immediate | undefined
  readonly #batchBuffer = new ByteWriter(1024)

  private constructor(
    location: string,
    options: ResolvedOptions,
    fs: FileSystem,
    tables: TableCache,
    role: { lock: FileLock; versions: VersionSet; mem: Memtable; log: LogWriter } | { follower: Follower },
  ) {
    this.location = location
    this.#options = options
    this.#fs = fs
    this.#tables = tables
    this.#commit = new GroupCommit(fs, location)
    this.#runner = options.compactionThread === 'worker' ? sharedWorkerRunner() : new InProcessRunner()
    if ('follower' in role) {
      this.#follower = role.follower
      this.#versions = role.follower.versions
      this.#mem = new Memtable(0)
    } else {
      this.#lock = role.lock
      this.#versions = role.versions
      this.#mem = role.mem
      this.#log = role.log
      this.#commit.addLog(role.log)
    }
    this.#view = { memtables: [this.#mem], version: this.#versions.current }
  }

  /** The live log; only the write path, which a read-only handle never reaches, asks for it. */
  get #wal(): LogWriter {
    if (this.#log === undefined) throw new ShaleError('READ_ONLY', `Database ${this.location} is open read-only`)
    return this.#log
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
      checkReadOnlyDirectory(fs, dir)
      const tables = newTableCache(dir, fs, opts)
      try {
        return new Shale(dir, opts, fs, tables, { follower: Follower.open(dir, fs, tables, opts.walRecovery) })
      } catch (err) {
        tables.close()
        throw err
      }
    }
    const exists = prepareDirectory(fs, dir, opts)
    const lock = fs.lock(lockFileName(dir))
    try {
      const versions = exists ? await VersionSet.recover(dir, fs) : await VersionSet.create(dir, fs)
      return await Shale.#recoverLogs(dir, opts, fs, lock, versions)
    } catch (err) {
      lock.release()
      throw err
    }
  }

  // Replays the logs the manifest does not cover, writes them to a level-0 table, and
  // starts a fresh log, so every open begins from tables plus one empty log.
  static async #recoverLogs(dir: string, opts: ResolvedOptions, fs: FileSystem, lock: FileLock, versions: VersionSet): Promise<Shale> {
    try {
      const logNumbers = fs
        .list(dir)
        .map((n) => parseFileName(n))
        .filter((f) => f?.kind === 'log' && f.number >= versions.logNumber)
        .map((f) => f!.number)
        .sort((a, b) => a - b)
      const recovered = new Memtable(0)
      const replay = replayLogs(fs, dir, logNumbers, recovered, versions.lastSequence, opts.walRecovery)
      versions.lastSequence = replay.lastSequence
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
      const log = new LogWriter(fs.create(logFileName(dir, logNumber)))
      try {
        await fs.syncDir(dir)
        await versions.logAndApply(edit, work)
      } catch (err) {
        log.close()
        throw err
      }
      const db = new Shale(dir, opts, fs, newTableCache(dir, fs, opts), { lock, versions, mem: new Memtable(logNumber), log })
      db.#counters.recoveredRecords = replay.records
      db.#deleteObsoleteFiles()
      // A store closed with compaction debt (level 0 over its trigger, say) pays it now, not
      // only after the next write: until then every read would search the extra tables.
      void db.#scheduleCompaction()
      return db
    } catch (err) {
      versions.close()
      throw err
    }
  }

  // ---- writes ----

  put(key: Bytes, value: Bytes, options?: WriteOptions): Promise<void> {
    try {
      return this.#write([pendingOp(ValueKind.Value, key, value, this.#options.allowEmptyKeys)], syncArg(options))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  delete(key: Bytes, options?: WriteOptions): Promise<void> {
    try {
      return this.#write([pendingOp(ValueKind.Deletion, key, undefined, this.#options.allowEmptyKeys)], syncArg(options))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Applies all operations atomically: after a crash, either all or none are present. */
  write(operations: readonly BatchOperation[], options?: WriteOptions): Promise<void> {
    try {
      if (!Array.isArray(operations)) throw invalidArgument('Invalid batch: expected an array of operations')
      const ops = operations.map((o, i) => {
        if (typeof o !== 'object' || o === null) throw invalidArgument(`Invalid batch operation ${i}: expected an object`)
        if (o.type === 'put') return pendingOp(ValueKind.Value, o.key, o.value, this.#options.allowEmptyKeys, `key of operation ${i}`)
        if (o.type === 'del') return pendingOp(ValueKind.Deletion, o.key, undefined, this.#options.allowEmptyKeys, `key of operation ${i}`)
        throw invalidArgument(`Invalid batch operation ${i}: type must be 'put' or 'del', got ${String((o as { type: unknown }).type)}`)
      })
      if (ops.length === 0) return this.#checkWritable() ?? Promise.resolve()
      return this.#write(ops, syncArg(options))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  #checkWritable(): Promise<void> | undefined {
    if (this.#closed) return Promise.reject(closedError())
    if (this.#follower) return Promise.reject(new ShaleError('READ_ONLY', `Cannot write to ${this.location}: it is open read-only`))
    if (this.#bgError) return Promise.reject(this.#bgError)
    return undefined
  }

  async #write(ops: PendingOp[], sync: boolean): Promise<void> {
    if (this.#noSpace && this.#bgError && !this.#closed) {
      ownBuffers(ops)
      await this.#tryResume()
    }
    const rejected = this.#checkWritable()
    if (rejected) return rejected
    // Backpressure from level 0: past the stop trigger wait for compaction; past the
    // slowdown trigger give it one turn of the event loop per write.
    const l0 = this.#versions.current.fileCount(0)
    if (l0 >= this.#options.l0SlowdownTrigger) {
      ownBuffers(ops)
      if (l0 >= this.#options.l0StopTrigger) {
        this.#counters.writeStops++
        while (this.#versions.current.fileCount(0) >= this.#options.l0StopTrigger && !this.#bgError && !this.#closed) {
          await (this.#compacting ?? this.#scheduleCompaction())
        }
      } else {
        this.#counters.writeSlowdowns++
        await yieldToLoop()
      }
      const again = this.#checkWritable()
      if (again) return again
    }
    // Make room: freeze a full memtable; if the previous one is still flushing, wait.
    while (this.#mem.approximateBytes >= this.#options.memtableSize) {
      if (this.#imm === undefined) {
        this.#rotateMemtable()
        break
      }
      this.#counters.writeStalls++
      ownBuffers(ops)
      await this.#flushing
      const again = this.#checkWritable()
      if (again) return again
    }
    const seq = this.#versions.lastSequence + 1
    try {
      // Encoded into one reused buffer; the log writer copies it into its own.
      this.#batchBuffer.reset()
      writeBatch(this.#batchBuffer, seq, ops)
      this.#wal.addRecord(this.#batchBuffer.view())
    } catch (err) {
      throw this.#fail('append to the write-ahead log', err)
    }
    this.#versions.lastSequence = seq + ops.length - 1
    const mem = this.#mem
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!
      mem.add(op.key, seq + i, op.kind, op.value ?? EMPTY, op.skey)
      this.#counters.userBytes += op.key.length + (op.value?.length ?? 0)
    }
    this.#counters.writes += ops.length
    if (sync) {
      this.#counters.syncWrites++
      try {
        await this.#commit.sync()
      } catch (err) {
        throw this.#fail('sync the write-ahead log', err)
      }
    } else {
      this.#scheduleLogFlush()
      const turn = this.#gate.pass()
      if (turn !== undefined) await turn
    }
  }

  /**
   * Writes, reads and iterator steps complete synchronously, so callers awaiting one after
   * another (or many at once) would never let timers or I/O callbacks run. After about a
   * millisecond of such work every promise settles on the next turn of the event loop.
   */
  readonly #gate = new EventLoopGate()

  // Non-sync writes sit in the log writer's buffer until it fills or the event loop turns,
  // so a burst of puts costs one write() system call, not one each.
  #scheduleLogFlush(): void {
    if (this.#flushTimer !== undefined) return
    this.#flushTimer = setImmediate(() => {
      this.#flushTimer = undefined
      if (this.#closed || this.#bgError) return
      try {
        this.#wal.flush()
      } catch (err) {
        this.#fail('write the write-ahead log', err)
      }
    })
    this.#flushTimer.unref()
  }

  /** Records a fatal background failure: later writes fail with READ_ONLY, reads continue. */
  #fail(action: string, err: unknown): ShaleError {
    const cause = err instanceof ShaleError ? err : new ShaleError('IO', String(err), { cause: err })
    if (this.#bgError === undefined) {
      this.#bgError = new ShaleError('READ_ONLY', `Database ${this.location} is read-only after a failure to ${action}: ${cause.message}`, { cause })
      // A full disk is worth retrying once space returns; any other failure is final.
      this.#noSpace = cause.code === 'NO_SPACE'
    }
    return cause
  }

  /** The read-only state came from a full disk, so writes try to resume (see #tryResume). */
  #noSpace = false
  #lastResume = -Infinity
  #resuming: Promise<void> | undefined

  /**
   * After ENOSPC, at most every RESUME_INTERVAL_MS a write tries to get the database back:
   * it abandons the log that failed (it may end in a torn record), starts a fresh one, and
   * flushes the memtable, which holds every write acknowledged so far, to a table. Only
   * when that is durable in the MANIFEST do writes resume; until then they fail READ_ONLY.
   */
  #tryResume(): Promise<void> | undefined {
    if (this.#resuming || performance.now() - this.#lastResume < RESUME_INTERVAL_MS) return this.#resuming
    this.#lastResume = performance.now()
    const failure = this.#bgError
    this.#resuming = (async () => {
      await this.#background
      await this.#compactions
      await this.#commit.drain().catch(() => {})
      this.#bgError = undefined
      try {
        if (this.#imm !== undefined) await this.#flushImmutable()
        // Failed rotations may have used up the reserved file numbers; reserve again.
        await this.#versions.allocateFileNumbers(0)
        this.#rotateMemtable({ abandonLog: true })
        await this.#flushing
        if (this.#bgError) throw this.#bgError
        this.#noSpace = false
        this.#counters.resumes++
      } catch (err) {
        // Why this attempt failed is what stops writes now: a full disk again is retried
        // later, any other failure (EIO, say) is final and must not hide behind the old one.
        if (this.#bgError === undefined) this.#fail('resume writes after a full disk', err)
        this.#bgError ??= failure
      } finally {
        this.#resuming = undefined
      }
    })()
    return this.#resuming
  }

  /** Freezes the memtable and starts a new log; `abandonLog` skips flushing a log whose write failed. */
  #rotateMemtable(options?: { abandonLog: boolean }): void {
    let number: number
    let log: LogWriter
    try {
      number = this.#versions.newFileNumber()
      if (!options?.abandonLog) this.#wal.flush()
      log = new LogWriter(this.#fs.create(logFileName(this.location, number)))
    } catch (err) {
      throw this.#fail('start a new write-ahead log', err)
    }
    this.#imm = { memtable: this.#mem, log: this.#wal }
    this.#mem = new Memtable(number)
    this.#log = log
    this.#commit.addLog(log)
    this.#flushing = this.#schedule(() => this.#flushImmutable())
  }

  /** Runs fn after the background work already queued; failures make the database read-only. */
  #schedule(fn: () => Promise<void>): Promise<void> {
    const run = this.#background.then(async () => {
      if (this.#bgError) return
      try {
        await fn()
      } catch (err) {
        this.#fail('flush the memtable', err)
      }
    })
    this.#background = run
    return run
  }

  async #flushImmutable(): Promise<void> {
    const imm = this.#imm
    if (imm === undefined) return
    const started = performance.now()
    const number = (await this.#versions.allocateFileNumbers(1))[0]!
    this.#pendingOutputs.add(number)
    try {
      const edit = emptyEdit()
      edit.logNumber = this.#mem.logNumber
      const work = { userBytes: imm.memtable.userBytes, walBytes: imm.log.size, flushes: 0, flushBytes: 0 }
      // Empty only when resuming after a failure: then just the log number moves on.
      if (imm.memtable.count > 0) {
        const meta = await writeLevel0Table(imm.memtable, number, this.location, this.#fs, this.#options)
        edit.newFiles.push({ level: 0, file: meta })
        this.#counters.flushBytes += meta.size
        work.flushes = 1
        work.flushBytes = meta.size
      }
      // The new table's directory entry, and the new log's: the edit names that log as live.
      await this.#fs.syncDir(this.location)
      await this.#versions.logAndApply(edit, work)
      this.#counters.flushes++
      this.#counters.flushMillis += performance.now() - started
    } finally {
      this.#pendingOutputs.delete(number)
    }
    this.#imm = undefined
    this.#counters.walBytesWritten += imm.log.size
    await this.#commit.retire(imm.log)
    this.#deleteObsoleteFiles()
    this.#scheduleCompaction()
  }

  /**
   * Resolves once no automatic compaction is running or queued: the tree is settled (every
   * level below its target). For tools, tests and benchmarks that want to measure or inspect
   * a quiet store; normal use never needs it.
   */
  async waitForCompactions(): Promise<void> {
    if (this.#closed) throw closedError()
    while (this.#compacting !== undefined && !this.#closed) await this.#compacting
    if (this.#bgError) throw this.#bgError
  }

  /** Queues automatic compactions until every level scores below 1. */
  #scheduleCompaction(): Promise<void> {
    if (this.#compacting !== undefined) return this.#compacting
    const run = (this.#compactions = this.#compactions.then(async () => {
      try {
        for (;;) {
          if (this.#bgError || this.#closed) return
          const task = pickCompaction(this.#versions.current, this.#options, this.#compactPointers)
          if (task === undefined) return
          await this.#compact(task)
        }
      } catch (err) {
        this.#fail('compact tables', err)
      } finally {
        if (this.#compacting === run) this.#compacting = undefined
      }
    }))
    this.#compacting = run
    return run
  }

  /** Runs one compaction task and installs its result. */
  async #compact(task: CompactionTask): Promise<void> {
    const started = performance.now()
    const version = this.#versions.current
    version.ref()
    const outputs: number[] = []
    try {
      const budget = task.trivialMove ? 0 : outputNumberBudget(task, this.#options.targetFileSize)
      const numbers = await this.#versions.allocateFileNumbers(budget)
      const result = await this.#runner.run(task, {
        dir: this.location,
        fs: this.#fs,
        tables: this.#tables,
        options: this.#options,
        deeperLevels: version.levels.slice(task.outputLevel + 1),
        snapshots: this.#snapshots.sequences(),
        newOutputNumber: () => {
          const n = numbers.shift()
          if (n === undefined) throw new ShaleError('IO', `Compaction used more than the ${budget} file numbers reserved for it`)
          this.#pendingOutputs.add(n)
          outputs.push(n)
          return n
        },
      })
      await this.#versions.logAndApply(result.edit, { compaction: { outputLevel: task.outputLevel, bytesRead: result.bytesRead, bytesWritten: result.bytesWritten } })
      this.#compactPointers[task.level] = task.largest
      this.#counters.recordCompaction(task.outputLevel, result.bytesRead, result.bytesWritten, performance.now() - started, task.trivialMove)
      this.#counters.droppedShadowed += result.drops.shadowed
      this.#counters.droppedTombstones += result.drops.tombstones
    } finally {
      for (const n of outputs) this.#pendingOutputs.delete(n)
      version.unref()
    }
    this.#deleteObsoleteFiles()
  }

  /**
   * Compacts every table overlapping [start, end] (all tables when both are omitted) down to
   * the deepest level that holds data, after flushing the memtable. Reclaims the space of
   * deleted and overwritten keys in that range.
   */
  async compactRange(start?: Bytes, end?: Bytes, options?: { onProgress?: (done: number, total: number) => void }): Promise<void> {
    const s = start === undefined ? undefined : boundArg(start, 'start')
    const e = end === undefined ? undefined : boundArg(end, 'end')
    const onProgress = options?.onProgress
    await this.flush()
    const run = this.#compactions.then(async () => {
      const levels = this.#versions.current.levels
      let bottom = 1
      for (let l = 1; l < NUM_LEVELS; l++) if (levels[l]!.length > 0) bottom = l
      // One step per level pushed down, plus the rewrite of the last level.
      onProgress?.(0, bottom + 1)
      for (let level = 0; level < bottom; level++) {
        if (this.#bgError || this.#closed) return
        const task = manualTask(this.#versions.current, level, s, e, this.#options)
        if (task !== undefined) await this.#compact(task)
        onProgress?.(level + 1, bottom + 1)
      }
      const rewrite = bottomLevelTask(this.#versions.current, bottom, s, e)
      if (rewrite !== undefined && !this.#bgError) await this.#compact(rewrite)
      onProgress?.(bottom + 1, bottom + 1)
    })
    // The failure is this call's to report (below); the chain must stay fulfilled, or every
    // later link, a resume or close, would fail with it, or leave it unhandled.
    this.#compactions = run.then(
      () => {},
      () => {},
    )
    try {
      await run
    } catch (err) {
      throw this.#fail('compact tables', err)
    }
    if (this.#bgError) throw this.#bgError
    this.#scheduleCompaction()
  }

  readonly #pendingOutputs = new Set<number>()

  #deleteObsoleteFiles(): void {
    const tables = this.#versions.liveTableNumbers()
    for (const n of this.#pendingOutputs) tables.add(n)
    const minLogNumber = Math.min(this.#versions.logNumber, this.#imm?.memtable.logNumber ?? Infinity)
    const removed = deleteObsoleteFiles(this.#fs, this.location, { tables, minLogNumber, manifestNumber: this.#versions.manifestNumber })
    for (const name of removed) {
      const f = parseFileName(name)
      if (f?.kind === 'table') this.#tables.evict(f.number)
    }
  }

  /** Writes the memtable to a table now and waits until it is recorded in the manifest. */
  async flush(): Promise<void> {
    const rejected = this.#checkWritable()
    if (rejected) return rejected
    if (this.#imm !== undefined) await this.#flushing
    if (this.#mem.count > 0 && this.#imm === undefined) this.#rotateMemtable()
    await this.#flushing
    if (this.#bgError) throw this.#bgError
  }

  // ---- reads ----

  /** The snapshot a read goes through, if any (validated). */
  #readSnapshot(options: ReadOptions | undefined): Snapshot | undefined {
    if (this.#closed) throw closedError()
    if (options === undefined || options === null) return undefined
    if (typeof options !== 'object') throw invalidArgument(`Invalid read options: expected an object, got ${typeof options}`)
    const snap = options.snapshot
    if (snap === undefined) return undefined
    if (!(snap instanceof Snapshot)) throw invalidArgument('Invalid option snapshot: expected a Snapshot from db.snapshot()')
    snap.checkUsable()
    return snap
  }

  get #lastSequence(): number {
    return this.#follower?.lastSequence ?? this.#versions.lastSequence
  }

  #view: ReadView

  /** What a read at the latest sequence searches; rebuilt only when a memtable or version changed. */
  #currentView(): ReadView {
    if (this.#follower) return this.#follower.view
    const v = this.#view
    const imm = this.#imm?.memtable
    if (v.version === this.#versions.current && v.memtables[0] === this.#mem && v.memtables[1] === imm) return v
    return (this.#view = { memtables: imm ? [this.#mem, imm] : [this.#mem], version: this.#versions.current })
  }

  /** The value of key, or undefined when it is absent or deleted. Synchronous: no I/O wait beyond a positioned read. */
  getSync(key: Bytes, options?: ReadOptions): Buffer | undefined {
    const snap = this.#readSnapshot(options)
    const seq = snap?.sequence ?? this.#lastSequence
    const view = snap?.view ?? this.#currentView()
    const k = keyArg(key, this.#options.allowEmptyKeys)
    const skey = binaryKey(key, k)
    const before = this.#counters.tablesSearched
    let hit: TableLookup | undefined
    for (let i = 0; i < view.memtables.length && hit === undefined; i++) hit = view.memtables[i]!.get(k, seq, skey)
    hit ??= view.version.get(k, seq, this.#tables, this.#counters)
    this.#counters.recordGet(this.#counters.tablesSearched - before)
    if (hit === undefined || hit.kind === ValueKind.Deletion) return undefined
    return Buffer.from(hit.value)
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
      // Every key is read at one sequence through one pinned view, so the event loop may
      // turn between slices of a large batch and the answer is still one consistent read.
      const snap = options?.snapshot === undefined ? this.snapshot() : undefined
      const read = snap === undefined ? options : { ...options, snapshot: snap }
      return this.#getEach(keys, read).finally(() => snap?.release())
    } catch (err) {
      return Promise.reject(err)
    }
  }

  async #getEach(keys: readonly Bytes[], options: ReadOptions | undefined): Promise<(Buffer | undefined)[]> {
    const out: (Buffer | undefined)[] = []
    for (const k of keys) {
      out.push(this.getSync(k, options))
      const turn = this.#gate.pass()
      if (turn !== undefined) await turn
    }
    return out
  }

  has(key: Bytes, options?: ReadOptions): Promise<boolean> {
    return this.get(key, options).then((v) => v !== undefined)
  }

  /** A consistent view as of now; release() it when done. */
  snapshot(): Snapshot {
    if (this.#closed) throw closedError()
    if (this.#follower === undefined) return this.#snapshots.create(this.#lastSequence)
    const view = this.#follower.view
    view.version.ref()
    return this.#snapshots.create(this.#lastSequence, { view, unpin: () => view.version.unref() })
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
      if (this.#closed) throw closedError()
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
    const seq = snap?.sequence ?? this.#lastSequence
    const view = snap?.view ?? this.#currentView()
    const o = options ?? {}
    const lower = bound(o.gte, true, 'gte') ?? bound(o.gt, false, 'gt')
    const upper = bound(o.lte, true, 'lte') ?? bound(o.lt, false, 'lt')
    const reverse = o.reverse ?? false
    if (typeof reverse !== 'boolean') throw invalidArgument('Invalid option reverse: expected a boolean')
    const limit = o.limit === undefined || o.limit === -1 || o.limit === Infinity ? Infinity : o.limit
    if (typeof limit !== 'number' || !(limit >= 0) || (limit !== Infinity && !Number.isInteger(limit))) {
      throw invalidArgument(`Invalid option limit: expected a non-negative integer, got ${String(o.limit)}`)
    }
    // Pin what the iterator reads: the memtables are plain objects kept alive by reference;
    // the version is referenced so its tables are not deleted under the iterator.
    const version: Version = view.version
    version.ref()
    const sources: InternalIterator[] = view.memtables.map((m) => m.iterator())
    sources.push(...version.iterators(this.#tables))
    const inner = new DbIterator(new MergingIterator(sources), seq, { lower, upper, reverse, limit })
    const it = new ShaleIterator(
      inner,
      () => {
        this.#iterators.delete(it)
        version.unref()
      },
      this.#gate,
    )
    this.#iterators.add(it)
    return it
  }

  // ---- maintenance ----

  /**
   * Counters and sizes. With `{ space: true }` it also measures space amplification, which
   * needs the logical size of the newest versions and so reads every entry: O(data).
   */
  stats(options?: { space?: boolean }): DbStats {
    if (this.#closed) throw closedError()
    const version = this.#versions.current
    let space: DbStats['space']
    if (options?.space === true) {
      let logicalBytes = 0
      for (const [k, v] of this.iterator()) logicalBytes += k.length + v.length
      const walBytes = this.#walBytes()
      const diskBytes = version.levels.reduce((sum, files) => sum + files.reduce((n, f) => n + f.size, 0), 0) + walBytes
      // Keys and values of every version the tables keep, before compression (the logs,
      // whose entries are all live until flushed, count at their size): against the logical
      // size this counts only the obsolete versions, whatever the codec saves.
      let storedBytes = walBytes
      for (const files of version.levels) {
        for (const f of files) {
          const reader = this.#tables.acquire(f.number)
          const p = reader.properties()
          storedBytes += p.rawKeyBytes + p.rawValueBytes
          this.#tables.release(reader)
        }
      }
      const over = (n: number) => (logicalBytes === 0 ? 0 : n / logicalBytes)
      space = { logicalBytes, diskBytes, storedBytes, amplification: over(diskBytes), uncompressedAmplification: over(storedBytes) }
    }
    return this.#counters.snapshot({
      space,
      // A read-only handle's memtables are the writer's logs replayed: all count as active.
      memtableBytes: this.#follower ? sum(this.#follower.view.memtables, (m) => m.approximateBytes) : this.#mem.approximateBytes,
      memtableEntries: this.#follower ? sum(this.#follower.view.memtables, (m) => m.count) : this.#mem.count,
      immutableMemtableBytes: this.#imm?.memtable.approximateBytes ?? 0,
      walBytes: this.#walBytes(),
      walBytesWritten: this.#counters.walBytesWritten + (this.#follower ? 0 : this.#walBytes()),
      lastSequence: this.#lastSequence,
      levels: this.#counters.levelStats(version.levels, levelScores(version, this.#options)),
      snapshots: this.#snapshots.size,
      openIterators: this.#iterators.size,
      fsyncs: this.#commit.syncs,
      backgroundError: this.#bgError?.message,
      compactionWarning: this.#runner.warning,
      // What the live logs hold counts once it is flushed; until then it is added from memory.
      lifetime: lifetimeStats(this.#versions.lifetime, {
        userBytes: sum(this.#currentView().memtables, (m) => m.userBytes),
        walBytes: this.#walBytes(),
      }),
    })
  }

  /** Bytes in the live logs: ours, or for a read-only handle the writer's, as far as replayed. */
  #walBytes(): number {
    return this.#follower?.walBytes ?? (this.#log?.size ?? 0) + (this.#imm?.log.size ?? 0)
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
    if (this.#flushTimer !== undefined) clearImmediate(this.#flushTimer)
    for (const it of [...this.#iterators]) it.close()
    this.#snapshots.releaseAll()
    let failure: unknown
    try {
      await this.#background
      await this.#compactions
      await this.#commit.drain()
      if (!this.#bgError && this.#follower === undefined) {
        // A clean close makes every write durable, even one made without sync: closing is
        // where users expect their data to be safe, and it costs one fsync.
        await this.#commit.sync()
      }
    } catch (err) {
      failure = err
    }
    // Every step runs even when an earlier one fails (a log's last append can hit a full
    // disk): the lock, above all, must be released, or the store stays locked until exit.
    const steps = [
      () => this.#log?.close(),
      () => this.#imm?.log.close(),
      () => this.#follower?.close(),
      () => this.#tables.close(),
      () => this.#versions.close(),
      () => this.#lock?.release(),
    ]
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

const EMPTY = new Uint8Array(0)
/** How often writes retry after a full disk. */
const RESUME_INTERVAL_MS = 250

function closedError(): ShaleError {
  return new ShaleError('CLOSED', 'Database is closed')
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let n = 0
  for (const x of xs) n += f(x)
  return n
}

function newTableCache(dir: string, fs: FileSystem, opts: ResolvedOptions): TableCache {
  const blockCache = opts.blockCacheSize > 0 ? new BlockCache(opts.blockCacheSize) : undefined
  return new TableCache(dir, fs, { maxOpenFiles: opts.maxOpenFiles, blockCache, paranoidChecks: opts.paranoidChecks, search: opts.blockSearch })
}

function bound(x: unknown, inclusive: boolean, name: string): Bound | undefined {
  return x === undefined ? undefined : { key: boundArg(x, `option ${name}`), inclusive }
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
  if (fs.stat(currentFileName(dir)) === 'file') return 'database'
  const ours = names.map((n) => parseFileName(n))
  if (ours.some((f) => f?.kind === 'table' || f?.kind === 'log')) {
    throw new ShaleError('CORRUPTION', `Corruption in ${join(dir, 'CURRENT')}: missing, but the directory holds tables or logs`)
  }
  // Without CURRENT a database was never fully created; leftovers of that attempt are ours
  // to reuse. Anything else means the directory belongs to someone else.
  const foreign = names.filter((n, i) => ours[i] === undefined)
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
