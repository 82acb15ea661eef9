// A table's index block, decoded once when the table opens into flat arrays: block i ends
// at internal key keys[starts[i], starts[i + 1]) and lives at offsets[i] / sizes[i]. A lookup
// is then a binary search over bytes already in place, with no entry decoding and no
// allocation, and a cursor over the table is a block number instead of an index cursor.
//
// Most of that search is done on integers: the index keys of one table usually share a
// long prefix (neighbouring keys), so the four user-key bytes after it, read as one
// big-endian u32, already order almost every pair of blocks. find() narrows the range with
// those u32s and compares whole keys only among blocks whose four bytes tie with the target.

import { TRAILER_SIZE, compareInternalKeyRange, compareInternalKeys } from '../base/internal-key.js'
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
  /** User-key bytes every index key starts with; -1 when some key is too short to have a user key (damage). */
  readonly #prefixLength: number
  /** Per block: user-key bytes [prefixLength, prefixLength + 4) of its key, zero-padded, big-endian. */
  readonly #window: Uint32Array

  private constructor(keys: Uint8Array, starts: Uint32Array, offsets: Float64Array, sizes: Float64Array) {
    this.count = offsets.length
    this.#keys = keys
    this.#starts = starts
    this.#offsets = offsets
    this.#sizes = sizes
    this.#prefixLength = commonUserPrefix(keys, starts, this.count)
    this.#window = new Uint32Array(this.count)
    if (this.#prefixLength >= 0) {
      for (let i = 0; i < this.count; i++) {
        this.#window[i] = windowAt(keys, starts[i]!, starts[i + 1]! - TRAILER_SIZE, this.#prefixLength)
      }
    }
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
    const p = this.#prefixLength
    const userEnd = target.length - TRAILER_SIZE
    if (p < 0 || userEnd < 0) return this.#search(target, 0, this.count)
    // Against the shared prefix first: a target outside it sorts before or after every key.
    const keys = this.#keys
    const first = this.#starts[0]!
    const n = userEnd < p ? userEnd : p
    for (let i = 0; i < n; i++) {
      const d = target[i]! - keys[first + i]!
      if (d !== 0) return d < 0 ? 0 : this.count
    }
    if (userEnd < p) return 0
    // Keys whose window is below the target's sort before it; above, after it. Only the
    // blocks in between (a tie on the window) need whole-key comparisons.
    const w = windowAt(target, 0, userEnd, p)
    const windows = this.#window
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (windows[mid]! < w) lo = mid + 1
      else hi = mid
    }
    // The end of the tie, by binary search too: keys that differ only past the window (long
    // shared parts after the common prefix) may tie across the whole table.
    let end = lo
    hi = this.count
    while (end < hi) {
      const mid = (end + hi) >>> 1
      if (windows[mid]! <= w) end = mid + 1
      else hi = mid
    }
    return this.#search(target, lo, end)
  }

  /**
   * find() by a scan from the first block, comparing whole keys: BlockSearch 'linear', the
   * design notebook's baseline for its binary-versus-linear benchmark.
   */
  findLinear(target: Uint8Array): number {
    const keys = this.#keys
    const starts = this.#starts
    let block = 0
    while (block < this.count && compareInternalKeyRange(keys, starts[block]!, starts[block + 1]!, target) < 0) block++
    return block
  }

  /** The first block in [lo, hi) whose last key is >= target, or hi: a binary search over whole keys. */
  #search(target: Uint8Array, lo: number, hi: number): number {
    const keys = this.#keys
    const starts = this.#starts
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
    return this.#keys.length + this.#starts.byteLength + this.#offsets.byteLength + this.#sizes.byteLength + this.#window.byteLength
  }
}

/** Bytes the user keys of every index key have in common (-1 if a key is shorter than its trailer). */
function commonUserPrefix(keys: Uint8Array, starts: Uint32Array, count: number): number {
  if (count === 0) return -1
  const first = starts[0]!
  let p = starts[1]! - first - TRAILER_SIZE
  for (let i = 1; i < count && p >= 0; i++) {
    const at = starts[i]!
    const userLength = starts[i + 1]! - at - TRAILER_SIZE
    if (userLength < 0) return -1
    if (userLength < p) p = userLength
    let j = 0
    while (j < p && keys[at + j] === keys[first + j]) j++
    p = j
  }
  return p
}

/**
 * Bytes [from + p, from + p + 4) of the user key bytes[from, userEnd) as a big-endian u32,
 * with zeros past its end. Among keys sharing p bytes this never decreases as keys grow,
 * so it orders them except where it ties.
 */
function windowAt(bytes: Uint8Array, from: number, userEnd: number, p: number): number {
  let w = 0
  for (let i = from + p; i < from + p + 4; i++) w = w * 256 + (i < userEnd ? bytes[i]! : 0)
  return w
}
