// Crash test for db.ingest(): a child ingests the same keys round after round (values name
// the round) while making sync puts; we SIGKILL it at a random moment, reopen, and check
// that the ingested keys hold exactly one round, whole (all or nothing: never a mix, never
// a part), no older than the last acknowledged one; that every acknowledged sync put is
// there; and that no table of an interrupted ingest is left on disk.
//
// SHALE_CRASH_CYCLES=<n> runs more cycles (default 6); SHALE_SEED picks the kill times.

import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import { runUntilKilled } from '../helpers/kill-child.js'
import { Random } from '../helpers/random.js'
import { tempDir } from '../helpers/temp-dir.js'

const CHILD = fileURLToPath(new URL('./ingest-crash-child.js', import.meta.url))
const INGEST_KEYS = 4000

interface Report {
  begun: number
  acked: number
  lastPut: number
}

async function runChild(dir: string, round: number, put: number, killAfterMs: number): Promise<Report> {
  const report: Report = { begun: -1, acked: -1, lastPut: put - 1 }
  await runUntilKilled(CHILD, [dir, String(round), String(put)], killAfterMs, ([what, n]) => {
    if (what === 'begin') report.begun = Number(n)
    else if (what === 'ack') report.acked = Number(n)
    else if (what === 'put') report.lastPut = Number(n)
  })
  return report
}

test('crash: SIGKILL during ingests leaves each one all or nothing, and no table of an interrupted one', async () => {
  const cycles = Number(process.env.SHALE_CRASH_CYCLES ?? 6)
  const seed = process.env.SHALE_SEED === 'clock' ? Date.now() % 100000 : Number(process.env.SHALE_SEED ?? 1)
  const r = new Random(seed)
  const dir = tempDir('shale-ingest-crash-')
  // The newest round the store is known to hold, and the next put number.
  let held = -1
  let nextPut = 0
  let interrupted = 0
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      const report = await runChild(dir.path, held + 1, nextPut, 150 + r.int(900))
      if (report.begun > report.acked) interrupted++
      const db = await Shale.open(dir.path)
      try {
        const rounds = new Map<string, number>()
        let ingested = 0
        const puts = new Set<string>()
        for await (const [k, v] of db.iterator()) {
          const key = k.toString()
          if (key.startsWith('ing-')) {
            ingested++
            const round = v.toString().replace(/\.+$/, '')
            rounds.set(round, (rounds.get(round) ?? 0) + 1)
          } else puts.add(key)
        }
        const what = `seed ${seed} cycle ${cycle} (begun ${report.begun}, acked ${report.acked})`
        if (held < 0 && report.acked < 0 && ingested === 0) {
          // Nothing ingested yet, and nothing acknowledged: none is a valid outcome.
        } else {
          assert.equal(ingested, INGEST_KEYS, `${what}: ${ingested} ingested keys, not all ${INGEST_KEYS}`)
          assert.equal(rounds.size, 1, `${what}: a mix of rounds ${JSON.stringify([...rounds])}`)
          const round = Number([...rounds.keys()][0]!.slice(1))
          assert.ok(round >= Math.max(held, report.acked) && round <= Math.max(held, report.begun), `${what}: holds round ${round}`)
          held = round
        }
        for (let i = 0; i <= report.lastPut; i++) assert.ok(puts.has(`put-${String(i).padStart(6, '0')}`), `${what}: acknowledged sync put ${i} lost`)
        nextPut = Math.max(nextPut, report.lastPut + 1, puts.size)
        await db.waitForCompactions()
        const live = db.stats().levels.reduce((n, l) => n + l.files, 0)
        const names = readdirSync(dir.path)
        assert.equal(names.filter((n) => n.endsWith('.sst')).length, live, `${what}: orphan tables: ${names.join(' ')}`)
      } finally {
        await db.close()
      }
    }
    console.log(`ingest crash test: ${cycles} kill cycles, ${interrupted} during an ingest, newest round held ${held} (seed ${seed})`)
    assert.ok(held >= 0, 'some ingest was acknowledged')
    assert.ok(interrupted > 0, 'some kill landed during an ingest')
  } finally {
    dir.remove()
  }
})
