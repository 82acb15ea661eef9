// Reads a block written by BlockBuilder: Block validates the restart array once, and
// BlockCursor walks the prefix-compressed entries. Bytes are treated as hostile: every
// length is checked against the end of the entries, and failures are CORRUPTION errors
// naming the file and the block's offset in it.

import { corruption, type ShaleError } from '../errors.js'
import { getU32 } from '../util/coding.js'

export type Comparator = (a: Uint8Array, b: Uint8Array) => number
/**
 * The same order as a Comparator, applied to a[aStart, aEnd) and all of b. Seeks compare
 * many stored keys against one target; this lets them do it without creating a view each.
 */
export type RangeComparator = (a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array) => number
export type BlockSearch = 'binary' | 'linear'

/** Whether a Uint32Array reads the block's little-endian restart offsets as they are. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

export class Block {
  /** The block contents (no trailer). */
  readonly data: Uint8Array
  readonly fileName: string
  /** Offset of the block in its file, for error messages. */
  readonly offset: number
  /** Where the entries end and the restart array begins. */
  readonly entriesEnd: number
  /** Restart offsets, validated: strictly increasing, the first 0, all < entriesEnd. */
  readonly restarts: Uint32Array

  constructor(data: Uint8Array, fileName: string, offset: number) {
    this.data = data
    this.fileName = fileName
    this.offset = offset
    const len = data.length
    if (len < 4) throw this.corrupt(`${len} bytes is too short to hold a restart count`)
    const count = getU32(data, len - 4)
    if (count > (len - 4) / 4) throw this.corrupt(`restart count ${count} does not fit in ${len} bytes`)
    const end = len - 4 - 4 * count
    if (count === 0 && end !== 0) throw this.corrupt(`${end} bytes of entries but no restart points`)
    // A view of the restart array in place when it is 4-byte aligned (decompressed blocks are
    // allocated so that it is): one object less per cached block, and no second allocation.
    const restarts = LITTLE_ENDIAN && ((data.byteOffset + end) & 3) === 0 ? new Uint32Array(data.buffer, data.byteOffset + end, count) : new Uint32Array(count)
    let prev = -1
    for (let i = 0; i < count; i++) {
      const r = getU32(data, end + 4 * i)
      if (i === 0 && r !== 0) throw this.corrupt(`first restart point is ${r}, expected 0`)
      if (r <= prev || r >= end) throw this.corrupt(`restart point ${i} at ${r} is out of order or past the entries end ${end}`)
      restarts[i] = r
      prev = r
    }
    this.entriesEnd = end
    this.restarts = restarts
  }

  /** Bytes this block holds in memory (its block-cache charge). */
  get byteLength(): number {
    return this.data.length
  }

  corrupt(why: string): ShaleError {
    return corruption(this.fileName, `block at offset ${this.offset}: ${why}`)
  }
}

/**
 * A position in a block. key() and value() return views that stay valid until the cursor
 * moves (the key is rebuilt in a buffer the cursor reuses; values point into the block,
 * whose bytes never change). key()/value() REQUIRE valid().
 */
export class BlockCursor {
  #block: Block
  #data: Uint8Array
  #end: number
  #restarts: Uint32Array
  readonly #compare: Comparator
  readonly #compareRange: RangeComparator
  readonly #linear: boolean

  /** Offset of the current entry; equals #end when the cursor is not valid. */
  #current: number
  /** Offset just past the current entry. */
  #next: number
  /** Index of the restart region holding the current entry. */
  #restartIndex = 0
  #keyBuf = new Uint8Array(64)
  #keyLength = 0
  #keyView: Uint8Array | undefined
  #valueStart = 0
  #valueLength = 0
  #valueView: Uint8Array | undefined
  /** Read position while decoding an entry header. */
  #pos = 0

  /** compareRange, when given, must order keys exactly like compare. */
  constructor(block: Block, compare: Comparator, search: BlockSearch = 'binary', compareRange?: RangeComparator) {
    this.#block = block
    this.#data = block.data
    this.#end = block.entriesEnd
    this.#restarts = block.restarts
    this.#compare = compare
    this.#compareRange = compareRange ?? ((a, aStart, aEnd, b) => compare(a.subarray(aStart, aEnd), b))
    this.#linear = search === 'linear'
    this.#current = this.#end
    this.#next = this.#end
  }

  /** Points the cursor at another block (reusing its key buffer); it becomes invalid. */
  setBlock(block: Block): void {
    this.#block = block
    this.#data = block.data
    this.#end = block.entriesEnd
    this.#restarts = block.restarts
    this.#restartIndex = 0
    this.invalidate()
  }

  get block(): Block {
    return this.#block
  }

  valid(): boolean {
    return this.#current < this.#end
  }

  invalidate(): void {
    this.#current = this.#end
    this.#next = this.#end
    this.#keyLength = 0
    this.#keyView = undefined
    this.#valueView = undefined
  }

  key(): Uint8Array {
    return (this.#keyView ??= this.#keyBuf.subarray(0, this.#keyLength))
  }

  /** Length of key() without materializing the view. */
  get keyLength(): number {
    return this.#keyLength
  }

  /**
   * The buffer key() views: its first keyLength bytes are the current key. Lets hot callers
   * read parts of the key without creating a view; same validity as key(). Do not write.
   */
  get keyBuffer(): Uint8Array {
    return this.#keyBuf
  }

  value(): Uint8Array {
    return (this.#valueView ??= this.#data.subarray(this.#valueStart, this.#valueStart + this.#valueLength))
  }

  seekToFirst(): void {
    if (this.#restarts.length === 0) return this.invalidate()
    this.#toRestart(0)
    this.#parseNext()
  }

  seekToLast(): void {
    const n = this.#restarts.length
    if (n === 0) return this.invalidate()
    this.#toRestart(n - 1)
    while (this.#parseNext() && this.#next < this.#end) {
      // advance to the final entry
    }
  }

  /** Positions at the first entry with key >= target, or invalid when there is none. */
  seek(target: Uint8Array): void {
    const n = this.#restarts.length
    if (n === 0) return this.invalidate()
    const compareRange = this.#compareRange
    let region = 0
    if (!this.#linear) {
      // Last restart point whose key is < target; the answer is in its region or at the
      // start of the next one, which the linear scan below reaches.
      let lo = 0
      let hi = n - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1
        const keyStart = this.#restartKey(mid)
        if (compareRange(this.#data, keyStart, this.#pos, target) < 0) lo = mid
        else hi = mid - 1
      }
      region = lo
    }
    this.#toRestart(region)
    while (this.#parseNext()) {
      if (compareRange(this.#keyBuf, 0, this.#keyLength, target) >= 0) return
    }
  }

  /** Positions at the last entry with key <= target, or invalid when there is none. */
  seekForPrev(target: Uint8Array): void {
    this.seek(target)
    if (!this.valid()) this.seekToLast()
    else if (this.#compare(this.key(), target) > 0) this.prev()
  }

  /** REQUIRES: valid(). */
  next(): void {
    this.#parseNext()
  }

  /** REQUIRES: valid(). Re-scans forward from the restart point before the current entry. */
  prev(): void {
    const original = this.#current
    let region = this.#restartIndex
    while (this.#restarts[region]! >= original) {
      if (region === 0) return this.invalidate()
      region--
    }
    this.#toRestart(region)
    while (this.#parseNext() && this.#next < original) {
      // scan up to the entry just before `original`
    }
    if (this.valid() && this.#next !== original) {
      throw this.#block.corrupt(`restart point ${region} does not lead to the entry at ${original}`)
    }
  }

  /** Makes the entry at restart point `region` the next one to parse. */
  #toRestart(region: number): void {
    this.#restartIndex = region
    this.#next = this.#restarts[region]!
    // A restart entry must not share bytes with anything: a zero-length previous key
    // makes the shared-length check below reject it if it tries.
    this.#keyLength = 0
  }

  /**
   * Locates the full key stored at a restart point: returns where it starts in the block
   * and leaves #pos at its end.
   */
  #restartKey(region: number): number {
    const at = this.#restarts[region]!
    const data = this.#data
    let shared: number
    let unshared: number
    let valueLength: number
    if (at + 3 <= this.#end && (shared = data[at]!) < 0x80 && (unshared = data[at + 1]!) < 0x80 && (valueLength = data[at + 2]!) < 0x80) {
      this.#pos = at + 3
    } else {
      this.#pos = at
      shared = this.#varint(at)
      unshared = this.#varint(at)
      valueLength = this.#varint(at)
    }
    if (shared !== 0) throw this.#block.corrupt(`entry at restart point ${at} shares ${shared} bytes with a previous key`)
    const keyStart = this.#pos
    if (keyStart + unshared + valueLength > this.#end) throw this.#entryOverrun(at)
    this.#pos = keyStart + unshared
    return keyStart
  }

  /** Decodes the entry at #next into the cursor; returns false (invalid) at the end. */
  #parseNext(): boolean {
    const at = this.#next
    const end = this.#end
    if (at >= end) {
      this.invalidate()
      return false
    }
    const data = this.#data
    let shared: number
    let unshared: number
    let valueLength: number
    let p: number
    // Fast path: all three header varints are single bytes, the common case.
    if (at + 3 <= end && (shared = data[at]!) < 0x80 && (unshared = data[at + 1]!) < 0x80 && (valueLength = data[at + 2]!) < 0x80) {
      p = at + 3
    } else {
      this.#pos = at
      shared = this.#varint(at)
      unshared = this.#varint(at)
      valueLength = this.#varint(at)
      p = this.#pos
    }
    if (shared > this.#keyLength) {
      this.#current = end
      throw this.#block.corrupt(`entry at ${at} shares ${shared} bytes with a previous key of ${this.#keyLength} bytes`)
    }
    const keyEnd = p + unshared
    const valueEnd = keyEnd + valueLength
    if (valueEnd > end) {
      this.#current = end
      throw this.#entryOverrun(at)
    }
    const keyLength = shared + unshared
    if (keyLength > this.#keyBuf.length) {
      const grown = new Uint8Array(Math.max(keyLength, this.#keyBuf.length * 2))
      grown.set(this.#keyBuf.subarray(0, shared))
      this.#keyBuf = grown
    }
    const buf = this.#keyBuf
    if (unshared <= 32) for (let i = 0; i < unshared; i++) buf[shared + i] = data[p + i]!
    else buf.set(data.subarray(p, keyEnd), shared)
    this.#keyLength = keyLength
    this.#keyView = undefined
    this.#valueStart = keyEnd
    this.#valueLength = valueLength
    this.#valueView = undefined
    this.#current = at
    this.#next = valueEnd

    const restarts = this.#restarts
    const r = this.#restartIndex + 1
    if (r < restarts.length && restarts[r]! <= at) {
      // Scanning forward crossed into the next restart region.
      let region = r
      while (region + 1 < restarts.length && restarts[region + 1]! <= at) region++
      this.#restartIndex = region
      if (restarts[region] === at && shared !== 0) {
        this.#current = end
        throw this.#block.corrupt(`entry at restart point ${at} shares ${shared} bytes with a previous key`)
      }
    }
    return true
  }

  /** Reads a varint of at most 5 bytes at #pos, bounded by the entries end. */
  #varint(entryAt: number): number {
    const data = this.#data
    const end = this.#end
    let p = this.#pos
    let result = 0
    let scale = 1
    for (let i = 0; i < 5; i++) {
      if (p >= end) {
        this.#current = end
        throw this.#block.corrupt(`entry at ${entryAt} is truncated inside its header`)
      }
      const b = data[p++]!
      result += (b & 0x7f) * scale
      if (b < 0x80) {
        this.#pos = p
        return result
      }
      scale *= 0x80
    }
    this.#current = end
    throw this.#block.corrupt(`entry at ${entryAt} has a length varint longer than 5 bytes`)
  }

  #entryOverrun(at: number): ShaleError {
    return this.#block.corrupt(`entry at ${at} runs past the entries end ${this.#end}`)
  }
}
