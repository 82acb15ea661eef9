import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ShaleError } from '../../src/errors.js'
import { ByteWriter } from '../../src/util/coding.js'
import { maskCrc } from '../../src/util/crc32c.js'
import { tableCrc } from '../../src/table/format.js'
import { Block } from '../../src/table/block.js'
import { BlockBuilder } from '../../src/table/block-builder.js'
import {
  BLOCK_TRAILER_SIZE,
  FOOTER_SIZE,
  PropertyName,
  TABLE_FORMAT_VERSION,
  blockChecksum,
  checkBlock,
  decodeBlockHandle,
  decodeFooter,
  decodeProperties,
  encodeBlockHandle,
  encodeFooter,
  encodeProperties,
  writeBlockTrailer,
} from '../../src/table/format.js'

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
  const back = checkBlock(raw, { offset: 100, size: 3 }, 'f.sst', true)
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
  assert.throws(() => checkBlock(flipped, h, 'a.sst', true), corruptionMatching(/a\.sst.*block at offset 777: checksum mismatch/))
  // Without verification the contents come back unchecked.
  assert.deepEqual([...checkBlock(flipped, h, 'a.sst', false)], [9, 0x19, 9, 9])
  const badType = good.slice()
  badType[4] = 1
  assert.throws(() => checkBlock(badType, h, 'a.sst', false), corruptionMatching(/block at offset 777: unknown compression type 1/))
  assert.throws(() => checkBlock(good.subarray(0, 8), h, 'a.sst', true), corruptionMatching(/block at offset 777: read 8 bytes, expected 9/))
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
    1, 0, 0, 0,                                   // format version
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
  // A checksum-valid footer of an unknown version.
  const v2 = good.slice()
  v2[36] = 2
  v2.set(encodeFooter(sampleFooter).subarray(40, 44), 40)
  const sum = maskCrc(tableCrc(v2.subarray(0, 40)))
  v2[40] = sum & 0xff
  v2[41] = (sum >>> 8) & 0xff
  v2[42] = (sum >>> 16) & 0xff
  v2[43] = sum >>> 24
  assert.throws(() => decodeFooter(v2, 2000, 'x.sst'), corruptionMatching(/unsupported table format version 2/))
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
  const names = Object.values(PropertyName).sort()
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
})
