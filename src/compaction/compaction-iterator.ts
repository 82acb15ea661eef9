// Decides which entries of a compaction's merged input survive. Versions of one user key
// arrive newest first. Live snapshots split sequence numbers into stripes: a reader at
// snapshot s sees, per key, the newest version with sequence <= s. So within each stripe
// only the newest version can ever be read, and the rest are dropped. A tombstone is
// dropped too when nothing older remains to hide: it is the newest entry in the oldest
// stripe and no deeper level can hold the key. A version under a newer range tombstone of the
// same stripe is dropped the same way: every reader that could see it sees the tombstone.

import type { InternalIterator } from '../base/internal-iterator.js'
import { ValueKind } from '../base/internal-key.js'
import type { RangeTombstoneSet } from '../base/range-tombstones.js'
import { KeyHolder, bytesEqual } from '../util/bytes.js'

export interface CompactionEntry {
  key: Uint8Array
  seq: number
  kind: ValueKind
  value: Uint8Array
}

export interface DropCounts {
  shadowed: number
  tombstones: number
}

/**
 * Wraps `input` (positioned by the caller) and yields the surviving entries.
 * `snapshots` are the live snapshot sequences, ascending. `isBottom(key)` says that no
 * level below the output can contain the key.
 */
export class CompactionIterator {
  readonly #input: InternalIterator
  readonly #snapshots: readonly number[]
  readonly #isBottom: (key: Uint8Array) => boolean
  readonly #tombstones: RangeTombstoneSet | undefined
  #currentKey: Uint8Array | undefined
  readonly #keyHolder = new KeyHolder()
  /** Stripe of the last entry kept or dropped for the current key. */
  #lastStripe = -1
  readonly drops: DropCounts = { shadowed: 0, tombstones: 0 }
  /** The input still sits on the entry last returned; step past it on the next call. */
  #advance = false

  /** `tombstones`: the range tombstones of the inputs, if any (they are written out separately, see compaction-job.ts). */
  constructor(input: InternalIterator, snapshots: readonly number[], isBottom: (key: Uint8Array) => boolean, tombstones?: RangeTombstoneSet) {
    this.#input = input
    this.#snapshots = snapshots
    this.#isBottom = isBottom
    this.#tombstones = tombstones
  }

  /** Public for compaction-job.ts, which applies the same stripes to the range tombstones. */
  stripe(seq: number): number {
    return this.#stripe(seq)
  }

  /** Index of the smallest snapshot >= seq; snapshots.length for "newer than all of them". */
  #stripe(seq: number): number {
    const s = this.#snapshots
    let lo = 0
    let hi = s.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (s[mid]! < seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The next surviving entry (its key and value are views valid until the next call), or undefined. */
  next(): CompactionEntry | undefined {
    const it = this.#input
    if (this.#advance) {
      this.#advance = false
      it.next()
    }
    for (; it.valid(); it.next()) {
      const key = it.key()
      const seq = it.seq()
      const stripe = this.#stripe(seq)
      if (this.#currentKey === undefined || !bytesEqual(key, this.#currentKey)) {
        this.#currentKey = this.#keyHolder.set(key)
      } else if (stripe === this.#lastStripe) {
        // A newer version of this key is visible to every reader that could see this one.
        this.drops.shadowed++
        continue
      }
      this.#lastStripe = stripe
      if (this.#tombstones !== undefined) {
        const t = this.#tombstones.oldestCoveringAbove(key, seq)
        if (t > 0 && this.#stripe(t) === stripe) {
          this.drops.shadowed++
          continue
        }
      }
      const kind = it.kind()
      if (kind === ValueKind.Deletion && stripe === 0 && this.#isBottom(key)) {
        this.drops.tombstones++
        continue
      }
      this.#advance = true
      return { key, seq, kind, value: it.value() }
    }
    return undefined
  }
}
