import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { crc32c } from '../../src/util/crc32c.js'
import { bloomHash, bloomMayContain, bloomMayContainHash, bloomProbes, buildBloomFilter, buildBloomFilterFromKeys } from '../../src/table/bloom.js'

const enc = new TextEncoder()
const key = (i: number): Uint8Array => enc.encode(`key${i}`)

test('bloom filter has no false negatives and under 2% false positives at 10 bits/key', () => {
  const n = 10_000
  const keys = Array.from({ length: n }, (_, i) => key(i))
  const filter = buildBloomFilterFromKeys(keys, 10)
  for (const k of keys) assert.equal(bloomMayContain(filter, k), true)
  let falsePositives = 0
  const probes = 100_000
  for (let i = n; i < n + probes; i++) if (bloomMayContain(filter, key(i))) falsePositives++
  const rate = falsePositives / probes
  assert.ok(rate < 0.02, `false-positive rate ${rate}`)
})

test('bloom filter never loses a key, for any key set and budget', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (keys, bits) => {
      const filter = buildBloomFilterFromKeys(keys, bits)
      for (const k of keys) assert.equal(bloomMayContain(filter, k), true)
    }),
  )
})

test('probe count is round(0.69 * bitsPerKey) clamped to 1..30 and stored in the last byte', () => {
  assert.equal(bloomProbes(1), 1)
  assert.equal(bloomProbes(0.5), 1)
  assert.equal(bloomProbes(10), 7)
  assert.equal(bloomProbes(16), 11)
  assert.equal(bloomProbes(64), 30)
  const filter = buildBloomFilter([1, 2, 3], 10)
  assert.equal(filter[filter.length - 1], 7)
})

test('a filter has at least 64 bits', () => {
  assert.equal(buildBloomFilter([], 10).length, 8 + 1)
  assert.equal(buildBloomFilter([42], 10).length, 8 + 1)
  assert.equal(buildBloomFilter(new Array(100).fill(0).map((_, i) => i), 10).length, 125 + 1)
  assert.equal(buildBloomFilter(new Array(3).fill(0).map((_, i) => i), 7.5).length, 8 + 1)
  assert.throws(() => buildBloomFilter([1], 0), RangeError)
})

test('an unknown probe count or a degenerate filter answers "may contain"', () => {
  const filter = buildBloomFilterFromKeys([key(1)], 10)
  assert.equal(bloomMayContain(filter, key(999)), false)
  for (const k of [0, 31, 255]) {
    const odd = filter.slice()
    odd[odd.length - 1] = k
    assert.equal(bloomMayContain(odd, key(999)), true, `k=${k}`)
  }
  assert.equal(bloomMayContain(new Uint8Array(0), key(1)), true)
  assert.equal(bloomMayContain(Uint8Array.of(7), key(1)), true)
})

test('bloom bits are pinned (filters are persisted)', () => {
  const filter = buildBloomFilterFromKeys([key(1), key(2), key(3), enc.encode('')], 10)
  assert.equal(bloomHash(enc.encode('key1')), bloomHash(key(1)))
  assert.equal(bloomMayContainHash(filter, bloomHash(key(2))), true)
  assert.equal(filter.length, 9)
  assert.equal(crc32c(filter).toString(16), PINNED_FILTER_CRC)
})

const PINNED_FILTER_CRC = '9d8fa2cd'

test('the 32-bit probe arithmetic answers exactly as the plain-number definition of the format', () => {
  // The format's definition, with floating-point modulo as first written.
  const reference = (filter: Uint8Array, hash: number): boolean => {
    const bytes = filter.length - 1
    const k = filter[bytes]!
    const bits = bytes * 8
    let h = hash >>> 0
    const step = (Math.imul((h >>> 16) | (h << 16), 0x9e3779b1) | 1) >>> 0
    for (let j = 0; j < k; j++) {
      const bit = h % bits
      if ((filter[bit >>> 3]! & (1 << (bit & 7))) === 0) return false
      h = (h + step) >>> 0
    }
    return true
  }
  let state = 12345
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0)
  for (const bytes of [8, 9, 1000, 65_537]) {
    const filter = new Uint8Array(bytes + 1)
    // About half the bits set, so both answers occur often.
    for (let i = 0; i < bytes; i++) filter[i] = next() & 0xff
    filter[bytes] = 3
    for (let i = 0; i < 20_000; i++) {
      const h = next()
      assert.equal(bloomMayContainHash(filter, h), reference(filter, h), `bytes ${bytes} hash ${h}`)
    }
  }
})
