// The public iterator: an async iterable of [key, value] Buffers over a DbIterator. The
// underlying cursor is synchronous; the async methods read at once but settle through the
// database's event-loop gate, so a `for await` over a million entries still lets timers
// and I/O run about every millisecond. nextSync() and nextvSync() never yield: their
// callers chose to hold the thread.

import { closedError, invalidArgument } from '../errors.js'
import { toBuffer } from '../util/bytes.js'
import type { Bytes } from './arguments.js'
import { boundArg } from './arguments.js'
import type { DbIterator } from './db-iterator.js'
import type { EventLoopGate } from '../util/event-loop-gate.js'

export type { IteratorOptions } from './arguments.js'

export type Entry = [key: Buffer, value: Buffer]

export class ShaleIterator implements AsyncIterableIterator<Entry>, Iterable<Entry> {
  readonly #inner: DbIterator
  readonly #onClose: () => void
  readonly #gate: EventLoopGate
  /** The async read in progress: the next one starts after it, so entries stay in order. */
  #pending: Promise<unknown> | undefined
  #closed = false
  /** Reached the end: further reads return undefined instead of failing. */
  #exhausted = false

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
    let e: [Uint8Array, Uint8Array] | undefined
    try {
      e = this.#inner.next()
    } catch (err) {
      this.close()
      throw err
    }
    if (e === undefined) return undefined
    return [toBuffer(e[0]), toBuffer(e[1])]
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
    return this.#serialize(async () => {
      const out: Entry[] = []
      while (out.length < size && !this.#closed) {
        const e = this.nextSync()
        if (e === undefined) break
        out.push(e)
        const turn = this.#gate.pass()
        if (turn !== undefined) await turn
      }
      return out
    })
  }

  /**
   * Moves so the next entry is the first at or after target (at or before it in reverse).
   * A target outside the iterator's range ends it; a later seek() may move it back.
   */
  seek(target: Bytes): void {
    if (this.#closed) throw closedError('iterator', 'Cannot seek an iterator after close()')
    this.#inner.seek(boundArg(target, 'seek target'))
  }

  next(): Promise<IteratorResult<Entry>> {
    return this.#pending === undefined ? this.#readNext() : this.#serialize(() => this.#readNext())
  }

  #readNext(): Promise<IteratorResult<Entry>> {
    try {
      if (this.#closed) return Promise.resolve({ done: true, value: undefined })
      const e = this.nextSync()
      if (e === undefined) this.#closeAtEnd()
      return this.#gate.settle(e === undefined ? { done: true, value: undefined } : { done: false, value: e })
    } catch (err) {
      return Promise.reject(err)
    }
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
