// The change feed (db.changes): committed write batches in commit order, read back from the
// write-ahead log files. The backlog and the live tail are one thing: the feed reads a log
// from where it stopped to its end, moves to the next log once a newer one exists, and at the
// end of the newest waits until more bytes reach the file. So nothing is buffered for it in
// memory (a slow reader leaves logs on disk, pinned while it reads them), no batch is missed
// between backlog and live, and each batch is delivered once: the feed tracks the next
// sequence it owes and skips any batch that ends before it.
//
// "Committed" is what the log file holds: a write is there once the log writer hands its
// buffer to the file, within a turn of the event loop after the write resolves (at once for
// sync writes). A batch is read only whole (a record passes its checksum or is not a record).
//
// db.ingest() writes tables, not log records. It logs an empty batch as a marker (sequence
// S + 1, no operations) before it installs its tables at sequence S, and the feed, which
// cannot carry the ingested entries, ends there with SEQUENCE_UNAVAILABLE (reason 'ingest').

import { closedError, invalidArgument, SequenceUnavailableError, ShaleError } from '../errors.js'
import { logFileName, parseFileName } from '../base/file-names.js'
import { getU32, getU64 } from '../util/coding.js'
import { sizedView, type FileSystem } from '../vfs/file-system.js'
import { LogReader } from '../wal/log-reader.js'
import { TimeSlicer } from '../util/time-slicer.js'
import { BATCH_HEADER_SIZE, decodeBatch, type BatchOp } from '../wal/write-batch.js'
import { changeOperation, type ChangeBatch } from './change-operations.js'

/** Keeps logs from `log` on while a feed reads them (the writer's ChangeLogs). */
export interface LogPin {
  move(log: number): void
  release(): void
}

/** Where a feed reads from: the writer's own logs, or (read-only) another process's. */
export interface ChangeSource {
  readonly fs: FileSystem
  readonly dir: string
  /** The newest committed sequence, as far as this handle knows. */
  lastSequence(): number
  /** The number of the log new writes go to; Infinity when unknown (list the directory). */
  newestLog(): number
  /** Resolves when more may have been written (or after a poll), on abort, or on close. */
  wait(signal: AbortSignal): Promise<void>
  closed(): boolean
  /** Keeps logs from n on; undefined when this handle cannot (a read-only one). */
  pin(log: number): LogPin | undefined
  /** Hands records still buffered in memory to the log file, so that reading the files sees every committed write. */
  flushLog(): void
  /**
   * How many bytes of log `log` its file holds, when this handle is writing it; undefined
   * otherwise (read to the file's end). A feed at the end of the live log then reads no
   * further than the writes, not into the zeros preallocated after them.
   */
  bytesInFile(log: number): number | undefined
  /**
   * Where the next write's record will begin, when this handle writes the logs, nothing is
   * left in its buffer (after flushLog) and every record in them is of a sequence already
   * handed out (not so while an ingest is under way: its marker is logged ahead of its
   * sequence); undefined otherwise.
   */
  nextRecordStart(): { log: number; offset: number } | undefined
}

export interface ChangesOptions {
  /**
   * The first sequence wanted: every batch whose last sequence is at or after it is
   * delivered, whole (so the first batch may start before `since`). Default: the sequence
   * after the newest committed one, that is, only writes from now on. A `since` beyond that
   * waits for those writes.
   */
  since?: number
  /** Ends the iteration (quietly, as `break` does) when aborted. */
  signal?: AbortSignal
}

/** Batches read per look at the log, and bytes of records: what one read holds in memory (and how long it takes). */
const READ_BATCHES = 64
const READ_BYTES = 256 * 1024

/** The oldest sequence the logs on disk still hold, per log (its first record), oldest log first. */
export interface ChangeRange {
  /** The lowest `since` the feed can serve. */
  first: number
  last: number
  logs: { number: number; first: number | undefined }[]
}

/** Lists the logs and the first sequence each holds (an ingest marker stands for the ingest's). */
export function changeRange(fs: FileSystem, dir: string, last: number): ChangeRange {
  const logs = listLogs(fs, dir).map((number) => ({ number, first: firstSequence(fs, dir, number) }))
  const first = logs.find((l) => l.first !== undefined)?.first ?? last + 1
  return { first: Math.min(first, last + 1), last, logs }
}

function listLogs(fs: FileSystem, dir: string): number[] {
  return fs
    .list(dir)
    .map((name) => parseFileName(name))
    .filter((f) => f?.kind === 'log')
    .map((f) => f!.number)
    .sort((a, b) => a - b)
}

/** The sequence a log's first record stands for, or undefined for a log with none (or gone). */
function firstSequence(fs: FileSystem, dir: string, number: number): number | undefined {
  let file
  try {
    file = fs.openRead(logFileName(dir, number))
  } catch (err) {
    if (err instanceof ShaleError && err.code === 'NOT_FOUND') return undefined
    throw err
  }
  try {
    const r = new LogReader(file, logFileName(dir, number)).next()
    if (r.type !== 'record' || r.record.length < BATCH_HEADER_SIZE) return undefined
    const seq = getU64(r.record, 0)
    // An ingest marker (no operations) at S + 1 stands for the ingest at S.
    return getU32(r.record, 8) === 0 ? seq - 1 : seq
  } finally {
    file.close()
  }
}

/** Checks the options of db.changes(); returns `since` (defaulted) and the signal. */
export function changesArgs(options: unknown, last: number): { since: number; signal: AbortSignal | undefined } {
  if (options === undefined) return { since: last + 1, signal: undefined }
  if (typeof options !== 'object' || options === null) throw invalidArgument(`Invalid changes options: expected an object, got ${String(options)}`)
  for (const k of Object.keys(options)) if (k !== 'since' && k !== 'signal') throw invalidArgument(`Invalid changes option ${k}: expected since or signal`)
  const { since, signal } = options as ChangesOptions
  if (since !== undefined && (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0)) {
    throw invalidArgument(`Invalid changes option since: expected a non-negative integer sequence, got ${String(since)}`)
  }
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).addEventListener !== 'function')) {
    throw invalidArgument('Invalid changes option signal: expected an AbortSignal')
  }
  return { since: Math.max(1, since ?? last + 1), signal }
}

/**
 * An async iterable of committed batches; see ChangesOptions. `for await` with `break` (or
 * return()) ends it and lets the logs it held go. If the database closes, the pending
 * next() rejects with CLOSED.
 */
export class ChangeFeed implements AsyncIterableIterator<ChangeBatch> {
  readonly #source: ChangeSource
  readonly #stop = new AbortController()
  readonly #signal: AbortSignal | undefined
  readonly #onAbort = (): void => this.#stop.abort()
  /** The lowest sequence not yet delivered. */
  #next: number
  #log: number
  /** The file name of #log (a feed at the end of the log looks at it on every write). */
  #path: string
  #offset = 0
  /** The log being read had a newer one the last time it was read to its end. */
  #sawNewer = false
  readonly #queue: ChangeBatch[] = []
  readonly #pin: LogPin | undefined
  #done = false
  /** next() calls run one after the other. */
  #chain: Promise<unknown> = Promise.resolve()
  /** The time since the loop last turned, the caller's work included (a clock read per batch or look: microseconds of work each). */
  readonly #slicer = new TimeSlicer(1, 1)

  /** Throws SEQUENCE_UNAVAILABLE when the logs no longer reach back to `since`. */
  constructor(source: ChangeSource, since: number, signal: AbortSignal | undefined) {
    this.#source = source
    this.#next = since
    this.#signal = signal
    source.flushLog()
    const next = since > source.lastSequence() ? source.nextRecordStart() : undefined
    let start: number
    if (next !== undefined) {
      // From the next write on (the default `since`): nothing the logs hold is owed, so the
      // feed starts where the next write's record will, without reading any log.
      start = next.log
      this.#offset = next.offset
    } else {
      const range = changeRange(source.fs, source.dir, source.lastSequence())
      if (since < range.first) {
        throw new SequenceUnavailableError(
          `Cannot read changes from sequence ${since}: the logs kept hold sequences ${range.first} to ${range.last} (keep more with the changesRetention option)`,
          'retention',
          { first: range.first, last: range.last },
        )
      }
      // The newest log whose first record is at or before `since`: earlier ones end before it.
      start = range.logs.at(-1)?.number ?? 0
      for (const l of range.logs) if (l.first !== undefined && l.first <= since) start = l.number
    }
    this.#log = start
    this.#path = logFileName(source.dir, start)
    this.#pin = source.pin(start)
    signal?.addEventListener('abort', this.#onAbort, { once: true })
    if (signal?.aborted) this.#stop.abort()
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<ChangeBatch>> {
    const result = this.#chain.then(() => this.#step())
    this.#chain = result.catch(() => {})
    return result
  }

  /** Ends the feed: the logs it pinned may go. */
  return(): Promise<IteratorResult<ChangeBatch>> {
    this.#end()
    return Promise.resolve({ done: true, value: undefined })
  }

  #end(): void {
    if (this.#done) return
    this.#done = true
    this.#queue.length = 0
    this.#pin?.release()
    this.#signal?.removeEventListener('abort', this.#onAbort)
    this.#stop.abort()
  }

  async #step(): Promise<IteratorResult<ChangeBatch>> {
    try {
      for (;;) {
        if (this.#done || this.#stop.signal.aborted) {
          this.#end()
          return { done: true, value: undefined }
        }
        const batch = this.#queue.shift()
        if (batch !== undefined) {
          // A backlog is read from files without waiting for I/O, so each batch would be handed
          // over within the same turn of the event loop: it turns once a time slice is used.
          const turn = this.#slicer.tick()
          if (turn !== undefined) {
            await turn
            // Ended or aborted meanwhile: nothing more is delivered (the top of the loop ends it).
            if (this.#done || this.#stop.signal.aborted) continue
          }
          return { done: false, value: batch }
        }
        if (this.#source.closed()) throw closedError('database', 'Database is closed')
        if (this.#read()) {
          // Logs read from their start pass over batches before `since` without delivering any.
          const turn = this.#slicer.tick()
          if (turn !== undefined) await turn
          continue
        }
        await this.#source.wait(this.#stop.signal)
        this.#slicer.restart()
      }
    } catch (err) {
      this.#end()
      throw err
    }
  }

  /** Reads what the logs hold past the feed's position; true when it queued batches or moved to a newer log. */
  #read(): boolean {
    const path = this.#path
    let file
    try {
      file = this.#source.fs.openRead(path)
    } catch (err) {
      if (err instanceof ShaleError && err.code === 'NOT_FOUND') return this.#vanished()
      throw err
    }
    let atEnd = false
    try {
      const written = this.#source.bytesInFile(this.#log)
      const reader = new LogReader(written === undefined ? file : sizedView(file, Math.min(written, file.size)), path, this.#offset)
      let bytes = 0
      while (this.#queue.length < READ_BATCHES && bytes < READ_BYTES) {
        const r = reader.next()
        // Damage ends a log here as it ends recovery's replay (a torn or abandoned tail).
        if (r.type !== 'record') {
          atEnd = true
          break
        }
        bytes += r.record.length
        this.#offset = reader.position
        // A batch that ends before the feed's position (a log is read from its start) is
        // passed over on its header alone; an ingest marker (no operations) goes to #take.
        if (r.record.length >= BATCH_HEADER_SIZE) {
          const count = getU32(r.record, 8)
          if (count > 0 && getU64(r.record, 0) + count - 1 < this.#next) continue
        }
        this.#take(decodeBatch(r.record, `${path} at offset ${r.offset}`), `${path} at offset ${r.offset}`)
      }
    } finally {
      file.close()
    }
    if (this.#queue.length > 0 || !atEnd) return true
    // At the end of this log: a newer log means this one is complete (the writer finishes a
    // log before it creates the next), once it has been read to its end after that was seen.
    const newer = this.#source.newestLog() > this.#log ? this.#nextLog() : undefined
    if (newer === undefined) return false
    if (!this.#sawNewer) {
      this.#sawNewer = true
      return true
    }
    this.#moveTo(newer)
    return true
  }

  #take(batch: { seq: number; ops: BatchOp[] }, where: string): void {
    if (batch.ops.length === 0) {
      // An ingest marker: the ingest took the sequence before it.
      const ingest = batch.seq - 1
      if (ingest < this.#next) return
      const last = Math.max(this.#source.lastSequence(), ingest)
      throw new SequenceUnavailableError(
        `Cannot read changes past sequence ${ingest}: db.ingest() wrote it as tables, which the change feed does not carry; copy the store (a checkpoint or an export) and resume from sequence ${ingest + 1}`,
        'ingest',
        { first: ingest + 1, last },
        ingest,
      )
    }
    const last = batch.seq + batch.ops.length - 1
    if (last < this.#next) return
    this.#queue.push({ sequence: batch.seq, operations: batch.ops.map((op) => changeOperation(op, where)) })
    this.#next = last + 1
  }

  #nextLog(): number | undefined {
    return listLogs(this.#source.fs, this.#source.dir).find((n) => n > this.#log)
  }

  #moveTo(log: number): void {
    this.#log = log
    this.#path = logFileName(this.#source.dir, log)
    this.#offset = 0
    this.#sawNewer = false
    this.#pin?.move(log)
  }

  /**
   * The log being read was deleted (a read-only handle's writer flushed it and keeps no
   * retention). Nothing is lost if the next log starts where this feed is; otherwise it fell behind.
   */
  #vanished(): boolean {
    const newer = this.#nextLog()
    const first = newer === undefined ? undefined : firstSequence(this.#source.fs, this.#source.dir, newer)
    if (newer !== undefined && first !== undefined && first <= this.#next) {
      this.#moveTo(newer)
      return true
    }
    // No later log with records yet: what they will start at decides.
    if (first === undefined) return false
    const range = changeRange(this.#source.fs, this.#source.dir, this.#source.lastSequence())
    throw new SequenceUnavailableError(
      `The change feed fell behind at sequence ${this.#next}: the log holding it was deleted; the logs kept hold sequences ${range.first} to ${range.last}`,
      'retention',
      { first: range.first, last: range.last },
    )
  }
}
