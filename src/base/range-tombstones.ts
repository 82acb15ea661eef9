// Range tombstones: `deleteRange(start, end)` written at sequence s deletes every version of
// every user key k with start <= k < end whose sequence is below s, for readers at s or later.
// Memtables, tables and compactions all keep them as a RangeTombstoneSet: the tombstones cut
// into disjoint fragments, each with the sequences covering it, newest first, so that "which
// tombstone covers key k at read sequence r" is one binary search (RocksDB and Pebble fragment
// theirs the same way). A set is immutable once built: cursors may hold one while more
// tombstones arrive in a memtable, which builds a new set.

import { compareBytes } from '../util/bytes.js'

export interface RangeTombstone {
  readonly start: Uint8Array
  /** Exclusive. */
  readonly end: Uint8Array
  readonly seq: number
}

/** A piece [start, end) of the key space and the sequences of the tombstones over all of it, descending. */
export interface TombstoneFragment {
  readonly start: Uint8Array
  readonly end: Uint8Array
  readonly seqs: readonly number[]
}

/** The smallest key after k: k followed by a zero byte (nothing sorts between the two). */
export function keySuccessor(k: Uint8Array): Uint8Array {
  const out = new Uint8Array(k.length + 1)
  out.set(k)
  return out
}

export class RangeTombstoneSet {
  static readonly EMPTY = new RangeTombstoneSet([], 0)
  readonly fragments: readonly TombstoneFragment[]
  /** Tombstones the set was built from. */
  readonly count: number
  /** The fragment the last lookup landed in: scans look up keys in order. */
  #hint = 0

  private constructor(fragments: TombstoneFragment[], count: number) {
    this.fragments = fragments
    this.count = count
  }

  /** Fragments `tombstones` (any order, any overlap); empty ranges are ignored. */
  static build(tombstones: readonly RangeTombstone[]): RangeTombstoneSet {
    const list = tombstones.filter((t) => compareBytes(t.start, t.end) < 0)
    if (list.length === 0) return tombstones.length === 0 ? RangeTombstoneSet.EMPTY : new RangeTombstoneSet([], tombstones.length)
    list.sort((a, b) => compareBytes(a.start, b.start))
    const points = [...list.map((t) => t.start), ...list.map((t) => t.end)].sort(compareBytes)
    const bounds: Uint8Array[] = []
    for (const p of points) if (bounds.length === 0 || compareBytes(bounds.at(-1)!, p) !== 0) bounds.push(p)
    const fragments: TombstoneFragment[] = []
    let active: RangeTombstone[] = []
    let next = 0
    for (let i = 0; i + 1 < bounds.length; i++) {
      const lo = bounds[i]!
      active = active.filter((t) => compareBytes(t.end, lo) > 0)
      while (next < list.length && compareBytes(list[next]!.start, lo) <= 0) active.push(list[next++]!)
      if (active.length === 0) continue
      const seqs = active.map((t) => t.seq).sort((a, b) => b - a)
      fragments.push({ start: lo, end: bounds[i + 1]!, seqs: seqs.filter((s, j) => j === 0 || s !== seqs[j - 1]) })
    }
    return new RangeTombstoneSet(fragments, tombstones.length)
  }

  /**
   * This set with one more tombstone, in time linear in the fragments: only those it
   * overlaps are split or gain its sequence. For a memtable, which gains one at a time.
   */
  with(t: RangeTombstone): RangeTombstoneSet {
    if (compareBytes(t.start, t.end) >= 0) return new RangeTombstoneSet([...this.fragments], this.count + 1)
    const f = this.fragments
    const out: TombstoneFragment[] = []
    let i = 0
    while (i < f.length && compareBytes(f[i]!.end, t.start) <= 0) out.push(f[i++]!)
    // The start of the part of t no fragment seen so far covers.
    let uncovered = t.start
    for (; i < f.length && compareBytes(f[i]!.start, t.end) < 0; i++) {
      const g = f[i]!
      if (compareBytes(uncovered, g.start) < 0) out.push({ start: uncovered, end: g.start, seqs: [t.seq] })
      const lo = compareBytes(g.start, t.start) < 0 ? t.start : g.start
      if (lo !== g.start) out.push({ start: g.start, end: lo, seqs: g.seqs })
      const hi = compareBytes(g.end, t.end) > 0 ? t.end : g.end
      out.push({ start: lo, end: hi, seqs: withSeq(g.seqs, t.seq) })
      if (hi !== g.end) out.push({ start: hi, end: g.end, seqs: g.seqs })
      uncovered = hi
    }
    if (compareBytes(uncovered, t.end) < 0) out.push({ start: uncovered, end: t.end, seqs: [t.seq] })
    while (i < f.length) out.push(f[i++]!)
    return new RangeTombstoneSet(out, this.count + 1)
  }

  /** The fragment holding key, or undefined. */
  fragmentAt(key: Uint8Array): TombstoneFragment | undefined {
    const at = this.indexAt(key)
    return at < 0 ? undefined : this.fragments[at]
  }

  /** The index of the fragment holding key, or -1. */
  indexAt(key: Uint8Array): number {
    const f = this.fragments
    if (f.length === 0) return -1
    const h = f[this.#hint]
    if (h !== undefined && compareBytes(key, h.start) >= 0 && compareBytes(key, h.end) < 0) return this.#hint
    // The last fragment starting at or before key.
    let lo = 0
    let hi = f.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareBytes(f[mid]!.start, key) <= 0) lo = mid + 1
      else hi = mid
    }
    if (lo === 0 || compareBytes(key, f[lo - 1]!.end) >= 0) return -1
    this.#hint = lo - 1
    return lo - 1
  }

  /** The newest tombstone sequence <= readSeq covering key; 0 when none does. */
  maxCovering(key: Uint8Array, readSeq: number): number {
    const frag = this.fragmentAt(key)
    if (frag === undefined) return 0
    for (const s of frag.seqs) if (s <= readSeq) return s
    return 0
  }

  /** The oldest tombstone sequence > seq covering key; 0 when none does. For compactions. */
  oldestCoveringAbove(key: Uint8Array, seq: number): number {
    const frag = this.fragmentAt(key)
    if (frag === undefined) return 0
    let found = 0
    for (const s of frag.seqs) {
      if (s <= seq) break
      found = s
    }
    return found
  }

  /** Every (fragment, sequence) pair as a tombstone, in key order then newest first. */
  tombstones(): RangeTombstone[] {
    const out: RangeTombstone[] = []
    for (const f of this.fragments) for (const seq of f.seqs) out.push({ start: f.start, end: f.end, seq })
    return out
  }
}

/** seqs (descending, distinct) with seq added in its place. */
function withSeq(seqs: readonly number[], seq: number): number[] {
  const out: number[] = []
  let placed = false
  for (const s of seqs) {
    if (!placed && seq >= s) {
      if (seq !== s) out.push(seq)
      placed = true
    }
    out.push(s)
  }
  if (!placed) out.push(seq)
  return out
}

/** The tombstones of `list` cut to [lower, upper) (undefined: unbounded), empty pieces dropped. */
export function truncateTombstones(list: readonly RangeTombstone[], lower: Uint8Array | undefined, upper: Uint8Array | undefined): RangeTombstone[] {
  const out: RangeTombstone[] = []
  for (const t of list) {
    const start = lower !== undefined && compareBytes(t.start, lower) < 0 ? lower : t.start
    const end = upper !== undefined && compareBytes(t.end, upper) > 0 ? upper : t.end
    if (compareBytes(start, end) < 0) out.push({ start, end, seq: t.seq })
  }
  return out
}
