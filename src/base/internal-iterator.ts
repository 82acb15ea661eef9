// The cursor contract that every internal iterator meets: memtable, block, table, level
// and merging iterators all look alike to their consumers.
//
// - Entries are ordered by internal key: user key ascending, then sequence descending
//   (newest version first). Nothing is de-duplicated or hidden at this level; tombstones
//   and shadowed versions are visible, and the database iterator decides what users see.
// - Cursors are synchronous: table reads are positioned reads through the block cache.
// - key() and value() return views that stay valid only until the cursor moves; a
//   consumer that keeps them must copy. key() is the user key; seq() and kind() are the
//   rest of the internal key.
// - Corruption found while moving throws a CORRUPTION ShaleError; the cursor is then
//   unusable.

import type { ValueKind } from './internal-key.js'

/**
 * What a cursor knows of the entries it reaches without leaving the table (or memtable) it
 * is in: none has a sequence above `maxSeq`, and their keys lie within [smallest, largest]
 * (undefined: the source's own ends). A range tombstone newer than maxSeq hides every one of
 * them inside its range, so a reader may seek over them rather than step through them.
 */
export interface CursorSpan {
  readonly maxSeq: number
  readonly smallest: Uint8Array | undefined
  readonly largest: Uint8Array | undefined
}

export interface InternalIterator {
  valid(): boolean
  key(): Uint8Array
  seq(): number
  kind(): ValueKind
  value(): Uint8Array
  seekToFirst(): void
  seekToLast(): void
  /** Positions at the first entry >= (userKey, seq) in internal order. */
  seek(userKey: Uint8Array, seq: number): void
  /** Positions at the last entry <= (userKey, seq) in internal order. */
  seekForPrev(userKey: Uint8Array, seq: number): void
  next(): void
  prev(): void
  /** Releases what the cursor pins (table references). Idempotent. */
  close(): void
  /** Optional: the span the cursor is positioned in (see CursorSpan); only while valid(). */
  span?(): CursorSpan | undefined
}
