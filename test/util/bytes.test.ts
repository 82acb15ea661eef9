// utf8() has an ASCII fast path; it must agree byte for byte with TextEncoder everywhere. lastNonZero reads
// words in the middle of a view: it must agree with a byte loop at every alignment.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { KeyHolder, lastNonZero, utf8 } from '../../src/util/bytes.js'

const reference = new TextEncoder()

test('utf8 matches TextEncoder for ASCII, non-ASCII, surrogates and long strings', () => {
  for (const s of ['', 'a', '0000000000000042', 'é', 'aé', '\u007f\u0080', '😀', '\ud800', 'x\udc00y', 'a'.repeat(64), 'a'.repeat(65), 'a'.repeat(63) + 'é']) {
    assert.deepEqual(utf8(s), reference.encode(s), JSON.stringify(s))
  }
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
      assert.deepEqual(utf8(s), reference.encode(s))
    }),
    { numRuns: 2000 },
  )
})

test('KeyHolder keeps a copy of the last key, growing past its first size', () => {
  const holder = new KeyHolder()
  const source = Uint8Array.from([1, 2, 3])
  const first = holder.set(source)
  source[0] = 9
  assert.deepEqual([...first], [1, 2, 3], 'a copy, not a view of the caller bytes')
  const long = new Uint8Array(200).fill(7)
  assert.deepEqual(holder.set(long), long)
  assert.deepEqual([...holder.set(Uint8Array.from([5]))], [5])
})

test('lastNonZero finds the last nonzero byte at every alignment and length, or -1', () => {
  const backing = new Uint8Array(64)
  for (let offset = 0; offset < 8; offset++) {
    for (let length = 0; length + offset <= 40; length++) {
      const view = backing.subarray(offset, offset + length)
      assert.equal(lastNonZero(view), -1, `all zeros, offset ${offset} length ${length}`)
      for (let at = 0; at < length; at++) {
        view[at] = 0x80
        assert.equal(lastNonZero(view), at, `offset ${offset} length ${length} byte ${at}`)
        if (at > 0) {
          view[0] = 1
          assert.equal(lastNonZero(view), at, 'an earlier nonzero byte does not matter')
          view[0] = 0
        }
        view[at] = 0
      }
    }
  }
})
