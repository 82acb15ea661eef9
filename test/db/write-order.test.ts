// Writes are numbered in the order they are called, whatever makes some of them wait: a
// full memtable whose predecessor is still flushing, level 0 at its slowdown or stop
// trigger. A write called later never overtakes one called earlier that is waiting, so two
// puts of one key issued without awaiting leave the second's value, and the store's history
// (read back through the change feed) is the order of the calls.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { Shale, type ChangeBatch } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const WRITES = 4000

/** The first `count` batches of the feed from sequence 1. */
async function history(db: Shale, count: number): Promise<ChangeBatch[]> {
  const out: ChangeBatch[] = []
  for await (const change of db.changes({ since: 1 })) {
    out.push(change)
    if (out.length === count) break
  }
  return out
}

test('writes that wait (stalls, slowdowns, stops) hold back every later write: the history is the call order', async () => {
  const dir = tempDir()
  // Tiny memtables and level-0 triggers, so writes keep meeting each kind of wait.
  const options = {
    memtableSize: 4 * 1024,
    targetFileSize: 8 * 1024,
    l1TargetSize: 32 * 1024,
    l0CompactionTrigger: 2,
    l0SlowdownTrigger: 3,
    l0StopTrigger: 5,
    changesRetention: { bytes: 1 << 30 },
  }
  let db = await Shale.open(dir.path, options)
  try {
    const pending: Promise<void>[] = []
    // Each call numbers itself when it is made: that is the order the history must have.
    let calls = 0
    const call = (): Promise<void> => {
      const n = ++calls
      const ops = [{ type: 'put' as const, key: `k${n % 13}`, value: `${n}:${'x'.repeat(60)}` }, { type: 'put' as const, key: 'order', value: String(n) }, { type: 'put' as const, key: `c${n}`, value: String(n) }]
      return db.write(ops, { sync: n % 97 === 0 })
    }
    // Calls come from plain code, from promise continuations and from later turns of the
    // event loop, so some arrive just as an earlier write's wait ends.
    for (let i = 1; i <= WRITES; i++) {
      pending.push(i % 5 === 0 ? Promise.resolve().then(call) : call())
      if (i % 3 === 0) await yieldToLoop()
      else if (i % 11 === 0) await new Promise((resolve) => setTimeout(resolve, 0))
    }
    await Promise.all(pending)
    const stats = db.stats()
    assert.ok(stats.flushes > 10 && stats.writeStalls > 0 && stats.writeSlowdowns + stats.writeStops > 0, `writes met waits: ${JSON.stringify({ flushes: stats.flushes, stalls: stats.writeStalls, slowdowns: stats.writeSlowdowns, stops: stats.writeStops })}`)
    const order = (await history(db, WRITES)).map((c) => Number(c.operations[1]!.type === 'put' ? c.operations[1]!.value.toString() : NaN))
    const firstOut = order.findIndex((n, i) => n !== i + 1)
    assert.equal(firstOut, -1, `write ${firstOut + 1} in the history is call ${order[firstOut]}`)
    // The same before and after a reopen: each write went into the memtable its log record
    // is for, so none is lost when a flushed memtable's log is let go.
    for (const when of ['before a reopen', 'after a reopen']) {
      if (when === 'after a reopen') {
        await db.close()
        db = await Shale.open(dir.path, options)
      }
      assert.equal(db.getSync('order')?.toString(), String(WRITES), when)
      for (let k = 0; k < 13; k++) {
        const last = WRITES - ((WRITES - k) % 13 + 13) % 13
        assert.equal(db.getSync(`k${k}`)?.toString().split(':')[0], String(last), `k${k} holds the value of the last call that wrote it, ${when}`)
      }
      const missing = []
      for (let n = 1; n <= WRITES; n++) if (db.getSync(`c${n}`)?.toString() !== String(n)) missing.push(n)
      assert.deepEqual(missing, [], `every call's own key is there, ${when}`)
    }
  } finally {
    await db.close()
    dir.remove()
  }
})
