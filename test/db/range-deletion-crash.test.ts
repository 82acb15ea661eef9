// Range deletions under kill -9: a child process interleaves puts, deletes and range
// deletions (bounded, in batches, and without an end) with sync and non-sync writes; we
// SIGKILL it at random moments, reopen, and check that every write acknowledged with
// sync: true is there and the store equals a model replaying the history up to some group
// boundary: a prefix, never a torn batch, a hole, or a resurrected key.
//
// SHALE_CRASH_CYCLES=<n> runs more cycles (default 5); SHALE_SEED picks the seed (default 1).

import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { checkDatabase, Shale } from '../../src/index.js'
import { contents, sameState } from '../helpers/batch-history.js'
import { runUntilKilled } from '../helpers/kill-child.js'
import { Random } from '../helpers/random.js'
import { applyRangeHistory } from '../helpers/range-history.js'
import { tempDir } from '../helpers/temp-dir.js'

const CHILD = fileURLToPath(new URL('./range-deletion-crash-child.js', import.meta.url))

test('crash: SIGKILL while range deletions interleave with writes keeps every synced write and recovers a prefix', async () => {
  const cycles = Number(process.env.SHALE_CRASH_CYCLES ?? 5)
  const seed = process.env.SHALE_SEED === 'clock' ? Date.now() % 100000 : Number(process.env.SHALE_SEED ?? 1)
  const r = new Random(seed)
  const dir = tempDir('shale-rd-crash-')
  let durablePrefix = 0
  const state = new Map<string, string>()
  let acks = 0
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      const begun: number[] = []
      let lastSyncAck = durablePrefix
      await runUntilKilled(CHILD, [dir.path, String(durablePrefix), String(seed * 1000 + cycle)], 150 + r.int(600), ([what, end, mode]) => {
        if (what === 'begin') begun.push(Number(end))
        else if (what === 'ack') {
          acks++
          if (mode === 'sync') lastSyncAck = Math.max(lastSyncAck, Number(end))
        }
      })
      const db = await Shale.open(dir.path)
      try {
        const got = await contents(db, (v) => v.replace(/\.+$/, ''))
        const expected = new Map(state)
        let from = durablePrefix
        let matched: number | undefined
        for (const end of [durablePrefix, ...begun.filter((e) => e > durablePrefix).sort((a, b) => a - b)]) {
          applyRangeHistory(expected, from, end)
          from = end
          if (end >= lastSyncAck && sameState(expected, got)) {
            matched = end
            break
          }
        }
        if (matched === undefined) {
          const atAck = new Map(state)
          applyRangeHistory(atAck, durablePrefix, lastSyncAck)
          const diff = [...new Set([...atAck.keys(), ...got.keys()])].filter((k) => atAck.get(k) !== got.get(k)).slice(0, 10)
          assert.fail(
            `seed ${seed} cycle ${cycle}: the recovered store is not the history up to any group boundary at or after the last synced ack ${lastSyncAck}; ` +
              `differences from the state at that ack: ${diff.map((k) => `${k}: want ${atAck.get(k)} got ${got.get(k)}`).join('; ')} (reproduce with SHALE_SEED=${seed})`,
          )
        }
        applyRangeHistory(state, durablePrefix, matched)
        durablePrefix = matched
        // Reads other than a full scan agree too.
        for (const [k, v] of state) assert.equal((await db.get(k))?.toString().replace(/\.+$/, ''), v, k)
        await db.waitForCompactions()
      } finally {
        await db.close()
      }
      const report = checkDatabase(dir.path)
      assert.ok(report.ok, `cycle ${cycle}: ${JSON.stringify(report.files.filter((f) => f.status !== 'ok'))}`)
    }
    assert.ok(acks > 0 && durablePrefix > 0, 'the children wrote')
    console.log(`range-deletion crash test: ${cycles} kill cycles, ${acks} acknowledged groups, history prefix ${durablePrefix} verified (seed ${seed})`)
  } finally {
    dir.remove()
  }
})
