// In-memory WritableFile and RandomAccessFile for the log tests: the writer appends into a
// growable array that the tests then damage and hand to a reader. Both count their calls.

import type { RandomAccessFile, WritableFile } from '../../src/vfs/file-system.js'

export class MemoryWritableFile implements WritableFile {
  #data = new Uint8Array(1024)
  size = 0
  appends = 0
  syncs = 0
  closed = false
  /** When set, the next append writes only this many bytes, then throws. */
  failNextAppendAfter: number | undefined = undefined
  /** When set, the next sync rejects with this error. */
  failNextSync: Error | undefined = undefined

  /** Starts with `initial` already in the file, as if opened for append. */
  constructor(initial?: Uint8Array) {
    if (initial) this.#write(initial)
  }

  append(data: Uint8Array): void {
    if (this.closed) throw new Error('append after close')
    this.appends++
    if (this.failNextAppendAfter !== undefined) {
      const keep = Math.min(this.failNextAppendAfter, data.length)
      this.failNextAppendAfter = undefined
      this.#write(data.subarray(0, keep))
      throw new Error(`injected append failure after ${keep} bytes`)
    }
    // Copy: the writer reuses its buffer once append returns.
    this.#write(data)
  }

  async sync(): Promise<void> {
    this.syncs++
    if (this.failNextSync) {
      const err = this.failNextSync
      this.failNextSync = undefined
      throw err
    }
  }

  close(): void {
    this.closed = true
  }

  /** A copy of everything appended so far. */
  contents(): Uint8Array {
    return this.#data.slice(0, this.size)
  }

  #write(data: Uint8Array): void {
    if (this.size + data.length > this.#data.length) {
      let cap = this.#data.length * 2
      while (cap < this.size + data.length) cap *= 2
      const next = new Uint8Array(cap)
      next.set(this.#data.subarray(0, this.size))
      this.#data = next
    }
    this.#data.set(data, this.size)
    this.size += data.length
  }
}

export class MemoryRandomAccessFile implements RandomAccessFile {
  readonly #data: Uint8Array
  readonly size: number
  reads = 0
  largestRead = 0
  closed = false

  constructor(data: Uint8Array) {
    this.#data = data
    this.size = data.length
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new Error(`read of ${length} bytes at ${offset} past the end (${this.size})`)
    }
    this.reads++
    if (length > this.largestRead) this.largestRead = length
    // A fresh copy, like the node implementation, so damage done later cannot leak in.
    return this.#data.slice(offset, offset + length)
  }

  close(): void {
    this.closed = true
  }
}
