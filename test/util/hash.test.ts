import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { hash32 } from '../../src/util/hash.js'

const enc = new TextEncoder()

test('hash32() matches published MurmurHash3 x86_32 vectors', () => {
  const cases: [string | number[], number, number][] = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    [[0, 0, 0, 0], 0, 0x2362f9de],
    [[0xff, 0xff, 0xff, 0xff], 0, 0x76293b50],
    [[0x21], 0, 0x72661cf4],
    [[0x21, 0x43], 0, 0xa0f7b07a],
    [[0x21, 0x43, 0x65], 0, 0x7e4a8634],
    [[0x21, 0x43, 0x65, 0x87], 0, 0xf55b516b],
    ['abc', 0, 0xb3dd93fa],
    ['hello', 0, 0x248bfa47],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ]
  for (const [input, seed, want] of cases) {
    const bytes = typeof input === 'string' ? enc.encode(input) : Uint8Array.from(input)
    assert.equal(hash32(bytes, seed), want, `hash32(${JSON.stringify(input)}, 0x${seed.toString(16)})`)
  }
})

test('hash32() over a range equals hash32() of that slice', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(40), fc.nat(40), fc.integer({ min: 0, max: 0xffffffff }), (data, a, b, seed) => {
      const start = Math.min(a, b, data.length)
      const end = Math.min(Math.max(a, b), data.length)
      assert.equal(hash32(data, seed, start, end), hash32(data.slice(start, end), seed))
    }),
  )
})

test('hash32() returns an unsigned 32-bit integer and depends on the seed', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 0xffffffff }), (data, seed) => {
      const h = hash32(data, seed)
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff)
      assert.notEqual(hash32(data, seed), hash32(data, (seed + 1) >>> 0))
    }),
  )
})

test('hash32() flips about half the output bits when one input bit flips', () => {
  let flipped = 0
  let trials = 0
  const data = new Uint8Array(16)
  for (let t = 0; t < 200; t++) {
    for (let i = 0; i < data.length; i++) data[i] = (t * 31 + i * 17) & 0xff
    const before = hash32(data, 7)
    const bit = t % (data.length * 8)
    data[bit >>> 3]! ^= 1 << (bit & 7)
    let x = (before ^ hash32(data, 7)) >>> 0
    while (x !== 0) {
      flipped += x & 1
      x >>>= 1
    }
    trials++
  }
  const mean = flipped / trials
  assert.ok(mean > 14 && mean < 18, `mean flipped bits ${mean}`)
})
