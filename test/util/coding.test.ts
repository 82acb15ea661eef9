import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ByteWriter, getLengthPrefixed, getU16, getU32, getU64, getVarint, putU32 } from '../../src/util/coding.js'

test('ByteWriter writes little-endian fixed-width integers', () => {
  const w = new ByteWriter(2)
  w.u8(0xab).u32(0x01020304).u64(0x000f0e0d0c0b0a09)
  assert.deepEqual([...w.view()], [0xab, 4, 3, 2, 1, 9, 10, 11, 12, 13, 14, 15, 0])
})

test('varints use 7 bits per byte, low groups first', () => {
  const w = new ByteWriter()
  w.varint(0).varint(127).varint(128).varint(300).varint(2 ** 32)
  assert.deepEqual([...w.view()], [0, 0x7f, 0x80, 0x01, 0xac, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10])
})

test('varint round-trips every safe integer', () => {
  fc.assert(
    fc.property(fc.array(fc.maxSafeNat(), { maxLength: 20 }), (values) => {
      const w = new ByteWriter(1)
      for (const v of values) w.varint(v)
      const buf = w.finish()
      let at = 0
      for (const v of values) {
        const [got, next] = getVarint(buf, at)
        assert.equal(got, v)
        at = next
      }
      assert.equal(at, buf.length)
    }),
  )
})

test('fixed-width values round-trip', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.maxSafeNat(), (a, b) => {
      const w = new ByteWriter(1)
      w.u32(a).u64(b)
      const buf = w.finish()
      assert.equal(getU32(buf, 0), a)
      assert.equal(getU64(buf, 4), b)
      const c = new Uint8Array(4)
      putU32(c, 0, a)
      assert.equal(getU32(c, 0), a)
    }),
  )
  assert.equal(getU16(Uint8Array.of(0x34, 0x12), 0), 0x1234)
})

test('decoders throw RangeError on truncated input', () => {
  assert.throws(() => getU32(new Uint8Array(3), 0), RangeError)
  assert.throws(() => getU16(new Uint8Array(1), 0), RangeError)
  assert.throws(() => getU64(new Uint8Array(7), 0), RangeError)
  assert.throws(() => getVarint(Uint8Array.of(0x80, 0x80), 0), RangeError)
  assert.throws(() => getVarint(new Uint8Array(0), 0), RangeError)
  assert.throws(() => getVarint(new Uint8Array(9).fill(0x80), 0), RangeError)
  assert.throws(() => getLengthPrefixed(Uint8Array.of(5, 1, 2), 0), RangeError)
  assert.throws(() => getU64(new Uint8Array(8).fill(0xff), 0), RangeError)
})

test('length-prefixed bytes round-trip as views', () => {
  const w = new ByteWriter()
  w.lengthPrefixed(Uint8Array.of(1, 2, 3)).lengthPrefixed(new Uint8Array(0))
  const buf = w.finish()
  const [a, next] = getLengthPrefixed(buf, 0)
  assert.deepEqual([...a], [1, 2, 3])
  assert.equal(a.buffer, buf.buffer)
  const [b, end] = getLengthPrefixed(buf, next)
  assert.equal(b.length, 0)
  assert.equal(end, buf.length)
})

test('ByteWriter.setU32 patches an earlier position and finish() copies', () => {
  const w = new ByteWriter(4)
  w.u32(0).u8(9)
  w.setU32(0, 0xdeadbeef)
  const copy = w.finish()
  w.reset()
  w.u32(0)
  assert.equal(getU32(copy, 0), 0xdeadbeef)
  assert.equal(copy[4], 9)
})
