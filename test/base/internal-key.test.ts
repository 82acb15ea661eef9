// Internal keys: the trailer codec, and the in-place comparator that block seeks use, which
// must order encoded keys exactly as compareInternal orders (user key, sequence) pairs.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  compareInternal,
  compareInternalKeyRange,
  compareInternalKeys,
  encodeInternalKey,
  kindOf,
  MAX_SEQUENCE,
  sequenceOf,
  userKeyOf,
  ValueKind,
} from '../../src/base/internal-key.js'

const sign = (n: number): number => (n > 0 ? 1 : n < 0 ? -1 : 0)

// Mostly keys over a tiny alphabet, so equal user keys and shared prefixes are common; some
// with any byte, so bytes above 0x7f (where a signed comparison would go wrong) turn up.
const userKey = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 4 }).map((a) => Uint8Array.from(a)),
  fc.uint8Array({ maxLength: 12 }),
)
const sequence = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat())
const kind = fc.constantFrom(ValueKind.Value, ValueKind.Deletion)

test('an encoded internal key decodes to its user key, sequence and kind', () => {
  fc.assert(
    fc.property(userKey, sequence, kind, (k, seq, kd) => {
      const ikey = encodeInternalKey(k, seq, kd)
      assert.deepEqual(userKeyOf(ikey), k)
      assert.equal(sequenceOf(ikey), seq)
      assert.equal(kindOf(ikey), kd)
    }),
    { numRuns: 1000 },
  )
  assert.equal(sequenceOf(encodeInternalKey(new Uint8Array(0), MAX_SEQUENCE, ValueKind.Value)), MAX_SEQUENCE)
})

test('compareInternalKeyRange agrees in sign with compareInternal on random keys (the kind byte ignored)', () => {
  fc.assert(
    fc.property(userKey, sequence, kind, userKey, sequence, kind, fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 4 }), (ak, as, akind, bk, bs, bkind, before, after) => {
      const want = sign(compareInternal(ak, as, bk, bs))
      const a = encodeInternalKey(ak, as, akind)
      const b = encodeInternalKey(bk, bs, bkind)
      assert.equal(sign(compareInternalKeys(a, b)), want)
      // The range form reads a from inside a larger buffer, as a block does.
      const framed = new Uint8Array(before.length + a.length + after.length)
      framed.set(before, 0)
      framed.set(a, before.length)
      framed.set(after, before.length + a.length)
      assert.equal(sign(compareInternalKeyRange(framed, before.length, before.length + a.length, b)), want)
      // Same user key: the sequence decides, newest first.
      const sameUser = encodeInternalKey(ak, bs, bkind)
      assert.equal(sign(compareInternalKeys(a, sameUser)), sign(bs - as))
    }),
    { numRuns: 5000 },
  )
})

test('the comparator orders by sequence from its most significant byte, newest first', () => {
  const k = Uint8Array.of(7)
  // 256 and 1 differ in the low byte the wrong way round: a comparator reading the trailer
  // from its least significant byte would put them in the wrong order.
  for (const [older, newer] of [[1, 2], [255, 256], [1, 256], [0xffff, 0x10000], [2 ** 40, 2 ** 48 + 1], [0, MAX_SEQUENCE]] as const) {
    const o = encodeInternalKey(k, older, ValueKind.Value)
    const n = encodeInternalKey(k, newer, ValueKind.Deletion)
    assert.ok(compareInternalKeys(n, o) < 0, `seq ${newer} before seq ${older}`)
    assert.ok(compareInternalKeys(o, n) > 0)
    assert.equal(compareInternalKeys(o, encodeInternalKey(k, older, ValueKind.Deletion)), 0, 'the kind byte does not order')
  }
  // A shorter user key that is a prefix of a longer one sorts first, whatever the sequences.
  assert.ok(compareInternalKeys(encodeInternalKey(Uint8Array.of(1), 1, ValueKind.Value), encodeInternalKey(Uint8Array.of(1, 0), 9, ValueKind.Value)) < 0)
})

test('keys shorter than a trailer (damaged files only) still compare without reading out of bounds', () => {
  const short = Uint8Array.of(1, 2, 3)
  const good = encodeInternalKey(Uint8Array.of(1), 5, ValueKind.Value)
  for (const [a, b] of [[short, good], [good, short], [short, short], [new Uint8Array(0), good]] as const) {
    const c = compareInternalKeys(a, b)
    assert.ok(Number.isFinite(c), `${a.length} vs ${b.length}`)
    assert.equal(sign(c), sign(-compareInternalKeys(b, a)), "antisymmetric")
  }
})
