// The gate is shared: once a slice is spent, every operation that settles before the event
// loop turns waits for that turn, so 64 operations in flight cannot keep the loop from
// running for 64 slices.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventLoopGate } from '../../src/util/event-loop-gate.js'

function busy(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // spin: a synchronous operation's cost
  }
}

/** 64 loops of synchronous work settled through `settle`, with a timer measuring how late it runs. */
async function longestTimerGap(settle: <T>(v: T) => Promise<T>): Promise<number> {
  let gap = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    gap = Math.max(gap, now - last)
    last = now
  }, 1)
  const until = performance.now() + 300
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      busy(0.05)
      await settle(undefined)
    }
  }
  await Promise.all(Array.from({ length: 64 }, loop))
  clearInterval(timer)
  return Math.max(gap, performance.now() - last)
}

test('with 64 operations in flight the loop still turns about every slice', async () => {
  const gate = new EventLoopGate(1)
  const shared = await longestTimerGap((v) => gate.settle(v))
  // One gate per operation (the old per-call yield) lets the other 63 run on: the loop waits
  // for all of them, about 64 slices. Measured here as a contrast, so the bound means something.
  const gates = Array.from({ length: 64 }, () => new EventLoopGate(1))
  let i = 0
  const separate = await longestTimerGap((v) => gates[i++ % 64]!.settle(v))
  assert.ok(shared < 25, `the loop stalled ${shared.toFixed(1)} ms with one shared gate`)
  assert.ok(separate > shared, `separate gates ${separate.toFixed(1)} ms, shared ${shared.toFixed(1)} ms`)
})

test('pass() gives the same turn to everyone until the loop has turned', async () => {
  const gate = new EventLoopGate(0)
  let turn: Promise<void> | undefined
  for (let i = 0; i < 1000 && turn === undefined; i++) turn = gate.pass()
  assert.ok(turn !== undefined, 'a zero budget is spent at the first clock check')
  assert.equal(gate.pass(), turn)
  let timerRan = false
  setImmediate(() => (timerRan = true))
  await turn
  assert.ok(timerRan, 'the loop turned before the gate opened')
  assert.equal(await gate.settle(7), 7)
})
