// The gate is shared: once a slice is spent, every operation that settles before the event
// loop turns waits for that turn, so 64 operations in flight cannot keep the loop from
// running for 64 slices.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { EventLoopGate } from '../../src/util/event-loop-gate.js'
import { TimeSlicer } from '../../src/util/time-slicer.js'

/**
 * The most operations that completed between two turns of the event loop while 64 loops
 * each settled 2,000 operations through `settle`. A budget of 0 makes every clock check
 * find the slice spent, so the count depends on the scheduling alone, not on timing.
 */
async function mostOperationsPerTurn(settle: <T>(v: T) => Promise<T>): Promise<number> {
  let done = 0
  let atLastTurn = 0
  let most = 0
  let running = true
  const probe = (): void => {
    most = Math.max(most, done - atLastTurn)
    atLastTurn = done
    if (running) setImmediate(probe)
  }
  setImmediate(probe)
  const loop = async (): Promise<void> => {
    for (let i = 0; i < 2000; i++) {
      done++
      await settle(undefined)
    }
  }
  await Promise.all(Array.from({ length: 64 }, loop))
  running = false
  return Math.max(most, done - atLastTurn)
}

test('with 64 operations in flight the loop turns after each one has settled once', async () => {
  const gate = new EventLoopGate(0)
  const shared = await mostOperationsPerTurn((v) => gate.settle(v))
  // What Shale did before: only the operation that found the slice spent yielded, so the
  // other 63 ran on and the loop waited until every one of them had noticed.
  const slicer = new TimeSlicer(0, 4)
  const alone = await mostOperationsPerTurn((v) => (slicer.due() ? yieldToLoop(v) : Promise.resolve(v)))
  // Each of the 64 waiting operations resumes and settles once per turn, plus the few
  // before the next clock check closes the gate.
  assert.ok(shared <= 64 + 8, `${shared} operations ran between two turns of the loop with one shared gate`)
  assert.ok(alone > 2 * shared, `yielding alone let ${alone} run between turns, the shared gate ${shared}`)
})

test('pass() gives the same turn to everyone until the loop has turned', async () => {
  const gate = new EventLoopGate(0)
  let queuedBefore = false
  setImmediate(() => (queuedBefore = true))
  let turn: Promise<void> | undefined
  for (let i = 0; i < 1000 && turn === undefined; i++) turn = gate.pass()
  assert.ok(turn !== undefined, 'a zero budget is spent at the first clock check')
  assert.equal(gate.pass(), turn)
  await turn
  assert.ok(queuedBefore, 'the loop turned (callbacks queued before ran) before the gate opened')
  assert.equal(await gate.settle(7), 7)
})
