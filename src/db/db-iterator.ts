// Turns the merged stream of internal entries into what a user sees: for each user key in
// range, the newest version visible at the read sequence, skipping keys whose newest
// visible version is a tombstone. Works forward or in reverse, with bounds and a limit.

import type { CursorSpan, InternalIterator } from '../base/internal-iterator.js'
import { MAX_SEQUENCE, ValueKind } from '../base/internal-key.js'
import { bytesEqual, compareBytes, copyBytes, toBuffer } from '../util/bytes.js'
import { keySuccessor, type RangeTombstoneSet, type TombstoneFragment } from '../base/range-tombstones.js'
import { sharedEntrySlab } from './entry-slab.js'

/**
 * What a seek over hidden entries counts for against next()'s budget: it may open the next
 * table and read its index, the work of many steps through one block.
 */
const SKIP_COST = 8

/** What DbIterator.next() returns when its budget ran out before a visible entry. */
export const PAUSED: unique symbol = Symbol('paused')

export interface Bound {
  key: Uint8Array
  inclusive: boolean
}

export interface RangeOptions {
  lower: Bound | undefined
  upper: Bound | undefined
  reverse: boolean
  /** Maximum entries to return; Infinity for no limit. */
  limit: number
}

/**
 * A merged cursor that can move the source of its current entry alone past a range (see
 * MergingIterator): how a walk passes over what a range tombstone hides a table at a time.
 */
export interface SkippingIterator extends InternalIterator {
  span(): CursorSpan | undefined
  skipCurrentTo(key: Uint8Array): void
  skipCurrentBefore(key: Uint8Array): void
}

const canSkip = (it: InternalIterator): it is SkippingIterator => 'skipCurrentTo' in it

export class DbIterator {
  readonly #iter: InternalIterator
  readonly #seq: number
  readonly #range: RangeOptions
  #started = false
  #done = false
  #returned = 0
  /** In reverse, across a pause: the user key being read, and its newest visible value so far. */
  #savedKey: Uint8Array | undefined
  #savedValue: Uint8Array | undefined
  /** In forward mode: the user key last returned (or skipped), whose older versions must be passed over. */
  #skipKey: Uint8Array | undefined
  /** The range tombstones of every source that has some (each set applies the read sequence itself); empty when none. */
  readonly #tombstones: readonly RangeTombstoneSet[]
  /** Set by #deleted when a range tombstone hides the cursor's entry: the fragment, and the tombstone's sequence. */
  #cover: TombstoneFragment | undefined
  #coverSeq = 0
  /** Seeks over hidden entries made so far (a table, or the part of one, at a time); for tests. */
  skips = 0

  constructor(iter: InternalIterator, seq: number, range: RangeOptions, tombstones: readonly RangeTombstoneSet[] = []) {
    this.#iter = iter
    this.#seq = seq
    this.#range = range
    this.#tombstones = tombstones
  }

  /**
   * Whether the version at the cursor is deleted: a tombstone, or under a newer range
   * tombstone (then #cover and #coverSeq say which).
   */
  #deleted(key: Uint8Array): boolean {
    const it = this.#iter
    this.#cover = undefined
    if (it.kind() === ValueKind.Deletion) return true
    const sets = this.#tombstones
    if (sets.length === 0) return false
    const seq = it.seq()
    for (let i = 0; i < sets.length; i++) {
      const fragment = sets[i]!.fragmentAt(key)
      if (fragment === undefined) continue
      for (const s of fragment.seqs) {
        if (s > this.#seq) continue
        if (s > seq) {
          this.#cover = fragment
          this.#coverSeq = s
          return true
        }
        break
      }
    }
    return false
  }

  /**
   * After #deleted found the cursor's entry under a range tombstone: when nothing its source
   * holds in the current table is as new as the tombstone, every entry of that table inside
   * the fragment is hidden too, so that source alone is moved past them (to the fragment's
   * end, or the table's, whichever is nearer) in one seek. Returns whether it moved.
   */
  #skipCovered(reverse: boolean): boolean {
    const cover = this.#cover
    const it = this.#iter
    if (cover === undefined || !canSkip(it)) return false
    const span = it.span()
    if (span === undefined || span.maxSeq >= this.#coverSeq) return false
    this.skips++
    if (!reverse) {
      const past = span.largest !== undefined && compareBytes(span.largest, cover.end) < 0 ? keySuccessor(span.largest) : cover.end
      it.skipCurrentTo(past)
    } else {
      it.skipCurrentBefore(span.smallest !== undefined && compareBytes(span.smallest, cover.start) > 0 ? span.smallest : cover.start)
    }
    return true
  }

  /**
   * Repositions so the next entry is the first one at or after `target` in iteration order.
   * A target outside the range ends the iterator (as abstract-level specifies) rather than
   * jumping to the range's start: a caller seeking to a key expects nothing before it.
   */
  seek(target: Uint8Array): void {
    this.#started = true
    this.#done = false
    this.#skipKey = undefined
    this.#savedKey = this.#savedValue = undefined
    if (!this.#inRange(target)) {
      this.#done = true
      return
    }
    if (!this.#range.reverse) this.#iter.seek(target, MAX_SEQUENCE)
    else this.#iter.seekForPrev(target, 0)
  }

  #inRange(key: Uint8Array): boolean {
    const { lower, upper } = this.#range
    if (lower !== undefined) {
      const c = compareBytes(key, lower.key)
      if (c < 0 || (c === 0 && !lower.inclusive)) return false
    }
    if (upper !== undefined) {
      const c = compareBytes(key, upper.key)
      if (c > 0 || (c === 0 && !upper.inclusive)) return false
    }
    return true
  }

  #seekStart(): void {
    const { lower, upper, reverse } = this.#range
    if (!reverse) {
      if (lower === undefined) this.#iter.seekToFirst()
      else {
        this.#iter.seek(lower.key, MAX_SEQUENCE)
        if (!lower.inclusive) this.#skipKey = lower.key
      }
    } else if (upper === undefined) this.#iter.seekToLast()
    else if (upper.inclusive) this.#iter.seekForPrev(upper.key, 0)
    else this.#iter.seekForPrev(upper.key, MAX_SEQUENCE)
  }

  /**
   * The next visible entry as fresh copies, or undefined at the end. After passing over
   * `budget` invisible versions (deleted, shadowed, too new) without finding one it returns
   * PAUSED instead, positioned to go on: a range deletion can hide millions of entries, and
   * an asynchronous caller lets the event loop turn between the pieces of such a walk.
   */
  next(): [Buffer, Buffer] | undefined
  next(budget: number): [Buffer, Buffer] | undefined | typeof PAUSED
  next(budget = Infinity): [Buffer, Buffer] | undefined | typeof PAUSED {
    if (this.#done) return undefined
    if (!this.#started) {
      this.#started = true
      this.#seekStart()
    }
    if (this.#returned >= this.#range.limit) return this.#finish()
    const entry = this.#range.reverse ? this.#prevVisible(budget) : this.#nextVisible(budget)
    if (entry === PAUSED) return PAUSED
    if (entry === undefined) return this.#finish()
    this.#returned++
    return entry
  }

  /**
   * Takes back `count` entries returned but never handed to the user (a read-ahead buffer
   * dropped by a seek), so they do not count against the limit.
   */
  unread(count: number): void {
    this.#returned -= count
  }

  #finish(): undefined {
    this.#done = true
    return undefined
  }

  #nextVisible(budget: number): [Buffer, Buffer] | undefined | typeof PAUSED {
    const it = this.#iter
    const upper = this.#range.upper
    // Stops only between versions, before looking at one: the next call starts there.
    for (let passed = 0; it.valid(); passed++) {
      if (passed >= budget) return PAUSED
      if (it.seq() > this.#seq) {
        it.next()
        continue
      }
      const key = it.key()
      if (this.#skipKey !== undefined && bytesEqual(key, this.#skipKey)) {
        it.next()
        continue
      }
      if (upper !== undefined) {
        const c = compareBytes(key, upper.key)
        if (c > 0 || (c === 0 && !upper.inclusive)) return undefined
      }
      if (this.#deleted(key)) {
        this.#skipKey = copyBytes(key)
        if (this.#skipCovered(false)) passed += SKIP_COST - 1
        else it.next()
        continue
      }
      const entry = sharedEntrySlab.entry(key, it.value())
      this.#skipKey = entry[0]
      it.next()
      return entry
    }
    return undefined
  }

  // In reverse, a user key's versions arrive oldest first; the newest visible one is the
  // last seen before the key changes.
  #prevVisible(budget: number): [Buffer, Buffer] | undefined | typeof PAUSED {
    const it = this.#iter
    const lower = this.#range.lower
    // Kept across a pause: the key being read and its newest visible value so far.
    let savedKey = this.#savedKey
    let savedValue = this.#savedValue
    this.#savedKey = this.#savedValue = undefined
    for (let passed = 0; it.valid(); passed++) {
      if (passed >= budget) {
        this.#savedKey = savedKey
        this.#savedValue = savedValue
        return PAUSED
      }
      if (it.seq() > this.#seq) {
        it.prev()
        continue
      }
      const key = it.key()
      if (savedKey !== undefined && !bytesEqual(key, savedKey)) {
        if (savedValue !== undefined) break
        savedKey = undefined
      }
      if (lower !== undefined) {
        const c = compareBytes(key, lower.key)
        if (c < 0 || (c === 0 && !lower.inclusive)) break
      }
      savedKey ??= copyBytes(key)
      if (this.#deleted(key)) {
        savedValue = undefined
        if (this.#skipCovered(true)) {
          passed += SKIP_COST - 1
          continue
        }
      } else savedValue = copyBytes(it.value())
      it.prev()
    }
    if (savedKey === undefined || savedValue === undefined) return undefined
    // Both are copies already (the cursor moved past them): hand them out, not copies of them.
    return [toBuffer(savedKey), toBuffer(savedValue)]
  }

  close(): void {
    this.#done = true
    this.#iter.close()
  }
}
