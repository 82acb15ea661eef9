import assert from 'node:assert/strict'
import { test } from 'node:test'
import { reservedNumbers } from '../../src/compaction/reserved-numbers.js'
import { ShaleError } from '../../src/errors.js'

test('reservedNumbers hands out the reserved numbers in order, then throws a plain Error (a bug), not a ShaleError', () => {
  const next = reservedNumbers([7, 9, 12])
  assert.deepEqual([next(), next(), next()], [7, 9, 12])
  assert.throws(next, (e: unknown) => e instanceof Error && !(e instanceof ShaleError) && /more than the 3 file numbers reserved for it/.test(e.message))
  assert.throws(reservedNumbers([]), /more than the 0 file numbers/)
})
