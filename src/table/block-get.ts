// Point lookups inside one data block, without a BlockCursor. A get only needs to know
// whether each entry sorts before its target, and prefix compression already says most
// of that: an entry that keeps more of the previous key than the previous key had in
// common with the target still differs from the target where the previous key did, so
// it sorts before the target too and is skipped without comparing a byte. Other entries
// are compared from their first possibly differing byte, never from the start.
// Same answers as BlockCursor.seek plus a user-key check, on the same on-disk format. The
// entry-header decoding repeats BlockCursor's on purpose: it is inlined in both hot loops.

import { TRAILER_SIZE, type ValueKind, compareInternalKeyRange, sequenceAt } from '../base/internal-key.js'
import type { ShaleError } from '../errors.js'
import type { Block } from './block.js'

/** The entry blockGet found: fields of the one result object the caller passes in. */
export class BlockGetResult {
  seq = 0
  kind: ValueKind = 0
  valueStart = 0
  valueEnd = 0
}

/** blockGet's answers besides FOUND: the block holds no entry >= the target. */
export const PAST_END = 0
/** The first entry >= the target has another user key: the key has no visible version here. */
export const ABSENT = 1
/** The first entry >= the target is a version of userKey; its fields are in the result. */
export const FOUND = 2
/** A case this scan does not rebuild enough of the key for: ask a cursor. Binary keys only. */
export const USE_CURSOR = 3
export type BlockGetOutcome = typeof PAST_END | typeof ABSENT | typeof FOUND | typeof USE_CURSOR

/**
 * The entry key being rebuilt (its first n bytes and, for userKey's versions, the trailer),
 * shared by every call (gets never interleave): grows, never shrinks.
 */
let keyBuf = new Uint8Array(64)

/**
 * Looks in block for the first entry whose internal key is >= target = (userKey, seq),
 * which is what a cursor seek finds. `linear` skips the binary search over restart points,
 * like BlockSearch 'linear'. Damage is CORRUPTION, as for a cursor.
 */
export function blockGet(block: Block, target: Uint8Array, userKey: Uint8Array, seq: number, linear: boolean, out: BlockGetResult): BlockGetOutcome {
  const restarts = block.restarts
  const count = restarts.length
  if (count === 0) return PAST_END
  const data = block.data
  const end = block.entriesEnd
  let region = 0
  if (!linear) {
    // The last restart point whose (full, unshared) key is < target, as the cursor finds it.
    let lo = 0
    let hi = count - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      const at = restarts[mid]!
      let shared: number
      let unshared: number
      let p: number
      if (at + 3 <= end && (shared = data[at]!) < 0x80 && (unshared = data[at + 1]!) < 0x80 && data[at + 2]! < 0x80) {
        p = at + 3
      } else {
        const h = header(block, at)
        shared = h.shared
        unshared = h.unshared
        p = h.keyStart
      }
      if (shared !== 0) throw block.corrupt(`entry at restart point ${at} shares ${shared} bytes with a previous key`)
      if (p + unshared > end) throw overrun(block, at)
      if (compareInternalKeyRange(data, p, p + unshared, target) < 0) lo = mid
      else hi = mid - 1
    }
    region = lo
  }

  const n = userKey.length
  if (n + TRAILER_SIZE > keyBuf.length) keyBuf = new Uint8Array(Math.max(n + TRAILER_SIZE, keyBuf.length * 2))
  const buf = keyBuf
  let keyLength = 0
  /** Bytes the previous key's user key has in common with userKey (it sorted before target). */
  let matched = 0
  /** min(previous user key length, n): matched below it means they differ at `matched`. */
  let comparable = 0
  /** Whether buf holds the previous key's trailer (it was a newer version of userKey). */
  let trailerInPlace = false
  let nextRestart = region + 1 < count ? restarts[region + 1]! : end
  let at = restarts[region]!
  while (at < end) {
    let shared: number
    let unshared: number
    let valueLength: number
    let p: number
    if (at + 3 <= end && (shared = data[at]!) < 0x80 && (unshared = data[at + 1]!) < 0x80 && (valueLength = data[at + 2]!) < 0x80) {
      p = at + 3
    } else {
      const h = header(block, at)
      shared = h.shared
      unshared = h.unshared
      valueLength = h.valueLength
      p = h.keyStart
    }
    if (shared > keyLength) throw block.corrupt(`entry at ${at} shares ${shared} bytes with a previous key of ${keyLength} bytes`)
    if (at >= nextRestart) {
      // Crossed into a later restart region (more than one only in a damaged block).
      if (at === nextRestart && shared !== 0) throw block.corrupt(`entry at restart point ${at} shares ${shared} bytes with a previous key`)
      do region++
      while (region + 1 < count && restarts[region + 1]! <= at)
      nextRestart = region + 1 < count ? restarts[region + 1]! : end
    }
    const keyEnd = p + unshared
    const valueEnd = keyEnd + valueLength
    if (valueEnd > end) throw overrun(block, at)
    keyLength = shared + unshared
    // Only the bytes a comparison can read are rebuilt: those below n (see the trailer below).
    const copyEnd = keyLength < n ? keyLength : n
    for (let i = shared; i < copyEnd; i++) buf[i] = data[p + i - shared]!

    const userLength = keyLength - TRAILER_SIZE
    const previousTrailerInPlace = trailerInPlace
    trailerInPlace = false
    // Skipped unseen: it keeps the previous key's byte at `matched`, which is below userKey's.
    if (shared > matched && matched < comparable) {
      at = valueEnd
      continue
    }
    // The first min(shared, matched) bytes are userKey's; compare from there.
    const limit = userLength < n ? (userLength < 0 ? 0 : userLength) : n
    let i = shared < matched ? shared : matched
    if (i > limit) i = limit
    while (i < limit && buf[i] === userKey[i]) i++
    if (i < limit) {
      if (buf[i]! > userKey[i]!) return ABSENT
    } else if (userLength === n) {
      // The user key is userKey's: rebuild its trailer. Bytes it shares with the previous
      // key are in place if that key was a version of userKey too; otherwise (a shorter
      // user key whose trailer bytes continue like userKey) they were never rebuilt.
      if (shared > n && !previousTrailerInPlace) return USE_CURSOR
      for (let j = shared > n ? shared : n; j < keyLength; j++) buf[j] = data[p + j - shared]!
      const entrySeq = sequenceAt(buf, n)
      if (entrySeq <= seq) {
        out.seq = entrySeq
        out.kind = buf[n] as ValueKind
        out.valueStart = keyEnd
        out.valueEnd = valueEnd
        return FOUND
      }
      // A version newer than the read: it sorts before target; so may the next entries.
      trailerInPlace = true
      matched = comparable = n
      at = valueEnd
      continue
    } else if (userLength > n) {
      // userKey is a proper prefix of this user key, which sorts after it.
      return ABSENT
    }
    // Otherwise the entry's user key is a proper prefix of userKey (or, damaged, the key
    // is too short for a trailer): it sorts before target, as the cursor orders it.
    matched = i
    comparable = limit
    at = valueEnd
  }
  return PAST_END
}

/** An entry header decoded the slow way (multi-byte varints). */
function header(block: Block, at: number): { shared: number; unshared: number; valueLength: number; keyStart: number } {
  const data = block.data
  const end = block.entriesEnd
  let p = at
  const fields = [0, 0, 0]
  for (let f = 0; f < 3; f++) {
    let result = 0
    let scale = 1
    for (let i = 0; ; i++) {
      if (i === 5) throw block.corrupt(`entry at ${at} has a length varint longer than 5 bytes`)
      if (p >= end) throw block.corrupt(`entry at ${at} is truncated inside its header`)
      const b = data[p++]!
      result += (b & 0x7f) * scale
      if (b < 0x80) break
      scale *= 0x80
    }
    fields[f] = result
  }
  return { shared: fields[0]!, unshared: fields[1]!, valueLength: fields[2]!, keyStart: p }
}

function overrun(block: Block, at: number): ShaleError {
  return block.corrupt(`entry at ${at} runs past the entries end ${block.entriesEnd}`)
}
