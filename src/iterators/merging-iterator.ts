// Merges several sorted cursors into one sorted cursor. It does no de-duplication: every
// version from every source comes out, in internal-key order. Sources are given newest
// first, and an exact tie (which correct trees never produce) goes to the newer source.

import type { CursorSpan, InternalIterator } from '../base/internal-iterator.js'
import { compareInternal, MAX_SEQUENCE, type ValueKind } from '../base/internal-key.js'

type Direction = 'forward' | 'backward'

export class MergingIterator implements InternalIterator {
  readonly #children: InternalIterator[]
  #current: InternalIterator | undefined
  #direction: Direction = 'forward'

  constructor(children: InternalIterator[]) {
    this.#children = children
  }

  valid(): boolean {
    return this.#current !== undefined
  }
  key(): Uint8Array {
    return this.#current!.key()
  }
  seq(): number {
    return this.#current!.seq()
  }
  kind(): ValueKind {
    return this.#current!.kind()
  }
  value(): Uint8Array {
    return this.#current!.value()
  }

  seekToFirst(): void {
    for (const c of this.#children) c.seekToFirst()
    this.#direction = 'forward'
    this.#findSmallest()
  }

  seekToLast(): void {
    for (const c of this.#children) c.seekToLast()
    this.#direction = 'backward'
    this.#findLargest()
  }

  seek(key: Uint8Array, seq: number): void {
    for (const c of this.#children) c.seek(key, seq)
    this.#direction = 'forward'
    this.#findSmallest()
  }

  seekForPrev(key: Uint8Array, seq: number): void {
    for (const c of this.#children) c.seekForPrev(key, seq)
    this.#direction = 'backward'
    this.#findLargest()
  }

  next(): void {
    const cur = this.#current!
    if (this.#direction !== 'forward') {
      // Every other child sits at or before the current key; move each just past it.
      const key = cur.key()
      const seq = cur.seq()
      for (const c of this.#children) {
        if (c === cur) continue
        c.seek(key, seq)
        if (c.valid() && compareInternal(c.key(), c.seq(), key, seq) === 0) c.next()
      }
      this.#direction = 'forward'
    }
    cur.next()
    this.#findSmallest()
  }

  prev(): void {
    const cur = this.#current!
    if (this.#direction !== 'backward') {
      const key = cur.key()
      const seq = cur.seq()
      for (const c of this.#children) {
        if (c === cur) continue
        c.seekForPrev(key, seq)
        if (c.valid() && compareInternal(c.key(), c.seq(), key, seq) === 0) c.prev()
      }
      this.#direction = 'backward'
    }
    cur.prev()
    this.#findLargest()
  }

  /** The span of the source the current entry comes from, if that source knows it. */
  span(): CursorSpan | undefined {
    return this.#current!.span?.()
  }

  /**
   * Moving forward: takes the source of the current entry on to its first entry at or after
   * `key` (greater than the current one), passing over the rest of its entries before that;
   * the other sources stay where they are. For range tombstones (DbIterator).
   */
  skipCurrentTo(key: Uint8Array): void {
    this.#current!.seek(key, MAX_SEQUENCE)
    this.#findSmallest()
  }

  /** Moving backward: takes the source of the current entry back to its last entry before `key`. */
  skipCurrentBefore(key: Uint8Array): void {
    this.#current!.seekForPrev(key, MAX_SEQUENCE)
    this.#findLargest()
  }

  close(): void {
    for (const c of this.#children) c.close()
    this.#current = undefined
  }

  // A linear scan over the children: the number of sources is small (memtables, L0 files,
  // one cursor per deeper level), and it avoids heap bookkeeping on every step.
  #findSmallest(): void {
    let best: InternalIterator | undefined
    for (const c of this.#children) {
      if (!c.valid()) continue
      if (best === undefined || compareInternal(c.key(), c.seq(), best.key(), best.seq()) < 0) best = c
    }
    this.#current = best
  }

  #findLargest(): void {
    let best: InternalIterator | undefined
    for (const c of this.#children) {
      if (!c.valid()) continue
      if (best === undefined || compareInternal(c.key(), c.seq(), best.key(), best.seq()) > 0) best = c
    }
    this.#current = best
  }
}
