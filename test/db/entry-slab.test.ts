// Entries carved from a shared slab are exact, independent copies: later entries, a new slab
// or changes to the source bytes never alter one already handed out.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EntrySlab } from '../../src/db/entry-slab.js'

test('entries are copies that later entries and source changes do not touch', () => {
  const slab = new EntrySlab()
  const source = new Uint8Array(200)
  const kept: [Buffer, Buffer][] = []
  const want: [string, string][] = []
  // Enough entries to fill several slabs, with sizes up to past the own-buffer threshold.
  for (let i = 0; i < 3000; i++) {
    const kLen = 1 + (i % 17)
    const vLen = i % 500 === 0 ? 9000 : i % 131
    const key = source.subarray(0, kLen).fill(97 + (i % 26))
    const k = Buffer.from(key).toString('latin1')
    const value = new Uint8Array(vLen).fill(i % 251)
    const e = slab.entry(key, value)
    assert.ok(Buffer.isBuffer(e[0]) && Buffer.isBuffer(e[1]))
    kept.push(e)
    want.push([k, Buffer.from(value).toString('latin1')])
    source.fill(0)
  }
  for (let i = 0; i < kept.length; i++) {
    assert.equal(kept[i]![0].toString('latin1'), want[i]![0], `key ${i}`)
    assert.equal(kept[i]![1].toString('latin1'), want[i]![1], `value ${i}`)
  }
  // Small entries share one allocation; the key and value of an entry sit back to back.
  const [a, b] = [kept[1]!, kept[2]!]
  assert.equal(a[0].buffer, b[0].buffer)
  assert.equal(a[0].byteOffset + a[0].length, a[1].byteOffset)
  // A large one has its own.
  const big = kept[500]!
  assert.equal(big[0].buffer.byteLength, big[0].length + big[1].length)
})
