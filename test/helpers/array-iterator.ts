// An InternalIterator over a plain array of entries, written as simply as possible (linear
// scans, no cleverness), for testing the layers that consume cursors (the database
// iterator) against a source whose behaviour is obvious. It sorts its entries itself.

import type { InternalIterator } from '../../src/base/internal-iterator.js'
import { compareInternal, ValueKind } from '../../src/base/internal-key.js'

export interface Entry {
  key: Uint8Array
  seq: number
  kind: ValueKind
  value: Uint8Array
}

const enc = new TextEncoder()

/** A value entry from strings, for hand-built inputs. */
export const put = (key: string, seq: number, value: string): Entry => ({ key: enc.encode(key), seq, kind: ValueKind.Value, value: enc.encode(value) })
/** A tombstone from a string key. */
export const del = (key: string, seq: number): Entry => ({ key: enc.encode(key), seq, kind: ValueKind.Deletion, value: new Uint8Array(0) })

export class ArrayIterator implements InternalIterator {
  readonly entries: readonly Entry[]
  #at = -1
  closed = false

  constructor(entries: readonly Entry[]) {
    this.entries = [...entries].sort((a, b) => compareInternal(a.key, a.seq, b.key, b.seq))
  }

  valid(): boolean {
    return this.#at >= 0 && this.#at < this.entries.length
  }
  #current(): Entry {
    if (!this.valid()) throw new Error('ArrayIterator: not positioned on an entry')
    return this.entries[this.#at]!
  }
  key(): Uint8Array {
    return this.#current().key
  }
  seq(): number {
    return this.#current().seq
  }
  kind(): ValueKind {
    return this.#current().kind
  }
  value(): Uint8Array {
    return this.#current().value
  }
  seekToFirst(): void {
    this.#at = 0
  }
  seekToLast(): void {
    this.#at = this.entries.length - 1
  }
  seek(userKey: Uint8Array, seq: number): void {
    this.#at = this.entries.findIndex((e) => compareInternal(e.key, e.seq, userKey, seq) >= 0)
    if (this.#at < 0) this.#at = this.entries.length
  }
  seekForPrev(userKey: Uint8Array, seq: number): void {
    let at = this.entries.length - 1
    while (at >= 0 && compareInternal(this.entries[at]!.key, this.entries[at]!.seq, userKey, seq) > 0) at--
    this.#at = at
  }
  next(): void {
    this.#current()
    this.#at++
  }
  prev(): void {
    this.#current()
    this.#at--
  }
  close(): void {
    this.closed = true
    this.#at = -1
  }
}
