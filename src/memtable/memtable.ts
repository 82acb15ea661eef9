// The in-memory write buffer: every write lands here (after the log) until the memtable is
// full, frozen and flushed to an SSTable. Readers see it through get() and a cursor.

import type { InternalIterator } from '../base/internal-iterator.js'
import type { ValueKind } from '../base/internal-key.js'
import { binaryString } from '../util/bytes.js'
import { SkipList, type SkipNode } from './skip-list.js'

/** Rough per-entry bookkeeping cost (node, pointers, key string, hash entry), so size tracks real memory. */
const ENTRY_OVERHEAD = 96

export interface Lookup {
  seq: number
  kind: ValueKind
  value: Uint8Array
}

export class Memtable {
  readonly #list = new SkipList()
  /**
   * The newest version of each key. Most reads are at the latest sequence, and this answers
   * them (and every miss) in one hash lookup instead of a skip-list search.
   */
  readonly #newest = new Map<string, SkipNode>()
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

  /**
   * Adds a version; key and value are copied. `skey` is the key as a binary string (see
   * skip-list.ts); pass it when already known.
   */
  add(key: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array, skey = binaryString(key)): void {
    const node = this.#list.insert(skey, key, seq, kind, value)
    const newest = this.#newest.get(skey)
    if (newest === undefined || newest.seq < seq) this.#newest.set(skey, node)
    this.#bytes += key.length + value.length + ENTRY_OVERHEAD
    if (seq > this.largestSeq) this.largestSeq = seq
  }

  /** The newest version of key with sequence <= seq, tombstones included. */
  get(key: Uint8Array, seq: number, skey = binaryString(key)): Lookup | undefined {
    const newest = this.#newest.get(skey)
    if (newest === undefined || newest.seq <= seq) return newest
    const n = this.#list.seekGE(skey, seq)
    return n === undefined || n.skey !== skey ? undefined : n
  }

  iterator(): InternalIterator {
    return new MemtableCursor(this.#list)
  }
}

class MemtableCursor implements InternalIterator {
  readonly #list: SkipList
  #node: SkipNode | undefined
  /** View of the current node's key, made once per position: merging compares it often. */
  #key: Uint8Array | undefined

  constructor(list: SkipList) {
    this.#list = list
  }

  valid(): boolean {
    return this.#node !== undefined
  }
  key(): Uint8Array {
    return (this.#key ??= this.#node!.key)
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
    this.#at(this.#list.first())
  }
  seekToLast(): void {
    this.#at(this.#list.seekLT())
  }
  seek(key: Uint8Array, seq: number): void {
    this.#at(this.#list.seekGE(binaryString(key), seq))
  }
  seekForPrev(key: Uint8Array, seq: number): void {
    const skey = binaryString(key)
    // The last entry <= (key, seq) is the one before the first entry > (key, seq).
    const n = this.#list.seekGE(skey, seq)
    this.#at(n !== undefined && n.skey === skey && n.seq === seq ? n : this.#list.seekLT(skey, seq))
  }
  next(): void {
    this.#at(this.#node!.next0)
  }
  prev(): void {
    const n = this.#node!
    this.#at(this.#list.seekLT(n.skey, n.seq))
  }
  close(): void {
    this.#at(undefined)
  }
  #at(node: SkipNode | undefined): void {
    this.#node = node
    this.#key = undefined
  }
}
