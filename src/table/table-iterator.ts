// A cursor over one table: a block number picks the data block (through the reader's
// decoded index and the block cache) and a block cursor walks inside it.
//
// Which blocks it leaves in the cache is its CacheFill policy. A long scan touches every
// block once; caching them all would push out the blocks point reads keep using and grow
// the heap by the cache's whole capacity for data nobody reads again. So by default
// ('seeks') the block a seek lands on is cached, like a point read's, and so are the
// first SCAN_BLOCKS_CACHED blocks a scan steps into after it (a short range read often
// crosses a boundary); after that a run of consecutive blocks is read without being
// inserted. Blocks already cached are used either way.

import { closedError } from '../errors.js'
import type { InternalIterator } from '../base/internal-iterator.js'
import { type ValueKind, SeekKeyBuffer, compareInternalKeyRange, compareInternalKeys, sequenceAt, TRAILER_SIZE } from '../base/internal-key.js'
import { type Block, BlockCursor, type BlockSearch } from './block.js'

/** 'all': cache every block read; 'none': cache none; 'seeks': see the header. */
export type CacheFill = 'all' | 'none' | 'seeks'

/**
 * Where every table cursor encodes its seek target. A seek uses the target before it
 * returns and never re-enters another seek, so one buffer serves all cursors; a buffer per
 * cursor was a measurable share of a short range read, which opens a cursor per table.
 */
const seekKey = new SeekKeyBuffer()

/** Consecutive blocks a scan caches after the block its seek landed on ('seeks' policy). */
export const SCAN_BLOCKS_CACHED = 2

/** What the cursor needs of its table (TableReader provides it). */
export interface TableBlocks {
  readonly fileName: string
  readonly blockCount: number
  readonly search: BlockSearch
  /** The first block whose last key is >= the internal key target (blockCount if none). */
  findBlock(target: Uint8Array): number
  blockAt(block: number): Block
  /** Like blockAt, but a block not in the cache is inserted only when `fill` is true. */
  scanBlockAt(block: number, fill: boolean): Block
}

export class TableIterator implements InternalIterator {
  readonly #reader: TableBlocks
  /** Created on the first block loaded; invalid until positioned. */
  #data: BlockCursor | undefined
  /** The block #data is on (-1: none), so moving within one block skips the cache. */
  #block = -1
  #userKey: Uint8Array | undefined
  /** The view key() last made over the cursor's key buffer. */
  #keyView: Uint8Array | undefined
  #onClose: (() => void) | undefined
  #closed = false
  readonly #fill: CacheFill
  /** Blocks loaded by stepping across a block boundary since the last seek. */
  #stepped = 0

  constructor(reader: TableBlocks, onClose: (() => void) | undefined, fill: CacheFill = 'all') {
    this.#reader = reader
    this.#onClose = onClose
    this.#fill = fill
  }

  valid(): boolean {
    return this.#data !== undefined && this.#data.valid()
  }

  key(): Uint8Array {
    if (this.#userKey !== undefined) return this.#userKey
    const data = this.#data!
    const buf = data.keyBuffer
    const n = data.keyLength - TRAILER_SIZE
    // The cursor rebuilds each key in the same buffer, so the view of the last key serves
    // again while the length holds (keys of one store mostly share it): a view per entry
    // was a visible share of a scan. Views were never valid past a move anyway.
    let view = this.#keyView
    if (view === undefined || view.length !== n || view.buffer !== buf.buffer) view = this.#keyView = buf.subarray(0, n)
    return (this.#userKey = view)
  }

  seq(): number {
    const data = this.#data!
    return sequenceAt(data.keyBuffer, data.keyLength - TRAILER_SIZE)
  }

  kind(): ValueKind {
    const data = this.#data!
    return data.keyBuffer[data.keyLength - TRAILER_SIZE] as ValueKind
  }

  value(): Uint8Array {
    return this.#data!.value()
  }

  seekToFirst(): void {
    this.#check()
    this.#stepped = 0
    this.#load(0)?.seekToFirst()
    this.#skipForward()
  }

  seekToLast(): void {
    this.#check()
    this.#stepped = 0
    this.#load(this.#reader.blockCount - 1)?.seekToLast()
    this.#skipBackward()
  }

  seek(userKey: Uint8Array, seq: number): void {
    this.#check()
    this.#stepped = 0
    const target = seekKey.encode(userKey, seq)
    // The first block whose last key is >= target holds the answer, if any block does.
    this.#load(this.#reader.findBlock(target))?.seek(target)
    this.#skipForward()
  }

  seekForPrev(userKey: Uint8Array, seq: number): void {
    this.#check()
    this.#stepped = 0
    const target = seekKey.encode(userKey, seq)
    // Blocks before the one seek() picks end below target, so the answer is in that block
    // or, when all its entries are above target, is the previous block's last entry.
    const block = this.#reader.findBlock(target)
    if (block >= this.#reader.blockCount) this.#load(block - 1)?.seekToLast()
    else this.#load(block)?.seekForPrev(target)
    this.#skipBackward()
  }

  next(): void {
    this.#check()
    this.#data!.next()
    this.#skipForward()
  }

  prev(): void {
    this.#check()
    this.#data!.prev()
    this.#skipBackward()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#data?.invalidate()
    const onClose = this.#onClose
    this.#onClose = undefined
    onClose?.()
  }

  #check(): void {
    if (this.#closed) throw closedError('iterator', `Cannot move a closed iterator over ${this.#reader.fileName}`)
  }

  /**
   * Points the data cursor at `block` (an invalid position), or returns undefined when the
   * number is outside the table, leaving the cursor invalid there.
   */
  #load(block: number, stepped = false): BlockCursor | undefined {
    const reader = this.#reader
    if (block < 0 || block >= reader.blockCount) {
      this.#block = block < 0 ? -1 : reader.blockCount
      this.#data?.invalidate()
      return undefined
    }
    if (block !== this.#block || this.#data === undefined) {
      // Forget the block first: if loading throws, a retry must not trust a stale one.
      this.#block = -1
      const loaded = this.#fill === 'all' ? reader.blockAt(block) : reader.scanBlockAt(block, this.#fills(stepped))
      if (this.#data === undefined) this.#data = new BlockCursor(loaded, compareInternalKeys, reader.search, compareInternalKeyRange)
      else this.#data.setBlock(loaded)
      this.#block = block
    } else {
      this.#data.invalidate()
    }
    return this.#data
  }

  /** Whether the block being loaded goes into the cache under this cursor's policy. */
  #fills(stepped: boolean): boolean {
    if (this.#fill === 'none') return false
    if (!stepped) return true
    return ++this.#stepped <= SCAN_BLOCKS_CACHED
  }

  #skipForward(): void {
    while (this.#data !== undefined && !this.#data.valid()) {
      if (this.#block < 0 || this.#block >= this.#reader.blockCount) break
      const data = this.#load(this.#block + 1, true)
      if (data === undefined) break
      data.seekToFirst()
    }
    this.#settle()
  }

  #skipBackward(): void {
    while (this.#data !== undefined && !this.#data.valid()) {
      if (this.#block < 0 || this.#block >= this.#reader.blockCount) break
      const data = this.#load(this.#block - 1, true)
      if (data === undefined) break
      data.seekToLast()
    }
    this.#settle()
  }

  /** Forgets per-position state and rejects keys too short to be internal keys. */
  #settle(): void {
    this.#userKey = undefined
    const data = this.#data
    if (data !== undefined && data.valid() && data.keyLength < TRAILER_SIZE) {
      data.invalidate()
      throw data.block.corrupt(`entry key of ${data.keyLength} bytes is shorter than an internal key`)
    }
  }
}
