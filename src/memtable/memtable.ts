// The in-memory write buffer: every write lands here (after the log) until the memtable is
// full, frozen and flushed to an SSTable. Readers see it through get() and a cursor.

import type { FoundEntry } from '../base/found-entry.js'
import type { CursorSpan, InternalIterator } from '../base/internal-iterator.js'
import { ValueKind } from '../base/internal-key.js'
import { RangeTombstoneSet, type RangeTombstone } from '../base/range-tombstones.js'
import { binaryString } from '../util/bytes.js'
import { NONE, SkipList } from './skip-list.js'

/** Rough per-entry bookkeeping cost (node arrays, key string, hash entry), so size tracks real memory. */
const ENTRY_OVERHEAD = 96

/** Up to this many range tombstones added since the last read join the set one at a time. */
const INCREMENTAL_LIMIT = 16

export class Memtable {
  readonly #list = new SkipList()
  /**
   * The newest version of each key. Most reads are at the latest sequence, and this answers
   * them (and every miss) in one hash lookup instead of a skip-list search.
   */
  readonly #newest = new Map<string, number>()
  /** Range deletions, kept apart from the skip list: most memtables have none. */
  readonly #rangeTombstones: RangeTombstone[] = []
  /** The fragmented set of the first `#rangeSet.count` of #rangeTombstones; brought up to date when asked for. */
  #rangeSet = RangeTombstoneSet.EMPTY
  #bytes = 0
  #userBytes = 0
  /** Number of the write-ahead log file that holds this memtable's writes. */
  readonly logNumber: number
  largestSeq = 0

  constructor(logNumber: number) {
    this.logNumber = logNumber
  }

  get approximateBytes(): number {
    return this.#bytes
  }

  /** Key and value bytes added, without bookkeeping: what users wrote into this memtable. */
  get userBytes(): number {
    return this.#userBytes
  }

  /** Entries, range tombstones included: 0 means there is nothing to flush. */
  get count(): number {
    return this.#list.count + this.#rangeTombstones.length
  }

  /** Range tombstones added (a length check: reads take their fast path when it is 0). */
  get rangeDeletionCount(): number {
    return this.#rangeTombstones.length
  }

  /** The range tombstones as a set; the same object until the next one is added. */
  rangeTombstones(): RangeTombstoneSet {
    const all = this.#rangeTombstones
    const missing = all.length - this.#rangeSet.count
    if (missing === 0) return this.#rangeSet
    // A few new ones (reads between range deletions) go in one by one, each in linear time;
    // many (a batch of them) are cheaper fragmented together from scratch.
    if (missing <= INCREMENTAL_LIMIT) {
      let set = this.#rangeSet
      for (let i = set.count; i < all.length; i++) set = set.with(all[i]!)
      this.#rangeSet = set
    } else {
      this.#rangeSet = RangeTombstoneSet.build(all)
    }
    return this.#rangeSet
  }

  /** The range tombstones as added, for a flush. */
  rawRangeTombstones(): readonly RangeTombstone[] {
    return this.#rangeTombstones
  }

  /**
   * Adds a version; key and value are copied. `skey` is the key as a binary string (see
   * skip-list.ts); pass it when already known.
   */
  add(key: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array, skey?: string): void {
    if (kind === ValueKind.RangeDeletion) return this.#addRangeTombstone(key, seq, value)
    skey ??= binaryString(key)
    const list = this.#list
    const node = list.insert(skey, key, seq, kind, value)
    const newest = this.#newest.get(skey)
    if (newest === undefined || list.seq(newest) < seq) this.#newest.set(skey, node)
    this.#bytes += key.length + value.length + ENTRY_OVERHEAD
    this.#userBytes += key.length + value.length
    if (seq > this.largestSeq) this.largestSeq = seq
  }

  /** A range deletion [start, end) at seq; both are copied. */
  #addRangeTombstone(start: Uint8Array, seq: number, end: Uint8Array): void {
    this.#rangeTombstones.push({ start: start.slice(), end: end.slice(), seq })
    this.#bytes += start.length + end.length + ENTRY_OVERHEAD
    this.#userBytes += start.length + end.length
    if (seq > this.largestSeq) this.largestSeq = seq
  }

  /** The newest version of key with sequence <= seq, tombstones included. */
  get(key: Uint8Array, seq: number, skey = binaryString(key)): FoundEntry | undefined {
    const list = this.#list
    let n = this.#newest.get(skey)
    if (n === undefined) return undefined
    if (list.seq(n) > seq) {
      n = list.seekGE(skey, seq)
      if (n === NONE || list.skey(n) !== skey) return undefined
    }
    return { seq: list.seq(n), kind: list.kind(n), value: list.value(n) }
  }

  /** The largest user key added (a view), range tombstones aside; undefined when there is none. */
  largestUserKey(): Uint8Array | undefined {
    const last = this.#list.seekLT()
    return last === NONE ? undefined : this.#list.key(last)
  }

  iterator(): InternalIterator {
    // Read live: a write added after the cursor was made may raise it.
    const memtable = this
    const span: CursorSpan = {
      get maxSeq() {
        return memtable.largestSeq
      },
      smallest: undefined,
      largest: undefined,
    }
    return new MemtableCursor(this.#list, span)
  }
}

class MemtableCursor implements InternalIterator {
  readonly #list: SkipList
  #node = NONE
  /** View of the current node's key, made once per position: merging compares it often. */
  #key: Uint8Array | undefined
  readonly #span: CursorSpan

  constructor(list: SkipList, span: CursorSpan) {
    this.#list = list
    this.#span = span
  }

  span(): CursorSpan {
    return this.#span
  }

  valid(): boolean {
    return this.#node !== NONE
  }
  key(): Uint8Array {
    return (this.#key ??= this.#list.key(this.#node))
  }
  seq(): number {
    return this.#list.seq(this.#node)
  }
  kind(): ValueKind {
    return this.#list.kind(this.#node)
  }
  value(): Uint8Array {
    return this.#list.value(this.#node)
  }
  seekToFirst(): void {
    this.#to(this.#list.first())
  }
  seekToLast(): void {
    this.#to(this.#list.seekLT())
  }
  seek(key: Uint8Array, seq: number): void {
    this.#to(this.#list.seekGE(binaryString(key), seq))
  }
  seekForPrev(key: Uint8Array, seq: number): void {
    const list = this.#list
    const skey = binaryString(key)
    // The last entry <= (key, seq) is the one before the first entry > (key, seq).
    const n = list.seekGE(skey, seq)
    this.#to(n !== NONE && list.skey(n) === skey && list.seq(n) === seq ? n : list.seekLT(skey, seq))
  }
  next(): void {
    this.#to(this.#list.next(this.#node))
  }
  prev(): void {
    const n = this.#node
    this.#to(this.#list.seekLT(this.#list.skey(n), this.#list.seq(n)))
  }
  close(): void {
    this.#to(NONE)
  }
  #to(node: number): void {
    this.#node = node
    this.#key = undefined
  }
}
