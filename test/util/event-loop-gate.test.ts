// The gate is shared: once a slice is spent, every operation that settles before the event
// loop turns waits for that turn, so 64 operations in flight cannot keep the loop from
// running for 64 slices.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { EventLoopGate } from '../../src/util/event-loop-gate.js'
import { TimeSlicer } from '../../src/util/time-slicer.js'

function busy(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // spin: a synchronous operation's cost
  }
}

/** How often a 1 ms interval timer ran while 64 loops did 300 ms of synchronous work settled through `settle`. */
async function timerTicks(settle: <T>(v: T) => Promise<T>): Promise<number> {
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  const until = performance.now() + 300
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      busy(0.05)
      await settle(undefined)
    }
  }
  await Promise.all(Array.from({ length: 64 }, loop))
  clearInterval(timer)
  return ticks
}

test('with 64 operations in flight the loop still turns about every slice', async () => {
  // Ticks, not the longest gap: on a loaded machine the process itself is descheduled for
  // tens of milliseconds, which no gate can prevent; how often the loop got to run it can.
  const gate = new EventLoopGate(1)
  const shared = await timerTicks((v) => gate.settle(v))
  // What Shale did before: only the operation that found the slice spent yielded, so the
  // other 63 ran on and the loop waited for all of them to notice. Measured here as a
  // contrast, so the bound means something.
  const slicer = new TimeSlicer(1, 4)
  const alone = await timerTicks((v) => (slicer.due() ? yieldToLoop(v) : Promise.resolve(v)))
  assert.ok(shared >= 20, `the timer ran only ${shared} times in 300 ms with one shared gate`)
  assert.ok(shared >= 3 * alone, `shared gate ${shared} ticks, yielding alone ${alone}`)
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
