import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ShaleError } from '../../src/errors.js'
import { ByteWriter, getU32 } from '../../src/util/coding.js'
import { decompressBlock } from '../../src/util/lz4.js'
import { Random } from '../helpers/random.js'
import { maskCrc } from '../../src/util/crc32c.js'
import { tableCrc } from '../../src/table/format.js'
import { Block } from '../../src/table/block.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import {
  BLOCK_TRAILER_SIZE,
  CompressionType,
  FOOTER_SIZE,
  PropertyName,
  TABLE_FORMAT_VERSION,
  blockChecksum,
  checkBlock,
  compressForStorage,
  decodeBlockHandle,
  decodeFooter,
  decodeProperties,
  encodeBlockHandle,
  encodeFooter,
  encodeProperties,
  readFooter,
  writeBlockTrailer,
} from '../../src/table/format.js'
import { MemoryRandomAccessFile } from '../helpers/memory-files.js'

const corruptionMatching = (re: RegExp) => (err: unknown) => err instanceof ShaleError && err.code === 'CORRUPTION' && re.test(err.message)

test('BlockHandle round-trips as two varints', () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), fc.integer({ min: 0, max: 0xffffffff }), (offset, size) => {
      const w = new ByteWriter(4)
      w.u8(0xee)
      encodeBlockHandle(w, { offset, size })
      assert.deepEqual(decodeBlockHandle(w.view(), 1), { offset, size })
    }),
  )
  const w = new ByteWriter()
  encodeBlockHandle(w, { offset: 300, size: 5 })
  assert.deepEqual([...w.view()], [0xac, 0x02, 0x05])
  assert.throws(() => decodeBlockHandle(Uint8Array.of(0xac)), RangeError)
  assert.throws(() => decodeBlockHandle(Uint8Array.of(0x01)), RangeError)
  assert.throws(() => decodeBlockHandle(new Uint8Array(12).fill(0x80)), RangeError)
})

test('table checksums are zlib CRC-32 (IEEE), not the CRC-32C of the log', () => {
  assert.equal(tableCrc(new TextEncoder().encode('123456789')), 0xcbf43926)
  assert.equal(tableCrc(new TextEncoder().encode('xx123456789yy'), 2, 11), 0xcbf43926)
  assert.equal(tableCrc(new TextEncoder().encode('56789'), 0, 5, tableCrc(new TextEncoder().encode('1234'))), 0xcbf43926)
})

test('block trailer is the type byte then the masked CRC-32 of contents + type', () => {
  const contents = Uint8Array.of(1, 2, 3)
  const w = new ByteWriter()
  w.bytes(contents)
  writeBlockTrailer(w, contents)
  const raw = w.finish()
  assert.equal(raw.length, 3 + BLOCK_TRAILER_SIZE)
  assert.equal(raw[3], 0)
  const expected = maskCrc(tableCrc(Uint8Array.of(1, 2, 3, 0)))
  assert.equal(blockChecksum(contents, 0), expected)
  assert.deepEqual([...raw.subarray(4)], [expected & 0xff, (expected >>> 8) & 0xff, (expected >>> 16) & 0xff, expected >>> 24])
  const back = checkBlock(raw, { offset: 100, size: 3 }, 'f.sst', true, TABLE_FORMAT_VERSION)
  assert.deepEqual([...back], [1, 2, 3])
  assert.equal(back.buffer, raw.buffer)
})

test('checkBlock() rejects bad checksums, types and lengths', () => {
  const contents = Uint8Array.of(9, 9, 9, 9)
  const w = new ByteWriter()
  w.bytes(contents)
  writeBlockTrailer(w, contents)
  const good = w.finish()
  const h = { offset: 777, size: 4 }
  const flipped = good.slice()
  flipped[1]! ^= 0x10
  assert.throws(() => checkBlock(flipped, h, 'a.sst', true, 2), corruptionMatching(/a\.sst.*block at offset 777: checksum mismatch/))
  // Without verification the contents come back unchecked.
  assert.deepEqual([...checkBlock(flipped, h, 'a.sst', false, 2)], [9, 0x19, 9, 9])
  const badType = good.slice()
  badType[4] = 2
  assert.throws(() => checkBlock(badType, h, 'a.sst', false, 2), corruptionMatching(/block at offset 777: unknown compression type 2/))
  // Type 1 (LZ4) exists from format version 2 on; in a version 1 table it is damage.
  const lz4InV1 = good.slice()
  lz4InV1[4] = 1
  assert.throws(() => checkBlock(lz4InV1, h, 'a.sst', false, 1), corruptionMatching(/block at offset 777: compression type 1 in a version 1 table/))
  assert.throws(() => checkBlock(good.subarray(0, 8), h, 'a.sst', true, 2), corruptionMatching(/block at offset 777: read 8 bytes, expected 9/))
})

const sampleFooter = {
  filter: { offset: 1000, size: 64 },
  index: { offset: 1200, size: 30 },
  properties: { offset: 1069, size: 126 },
}

test('footer layout is pinned', () => {
  const f = encodeFooter(sampleFooter)
  assert.equal(f.length, FOOTER_SIZE)
  assert.equal(FOOTER_SIZE, 52)
  // prettier-ignore
  const head = [
    0xe8, 0x03, 0, 0, 0, 0, 0, 0,  64, 0, 0, 0,   // filter handle
    0xb0, 0x04, 0, 0, 0, 0, 0, 0,  30, 0, 0, 0,   // index handle
    0x2d, 0x04, 0, 0, 0, 0, 0, 0, 126, 0, 0, 0,   // properties handle
    3, 0, 0, 0,                                   // format version
  ]
  assert.deepEqual([...f.subarray(0, 40)], head)
  const sum = maskCrc(tableCrc(f.subarray(0, 40)))
  assert.deepEqual([...f.subarray(40, 44)], [sum & 0xff, (sum >>> 8) & 0xff, (sum >>> 16) & 0xff, sum >>> 24])
  assert.equal(new TextDecoder().decode(f.subarray(44)), 'SHALETBL')
  assert.deepEqual(decodeFooter(f, 2000, 'f.sst'), { ...sampleFooter, version: TABLE_FORMAT_VERSION })
})

test('decodeFooter() names each kind of damage', () => {
  const good = encodeFooter(sampleFooter)
  const damaged = (at: number): Uint8Array => {
    const f = good.slice()
    f[at]! ^= 1
    return f
  }
  assert.throws(() => decodeFooter(damaged(50), 2000, 'x.sst'), corruptionMatching(/x\.sst: footer at offset 1948: bad magic/))
  for (const at of [0, 13, 30, 38, 41]) {
    assert.throws(() => decodeFooter(damaged(at), 2000, 'x.sst'), corruptionMatching(/footer at offset 1948: checksum mismatch/), `byte ${at}`)
  }
  assert.throws(() => decodeFooter(good.subarray(0, 51), 2000, 'x.sst'), corruptionMatching(/read 51 bytes/))
  // A well-formed footer whose handles point past the data region.
  assert.throws(() => decodeFooter(good, 1250, 'x.sst'), corruptionMatching(/index block \(offset 1200, 30 bytes\) runs past/))
  // Checksum-valid footers of unknown versions.
  for (const version of [0, 4, 0xffffffff]) {
    assert.throws(() => decodeFooter(footerWithVersion(version), 2000, 'x.sst'), corruptionMatching(new RegExp(`unsupported table format version ${version}$`)))
  }
})

test('readFooter() reads the last FOOTER_SIZE bytes of a file; a file too short for one is CORRUPTION', () => {
  const file = new Uint8Array(2000)
  file.set(encodeFooter(sampleFooter), 2000 - FOOTER_SIZE)
  assert.deepEqual(readFooter(new MemoryRandomAccessFile(file), 'x.sst'), decodeFooter(file.subarray(2000 - FOOTER_SIZE), 2000, 'x.sst'))
  file[2000 - FOOTER_SIZE]! ^= 1
  assert.throws(() => readFooter(new MemoryRandomAccessFile(file), 'x.sst'), corruptionMatching(/footer at offset 1948: checksum mismatch/))
  assert.throws(() => readFooter(new MemoryRandomAccessFile(file.subarray(0, 3)), 'x.sst'), corruptionMatching(/x\.sst: file is 3 bytes, shorter than the \d+-byte footer/))
})

/** encodeFooter's output with another version number, re-checksummed. */
function footerWithVersion(version: number): Uint8Array {
  const f = encodeFooter(sampleFooter)
  f[36] = version & 0xff
  f[37] = (version >>> 8) & 0xff
  f[38] = (version >>> 16) & 0xff
  f[39] = version >>> 24
  const sum = maskCrc(tableCrc(f.subarray(0, 40)))
  f[40] = sum & 0xff
  f[41] = (sum >>> 8) & 0xff
  f[42] = (sum >>> 16) & 0xff
  f[43] = sum >>> 24
  return f
}

test('tables of format version 1 (before compression), 2 and 3 (range deletions) are all accepted', () => {
  assert.equal(TABLE_FORMAT_VERSION, 3)
  assert.deepEqual(decodeFooter(footerWithVersion(1), 2000, 'f.sst'), { ...sampleFooter, version: 1 })
  assert.deepEqual(decodeFooter(footerWithVersion(2), 2000, 'f.sst'), { ...sampleFooter, version: 2 })
  assert.deepEqual(decodeFooter(footerWithVersion(3), 2000, 'f.sst'), { ...sampleFooter, version: 3 })
})

/** contents stored the way the table builder does: compressed when worthwhile, then the trailer. */
function stored(contents: Uint8Array): { raw: Uint8Array; type: number } {
  const packed = compressForStorage(contents, new Uint8Array(contents.length))
  const body = packed ?? contents
  const w = new ByteWriter()
  w.bytes(body)
  writeBlockTrailer(w, body, packed === undefined ? CompressionType.None : CompressionType.Lz4)
  return { raw: w.finish(), type: packed === undefined ? 0 : 1 }
}

test('LZ4 blocks are stored as varint length | LZ4 block, checksummed as stored', () => {
  const contents = new TextEncoder().encode('abcdefgh'.repeat(40))
  const { raw, type } = stored(contents)
  assert.equal(type, CompressionType.Lz4)
  const size = raw.length - BLOCK_TRAILER_SIZE
  assert.ok(size < contents.length / 4, `${size} stored bytes`)
  // The length prefix: 320 as a varint.
  assert.deepEqual([...raw.subarray(0, 2)], [0xc0, 0x02])
  const out = new Uint8Array(320)
  assert.equal(decompressBlock(raw.subarray(2, size), out), 320)
  assert.deepEqual(out, contents)
  // The checksum covers the stored (compressed) bytes and the type byte.
  assert.equal(getU32(raw, size + 1), maskCrc(tableCrc(Uint8Array.of(...raw.subarray(0, size), 1))))
  const back = checkBlock(raw, { offset: 0, size }, 'c.sst', true, 2)
  assert.deepEqual(back, contents)
  // The example in docs/format.md#lz4-block-format, byte for byte.
  const example = stored(new TextEncoder().encode('abcabcabcabc12345')).raw
  assert.equal(example.length, 13 + BLOCK_TRAILER_SIZE)
  assert.deepEqual([...example.subarray(0, 14)], [0x11, 0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x50, 0x31, 0x32, 0x33, 0x34, 0x35, 0x01])
})

test('blocks are compressed only when that saves at least an eighth', () => {
  const r = new Random(7)
  const random = Uint8Array.from({ length: 4096 }, () => r.int(256))
  assert.equal(compressForStorage(random, new Uint8Array(4096)), undefined)
  // Half of each 100 bytes repeats one byte: compresses to about half.
  const half = Uint8Array.from({ length: 4000 }, (_, i) => (i % 100 < 50 ? (Math.imul(i, 0x2545f491) >>> 24) : 0x41))
  const packed = compressForStorage(half, new Uint8Array(4000))
  assert.ok(packed !== undefined && packed.length < 4000 * 0.6, `${packed?.length} bytes`)
  // The boundary: 64 bytes must store in at most 55 (64 - 64/8 - 1).
  for (let n = 13; n <= 300; n++) {
    const src = Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? (Math.imul(i + 1, 0x2545f491) >>> 24) : 0x41))
    const p = compressForStorage(src, new Uint8Array(n))
    if (p !== undefined) assert.ok(p.length < n - Math.floor(n / 8), `${n} bytes stored in ${p.length}`)
  }
  // Tiny blocks are never compressed.
  for (let n = 0; n < 13; n++) assert.equal(compressForStorage(new Uint8Array(n), new Uint8Array(n)), undefined)
})

test('damaged LZ4 blocks are CORRUPTION naming the block, with or without checksum verification', () => {
  const contents = new TextEncoder().encode('0123456789abcdef'.repeat(64))
  const { raw } = stored(contents)
  const size = raw.length - BLOCK_TRAILER_SIZE
  const h = { offset: 4242, size }
  /** The damaged stored bytes, re-checksummed so that only the decoder can catch them. */
  const resealed = (body: Uint8Array): Uint8Array => {
    const w = new ByteWriter()
    w.bytes(body)
    writeBlockTrailer(w, body, CompressionType.Lz4)
    return w.finish()
  }
  const body = raw.subarray(0, size)
  const cases: [string, Uint8Array, RegExp][] = [
    ['length prefix larger than the data', Uint8Array.of(0x81, 0x10, ...body.subarray(2)), /decoded to \d+ bytes, expected 2049|LZ4 data is damaged/],
    ['length prefix smaller than the data', Uint8Array.of(0xff, 0x07, ...body.subarray(2)), /LZ4 data is damaged/],
    ['absurd length prefix', Uint8Array.of(0xff, 0xff, 0xff, 0x7f, ...body.subarray(2)), /uncompressed length \d+ is impossible/],
    ['truncated length prefix', Uint8Array.of(0x80), /bad uncompressed length/],
    ['truncated LZ4 data', body.subarray(0, size - 3), /LZ4 data is damaged|decoded to/],
    ['offset 0', Uint8Array.of(...body.subarray(0, 2), 0x1f, 0x30, 0x00, 0x00, 0x00), /LZ4 data is damaged \(LZ4 match offset 0/],
  ]
  for (const [what, bytes, re] of cases) {
    const damaged = resealed(bytes)
    const hh = { offset: 4242, size: bytes.length }
    for (const verify of [true, false]) {
      assert.throws(() => checkBlock(damaged, hh, 'z.sst', verify, 2), corruptionMatching(new RegExp(`z\\.sst.*block at offset 4242: .*(${re.source})`)), `${what}, verify ${verify}`)
    }
  }
  // Damage under an intact trailer is caught by the checksum first.
  const flippedRaw = raw.slice()
  flippedRaw[size >> 1]! ^= 0x04
  assert.throws(() => checkBlock(flippedRaw, h, 'z.sst', true, 2), corruptionMatching(/block at offset 4242: checksum mismatch/))
  // Without the checksum, every single flip is CORRUPTION or decodes to some bytes: never another error.
  for (let at = 0; at < size; at++) {
    for (const xor of [0x01, 0x80, 0xff]) {
      const d = raw.slice()
      d[at]! ^= xor
      try {
        checkBlock(d, h, 'z.sst', false, 2)
      } catch (err) {
        assert.ok(err instanceof ShaleError && err.code === 'CORRUPTION', `byte ${at} ^ ${xor}: ${String(err)}`)
      }
    }
  }
})

test('a table without a filter stores an all-zero filter handle', () => {
  const f = encodeFooter({ ...sampleFooter, filter: { offset: 0, size: 0 } })
  assert.deepEqual([...f.subarray(0, 12)], new Array(12).fill(0))
  assert.deepEqual(decodeFooter(f, 2000, 'f.sst').filter, { offset: 0, size: 0 })
})

test('properties round-trip through a sorted block', () => {
  const props = { entries: 10, deletions: 2, dataBlocks: 3, rawKeyBytes: 400, rawValueBytes: 2 ** 40, smallestSeq: 5, largestSeq: 2 ** 53 - 1 }
  const data = encodeProperties(props)
  assert.deepEqual(decodeProperties(new Block(data, 'p.sst', 0)), props)
  assert.deepEqual(Object.values(PropertyName).sort(), Object.values(PropertyName).sort())
  assert.ok(new TextDecoder().decode(data).includes('shale.num.entries'))
})

test('decodeProperties() skips unknown names and rejects missing or malformed ones', () => {
  const props = { entries: 1, deletions: 1, dataBlocks: 1, rawKeyBytes: 1, rawValueBytes: 1, smallestSeq: 1, largestSeq: 1 }
  // The range-deletion properties are optional (absent before version 3, and without range deletions).
  const names = Object.values(PropertyName).filter((n) => !/range/.test(n)).sort()
  const build = (skip: string | undefined, extra: [string, Uint8Array][] = [], bad?: string): Uint8Array => {
    const rows: [string, Uint8Array][] = names.filter((n) => n !== skip).map((n) => [n, n === bad ? Uint8Array.of(0x80) : Uint8Array.of(1)])
    rows.push(...extra)
    rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const bb = new BlockBuilder(1)
    for (const [n, v] of rows) bb.add(new TextEncoder().encode(n), v)
    return bb.finish().slice()
  }
  assert.deepEqual(decodeProperties(new Block(build(undefined, [['shale.future.thing', Uint8Array.of(1, 2, 3)]]), 'p.sst', 0)), props)
  assert.throws(() => decodeProperties(new Block(build('shale.num.entries'), 'p.sst', 64)), corruptionMatching(/block at offset 64: property shale.num.entries is missing/))
  assert.throws(() => decodeProperties(new Block(build(undefined, [], 'shale.seq.largest'), 'p.sst', 64)), corruptionMatching(/property shale.seq.largest has a bad value/))
  // The three range-deletion properties come together or not at all.
  const withRange = build(undefined, [['shale.num.range.deletions', Uint8Array.of(2)], ['shale.range.deletions.offset', Uint8Array.of(9)], ['shale.range.deletions.size', Uint8Array.of(7)]])
  assert.deepEqual(decodeProperties(new Block(withRange, 'p.sst', 0)), { ...props, rangeDeletions: 2, rangeDeletionOffset: 9, rangeDeletionSize: 7 })
  const partial = build(undefined, [['shale.num.range.deletions', Uint8Array.of(2)]])
  assert.throws(() => decodeProperties(new Block(partial, 'p.sst', 64)), corruptionMatching(/range-deletion properties are incomplete/))
})
