// The write path of a database open for writing: a write is appended to the log, then
// applied to the memtable; a full memtable is frozen behind a fresh log and flushed to a
// level-0 table in the background, one flush at a time on a SerialQueue. Writes wait when
// the previous memtable is still flushing, and slow down or stop when level 0 holds too
// many tables (backpressure). Writes without sync sit in the log writer's buffer until the
// event loop turns (the log-flush timer), so a burst of puts costs one write() call.
//
// After a full disk the path resumes itself (BackgroundError.tryResume): it abandons the
// log that failed and flushes the memtable, which holds every acknowledged write.

import { cancelLater, later, yieldToLoop, type Later } from '#runtime'
import { closedError } from '../errors.js'
import { logFileName } from '../base/file-names.js'
import { ValueKind } from '../base/internal-key.js'
import { coversTableBytes } from '../compaction/delete-only.js'
import { Memtable } from '../memtable/memtable.js'
import { ByteWriter } from '../util/coding.js'
import { compareBytes, copyBytes, EMPTY_BYTES } from '../util/bytes.js'
import { SerialQueue } from '../util/serial-queue.js'
import type { EventLoopGate } from '../util/event-loop-gate.js'
import { emptyEdit } from '../version/version-edit.js'
import { LogWriter } from '../wal/log-writer.js'
import { writeBatch } from '../wal/write-batch.js'
import type { PendingOp } from './arguments.js'
import { hasOpenRangeEnd, resolveOpenRangeEnds } from './open-range-end.js'
import type { CompactionScheduler } from './compaction-scheduler.js'
import type { DbCore } from './db-core.js'
import { writeLevel0Table } from './flush.js'
import type { GroupCommit } from './group-commit.js'


/**
 * Operations hold the caller's buffers until the write is applied, which is synchronous
 * unless the write has to wait; before waiting, it takes copies (of the operations from
 * `from` on), so the caller may reuse its buffers as soon as the call returns.
 */
function ownBuffers(ops: PendingOp[], from = 0): void {
  for (let i = from; i < ops.length; i++) {
    const op = ops[i]!
    op.key = copyBytes(op.key)
    if (op.value !== undefined) op.value = copyBytes(op.value)
  }
}

/** A write's progress through its waits (WritePath.#nextWait). */
interface Admission {
  /** Whether the write has a range deletion whose end is the end of the keyspace. */
  readonly openRangeEnd: boolean
  /** The turn of the event loop a write slowed down by level 0 still waits for. */
  slowdown: Promise<void> | undefined
  /** Whether it has met level 0's stop trigger (counted once per write). */
  stopped: boolean
}

/** Operations applied between looks at the event-loop gate while a write fills the memtable. */
const OPS_PER_GATE_CHECK = 16

export class WritePath {
  readonly #core: DbCore
  readonly #commit: GroupCommit
  readonly #compactions: CompactionScheduler
  /** Shared with reads: after about a millisecond of synchronous work, yield to the event loop. */
  readonly #gate: EventLoopGate
  /** Flushes run one at a time on this queue. */
  readonly #flushes = new SerialQueue()
  readonly #batchBuffer = new ByteWriter(1024)
  #mem: Memtable
  #log: LogWriter
  #imm: { memtable: Memtable; log: LogWriter } | undefined
  #flushTimer: Later | undefined
  /**
   * The newest sequence reads see. A write is logged whole at once but may be applied to the
   * memtable over several turns of the event loop (a large batch); its sequences are
   * published only once all of it is in, and in log order, so no read sees part of a batch.
   */
  #visibleSequence: number
  /** Settles when the writes still being applied are in; undefined when none is. */
  #applying: Promise<void> | undefined
  /** An ingest in progress: the sequence it takes, and whether it holds writes until `done`. */
  #ingest: { sequence: number; held: boolean; done: Promise<void>; end: () => void } | undefined
  /** Writes waiting to be logged, and the promise the last of them settles once it is logged. */
  #inLine = 0
  #line: Promise<void> | undefined
  /** What the first write in line is waiting for, when it is a flush or level 0's stop trigger (for the counters). */
  #holdUp: 'stall' | 'stop' | undefined
  /** Settles at the next turn of the event loop (writes slowed down by level 0 wait for it). */
  #thisTurn: Promise<void> | undefined

  constructor(core: DbCore, commit: GroupCommit, compactions: CompactionScheduler, gate: EventLoopGate, mem: Memtable, log: LogWriter) {
    this.#core = core
    this.#commit = commit
    this.#compactions = compactions
    this.#gate = gate
    this.#mem = mem
    this.#log = log
    this.#visibleSequence = core.versions.lastSequence
    this.#watch(log)
    commit.addLog(log)
  }

  /** The change feed reads the log files: feeds waiting at the end hear of every append. */
  #watch(log: LogWriter): void {
    const changes = this.#core.changes
    log.onAppend = () => changes.notify()
  }

  /** The sequence of the newest write fully applied: what a read at the latest state sees. */
  get visibleSequence(): number {
    return this.#visibleSequence
  }

  /** The memtable writes go to. */
  get memtable(): Memtable {
    return this.#mem
  }

  /** The frozen memtable being flushed, if any. */
  get immutable(): Memtable | undefined {
    return this.#imm?.memtable
  }

  /** Bytes in the live logs (the current one and the frozen memtable's). */
  get walBytes(): number {
    return this.#log.size + (this.#imm?.log.size ?? 0)
  }

  /** The lowest log number a memtable not yet in a table needs (Infinity when none is frozen). */
  get unflushedLog(): number {
    return this.#imm?.memtable.logNumber ?? Infinity
  }

  /**
   * For a checkpoint: the live logs, oldest first, with the current one's buffer handed to
   * the file first, so that every write applied so far is in a file, below `size`.
   */
  liveLogs(): { number: number; size: number }[] {
    this.#log.flush()
    const logs = [{ number: this.#mem.logNumber, size: this.#log.size }]
    if (this.#imm !== undefined) logs.unshift({ number: this.#imm.memtable.logNumber, size: this.#imm.log.size })
    return logs
  }

  /** A rejection when writes cannot go on now (closed, or stopped by a failure). */
  checkWritable(): Promise<void> | undefined {
    if (this.#core.isClosed()) return Promise.reject(closedError('database', 'Database is closed'))
    if (this.#core.errors.error) return Promise.reject(this.#core.errors.error)
    return undefined
  }

  /**
   * Writes are numbered in the order they are called. One that finds nothing in its way is
   * logged at once, within the call; one that must wait (see #nextWait) joins the line, and
   * while anyone is in the line every later write queues behind it, so none overtakes an
   * earlier one that is waiting: unawaited puts of one key leave the last call's value, and
   * the log (what a crash leaves, what the change feed replays) is a prefix of the calls.
   */
  async write(ops: PendingOp[], sync: boolean): Promise<void> {
    const { versions, options, counters, errors } = this.#core
    const admission: Admission = { openRangeEnd: hasOpenRangeEnd(ops), slowdown: undefined, stopped: false }
    // Past level 0's slowdown trigger, each write waits for the event loop to turn once
    // (every write called in the same turn shares that one turn), giving compaction a go.
    const l0 = versions.current.fileCount(0)
    if (l0 >= options.l0SlowdownTrigger && l0 < options.l0StopTrigger) {
      counters.writeSlowdowns++
      admission.slowdown = this.#turnEnd()
    }
    let wait: Promise<void> | undefined
    if (this.#inLine === 0) wait = this.#nextWait(ops, admission)
    else {
      wait = this.#line
      // Queued behind a write held up by a flush or by level 0: this one is held up too.
      if (this.#holdUp === 'stall') counters.writeStalls++
      else if (this.#holdUp === 'stop') {
        counters.writeStops++
        admission.stopped = true
      }
    }
    const applying = wait === undefined ? this.#logAndApply(ops, admission.openRangeEnd) : (await this.#waitInLine(ops, admission, wait)).applying
    if (applying === false) return
    if (sync) {
      counters.syncWrites++
      try {
        await this.#commit.sync()
      } catch (err) {
        // The apply goes on; its outcome no longer reaches this caller.
        applying?.catch(() => {})
        throw errors.fail('sync the write-ahead log', err)
      }
      if (applying !== undefined) await applying
    } else {
      this.#scheduleLogFlush()
      if (applying !== undefined) return applying
      const turn = this.#gate.pass()
      if (turn !== undefined) await turn
    }
  }

  /**
   * Waits behind `ahead` (the write before in the line, or this write's first wait), then
   * for whatever else is in the way, and logs (and starts applying) the write before
   * letting the next one go.
   */
  async #waitInLine(ops: PendingOp[], admission: Admission, ahead: Promise<void>): Promise<{ applying: Promise<void> | undefined | false }> {
    ownBuffers(ops)
    let letNextGo!: () => void
    const mine = new Promise<void>((resolve) => (letNextGo = resolve))
    this.#line = mine
    this.#inLine++
    try {
      await ahead
      // A long line released at once would log write after write in one turn of the event
      // loop; the gate shared with reads turns it every millisecond or so.
      for (;;) {
        const wait = this.#nextWait(ops, admission) ?? this.#gate.pass()
        if (wait === undefined) break
        await wait
      }
      // Boxed: an async function returning a promise would wait for it (the whole apply).
      return { applying: this.#logAndApply(ops, admission.openRangeEnd) }
    } finally {
      this.#inLine--
      if (this.#line === mine) this.#line = undefined
      letNextGo()
    }
  }

  /**
   * What a write must wait for before it may be logged, or undefined when nothing is in the
   * way; throws when writes cannot go on. Freezes a full memtable when it can.
   */
  #nextWait(ops: PendingOp[], admission: Admission): Promise<void> | undefined {
    const { versions, options, counters, errors } = this.#core
    if (errors.resumable && errors.error && !this.#core.isClosed()) {
      const resuming = this.#tryResume()
      if (resuming !== undefined) return resuming
    }
    if (this.#core.isClosed()) throw closedError('database', 'Database is closed')
    if (errors.error) throw errors.error
    if (admission.slowdown !== undefined) {
      const slowdown = admission.slowdown
      admission.slowdown = undefined
      return slowdown
    }
    // Past the stop trigger, wait for compaction to bring level 0 back under it.
    if (versions.current.fileCount(0) >= options.l0StopTrigger) {
      if (!admission.stopped) counters.writeStops++
      admission.stopped = true
      return this.#heldUpBy('stop', this.#compactions.schedule())
    }
    // An ingest being installed holds writes; one being built owns its sequence number,
    // so a write that would reach it waits for the ingest too (see ingest.ts).
    const ingest = this.#ingest
    if (ingest !== undefined && (ingest.held || versions.lastSequence + ops.length >= ingest.sequence)) return ingest.done
    // An open range end is fixed from the memtable's keys: every earlier write must be in it.
    if (admission.openRangeEnd && this.#applying !== undefined) return this.#applied()
    // Make room: freeze a full memtable; if the previous one is still flushing, wait. A
    // memtable is frozen only once every write logged for it is applied.
    if (this.#mem.approximateBytes < options.memtableSize) return undefined
    if (this.#applying !== undefined) return this.#applied()
    if (this.#imm === undefined) {
      this.#rotateMemtable()
      return undefined
    }
    counters.writeStalls++
    return this.#heldUpBy('stall', this.#flushes.idle())
  }

  /** Marks the line as held up by `cause` until `wait` settles. */
  #heldUpBy(cause: 'stall' | 'stop', wait: Promise<void>): Promise<void> {
    this.#holdUp = cause
    return wait.finally(() => {
      this.#holdUp = undefined
    })
  }

  /** Settles once the event loop has turned: one promise for every caller in this turn. */
  #turnEnd(): Promise<void> {
    this.#thisTurn ??= yieldToLoop().then(() => {
      this.#thisTurn = undefined
    })
    return this.#thisTurn
  }

  /**
   * Numbers the write, appends it to the log and starts applying it to the memtable, all in
   * one synchronous step: nothing may run between a write's last wait and this, and the
   * memtable a write is logged for is the one it goes into. Returns what #apply does (the
   * rest of a large write still being applied), or false when nothing was left to log.
   */
  #logAndApply(ops: PendingOp[], openRangeEnd: boolean): Promise<void> | undefined | false {
    const { versions, counters, errors } = this.#core
    // The end covers every key written before, and none after.
    if (openRangeEnd) ops = resolveOpenRangeEnds(ops, this.#largestStoredKey())
    if (ops.length === 0) return false
    const seq = versions.lastSequence + 1
    try {
      // Encoded into one reused buffer; the log writer copies it into its own.
      this.#batchBuffer.reset()
      writeBatch(this.#batchBuffer, seq, ops)
      this.#log.addRecord(this.#batchBuffer.view())
    } catch (err) {
      throw errors.fail('append to the write-ahead log', err)
    }
    versions.advanceLastSequence(seq + ops.length - 1)
    for (const op of ops) counters.userBytes += op.key.length + (op.value?.length ?? 0)
    counters.writes += ops.length
    const applying = this.#apply(this.#mem, ops, seq)
    this.#flushForRangeDeletions(ops)
    return applying
  }

  /**
   * Applies a logged write to its memtable. When nothing else is being applied it starts at
   * once and usually finishes within the current slice of the event-loop budget: then it is
   * published and undefined is returned. Otherwise the rest is applied in later turns, after
   * the writes logged before it, and the promise settles once it is published.
   */
  #apply(mem: Memtable, ops: PendingOp[], seq: number): Promise<void> | undefined {
    let rest: Promise<void>
    if (this.#applying === undefined) {
      const next = this.#applySlice(mem, ops, seq, 0)
      if (next === ops.length) {
        this.#visibleSequence = seq + ops.length - 1
        return undefined
      }
      ownBuffers(ops, next)
      rest = this.#applyRest(mem, ops, seq, next)
    } else {
      ownBuffers(ops)
      const before = this.#applying
      rest = before.then(() => this.#applyRest(mem, ops, seq, 0))
    }
    const applying: Promise<void> = rest.finally(() => {
      if (this.#applying === applying) this.#applying = undefined
    })
    this.#applying = applying
    return applying
  }

  async #applyRest(mem: Memtable, ops: PendingOp[], seq: number, from: number): Promise<void> {
    let next = from
    // Goes on after a background failure too: the write is logged, and resuming after a
    // full disk flushes the memtable, which must then hold every logged write whole.
    while (next < ops.length) {
      await this.#gate.pass()
      next = this.#applySlice(mem, ops, seq, next)
    }
    this.#visibleSequence = seq + ops.length - 1
  }

  /** Adds ops[from..] to the memtable until done or the event-loop gate closes; returns where it stopped. */
  #applySlice(mem: Memtable, ops: PendingOp[], seq: number, from: number): number {
    try {
      for (let i = from; i < ops.length; ) {
        const op = ops[i]!
        mem.add(op.key, seq + i, op.kind, op.value ?? EMPTY_BYTES, op.skey)
        i++
        if ((i - from) % OPS_PER_GATE_CHECK === 0 && i < ops.length && this.#gate.pass() !== undefined) return i
      }
    } catch (err) {
      // Part of a logged write is in the memtable: nothing later may be applied or published.
      throw this.#core.errors.fail('apply a write to the memtable', err)
    }
    return ops.length
  }

  /**
   * For an ingest (ingest.ts): reserves `sequence`, which every ingested entry carries.
   * Writes go on meanwhile, numbered below it; one that would reach it waits for endIngest().
   */
  beginIngest(sequence: number): void {
    let end!: () => void
    const done = new Promise<void>((resolve) => (end = resolve))
    this.#ingest = { sequence, held: false, done, end }
  }

  /**
   * Holds every write until endIngest(), then flushes the memtable: once it resolves, every
   * write so far is in a table and the live log is empty, so the ingest's sequence may be
   * recorded as the last one and the next write (numbered after it) starts that log.
   */
  async holdForIngest(): Promise<void> {
    this.#ingest!.held = true
    await this.flush()
  }

  /**
   * For an ingest being installed (writes held, memtable flushed): logs and syncs the marker
   * the change feed stops at, an empty batch numbered `sequence + 1` (docs/format.md), before
   * the MANIFEST edit that makes the ingest real. A crash between the two leaves a marker for
   * an ingest that did not happen, which only ends a feed early; never the reverse. The
   * ingest's own directory sync, which follows, makes a new log's entry durable. Without
   * retention or an open feed nothing is logged: the flush before the ingest left no log a
   * later feed could start in before it, so such a feed gets SEQUENCE_UNAVAILABLE anyway.
   */
  async logIngestMarker(sequence: number): Promise<void> {
    const { errors, changes } = this.#core
    if (!changes.retaining && changes.feeds === 0) return
    try {
      this.#batchBuffer.reset()
      writeBatch(this.#batchBuffer, sequence + 1, [])
      this.#log.addRecord(this.#batchBuffer.view())
    } catch (err) {
      throw errors.fail('append to the write-ahead log', err)
    }
    try {
      await this.#log.sync()
    } catch (err) {
      throw errors.fail('sync the write-ahead log', err)
    }
  }

  /** The ingest's tables are in the current version: reads at the latest state see them. */
  publishIngest(sequence: number): void {
    this.#visibleSequence = sequence
  }

  /** Lets writes go on after an ingest, installed or failed. */
  endIngest(): void {
    const ingest = this.#ingest
    this.#ingest = undefined
    ingest?.end()
  }

  /** The largest user key in the memtables and tables (bounds of tables, so perhaps a little past it). */
  #largestStoredKey(): Uint8Array | undefined {
    let largest: Uint8Array | undefined
    const consider = (k: Uint8Array | undefined): void => {
      if (k !== undefined && (largest === undefined || compareBytes(k, largest) > 0)) largest = k
    }
    consider(this.#mem.largestUserKey())
    consider(this.#imm?.memtable.largestUserKey())
    // Level 0's tables overlap; in deeper levels they are sorted, so the last one ends last.
    const levels = this.#core.versions.current.levels
    for (const f of levels[0]!) consider(f.largestKey)
    for (let level = 1; level < levels.length; level++) consider(levels[level]!.at(-1)?.largestKey)
    return largest
  }

  /**
   * A range deletion over tables holding more than the memtable does is flushed at once:
   * once in a table it lets a delete-only compaction drop them (compaction/delete-only.ts),
   * freeing their space and sparing iterators the walk over what they hide. A failure is
   * the background error's to report.
   */
  #flushForRangeDeletions(ops: readonly PendingOp[]): void {
    const version = this.#core.versions.current
    for (const op of ops) {
      if (op.kind !== ValueKind.RangeDeletion) continue
      if (coversTableBytes(version, op.key, op.value!, Math.max(1, this.#mem.approximateBytes))) {
        this.flush().catch(() => {})
        return
      }
    }
  }

  /** Settles (never rejects) once every write logged so far is applied. */
  async #applied(): Promise<void> {
    while (this.#applying !== undefined) await this.#applying.catch(() => {})
  }

  /** Writes the memtable to a table now and waits until it is recorded in the manifest. */
  async flush(): Promise<void> {
    const rejected = this.checkWritable()
    if (rejected) return rejected
    // Freeze the memtable once nothing is being applied to it and the previous one is flushed.
    for (;;) {
      if (this.#core.errors.error) throw this.#core.errors.error
      if (this.#applying !== undefined) await this.#applied()
      else if (this.#imm !== undefined) await this.#flushes.idle()
      else break
    }
    if (this.#mem.count > 0) this.#rotateMemtable()
    await this.#flushes.idle()
    if (this.#core.errors.error) throw this.#core.errors.error
  }

  /** Settles (never rejects) once the writes logged and the flushes queued so far are done. */
  async idle(): Promise<void> {
    await this.#applied()
    await this.#flushes.idle()
  }

  /** Bytes of log `number` in its file (for the change feed), when it is a log this path writes; undefined for any other. */
  bytesInFile(number: number): number | undefined {
    if (number === this.#mem.logNumber) return this.#log.appendedBytes
    if (this.#imm !== undefined && number === this.#imm.memtable.logNumber) return this.#imm.log.appendedBytes
    return undefined
  }

  /**
   * Where the next write's record will begin in the log (for a change feed from the next
   * write on); undefined while records are still buffered (flushLogBuffer first), or while
   * an ingest is under way, whose marker record is logged ahead of its sequence.
   */
  nextRecordStart(): { log: number; offset: number } | undefined {
    if (this.#ingest !== undefined || this.#log.pendingBytes > 0) return undefined
    return { log: this.#mem.logNumber, offset: this.#log.appendedBytes }
  }

  /** Hands the log writer's buffered records to the file now (for a change feed waiting at the end). */
  flushLogBuffer(): void {
    if (this.#log.pendingBytes === 0 || this.#core.isClosed() || this.#core.errors.error) return
    try {
      this.#log.flush()
    } catch (err) {
      this.#core.errors.fail('write the write-ahead log', err)
    }
  }

  /** For close: no more log flushes on the timer; the logs are closed next. */
  stopLogFlushTimer(): void {
    if (this.#flushTimer !== undefined) cancelLater(this.#flushTimer)
  }

  /** Closes the live logs (for close, after the last sync). */
  closeLogs(): (() => void)[] {
    return [() => this.#log.close(), () => this.#imm?.log.close()]
  }

  // Non-sync writes sit in the log writer's buffer until it fills or the event loop turns,
  // so a burst of puts costs one write() system call, not one each.
  #scheduleLogFlush(): void {
    if (this.#flushTimer !== undefined) return
    // Unref'd: a buffered write alone does not keep the process alive (close() syncs it).
    // A feed waiting for it does: its loop must get the write, even if nothing else is left.
    const keepAlive = this.#core.changes.waiting > 0
    this.#flushTimer = later(() => {
      this.#flushTimer = undefined
      if (this.#core.isClosed() || this.#core.errors.error) return
      try {
        this.#log.flush()
      } catch (err) {
        this.#core.errors.fail('write the write-ahead log', err)
      }
    }, !keepAlive)
  }

  /** Freezes the memtable and starts a new log; `abandonLog` skips flushing a log whose write failed. */
  #rotateMemtable(options?: { abandonLog: boolean }): void {
    const { versions, fs, location, errors } = this.#core
    let number: number
    let log: LogWriter
    try {
      number = versions.newFileNumber()
      if (!options?.abandonLog) this.#log.flush()
      log = new LogWriter(fs.create(logFileName(location, number), { preallocate: this.#core.options.preallocateLogs }))
    } catch (err) {
      throw errors.fail('start a new write-ahead log', err)
    }
    this.#imm = { memtable: this.#mem, log: this.#log }
    this.#mem = new Memtable(number)
    this.#log = log
    this.#watch(log)
    this.#commit.addLog(log)
    void this.#flushes.push(async () => {
      if (errors.error) return
      try {
        await this.#flushImmutable()
      } catch (err) {
        errors.fail('flush the memtable', err)
      }
    })
  }

  async #flushImmutable(): Promise<void> {
    const { versions, fs, location, options, counters, files } = this.#core
    const imm = this.#imm
    if (imm === undefined) return
    const started = performance.now()
    const number = (await versions.allocateFileNumbers(1))[0]!
    files.protect(number)
    try {
      const edit = emptyEdit()
      edit.logNumber = this.#mem.logNumber
      const work = { userBytes: imm.memtable.userBytes, walBytes: imm.log.size, flushes: 0, flushBytes: 0 }
      // Empty only when resuming after a failure: then just the log number moves on.
      if (imm.memtable.count > 0) {
        const meta = await writeLevel0Table(imm.memtable, number, location, fs, options)
        edit.newFiles.push({ level: 0, file: meta })
        counters.flushBytes += meta.size
        work.flushes = 1
        work.flushBytes = meta.size
      }
      // A log kept for the change feed must hold every record its table does, power cut or not.
      if (this.#core.changes.retaining && imm.log.syncedSize < imm.log.size) await imm.log.sync()
      // The new table's directory entry, and the new log's: the edit names that log as live.
      await fs.syncDir(location)
      await versions.logAndApply(edit, work)
      counters.flushes++
      counters.flushMillis += performance.now() - started
    } finally {
      files.release(number)
    }
    this.#imm = undefined
    counters.walBytesWritten += imm.log.size
    await this.#commit.retire(imm.log)
    files.collect()
    void this.#compactions.schedule()
  }

  /**
   * After a full disk: abandons the log that failed (it may end in a torn record), starts a
   * fresh one and flushes the memtable to a table. Writes resume once that is in the MANIFEST.
   */
  #tryResume(): Promise<void> | undefined {
    return this.#core.errors.tryResume(
      async () => {
        await this.#applied()
        await this.#flushes.idle()
        await this.#compactions.idle()
        await this.#commit.drain().catch(() => {})
      },
      async () => {
        if (this.#imm !== undefined) await this.#flushImmutable()
        // Failed rotations may have used up the reserved file numbers; reserve again.
        await this.#core.versions.allocateFileNumbers(0)
        this.#rotateMemtable({ abandonLog: true })
        await this.#flushes.idle()
      },
    )
  }
}
