import assert from 'node:assert/strict'
import { test } from 'node:test'
import { addLifetime, decodeLifetime, emptyLifetime, encodeLifetime } from '../../src/version/lifetime-counters.js'
import { ByteWriter } from '../../src/util/coding.js'

test('addLifetime adds flush work and one compaction at its output level, leaving its input unchanged', () => {
  const start = emptyLifetime()
  const flushed = addLifetime(start, { userBytes: 100, walBytes: 130, flushes: 1, flushBytes: 60 })
  const compacted = addLifetime(flushed, { compaction: { outputLevel: 2, bytesRead: 60, bytesWritten: 55 } })
  assert.deepEqual(start, emptyLifetime())
  assert.deepEqual(compacted, {
    userBytes: 100,
    walBytes: 130,
    flushes: 1,
    flushBytes: 60,
    levels: [
      { compactions: 0, bytesRead: 0, bytesWritten: 0 },
      { compactions: 0, bytesRead: 0, bytesWritten: 0 },
      { compactions: 1, bytesRead: 60, bytesWritten: 55 },
    ],
  })
  assert.deepEqual(addLifetime(compacted, undefined), compacted)
})

test('lifetime counters decode what they encode and ignore fields a newer Shale appends', () => {
  const c = addLifetime(emptyLifetime(), { userBytes: 2 ** 40, flushes: 3, compaction: { outputLevel: 1, bytesRead: 9, bytesWritten: 8 } })
  assert.deepEqual(decodeLifetime(encodeLifetime(c)), c)
  const extended = new ByteWriter().bytes(encodeLifetime(c)).varint(12345).finish()
  assert.deepEqual(decodeLifetime(extended), c)
  assert.throws(() => decodeLifetime(encodeLifetime(c).subarray(0, 3)), RangeError)
})
