// A table's index block, decoded once when the table opens into flat arrays: block i ends
// at internal key keys[starts[i], starts[i + 1]) and lives at offsets[i] / sizes[i]. A lookup
// is then a binary search over bytes already in place, with no entry decoding and no
// allocation, and a cursor over the table is a block number instead of an index cursor.

import { compareInternalKeyRange, compareInternalKeys } from '../base/internal-key.js'
import { Block, BlockCursor } from './block.js'
import { decodeBlockHandle } from './format.js'

export class TableIndex {
  /** Number of data blocks. */
  readonly count: number
  /** The last internal key of every block, back to back. */
  readonly #keys: Uint8Array
  /** keys of block i are #keys[#starts[i], #starts[i + 1]). */
  readonly #starts: Uint32Array
  readonly #offsets: Float64Array
  readonly #sizes: Float64Array

  private constructor(keys: Uint8Array, starts: Uint32Array, offsets: Float64Array, sizes: Float64Array) {
    this.count = offsets.length
    this.#keys = keys
    this.#starts = starts
    this.#offsets = offsets
    this.#sizes = sizes
  }

  /** Decodes an index block; damage is CORRUPTION naming the block. */
  static decode(block: Block): TableIndex {
    const keys: Uint8Array[] = []
    const offsets: number[] = []
    const sizes: number[] = []
    let bytes = 0
    const cursor = new BlockCursor(block, compareInternalKeys, 'binary', compareInternalKeyRange)
    for (cursor.seekToFirst(); cursor.valid(); cursor.next()) {
      let handle
      try {
        handle = decodeBlockHandle(cursor.value())
      } catch (err) {
        throw block.corrupt(`bad block handle in index entry ${keys.length}: ${(err as Error).message}`)
      }
      const key = cursor.key().slice()
      keys.push(key)
      bytes += key.length
      offsets.push(handle.offset)
      sizes.push(handle.size)
    }
    const flat = new Uint8Array(bytes)
    const starts = new Uint32Array(keys.length + 1)
    let at = 0
    for (let i = 0; i < keys.length; i++) {
      starts[i] = at
      flat.set(keys[i]!, at)
      at += keys[i]!.length
    }
    starts[keys.length] = at
    return new TableIndex(flat, starts, Float64Array.from(offsets), Float64Array.from(sizes))
  }

  /** The first block whose last key is >= target (count when there is none). */
  find(target: Uint8Array): number {
    const keys = this.#keys
    const starts = this.#starts
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareInternalKeyRange(keys, starts[mid]!, starts[mid + 1]!, target) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  offset(block: number): number {
    return this.#offsets[block]!
  }

  size(block: number): number {
    return this.#sizes[block]!
  }

  /** Bytes this index holds in memory. */
  get byteLength(): number {
    return this.#keys.length + this.#starts.byteLength + this.#offsets.byteLength + this.#sizes.byteLength
  }
}
