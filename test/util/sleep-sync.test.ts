// sleepSync blocks for about the time asked, with shared memory (Atomics.wait) and without
// it (a browser context that is not cross-origin isolated has no SharedArrayBuffer).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sleepSync } from '../../src/util/sleep-sync.js'

function timed(ms: number): number {
  const start = performance.now()
  sleepSync(ms)
  return performance.now() - start
}

test('without SharedArrayBuffer it spins for the time asked', () => {
  const saved = globalThis.SharedArrayBuffer
  Reflect.deleteProperty(globalThis, 'SharedArrayBuffer')
  try {
    // The first call: no shared cell has been made yet.
    const took = timed(20)
    assert.ok(took >= 19, `slept ${took} ms`)
  } finally {
    globalThis.SharedArrayBuffer = saved
  }
})

test('with SharedArrayBuffer it waits for the time asked', () => {
  const took = timed(20)
  assert.ok(took >= 19, `slept ${took} ms`)
})
