// Builds one block: sorted entries with their keys prefix-compressed against the previous
// key, and a restart array of offsets where a full key is stored so readers can binary
// search. Layout (docs/format.md#block):
//   entry    = varint shared | varint unshared | varint valueLength | key[shared..] | value
//   trailer  = u32 restartOffset * restartCount | u32 restartCount   (little-endian)

import { ByteWriter } from '../util/coding.js'

export class BlockBuilder {
  readonly #restartInterval: number
  readonly #out: ByteWriter
  readonly #restarts: number[] = []
  /** Entries added since the last restart point. */
  #sinceRestart = 0
  #entries = 0
  #lastKey = new Uint8Array(64)
  #lastKeyLength = 0
  #finished = false

  constructor(restartInterval = 16, initialCapacity = 4096) {
    if (!Number.isInteger(restartInterval) || restartInterval < 1) {
      throw new RangeError(`Cannot build a block: restart interval ${restartInterval} is not a positive integer`)
    }
    this.#restartInterval = restartInterval
    this.#out = new ByteWriter(initialCapacity)
  }

  /** REQUIRES: key sorts after every key added since the last reset; finish() not called. */
  add(key: Uint8Array, value: Uint8Array): void {
    if (this.#finished) throw new Error('Cannot add to a finished block: call reset() first')
    let shared = 0
    if (this.#entries === 0 || this.#sinceRestart >= this.#restartInterval) {
      this.#restarts.push(this.#out.length)
      this.#sinceRestart = 0
    } else {
      const last = this.#lastKey
      const n = Math.min(this.#lastKeyLength, key.length)
      while (shared < n && last[shared] === key[shared]) shared++
    }
    const out = this.#out
    out.varint(shared).varint(key.length - shared).varint(value.length)
    out.bytes(shared === 0 ? key : key.subarray(shared))
    out.bytes(value)
    this.#saveLastKey(key, shared)
    this.#sinceRestart++
    this.#entries++
  }

  /** Size of the block finish() would produce now. */
  estimatedSize(): number {
    return this.#out.length + 4 * this.#restarts.length + 4
  }

  isEmpty(): boolean {
    return this.#entries === 0
  }

  get entries(): number {
    return this.#entries
  }

  /** The last key added, as a view valid until the next add() or reset(). */
  lastKey(): Uint8Array {
    return this.#lastKey.subarray(0, this.#lastKeyLength)
  }

  /**
   * Appends the restart array and returns the whole block as a view into the builder's
   * buffer, valid until reset(). An empty block is just a zero restart count.
   */
  finish(): Uint8Array {
    if (!this.#finished) {
      for (const r of this.#restarts) this.#out.u32(r)
      this.#out.u32(this.#restarts.length)
      this.#finished = true
    }
    return this.#out.view()
  }

  reset(): void {
    this.#out.reset()
    this.#restarts.length = 0
    this.#sinceRestart = 0
    this.#entries = 0
    this.#lastKeyLength = 0
    this.#finished = false
  }

  #saveLastKey(key: Uint8Array, shared: number): void {
    if (key.length > this.#lastKey.length) {
      const grown = new Uint8Array(Math.max(key.length, this.#lastKey.length * 2))
      grown.set(this.#lastKey.subarray(0, shared))
      this.#lastKey = grown
    }
    // The shared prefix is already in place.
    for (let i = shared; i < key.length; i++) this.#lastKey[i] = key[i]!
    this.#lastKeyLength = key.length
  }
}
