import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { crc32c, maskCrc, unmaskCrc } from '../../src/util/crc32c.js'

const enc = new TextEncoder()

test('crc32c() matches known-answer vectors', () => {
  assert.equal(crc32c(new Uint8Array(0)), 0)
  assert.equal(crc32c(enc.encode('123456789')), 0xe3069283)
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa)
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43)
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e)
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c)
})

test('crc32c() extends a running checksum', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
      const joined = new Uint8Array(a.length + b.length)
      joined.set(a)
      joined.set(b, a.length)
      assert.equal(crc32c(b, crc32c(a)), crc32c(joined))
    }),
  )
})

test('crc32c() over [start, end) equals crc32c() of the slice', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(100), fc.nat(100), (data, x, y) => {
      const start = Math.min(x, y, data.length)
      const end = Math.min(Math.max(x, y), data.length)
      assert.equal(crc32c(data, 0, start, end), crc32c(data.slice(start, end)))
    }),
  )
})

test('maskCrc() is undone by unmaskCrc() and changes the value', () => {
  const crc = crc32c(enc.encode('foo'))
  assert.notEqual(maskCrc(crc), crc)
  assert.notEqual(maskCrc(maskCrc(crc)), crc)
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
      assert.equal(unmaskCrc(maskCrc(v)), v)
    }),
  )
})
