// The LZ4 block format (the public "LZ4 Block Format Description"), written from the spec.
// A block is a run of sequences; each is a token byte (high nibble: literal count, low
// nibble: match length - 4; 15 in either means "more length bytes follow", each added,
// a byte of 255 meaning "and another"), the literals, a 2-byte little-endian offset back
// into the output, then the match length bytes. The last sequence has literals only.
// Tables compress data blocks with it (docs/format.md#lz4-block-format, docs/design.md#block-compression).

/** The shortest match the format can express: the token stores length - 4. */
const MIN_MATCH = 4
/** End-of-block rule: the last 5 bytes are always literals. */
const LAST_LITERALS = 5
/** End-of-block rule: the last match starts at least 12 bytes before the end. */
const MF_LIMIT = 12
/** Offsets are 2 bytes, and 0 is invalid. */
const MAX_OFFSET = 65535
/**
 * Copies longer than this go to set()/copyWithin(), shorter ones to 4-byte DataView steps:
 * the native calls' fixed cost only pays beyond about 32 bytes (decoding real blocks).
 */
const LONG_COPY = 32

/**
 * 2^14 slots (64 KiB) for blocks of about 4 KiB: mostly empty, so a lookup rarely yields a
 * false candidate to check. Measured 19 us per 4 KiB block against 26 with 2^12 slots.
 */
const HASH_LOG = 14
const HASH_SHIFT = 32 - HASH_LOG
/** Knuth's multiplicative hash constant (2^32 / golden ratio). */
const PRIME = 2654435761 | 0
/** After 2^6 searches without a match, the scan starts skipping: random data stays cheap. */
const SKIP_TRIGGER = 6

/**
 * Candidate positions by hash of the 4 bytes there, shared by every call. An entry holds
 * position + `generation`, and each call starts a fresh generation, so entries left by
 * earlier calls read as negative positions and the table never has to be cleared. This
 * keeps the output a function of the input alone.
 */
const table = new Int32Array(1 << HASH_LOG)
let generation = 1

/**
 * The largest LZ4 block that n input bytes can need, as the reference computes it. (Our
 * compressBlock never writes more than n - 1 bytes: it returns 0 instead.)
 */
export function compressBound(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`compressBound: ${n} is not a byte count`)
  return n + Math.floor(n / 255) + 16
}

function read32(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)
}

function hash(sequence: number): number {
  return Math.imul(sequence, PRIME) >>> HASH_SHIFT
}

/** Bytes of 255-continued length after a token nibble of 15, for a length that needs them. */
function extraLengthBytes(length: number): number {
  return length < 15 ? 0 : Math.floor((length - 15) / 255) + 1
}

/** Writes the bytes that follow a nibble of 15: `rest` = length - 15. */
function writeLength(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255
    rest -= 255
  }
  dst[op++] = rest
  return op
}

/** src[from, to) to dst at `at`; a loop beats set()'s fixed cost for short runs. */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, to: number): void {
  if (to - from > 32) dst.set(src.subarray(from, to), at)
  else for (let i = from; i < to; i++) dst[at++] = src[i]!
}

/**
 * Compresses src into dst as one LZ4 block. Returns the compressed length, or 0 when the
 * result would not be smaller than src or does not fit in dst (the caller then stores src
 * as is). Passing a shorter dst is how a caller demands a minimum saving: the encoder gives
 * up as soon as it runs out of room.
 */
export function compressBlock(src: Uint8Array, dst: Uint8Array): number {
  const n = src.length
  const limit = Math.min(dst.length, n - 1)
  // Below 13 bytes no match is allowed, and all-literal output is one byte longer.
  if (n < MF_LIMIT + 1 || limit <= 0) return 0
  if (generation > 0x7fffffff - n) {
    table.fill(0)
    generation = 1
  }
  const g = generation
  generation += n

  const lastMatchStart = n - MF_LIMIT
  const matchEndLimit = n - LAST_LITERALS
  let anchor = 0
  let op = 0
  let p = 1
  table[hash(read32(src, 0))] = g

  for (;;) {
    // Look for a 4-byte match at p, stepping further the longer nothing matches.
    if (p > lastMatchStart) break
    let candidate = -1
    let misses = 1 << SKIP_TRIGGER
    let sequence = read32(src, p)
    for (;;) {
      const h = hash(sequence)
      const c = table[h]! - g
      table[h] = p + g
      if (c >= 0 && p - c <= MAX_OFFSET && read32(src, c) === sequence) {
        candidate = c
        break
      }
      const step = misses++ >> SKIP_TRIGGER
      p += step
      if (p > lastMatchStart) break
      // Stepping by one, the next 4 bytes share 3 with these (about 12% faster overall).
      sequence = step === 1 ? (sequence >>> 8) | (src[p + 3]! << 24) : read32(src, p)
    }
    if (candidate < 0) break

    // Grow the match backwards over pending literals, then forwards up to the tail rule.
    while (p > anchor && candidate > 0 && src[p - 1] === src[candidate - 1]) {
      p--
      candidate--
    }
    let end = p + MIN_MATCH
    let from = candidate + MIN_MATCH
    while (end < matchEndLimit && src[end] === src[from]) {
      end++
      from++
    }

    const literals = p - anchor
    const matchCode = end - p - MIN_MATCH
    if (op + 1 + extraLengthBytes(literals) + literals + 2 + extraLengthBytes(matchCode) > limit) return 0
    const tokenAt = op++
    let token: number
    if (literals >= 15) {
      token = 0xf0
      op = writeLength(dst, op, literals - 15)
    } else {
      token = literals << 4
    }
    copyBytes(dst, op, src, anchor, p)
    op += literals
    const offset = p - candidate
    dst[op++] = offset & 0xff
    dst[op++] = offset >>> 8
    if (matchCode >= 15) {
      token |= 15
      op = writeLength(dst, op, matchCode - 15)
    } else {
      token |= matchCode
    }
    dst[tokenAt] = token

    anchor = p = end
    // Positions inside the match were never hashed; one near its end primes the next search.
    table[hash(read32(src, p - 2))] = p - 2 + g
  }

  // The last sequence: the remaining bytes as literals.
  const literals = n - anchor
  if (op + 1 + extraLengthBytes(literals) + literals > limit) return 0
  if (literals >= 15) {
    dst[op++] = 0xf0
    op = writeLength(dst, op, literals - 15)
  } else {
    dst[op++] = literals << 4
  }
  copyBytes(dst, op, src, anchor, n)
  return op + literals
}

/**
 * Decompresses one LZ4 block from all of src into dst; returns the bytes written. The input
 * is treated as hostile: every length is checked against both buffers before it is used,
 * so garbage throws RangeError rather than reading or writing out of bounds, and every
 * sequence consumes input, so it cannot loop forever. The end-of-block rules are an
 * encoder's duty: breaking them loses nothing, so they are not checked here.
 */
export function decompressBlock(src: Uint8Array, dst: Uint8Array): number {
  const srcEnd = src.length
  const dstEnd = dst.length
  const srcView = new DataView(src.buffer, src.byteOffset, src.byteLength)
  const dstView = new DataView(dst.buffer, dst.byteOffset, dst.byteLength)
  let ip = 0
  let op = 0
  for (;;) {
    if (ip >= srcEnd) throw new RangeError(`LZ4 block ends at ${ip} where a sequence token belongs (the last sequence must be literals only)`)
    const token = src[ip++]!

    let literals = token >>> 4
    if (literals === 15) {
      let b: number
      do {
        if (ip >= srcEnd) throw new RangeError(`LZ4 literal length runs past the end of the ${srcEnd}-byte input`)
        b = src[ip++]!
        literals += b
      } while (b === 255)
    }
    if (literals > srcEnd - ip) throw new RangeError(`LZ4 literals (${literals} bytes at ${ip}) run past the end of the ${srcEnd}-byte input`)
    if (literals > dstEnd - op) throw new RangeError(`LZ4 literals (${literals} bytes) overflow the ${dstEnd}-byte output at ${op}`)
    if (literals > LONG_COPY) {
      dst.set(src.subarray(ip, ip + literals), op)
      ip += literals
      op += literals
    } else {
      const end = ip + literals
      while (ip + 4 <= end) {
        dstView.setUint32(op, srcView.getUint32(ip, true), true)
        ip += 4
        op += 4
      }
      while (ip < end) dst[op++] = src[ip++]!
    }
    if (ip === srcEnd) return op

    if (srcEnd - ip < 2) throw new RangeError(`LZ4 match offset at ${ip} runs past the end of the ${srcEnd}-byte input`)
    const offset = src[ip]! | (src[ip + 1]! << 8)
    ip += 2
    if (offset === 0) throw new RangeError(`LZ4 match offset 0 at ${ip - 2}`)
    if (offset > op) throw new RangeError(`LZ4 match offset ${offset} at ${ip - 2} points before the start of the output (${op} bytes so far)`)

    let length = token & 15
    if (length === 15) {
      let b: number
      do {
        if (ip >= srcEnd) throw new RangeError(`LZ4 match length runs past the end of the ${srcEnd}-byte input`)
        b = src[ip++]!
        length += b
      } while (b === 255)
    }
    length += MIN_MATCH
    if (length > dstEnd - op) throw new RangeError(`LZ4 match (${length} bytes) overflows the ${dstEnd}-byte output at ${op}`)
    let from = op - offset
    const end = op + length
    if (offset === 1) {
      // A run of one byte, common in real data; fill() measured 25% faster on whole blocks.
      dst.fill(dst[from]!, op, end)
      op = end
    } else if (length <= LONG_COPY) {
      // Four bytes at a time reads only bytes already written when offset >= 4, even when
      // the match overlaps its own output; shorter offsets repeat a pattern byte by byte.
      if (offset >= 4) {
        while (op + 4 <= end) {
          dstView.setUint32(op, dstView.getUint32(from, true), true)
          op += 4
          from += 4
        }
      }
      while (op < end) dst[op++] = dst[from++]!
    } else if (offset >= length) {
      dst.copyWithin(op, from, from + length)
      op = end
    } else {
      // An overlapping match repeats its first `offset` bytes: copy what is already there,
      // doubling the copied stretch each time, so a long run costs a few native copies.
      let stretch = offset
      while (op + stretch < end) {
        dst.copyWithin(op, from, from + stretch)
        op += stretch
        stretch += stretch
      }
      dst.copyWithin(op, from, from + (end - op))
      op = end
    }
  }
}
