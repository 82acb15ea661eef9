// Internal keys: the user key plus a sequence number and a kind. Every write gets a new
// sequence number, so one user key can have many versions; they sort newest first.
//
// Encoded form (docs/format.md#internal-key): user key bytes, then an 8-byte trailer whose
// first byte is the kind and whose next 7 bytes are the sequence number, little-endian.
// Read as one little-endian u64 the trailer is (sequence << 8) | kind, as in LevelDB.

import { compareBytes } from '../util/bytes.js'

/**
 * On-disk values: never renumber. RangeDeletion (a write-batch operation only: key = start,
 * value = exclusive end) never enters a skip list or a data block; see range-tombstones.ts.
 */
export const ValueKind = { Deletion: 0, Value: 1, RangeDeletion: 2 } as const
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind]

export const TRAILER_SIZE = 8
/** Sequence numbers are 56 bits on disk; JS numbers are exact to 2^53, which is our cap. */
export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER

/** Order of (user key asc, sequence desc). */
export function compareInternal(aKey: Uint8Array, aSeq: number, bKey: Uint8Array, bSeq: number): number {
  const c = compareBytes(aKey, bKey)
  if (c !== 0) return c
  return bSeq - aSeq
}

export function encodeInternalKey(userKey: Uint8Array, seq: number, kind: ValueKind): Uint8Array {
  const out = new Uint8Array(userKey.length + TRAILER_SIZE)
  out.set(userKey, 0)
  writeTrailer(out, userKey.length, seq, kind)
  return out
}

export function writeTrailer(out: Uint8Array, at: number, seq: number, kind: ValueKind): void {
  out[at] = kind
  // Two 32-bit halves (a sequence is below 2^53) instead of seven divisions by 256: every
  // lookup builds a seek key, so this runs on every get.
  const low = seq >>> 0
  const high = (seq - low) / 0x100000000
  out[at + 1] = low & 0xff
  out[at + 2] = (low >>> 8) & 0xff
  out[at + 3] = (low >>> 16) & 0xff
  out[at + 4] = low >>> 24
  out[at + 5] = high & 0xff
  out[at + 6] = (high >>> 8) & 0xff
  out[at + 7] = (high >>> 16) & 0xff
}

/** The sequence number of the internal key in buf whose user key is buf[0, userKeyLength). */
export function sequenceAt(buf: Uint8Array, userKeyLength: number): number {
  let seq = 0
  for (let i = userKeyLength + TRAILER_SIZE - 1; i > userKeyLength; i--) seq = seq * 256 + buf[i]!
  return seq
}

/**
 * Encodes seek targets (user key, sequence) into one buffer that only grows, for lookups
 * and cursors that build one per call. The kind byte is 0: it takes no part in ordering.
 */
export class SeekKeyBuffer {
  #buffer = new Uint8Array(64)
  /** The view last returned: reused while the length stays the same (keys of one store mostly do). */
  #view = this.#buffer.subarray(0, 0)

  /** The internal key (userKey, seq) as a view, valid until the next call. */
  encode(userKey: Uint8Array, seq: number): Uint8Array {
    const n = userKey.length + TRAILER_SIZE
    if (n > this.#buffer.length) this.#buffer = new Uint8Array(Math.max(n, this.#buffer.length * 2))
    const buf = this.#buffer
    // Element by element: set()'s fixed cost dominates for the short keys of most stores.
    if (userKey.length > 64) buf.set(userKey)
    else for (let i = 0; i < userKey.length; i++) buf[i] = userKey[i]!
    writeTrailer(buf, userKey.length, seq, 0)
    if (this.#view.length !== n || this.#view.buffer !== buf.buffer) this.#view = buf.subarray(0, n)
    return this.#view
  }
}

/** The user-key part of an encoded internal key, as a view. */
export function userKeyOf(ikey: Uint8Array): Uint8Array {
  return ikey.subarray(0, ikey.length - TRAILER_SIZE)
}

export function kindOf(ikey: Uint8Array): number {
  return ikey[ikey.length - TRAILER_SIZE]!
}

export function sequenceOf(ikey: Uint8Array): number {
  let seq = 0
  for (let i = ikey.length - 1; i > ikey.length - TRAILER_SIZE; i--) seq = seq * 256 + ikey[i]!
  return seq
}

/**
 * Orders encoded internal keys: user key ascending, then sequence descending (the kind
 * byte is ignored). It compares bytes in place, without views or decoding the sequence,
 * since block seeks call it a dozen times per lookup. Keys shorter than the trailer (only
 * possible in damaged files) still get a consistent, bounds-safe order.
 */
export function compareInternalKeys(a: Uint8Array, b: Uint8Array): number {
  return compareInternalKeyRange(a, 0, a.length, b)
}

/** compareInternalKeys over a[aStart, aEnd) and b. */
export function compareInternalKeyRange(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array): number {
  const aUser = aEnd - aStart - TRAILER_SIZE
  const bUser = b.length - TRAILER_SIZE
  const n = aUser < bUser ? aUser : bUser
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[i]!
    if (d !== 0) return d
  }
  if (aUser !== bUser) return aUser - bUser
  if (aUser < 0) return 0
  // Sequence: 7 little-endian bytes after the kind byte; compare from the most significant.
  for (let i = 1; i < TRAILER_SIZE; i++) {
    const d = b[b.length - i]! - a[aEnd - i]!
    if (d !== 0) return d
  }
  return 0
}
