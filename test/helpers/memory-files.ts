// In-memory WritableFile and RandomAccessFile doubles for layer tests (log, table): the
// writer collects bytes that tests then damage and hand to a reader. Both count their
// calls, and the writer can be told to fail. A whole file system is memory-file-system.ts.

import { ShaleError } from '../../src/errors.js'
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
  readonly #onClose: ((bytes: Uint8Array) => void) | undefined

  /** `initial` is already in the file, as if opened for append; `onClose` receives the bytes. */
  constructor(initial?: Uint8Array, onClose?: (bytes: Uint8Array) => void) {
    if (initial) this.#write(initial)
    this.#onClose = onClose
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
    // Copy: the caller may reuse its buffer once append returns.
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
    if (this.closed) return
    this.closed = true
    this.#onClose?.(this.bytes())
  }

  /** A copy of everything appended so far. */
  bytes(): Uint8Array {
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
  reads = 0
  bytesRead = 0
  largestRead = 0
  closed = false

  constructor(data: Uint8Array) {
    this.#data = data
  }

  get size(): number {
    return this.#data.length
  }

  read(offset: number, length: number): Uint8Array {
    if (this.closed) throw new Error('read after close')
    if (offset < 0 || length < 0 || offset + length > this.#data.length) {
      throw new ShaleError('CORRUPTION', `Corruption in memory file: wanted ${length} bytes at ${offset}, file has ${this.#data.length}`)
    }
    this.reads++
    this.bytesRead += length
    if (length > this.largestRead) this.largestRead = length
    // A copy, like a real read: later damage to the array must not reach returned data.
    return this.#data.slice(offset, offset + length)
  }

  close(): void {
    this.closed = true
  }
}
