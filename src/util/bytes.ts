// Byte-string helpers over Uint8Array. Keys are compared as unsigned bytes, like memcmp.

/** The zero-length byte string: one shared instance, since it has no bytes to change. */
export const EMPTY_BYTES = new Uint8Array(0)

/** Lexicographic comparison of unsigned bytes: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length
  // A JS loop beats Buffer.compare's native call for the short keys typical of an LSM.
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * A new array whose bytes are NOT zeroed, for buffers the caller overwrites entirely (a
 * decompressed block): zero-filling was a tenth of the cost of a block-cache miss.
 */
/** The index of the last nonzero byte of `u8`, or -1 when every byte is zero. */
export function lastNonZero(u8: Uint8Array): number {
  let end = u8.length
  // Four bytes per step over the 4-aligned middle: a preallocated log's zero tail is megabytes.
  const head = (4 - (u8.byteOffset % 4)) % 4
  if (end - head >= 4) {
    const words = new Uint32Array(u8.buffer, u8.byteOffset + head, (end - head) >>> 2)
    const wordsEnd = head + words.length * 4
    for (let i = end - 1; i >= wordsEnd; i--) if (u8[i] !== 0) return i
    let w = words.length - 1
    while (w >= 0 && words[w] === 0) w--
    end = w < 0 ? head : head + w * 4 + 4
  }
  for (let i = end - 1; i >= 0; i--) if (u8[i] !== 0) return i
  return -1
}

export function allocUninitialized(n: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(n)
  return new Uint8Array(b.buffer, b.byteOffset, n)
}

/**
 * A copy that owns its memory. (Buffer#slice returns a view, so `.slice()` on a value that
 * may be a Buffer is not a copy.)
 */
export function copyBytes(u8: Uint8Array): Uint8Array {
  const out = new Uint8Array(u8.length)
  out.set(u8)
  return out
}

/**
 * Holds a copy of the last key given to it in one buffer that only grows, for loops that
 * remember "the previous key" once per entry without allocating each time. The view set()
 * returns is valid until the next set().
 */
export class KeyHolder {
  #buffer = new Uint8Array(64)

  set(key: Uint8Array): Uint8Array {
    if (key.length > this.#buffer.length) this.#buffer = new Uint8Array(key.length * 2)
    this.#buffer.set(key)
    return this.#buffer.subarray(0, key.length)
  }
}

/** A Buffer view over the same memory (no copy), for the public API edge. */
export function toBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
}

/** The bytes as a one-byte-per-char string, whose JS ordering is the bytes' ordering. */
export function binaryString(u8: Uint8Array): string {
  return toBuffer(u8).toString('latin1')
}

const encoder = new TextEncoder()

/** UTF-8 bytes of s, exactly as TextEncoder gives them. */
export function utf8(s: string): Uint8Array {
  // Most keys are short ASCII. Copying their char codes in JavaScript is about 3x faster
  // than a call into TextEncoder (measured 0.26 vs 1.0 us for 16-char keys), and this runs
  // on every put and get; anything else takes the encoder.
  const n = s.length
  if (n > 64) return encoder.encode(s)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) return encoder.encode(s)
    out[i] = c
  }
  return out
}
