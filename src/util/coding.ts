// Little-endian fixed-width integers and LEB128 varints, the building blocks of every
// on-disk structure (docs/format.md#primitives). Decoders return [value, nextOffset] and
// throw RangeError on truncated input; callers turn that into a CORRUPTION error naming
// the file.

/** Growable byte buffer for encoders. */
export class ByteWriter {
  #buf: Uint8Array
  #view: DataView
  length = 0

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(initialCapacity)
    this.#view = new DataView(this.#buf.buffer)
  }

  #reserve(extra: number): void {
    const need = this.length + extra
    if (need <= this.#buf.length) return
    let cap = this.#buf.length * 2
    while (cap < need) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.#buf.subarray(0, this.length))
    this.#buf = next
    this.#view = new DataView(next.buffer)
  }

  u8(v: number): this {
    this.#reserve(1)
    this.#buf[this.length++] = v
    return this
  }

  u32(v: number): this {
    this.#reserve(4)
    this.#view.setUint32(this.length, v >>> 0, true)
    this.length += 4
    return this
  }

  /** 64-bit little-endian from a JS number; exact up to 2^53. */
  u64(v: number): this {
    this.#reserve(8)
    this.#view.setUint32(this.length, v >>> 0, true)
    this.#view.setUint32(this.length + 4, Math.floor(v / 0x100000000), true)
    this.length += 8
    return this
  }

  /** Unsigned LEB128; exact up to 2^53. */
  varint(v: number): this {
    this.#reserve(10)
    this.length = putVarint(this.#buf, this.length, v)
    return this
  }

  bytes(b: Uint8Array): this {
    this.#reserve(b.length)
    this.#buf.set(b, this.length)
    this.length += b.length
    return this
  }

  /** varint length followed by the bytes. */
  lengthPrefixed(b: Uint8Array): this {
    return this.varint(b.length).bytes(b)
  }

  /** Overwrites 4 bytes at an earlier position (e.g. a checksum placeholder). */
  setU32(at: number, v: number): void {
    this.#view.setUint32(at, v >>> 0, true)
  }

  reset(): void {
    this.length = 0
  }

  /** A view of the written bytes; valid until the next write or reset. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length)
  }

  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.length)
  }
}

export function getU32(buf: Uint8Array, at: number): number {
  if (at + 4 > buf.length) throw new RangeError(`fixed32 at ${at} runs past ${buf.length} bytes`)
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) + buf[at + 3]! * 0x1000000
}

export function getU16(buf: Uint8Array, at: number): number {
  if (at + 2 > buf.length) throw new RangeError(`fixed16 at ${at} runs past ${buf.length} bytes`)
  return buf[at]! | (buf[at + 1]! << 8)
}

export function putU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v & 0xff
  buf[at + 1] = (v >>> 8) & 0xff
  buf[at + 2] = (v >>> 16) & 0xff
  buf[at + 3] = (v >>> 24) & 0xff
}

export function getU64(buf: Uint8Array, at: number): number {
  const lo = getU32(buf, at)
  const hi = getU32(buf, at + 4)
  if (hi > 0x1fffff) throw new RangeError(`fixed64 at ${at} exceeds 2^53`)
  return hi * 0x100000000 + lo
}

/**
 * Writes v as an unsigned LEB128 varint at `at` and returns the offset after it. The caller
 * guarantees room (at most 8 bytes for values below 2^53); exact up to 2^53.
 */
export function putVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v % 0x80) | 0x80
    v = Math.floor(v / 0x80)
  }
  out[at++] = v
  return at
}

/** Decodes an unsigned LEB128 varint of at most 8 bytes (values < 2^53 fit in that). */
export function getVarint(buf: Uint8Array, at: number): [value: number, next: number] {
  let result = 0
  let scale = 1
  for (let i = 0; i < 8; i++) {
    if (at >= buf.length) throw new RangeError(`varint runs past ${buf.length} bytes`)
    const b = buf[at++]!
    result += (b & 0x7f) * scale
    if (b < 0x80) return [result, at]
    scale *= 0x80
  }
  throw new RangeError(`varint at ${at - 8} is longer than 8 bytes`)
}

/** Reads a varint length and returns that many bytes as a view. */
export function getLengthPrefixed(buf: Uint8Array, at: number): [bytes: Uint8Array, next: number] {
  const [len, p] = getVarint(buf, at)
  if (p + len > buf.length) throw new RangeError(`length-prefixed field of ${len} bytes at ${at} runs past ${buf.length} bytes`)
  return [buf.subarray(p, p + len), p + len]
}
