// The public iterator: an async iterable of [key, value] Buffers over a DbIterator. The
// underlying cursor is synchronous; the async methods read at once but settle through the
// database's event-loop gate, so a `for await` over a million entries still lets timers
// and I/O run about every millisecond. nextSync() and nextvSync() never yield: their
// callers chose to hold the thread.
//
// The async next() reads ahead: when it finds nothing buffered it decodes a short chunk of
// entries in one tight loop and hands them out one per call. The cursor reads one pinned
// sequence through one pinned view, so a buffered entry is exactly what a step-by-step read
// would have returned then; seek() and close() drop the buffer, and every read (nextSync,
// nextv...) takes buffered entries first, so mixing them keeps the order.

import { closedError, invalidArgument } from '../errors.js'
import type { Bytes } from './arguments.js'
import { boundArg } from './arguments.js'
import { yieldToLoop } from '#runtime'
import { PAUSED, type DbIterator } from './db-iterator.js'
import type { EventLoopGate } from '../util/event-loop-gate.js'

export type { IteratorOptions } from './arguments.js'

export type Entry = [key: Buffer, value: Buffer]

/**
 * Read-ahead chunk sizes: the first chunk is small, so an iterator used for a few entries
 * (or left early) decodes little it will not return; each refill doubles up to the cap.
 */
const FIRST_CHUNK = 16
const MAX_CHUNK = 256
/** A chunk stops early after this long, so a run of block reads cannot hold the loop. */
const CHUNK_BUDGET_MS = 0.25
/** Entries between clock reads while filling a chunk. */
const ENTRIES_PER_CLOCK_READ = 16
/**
 * Invisible versions (under a range deletion, deleted, shadowed) an async read passes over
 * before it looks at the clock: a range deletion can hide millions in one stretch.
 */
const SKIP_BUDGET = 64

export class ShaleIterator implements AsyncIterableIterator<Entry>, Iterable<Entry> {
  readonly #inner: DbIterator
  readonly #onClose: () => void
  readonly #gate: EventLoopGate
  /** The async read in progress: the next one starts after it, so entries stay in order. */
  #pending: Promise<unknown> | undefined
  #closed = false
  /** Reached the end: further reads return undefined instead of failing. */
  #exhausted = false
  /** Entries read ahead by next(); those from #aheadAt on are not handed out yet. */
  #ahead: Entry[] = []
  #aheadAt = 0
  /** What the read after the buffered entries threw: raised once they are handed out. */
  #aheadFailure: { error: unknown } | undefined
  #chunk = FIRST_CHUNK
  /** The last read-ahead stopped in a stretch of invisible versions, its time used up. */
  #aheadPaused = false

  /** @internal */
  constructor(inner: DbIterator, onClose: () => void, gate: EventLoopGate) {
    this.#inner = inner
    this.#onClose = onClose
    this.#gate = gate
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * The next entry, or undefined at the end. The iterator stays open at the end (seek() may
   * move it back); `for await` and `for ... of` loops close it for you.
   */
  nextSync(): Entry | undefined {
    if (this.#closed) {
      if (this.#exhausted) return undefined
      throw closedError('iterator', 'Cannot read from an iterator after close()')
    }
    if (this.#aheadAt < this.#ahead.length) return this.#ahead[this.#aheadAt++]
    if (this.#aheadFailure !== undefined) {
      const { error } = this.#aheadFailure
      this.#aheadFailure = undefined
      this.close()
      throw error
    }
    try {
      return this.#inner.next()
    } catch (err) {
      this.close()
      throw err
    }
  }

  /** As nextSync(), but PAUSED after SKIP_BUDGET invisible versions: the async reads' step. */
  #step(): Entry | undefined | typeof PAUSED {
    if (this.#closed || this.#aheadAt < this.#ahead.length || this.#aheadFailure !== undefined) return this.nextSync()
    try {
      return this.#inner.next(SKIP_BUDGET)
    } catch (err) {
      this.close()
      throw err
    }
  }

  /** Up to `size` entries at once, without yielding; fewer only at the end. */
  nextvSync(size: number): Entry[] {
    checkSize(size)
    const out: Entry[] = []
    while (out.length < size && !this.#closed) {
      const e = this.nextSync()
      if (e === undefined) break
      out.push(e)
    }
    return out
  }

  /**
   * Up to `size` entries; fewer only at the end. A large batch is read in slices with the
   * event loop turning between them; the iterator's snapshot keeps the result consistent.
   */
  nextv(size: number): Promise<Entry[]> {
    try {
      checkSize(size)
    } catch (err) {
      return Promise.reject(err)
    }
    if (this.#pending !== undefined) return this.#serialize(() => this.#readv(size, []))
    // Nothing in flight: read synchronously while the gate stays open, and settle at once if
    // the batch completes that way (a short range read then costs no async machinery).
    const out: Entry[] = []
    try {
      while (out.length < size && !this.#closed) {
        const e = this.#step()
        if (e === undefined) break
        if (e !== PAUSED) out.push(e)
        const turn = this.#gate.pass()
        if (turn !== undefined) return this.#serialize(() => turn.then(() => this.#readv(size, out)))
      }
    } catch (err) {
      return Promise.reject(err)
    }
    return Promise.resolve(out)
  }

  /** Reads into `out` until it holds `size` entries or the end, letting the loop turn when the gate closes. */
  async #readv(size: number, out: Entry[]): Promise<Entry[]> {
    while (out.length < size && !this.#closed) {
      const e = this.#step()
      if (e === undefined) break
      if (e !== PAUSED) out.push(e)
      const turn = this.#gate.pass()
      if (turn !== undefined) await turn
    }
    return out
  }

  /**
   * Moves so the next entry is the first at or after target (at or before it in reverse).
   * A target outside the iterator's range ends it; a later seek() may move it back.
   */
  seek(target: Bytes): void {
    if (this.#closed) throw closedError('iterator', 'Cannot seek an iterator after close()')
    this.#inner.unread(this.bufferedEntries)
    this.#dropAhead()
    this.#inner.seek(boundArg(target, 'seek target'))
  }

  next(): Promise<IteratorResult<Entry>> {
    if (this.#pending !== undefined) return this.#serialize(() => this.#readNext())
    const now = this.#readNextNow()
    // A stretch of invisible versions longer than one turn: go on after the loop turns.
    return now !== PAUSED ? now : this.#serialize(() => yieldToLoop().then(() => this.#readNext()))
  }

  async #readNext(): Promise<IteratorResult<Entry>> {
    for (;;) {
      const now = this.#readNextNow()
      if (now !== PAUSED) return now
      await yieldToLoop()
    }
  }

  /** One step of next(): the result, or PAUSED when the read-ahead ran out of time in a stretch of invisible versions. */
  #readNextNow(): Promise<IteratorResult<Entry>> | typeof PAUSED {
    try {
      if (this.#closed) return Promise.resolve({ done: true, value: undefined })
      if (this.#aheadAt >= this.#ahead.length && this.#aheadFailure === undefined) {
        this.#readAhead()
        if (this.#ahead.length === 0 && this.#aheadPaused) return PAUSED
      }
      const e = this.nextSync()
      if (e === undefined) this.#closeAtEnd()
      return this.#gate.settle(e === undefined ? { done: true, value: undefined } : { done: false, value: e })
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Refills the buffer with the next chunk of entries (none at the end). */
  #readAhead(): void {
    const out: Entry[] = []
    const max = this.#chunk
    if (max < MAX_CHUNK) this.#chunk = max * 2
    const start = performance.now()
    this.#aheadPaused = false
    try {
      for (let i = 1; i <= max; ) {
        const e = this.#inner.next(SKIP_BUDGET)
        if (e === undefined) break
        if (e === PAUSED) {
          // Nothing visible yet: stop once the chunk's time is used, found entries or not.
          if (performance.now() - start > CHUNK_BUDGET_MS) {
            this.#aheadPaused = true
            break
          }
          continue
        }
        out.push(e)
        if (i % ENTRIES_PER_CLOCK_READ === 0 && performance.now() - start > CHUNK_BUDGET_MS) break
        i++
      }
    } catch (error) {
      // The entries before the failure are good; the error comes when a read reaches it.
      this.#aheadFailure = { error }
    }
    this.#ahead = out
    this.#aheadAt = 0
  }

  #dropAhead(): void {
    this.#ahead = []
    this.#aheadAt = 0
    this.#aheadPaused = false
    this.#aheadFailure = undefined
  }

  /** Entries read ahead and not yet handed out (for tests). @internal */
  get bufferedEntries(): number {
    return this.#ahead.length - this.#aheadAt
  }

  /** Runs read after the async read in progress (if any) has settled. */
  #serialize<T>(read: () => Promise<T>): Promise<T> {
    const before = this.#pending
    const run = before === undefined ? read() : before.then(read)
    // The chain itself never rejects: the caller of `run` gets the error.
    const done: Promise<void> = run.then(
      () => undefined,
      () => undefined,
    )
    this.#pending = done
    void done.then(() => {
      if (this.#pending === done) this.#pending = undefined
    })
    return run
  }

  return(): Promise<IteratorResult<Entry>> {
    this.close()
    return Promise.resolve({ done: true, value: undefined })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  *[Symbol.iterator](): Iterator<Entry> {
    try {
      for (let e = this.nextSync(); e !== undefined; e = this.nextSync()) yield e
      this.#exhausted = true
    } finally {
      this.close()
    }
  }

  /** The end reached through the iteration protocol: release resources; later reads return the end again. */
  #closeAtEnd(): void {
    this.#exhausted = true
    this.close()
  }

  /** Releases the files the iterator pins. Idempotent; loops close it at the end themselves. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#dropAhead()
    this.#inner.close()
    this.#onClose()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close()
  }
}

function checkSize(size: number): void {
  if (typeof size !== 'number' || !(size >= 0)) {
    throw invalidArgument(`Invalid size: expected a non-negative number, got ${String(size)}`)
  }
}
