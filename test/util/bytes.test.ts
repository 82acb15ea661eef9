// utf8() has an ASCII fast path; it must agree byte for byte with TextEncoder everywhere.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { KeyHolder, utf8 } from '../../src/util/bytes.js'

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
