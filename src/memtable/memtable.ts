// The in-memory write buffer: every write lands here (after the log) until the memtable is
// full, frozen and flushed to an SSTable. Readers see it through get() and a cursor.

import type { InternalIterator } from '../base/internal-iterator.js'
import type { ValueKind } from '../base/internal-key.js'
import { bytesEqual } from '../util/bytes.js'
import { SkipList, type SkipNode } from './skip-list.js'

/** Rough per-entry bookkeeping cost (node object, arrays), so size tracks real memory. */
const ENTRY_OVERHEAD = 64

export interface Lookup {
  seq: number
  kind: ValueKind
  value: Uint8Array
}

export class Memtable {
  readonly #list = new SkipList()
  #bytes = 0
  /** Number of the write-ahead log file that holds this memtable's writes. */
  readonly logNumber: number
  largestSeq = 0

  constructor(logNumber: number) {
    this.logNumber = logNumber
  }

  get approximateBytes(): number {
    return this.#bytes
  }

  get count(): number {
    return this.#list.count
  }

  add(key: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): void {
    this.#list.insert(key, seq, kind, value)
    this.#bytes += key.length + value.length + ENTRY_OVERHEAD
    if (seq > this.largestSeq) this.largestSeq = seq
  }

  /** The newest version of key with sequence <= seq, tombstones included. */
  get(key: Uint8Array, seq: number): Lookup | undefined {
    const n = this.#list.seekGE(key, seq)
    if (n === undefined || !bytesEqual(n.key, key)) return undefined
    return n
  }

  iterator(): InternalIterator {
    return new MemtableCursor(this.#list)
  }
}

class MemtableCursor implements InternalIterator {
  readonly #list: SkipList
  #node: SkipNode | undefined

  constructor(list: SkipList) {
    this.#list = list
  }

  valid(): boolean {
    return this.#node !== undefined
  }
  key(): Uint8Array {
    return this.#node!.key
  }
  seq(): number {
    return this.#node!.seq
  }
  kind(): ValueKind {
    return this.#node!.kind
  }
  value(): Uint8Array {
    return this.#node!.value
  }
  seekToFirst(): void {
    this.#node = this.#list.first()
  }
  seekToLast(): void {
    this.#node = this.#list.seekLT()
  }
  seek(key: Uint8Array, seq: number): void {
    this.#node = this.#list.seekGE(key, seq)
  }
  seekForPrev(key: Uint8Array, seq: number): void {
    // Last entry <= (key, seq) is the entry before the first one > (key, seq); in internal
    // order (key, seq - 1) is the immediate successor of (key, seq).
    if (seq === 0) {
      const n = this.#list.seekGE(key, 0)
      // (key, 0) is the largest internal key for `key`; include it when present.
      this.#node = n !== undefined && n.seq === 0 && bytesEqual(n.key, key) ? n : this.#list.seekLT(key, 0)
      return
    }
    this.#node = this.#list.seekLT(key, seq - 1)
  }
  next(): void {
    this.#node = this.#node!.next[0]
  }
  prev(): void {
    const n = this.#node!
    this.#node = this.#list.seekLT(n.key, n.seq)
  }
  close(): void {
    this.#node = undefined
  }
}
