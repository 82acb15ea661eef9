// An ordered map of internal keys (user key asc, sequence desc) as a skip list. Inserts
// never move existing nodes, so a cursor stays valid while writers keep inserting: an
// iterator opened on the live memtable simply ignores versions newer than its snapshot.
//
// Nodes are ordered by `skey`, the user key as a binary string (one char per byte).
// Comparing one-byte JS strings is a native memcmp over data stored inline in the string,
// which measured 2-3x faster here than a byte loop over separately allocated Uint8Arrays;
// for ASCII string keys the caller's own string is already that binary string.
//
// A node is an index into parallel typed arrays rather than an object: a memtable holds
// tens of thousands of live entries, and V8's young-generation collector copies every live
// object at each scavenge, so one object per node (plus a pointer array for tall ones) was
// the bulk of its pause time. What remains on the JS heap per entry is its key string.

import type { ValueKind } from '../base/internal-key.js'
import { Arena } from './arena.js'

const MAX_HEIGHT = 12
/** Each level holds about a quarter of the nodes of the level below. */
const BRANCHING = 4
/** Node 0 is the head; as a forward pointer, 0 means "none" (nothing points at the head). */
const HEAD = 0
export const NONE = 0

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size)
  b.set(a)
  return b
}

export class SkipList {
  readonly #arena = new Arena()
  #skeys: string[] = ['']
  #seqs = new Float64Array(1024)
  #kinds = new Uint8Array(1024)
  /** Arena chunk index and offset of the entry's bytes: key, then value. */
  #chunk = new Int32Array(1024)
  #at = new Int32Array(1024)
  #keyLength = new Int32Array(1024)
  #valueLength = new Int32Array(1024)
  /** Level-0 forward pointer of every node. */
  #next0 = new Int32Array(1024)
  /** Where a node's pointers for levels 1 and up start in #upper; -1 for height-1 nodes. */
  #upperAt = new Int32Array(1024)
  #upper = new Int32Array(1024)
  #upperUsed = 0
  /** Nodes in use, the head included. */
  #nodes = 1
  readonly #prev = new Int32Array(MAX_HEIGHT)
  readonly #place = new Int32Array(2)
  #height = 1
  // A small xorshift generator: deterministic, and faster than Math.random on this path.
  #rand = 0x2545f491

  constructor() {
    this.#upperAt[HEAD] = this.#allocUpper(MAX_HEIGHT)
  }

  get count(): number {
    return this.#nodes - 1
  }

  /** Bytes of keys and values copied in. */
  get bytes(): number {
    return this.#arena.allocated
  }

  skey(n: number): string {
    return this.#skeys[n]!
  }
  seq(n: number): number {
    return this.#seqs[n]!
  }
  kind(n: number): ValueKind {
    return this.#kinds[n]! as ValueKind
  }
  key(n: number): Uint8Array {
    const at = this.#at[n]!
    return this.#arena.chunks[this.#chunk[n]!]!.subarray(at, at + this.#keyLength[n]!)
  }
  value(n: number): Uint8Array {
    const at = this.#at[n]! + this.#keyLength[n]!
    return this.#arena.chunks[this.#chunk[n]!]!.subarray(at, at + this.#valueLength[n]!)
  }
  next(n: number): number {
    return this.#next0[n]!
  }

  #nextAt(n: number, level: number): number {
    return level === 0 ? this.#next0[n]! : this.#upper[this.#upperAt[n]! + level - 1]!
  }

  #setNext(n: number, level: number, to: number): void {
    if (level === 0) this.#next0[n] = to
    else this.#upper[this.#upperAt[n]! + level - 1] = to
  }

  /** True when node n sorts before (skey, seq). */
  #before(n: number, skey: string, seq: number): boolean {
    const s = this.#skeys[n]!
    return s < skey || (s === skey && this.#seqs[n]! > seq)
  }

  #allocUpper(height: number): number {
    if (height === 1) return -1
    const at = this.#upperUsed
    this.#upperUsed += height - 1
    if (this.#upperUsed > this.#upper.length) this.#upper = grow(this.#upper, Math.max(this.#upper.length * 2, this.#upperUsed))
    return at
  }

  #randomHeight(): number {
    let h = 1
    for (;;) {
      let x = this.#rand
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      this.#rand = x >>> 0
      if (h >= MAX_HEIGHT || this.#rand % BRANCHING !== 0) return h
      h++
    }
  }

  #ensureCapacity(): void {
    if (this.#nodes < this.#seqs.length) return
    const size = this.#seqs.length * 2
    this.#seqs = grow(this.#seqs, size)
    this.#kinds = grow(this.#kinds, size)
    this.#chunk = grow(this.#chunk, size)
    this.#at = grow(this.#at, size)
    this.#keyLength = grow(this.#keyLength, size)
    this.#valueLength = grow(this.#valueLength, size)
    this.#next0 = grow(this.#next0, size)
    this.#upperAt = grow(this.#upperAt, size)
  }

  /** Copies the entry in and returns its node; (key, seq) pairs are unique because every write has its own sequence. */
  insert(skey: string, key: Uint8Array, seq: number, kind: ValueKind, value: Uint8Array): number {
    const prev = this.#prev
    let x = HEAD
    for (let level = this.#height - 1; level >= 0; level--) {
      for (let n = this.#nextAt(x, level); n !== NONE && this.#before(n, skey, seq); n = this.#nextAt(x, level)) x = n
      prev[level] = x
    }
    const height = this.#randomHeight()
    if (height > this.#height) {
      for (let level = this.#height; level < height; level++) prev[level] = HEAD
      this.#height = height
    }
    this.#ensureCapacity()
    const node = this.#nodes++
    const place = this.#place
    this.#arena.reserve(key.length + value.length, place)
    const chunk = this.#arena.chunks[place[0]!]!
    chunk.set(key, place[1]!)
    chunk.set(value, place[1]! + key.length)
    this.#skeys.push(skey)
    this.#seqs[node] = seq
    this.#kinds[node] = kind
    this.#chunk[node] = place[0]!
    this.#at[node] = place[1]!
    this.#keyLength[node] = key.length
    this.#valueLength[node] = value.length
    this.#upperAt[node] = this.#allocUpper(height)
    for (let level = 0; level < height; level++) {
      this.#setNext(node, level, this.#nextAt(prev[level]!, level))
      this.#setNext(prev[level]!, level, node)
    }
    return node
  }

  /** First node >= (skey, seq), or NONE. */
  seekGE(skey: string, seq: number): number {
    let x = HEAD
    for (let level = this.#height - 1; level >= 0; level--) {
      for (let n = this.#nextAt(x, level); n !== NONE && this.#before(n, skey, seq); n = this.#nextAt(x, level)) x = n
    }
    return this.#next0[x]!
  }

  /** Last node < (skey, seq), or NONE. With no target, the last node. */
  seekLT(skey?: string, seq = 0): number {
    let x = HEAD
    for (let level = this.#height - 1; level >= 0; level--) {
      for (let n = this.#nextAt(x, level); n !== NONE && (skey === undefined || this.#before(n, skey, seq)); n = this.#nextAt(x, level)) x = n
    }
    return x
  }

  first(): number {
    return this.#next0[HEAD]!
  }
}
