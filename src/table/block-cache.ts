// The shared cache of decoded data blocks, bounded by the bytes they hold. Each table
// reader keeps its cached blocks in an array indexed by block number, so a hit is one
// array load and no map lookup; the cache itself only decides what to drop.
//
// Eviction is CLOCK (second chance): blocks sit in a FIFO queue, a hit sets a flag, and
// the block at the head is dropped only if it was not hit since the hand last passed it;
// otherwise its flag is cleared and it goes to the back. That approximates LRU without
// moving anything on a hit, which is the one operation a read-heavy store does most.

import type { Block } from './block.js'

/** A cached block; its owner's slot array points at it until it is dropped. */
export interface CachedBlock {
  readonly block: Block
  readonly charge: number
  /** Hit since the clock hand last passed: survives one more pass. */
  referenced: boolean
  /** The owner's slots; undefined once the block has left the cache. */
  owner: (CachedBlock | undefined)[] | undefined
  readonly slot: number
}

/** Queue entries that may be dead (dropped by their owner) before the queue is rebuilt. */
const MIN_DEAD_BEFORE_REBUILD = 1024

export class BlockCache {
  readonly #capacity: number
  /** FIFO from #head on; entries before #head are consumed. May hold dropped blocks. */
  #queue: CachedBlock[] = []
  #head = 0
  /** Dropped blocks still in the queue, skipped when the hand reaches them. */
  #dead = 0
  #charge = 0
  #size = 0

  /** `capacity` bounds the bytes of cached blocks; 0 caches nothing. */
  constructor(capacity: number) {
    if (!(capacity >= 0)) throw new RangeError(`Cannot create a block cache: capacity ${capacity} is negative`)
    this.#capacity = capacity
  }

  get capacity(): number {
    return this.#capacity
  }

  /** Blocks cached. */
  get size(): number {
    return this.#size
  }

  /** Bytes of the blocks cached. */
  get charge(): number {
    return this.#charge
  }

  /** Entries in the clock queue, dropped ones included: bounded, for tests. */
  get queued(): number {
    return this.#queue.length - this.#head
  }

  /**
   * Caches block at owner[slot] (which must be empty) and evicts until the charge fits.
   * A block larger than the whole cache is not cached; the caller just uses it.
   */
  insert(owner: (CachedBlock | undefined)[], slot: number, block: Block): void {
    const charge = block.byteLength
    if (charge > this.#capacity) return
    const entry: CachedBlock = { block, charge, referenced: false, owner, slot }
    owner[slot] = entry
    this.#queue.push(entry)
    this.#charge += charge
    this.#size++
    if (this.#charge > this.#capacity) this.#evict()
  }

  /** Drops every block of an owner that is going away (a closed table). */
  dropAll(owner: (CachedBlock | undefined)[]): void {
    for (let i = 0; i < owner.length; i++) {
      const entry = owner[i]
      if (entry !== undefined) this.#drop(entry)
    }
    if (this.#dead >= MIN_DEAD_BEFORE_REBUILD && this.#dead > this.#size) this.#rebuild()
  }

  #drop(entry: CachedBlock): void {
    entry.owner![entry.slot] = undefined
    entry.owner = undefined
    this.#charge -= entry.charge
    this.#size--
    this.#dead++
  }

  #evict(): void {
    const queue = this.#queue
    while (this.#charge > this.#capacity && this.#head < queue.length) {
      const entry = queue[this.#head++]!
      if (entry.owner === undefined) {
        this.#dead--
      } else if (entry.referenced) {
        entry.referenced = false
        queue.push(entry)
      } else {
        this.#drop(entry)
        this.#dead--
      }
    }
    // Consumed entries are garbage once they are most of the array.
    if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head)
      this.#head = 0
    }
  }

  /** Rewrites the queue without dropped blocks, keeping the order of the live ones. */
  #rebuild(): void {
    const live: CachedBlock[] = []
    for (let i = this.#head; i < this.#queue.length; i++) {
      const entry = this.#queue[i]!
      if (entry.owner !== undefined) live.push(entry)
    }
    this.#queue = live
    this.#head = 0
    this.#dead = 0
  }
}
