// A cursor over a run of sorted, non-overlapping tables (one level, or a single L0 table):
// it opens one table at a time through the table cache and moves to the neighbouring
// table at either end. The table it is positioned in stays acquired until it moves on.

import type { CursorSpan, InternalIterator } from '../base/internal-iterator.js'
import type { ValueKind } from '../base/internal-key.js'
import { compareBytes } from '../util/bytes.js'
import type { TableCache } from '../table/table-cache.js'
import type { CacheFill } from '../table/table-iterator.js'
import type { FileMetadata } from './file-metadata.js'
import { findFile } from './find-file.js'

export class LevelIterator implements InternalIterator {
  readonly #files: readonly FileMetadata[]
  readonly #tables: TableCache
  #index = -1
  #cursor: InternalIterator | undefined
  /** The current table's span, made when first asked for. */
  #span: CursorSpan | undefined
  readonly #fill: CacheFill

  constructor(files: readonly FileMetadata[], tables: TableCache, fill: CacheFill = 'all') {
    this.#files = files
    this.#tables = tables
    this.#fill = fill
  }

  #open(index: number): InternalIterator | undefined {
    if (this.#index === index && this.#cursor !== undefined) return this.#cursor
    this.#closeCursor()
    const f = this.#files[index]
    if (f === undefined) return undefined
    // The cursor holds its table until it is closed.
    this.#cursor = this.#tables.iterator(f.number, this.#fill)
    this.#index = index
    return this.#cursor
  }

  /** The current table's: its key bounds, and the newest sequence in it (from its properties). */
  span(): CursorSpan {
    if (this.#span !== undefined) return this.#span
    const f = this.#files[this.#index]!
    const reader = this.#tables.acquire(f.number)
    try {
      this.#span = { maxSeq: reader.properties().largestSeq, smallest: f.smallestKey, largest: f.largestKey }
    } finally {
      this.#tables.release(reader)
    }
    return this.#span
  }

  #closeCursor(): void {
    if (this.#cursor === undefined) return
    this.#cursor.close()
    this.#cursor = undefined
    this.#span = undefined
    this.#index = -1
  }

  /** Moves forward over exhausted tables until a valid entry or the end. */
  #skipForward(): void {
    while (this.#cursor !== undefined && !this.#cursor.valid()) {
      const next = this.#open(this.#index + 1)
      next?.seekToFirst()
    }
  }

  #skipBackward(): void {
    while (this.#cursor !== undefined && !this.#cursor.valid()) {
      if (this.#index === 0) return this.#closeCursor()
      const prev = this.#open(this.#index - 1)
      prev?.seekToLast()
    }
  }

  valid(): boolean {
    return this.#cursor !== undefined && this.#cursor.valid()
  }
  key(): Uint8Array {
    return this.#cursor!.key()
  }
  seq(): number {
    return this.#cursor!.seq()
  }
  kind(): ValueKind {
    return this.#cursor!.kind()
  }
  value(): Uint8Array {
    return this.#cursor!.value()
  }

  seekToFirst(): void {
    this.#open(0)?.seekToFirst()
    this.#skipForward()
  }

  seekToLast(): void {
    this.#open(this.#files.length - 1)?.seekToLast()
    this.#skipBackward()
  }

  seek(key: Uint8Array, seq: number): void {
    const c = this.#open(findFile(this.#files, key))
    if (c === undefined) return this.#closeCursor()
    c.seek(key, seq)
    this.#skipForward()
  }

  seekForPrev(key: Uint8Array, seq: number): void {
    // The last file that starts at or before key may hold it: the first that ends at or after
    // key, unless that one starts after key (then the one before it; none when it is the first).
    let i = findFile(this.#files, key)
    if (i === this.#files.length || compareBytes(this.#files[i]!.smallestKey, key) > 0) i--
    const c = this.#open(i)
    if (c === undefined) return this.#closeCursor()
    c.seekForPrev(key, seq)
    this.#skipBackward()
  }

  next(): void {
    this.#cursor!.next()
    this.#skipForward()
  }

  prev(): void {
    this.#cursor!.prev()
    this.#skipBackward()
  }

  close(): void {
    this.#closeCursor()
  }
}
