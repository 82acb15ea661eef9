import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compressBlock, compressBound, decompressBlock } from '../../src/util/lz4.js'
import { Random } from '../helpers/random.js'

const enc = new TextEncoder()
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0
const randomBytes = (n: number, seed: number): Uint8Array => {
  const r = new Random(seed)
  return Uint8Array.from({ length: n }, () => r.int(256))
}

interface Sequence {
  literals: number
  /** Output position where the match starts; undefined for the final, literals-only sequence. */
  matchAt: number | undefined
  offset: number
  matchLength: number
}

/**
 * Walks a block's sequences without decoding it, straight from the spec, so the encoder's
 * output can be checked against the format's rules and not only against our own decoder.
 */
function sequencesOf(block: Uint8Array): Sequence[] {
  const out: Sequence[] = []
  let ip = 0
  let produced = 0
  const length = (nibble: number): number => {
    let n = nibble
    if (nibble === 15) {
      let b: number
      do n += b = block[ip++]!
      while (b === 255)
    }
    return n
  }
  for (;;) {
    const token = block[ip++]!
    const literals = length(token >> 4)
    ip += literals
    produced += literals
    if (ip === block.length) {
      out.push({ literals, matchAt: undefined, offset: 0, matchLength: 0 })
      return out
    }
    const offset = block[ip]! | (block[ip + 1]! << 8)
    ip += 2
    const matchLength = length(token & 15) + 4
    out.push({ literals, matchAt: produced, offset, matchLength })
    produced += matchLength
  }
}

/** The spec's rules for a compressed block of `n` input bytes. */
function assertSpecRules(block: Uint8Array, n: number): void {
  const seqs = sequencesOf(block)
  const last = seqs[seqs.length - 1]!
  assert.equal(last.matchAt, undefined, 'the last sequence holds literals only')
  assert.ok(last.literals >= 5, `the last 5 bytes are literals (got ${last.literals})`)
  let produced = 0
  for (const s of seqs) {
    produced += s.literals
    if (s.matchAt === undefined) continue
    assert.ok(s.offset >= 1 && s.offset <= 65535 && s.offset <= produced, `offset ${s.offset} at ${produced}`)
    assert.ok(s.matchAt <= n - 12, `a match starts at ${s.matchAt}, within 12 bytes of the end ${n}`)
    produced += s.matchLength
  }
  assert.equal(produced, n)
}

/** Compresses, checks the output against the spec, decompresses; returns the compressed size (0: stored raw). */
function roundTrip(src: Uint8Array): number {
  const dst = new Uint8Array(compressBound(src.length))
  const n = compressBlock(src, dst)
  if (n === 0) return 0
  assert.ok(n < src.length, `${n} compressed bytes for ${src.length}`)
  const block = dst.subarray(0, n)
  assertSpecRules(block, src.length)
  const out = new Uint8Array(src.length)
  assert.equal(decompressBlock(block, out), src.length)
  assert.ok(same(out, src), 'decompressed bytes differ')
  return n
}

test('hand-made blocks from the spec decode', () => {
  // A lone token with no literals: the empty block.
  assert.equal(decompressBlock(Uint8Array.of(0x00), new Uint8Array(0)), 0)
  // Token 0x50: 5 literals, and nothing after them, so it is the last sequence.
  const hello = new Uint8Array(5)
  assert.equal(decompressBlock(Uint8Array.of(0x50, ...enc.encode('Hello')), hello), 5)
  assert.equal(Buffer.from(hello).toString(), 'Hello')
  // 3 literals, offset 3, match 4 + 5; then 5 final literals.
  const abc = hex('35' + '616263' + '0300' + '50' + '3132333435')
  const out = new Uint8Array(17)
  assert.equal(decompressBlock(abc, out), 17)
  assert.equal(Buffer.from(out).toString(), 'abcabcabcabc12345')
  // Overlapping match: offset 2, length 4 + 6, repeats what it has just written.
  const ab = new Uint8Array(12 + 5)
  assert.equal(decompressBlock(hex('26' + '6162' + '0200' + '50' + '3132333435'), ab), 17)
  assert.equal(Buffer.from(ab).toString(), 'abababababab12345')
})

test('hand-made blocks with literal and match lengths of 270 and more', () => {
  // 300 literals: nibble 15, then 255 and 30 (15 + 255 + 30).
  const literals = Uint8Array.from({ length: 300 }, (_, i) => i % 251)
  const block = new Uint8Array([0xf0, 0xff, 30, ...literals])
  const out = new Uint8Array(300)
  assert.equal(decompressBlock(block, out), 300)
  assert.ok(same(out, literals))
  // One literal 'z', offset 1, match 4 + 15 + 255 + 10 = 284; then 5 literals.
  const run = new Uint8Array(285 + 5)
  assert.equal(decompressBlock(hex('1f' + '7a' + '0100' + 'ff0a' + '50' + '3132333435'), run), 290)
  assert.equal(Buffer.from(run).toString(), 'z'.repeat(285) + '12345')
  // A length byte of exactly 255 is followed by a 0: 15 + 255 + 0 = 270 literals.
  const l270 = new Uint8Array(270).fill(7)
  const got = new Uint8Array(270)
  assert.equal(decompressBlock(new Uint8Array([0xf0, 0xff, 0x00, ...l270]), got), 270)
  assert.ok(same(got, l270))
})

/** A block of `literals`, one match (offset, length), then 5 literals, with its expected output built byte by byte. */
function oneMatchBlock(literals: Uint8Array, offset: number, length: number): { block: Uint8Array; expected: Uint8Array } {
  const lengthBytes = (n: number): number[] => {
    const out: number[] = []
    for (n -= 15; n >= 255; n -= 255) out.push(255)
    out.push(n)
    return out
  }
  const l = literals.length
  const m = length - 4
  const token = (Math.min(l, 15) << 4) | Math.min(m, 15)
  const tail = [1, 2, 3, 4, 5]
  const block = Uint8Array.from([token, ...(l >= 15 ? lengthBytes(l) : []), ...literals, offset & 0xff, offset >>> 8, ...(m >= 15 ? lengthBytes(m) : []), 0x50, ...tail])
  const expected: number[] = [...literals]
  for (let i = 0; i < length; i++) expected.push(expected[expected.length - offset]!)
  return { block, expected: Uint8Array.from([...expected, ...tail]) }
}

test('matches of every short offset and of lengths around the copy thresholds decode like the spec', () => {
  const r = new Random(14)
  for (let offset = 1; offset <= 40; offset++) {
    for (const length of [4, 5, 7, 8, 9, 15, 16, 17, 19, 31, 32, 33, 34, 63, 64, 65, 100, 270, 1000]) {
      for (const literalCount of [offset, offset + 3, offset + 33]) {
        const literals = Uint8Array.from({ length: literalCount }, () => r.int(256))
        const { block, expected } = oneMatchBlock(literals, offset, length)
        const out = new Uint8Array(expected.length)
        assert.equal(decompressBlock(block, out), expected.length)
        assert.ok(same(out, expected), `offset ${offset}, length ${length}, ${literalCount} literals`)
      }
    }
  }
})

test('a block from the reference lz4 encoder decodes', () => {
  // `lz4 --no-frame-crc` (1.9.4) on this 115-byte text; the block taken out of its frame.
  // It has a 45-byte literal run, a 43-byte match and an overlapping match (offset 10, 12 bytes).
  const text = 'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again and again and again!'
  const block = hex(
    'ff1e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e202d0018a820616761696e20616e640a00506761696e21',
  )
  const out = new Uint8Array(text.length)
  assert.equal(decompressBlock(block, out), text.length)
  assert.equal(Buffer.from(out).toString(), text)
  // Ours need not match byte for byte, but must obey the same rules and compress as well.
  const n = roundTrip(enc.encode(text))
  assert.ok(n > 0 && n <= block.length + 4, `${n} bytes against the reference's ${block.length}`)
})

test('empty and tiny inputs are never compressed (they cannot shrink)', () => {
  const dst = new Uint8Array(64)
  assert.equal(compressBlock(new Uint8Array(0), dst), 0)
  for (let n = 1; n < 13; n++) {
    assert.equal(compressBlock(new Uint8Array(n), dst), 0, `${n} zero bytes`)
    assert.equal(compressBlock(new Uint8Array(n).fill(0x61), dst), 0, `${n} repeated bytes`)
  }
  // 13 bytes is the shortest input that may hold a match: 'a', then 7 more from offset 1
  // (it must start 12 bytes before the end), then the 5 final literals.
  const thirteen = new Uint8Array(16)
  assert.equal(compressBlock(enc.encode('a'.repeat(13)), thirteen), 10)
  assert.deepEqual([...thirteen.subarray(0, 10)], [0x13, 0x61, 0x01, 0x00, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61])
  assert.ok(roundTrip(enc.encode('a'.repeat(20))) > 0)
  assert.equal(compressBound(0), 16)
  assert.equal(compressBound(4096), 4096 + 16 + 16)
  assert.throws(() => compressBound(-1), RangeError)
})

test('round-trips random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 5000 }), (src) => {
      roundTrip(src)
    }),
    { numRuns: 300 },
  )
})

const repetitive = fc.oneof(
  // Chunks repeated back to back: long matches, and overlapping ones for short chunks.
  fc
    .array(fc.record({ chunk: fc.uint8Array({ minLength: 1, maxLength: 24 }), times: fc.integer({ min: 1, max: 60 }) }), { minLength: 1, maxLength: 12 })
    .map((parts) => Uint8Array.from(parts.flatMap(({ chunk, times }) => Array.from({ length: times }, () => [...chunk]).flat()))),
  // A 2- or 3-letter alphabet: many short matches.
  fc.uint8Array({ minLength: 0, maxLength: 4000 }).map((b) => b.map((x) => 97 + (x % 3))),
  // Half random, half one repeated byte, as the benchmark values.
  fc.array(fc.uint8Array({ minLength: 50, maxLength: 50 }), { minLength: 1, maxLength: 60 }).map((vs) => Uint8Array.from(vs.flatMap((v) => [...v, ...new Array(50).fill(v[0])]))),
)

test('round-trips highly repetitive input, and compresses it', () => {
  fc.assert(
    fc.property(repetitive, (src) => {
      const n = roundTrip(src)
      // Anything of 200+ bytes drawn from three letters or repeated runs must shrink.
      if (src.length >= 200) assert.ok(n > 0, `${src.length} repetitive bytes were not compressed`)
    }),
    { numRuns: 300 },
  )
})

test('long literal runs and long matches (>= 270 bytes) round-trip with extended lengths', () => {
  const random = randomBytes(1000, 1)
  const src = new Uint8Array(3000)
  src.set(random, 0)
  src.fill(0x41, 1000, 2000)
  src.set(random.subarray(0, 1000), 2000)
  const dst = new Uint8Array(compressBound(src.length))
  const n = compressBlock(src, dst)
  assert.ok(n > 0)
  const seqs = sequencesOf(dst.subarray(0, n))
  assert.ok(seqs.some((s) => s.literals >= 270), 'a literal run of 270+ bytes')
  assert.ok(seqs.some((s) => s.matchAt !== undefined && s.matchLength >= 270 && s.offset < s.matchLength), 'an overlapping match of 270+ bytes')
  assert.ok(seqs.some((s) => s.matchAt !== undefined && s.matchLength >= 270 && s.offset >= s.matchLength), 'a distant match of 270+ bytes')
  roundTrip(src)
  // Lengths right at the 15 and 15 + 255 boundaries.
  for (const len of [14, 15, 16, 18, 19, 20, 269, 270, 271, 273, 274, 275, 524, 525, 526]) {
    // A literal run of len bytes, a match of len bytes, then 20 literals.
    const s = new Uint8Array(2 * len + 20)
    s.set(random.subarray(0, len), 0)
    s.set(random.subarray(0, len), len)
    s.set(random.subarray(600, 620), 2 * len)
    const seqs = sequencesOf(dst.subarray(0, compressBlock(s, dst)))
    assert.deepEqual([seqs[0]!.literals, seqs[0]!.matchLength], [len, len], `length ${len}`)
    roundTrip(s)
    roundTrip(random.subarray(0, len + 20))
  }
})

test('matches never reach back more than 65535 bytes', () => {
  // The second copy is 70,000 bytes after the first: too far for a 2-byte offset.
  const part = randomBytes(70_000, 2)
  const src = new Uint8Array(140_000)
  src.set(part, 0)
  src.set(part, 70_000)
  assert.equal(roundTrip(src), 0)
  const near = new Uint8Array(140_000)
  near.set(part.subarray(0, 60_000), 0)
  near.set(part.subarray(0, 60_000), 60_000)
  assert.ok(roundTrip(near) > 0)
})

test('output is a function of the input alone, and a short dst makes the encoder give up', () => {
  const src = enc.encode('the same words, the same words, over and over: '.repeat(30))
  const first = new Uint8Array(compressBound(src.length))
  const n = compressBlock(src, first)
  assert.ok(n > 0)
  compressBlock(Uint8Array.from({ length: 3000 }, (_, i) => i * 7), new Uint8Array(4000))
  const second = new Uint8Array(compressBound(src.length))
  assert.equal(compressBlock(src, second), n)
  assert.ok(same(first.subarray(0, n), second.subarray(0, n)))
  assert.equal(compressBlock(src, new Uint8Array(n)), n)
  assert.equal(compressBlock(src, new Uint8Array(n - 1)), 0)
})

test('malformed blocks throw RangeError', () => {
  const bad: [string, string, number][] = [
    ['empty input', '', 10],
    ['literals missing', '10', 10],
    ['literal length bytes missing', 'f0', 100],
    ['literal length runs on in 255s', 'f0ffff', 1000],
    ['offset truncated', '106100', 10],
    ['offset 0', '1061' + '0000' + '50' + '3132333435', 20],
    ['offset before the start of the output', '1061' + '0200' + '50' + '3132333435', 20],
    ['match length bytes missing', '1f61' + '0100', 100],
    ['block ends after a match', '1061' + '0100', 10],
    ['literals overflow the output', '50' + '3132333435', 4],
    ['match overflows the output', '1061' + '0100' + '50' + '3132333435', 9],
  ]
  for (const [what, bytes, size] of bad) {
    assert.throws(() => decompressBlock(hex(bytes), new Uint8Array(size)), RangeError, what)
  }
  // The reference block one byte short of its output.
  const block = hex('35' + '616263' + '0300' + '50' + '3132333435')
  assert.throws(() => decompressBlock(block, new Uint8Array(16)), RangeError)
  // A megabyte of 0xff is one absurd literal length: rejected, and quickly.
  assert.throws(() => decompressBlock(new Uint8Array(1 << 20).fill(0xff), new Uint8Array(4096)), RangeError)
})

/** Decodes hostile input: a RangeError, or a result within the output. Anything else fails. */
function decodeHostile(src: Uint8Array, dstSize: number): number | 'error' {
  const dst = new Uint8Array(dstSize)
  try {
    const n = decompressBlock(src, dst)
    assert.ok(Number.isInteger(n) && n >= 0 && n <= dstSize, `returned ${n} for a ${dstSize}-byte output`)
    return n
  } catch (err) {
    if (!(err instanceof RangeError)) throw err
    return 'error'
  }
}

test('garbage input throws RangeError or decodes within bounds, and never hangs', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 5000 }), (src, size) => {
      decodeHostile(src, size)
    }),
    { numRuns: 3000 },
  )
})

test('truncated and damaged compressed blocks throw RangeError or decode within bounds', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(
      repetitive.filter((s) => s.length >= 64),
      fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }),
      (src, flips) => {
        const dst = new Uint8Array(compressBound(src.length))
        const n = compressBlock(src, dst)
        fc.pre(n > 0)
        const block = dst.slice(0, n)
        // Every prefix: an error, or a shorter output that agrees with the original.
        for (let cut = 0; cut < n; cut++) {
          const out = new Uint8Array(src.length)
          try {
            const got = decompressBlock(block.subarray(0, cut), out)
            assert.ok(got < src.length, `a ${cut}-byte prefix decoded to all ${src.length} bytes`)
            assert.ok(same(out.subarray(0, got), src.subarray(0, got)))
          } catch (err) {
            if (!(err instanceof RangeError)) throw err
          }
        }
        const damaged = block.slice()
        for (const { at, xor } of flips) damaged[at % n]! ^= xor
        decodeHostile(damaged, src.length)
        decodeHostile(damaged, src.length * 2)
      },
    ),
    { numRuns: 200 },
  )
})
