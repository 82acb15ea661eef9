// Checkpoints across processes: a process SIGKILLed in the middle of taking checkpoints leaves
// each target either absent or complete, and any temporary directory either refused on open
// or complete, and the next checkpoint to that target clears it; a read-only handle in this
// process checkpoints a store another process is writing.

import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { Shale, ShaleError } from '../../src/index.js'
import { checkpointTempDir } from '../../src/db/checkpoint.js'
import { CHECKPOINT_MARKER } from '../../src/db/checkpoint-marker.js'
import { runUntilKilled } from '../helpers/kill-child.js'
import { Random } from '../helpers/random.js'
import { storeDigest } from '../helpers/store-digest.js'
import { tempDir } from '../helpers/temp-dir.js'

const CHILD = fileURLToPath(new URL('./checkpoint-child.js', import.meta.url))

test('checkpoint: SIGKILL while checkpoints are taken leaves every target absent or complete, and the next checkpoint clears what is left', async () => {
  const seed = Number(process.env.SHALE_SEED ?? 1)
  const r = new Random(seed)
  const dir = tempDir('shale-checkpoint-kill-')
  const location = join(dir.path, 'db')
  let killedMidway = 0
  let verified = 0
  try {
    // Four cycles, and more (up to twelve) until a kill lands inside a checkpoint: where a
    // checkpoint is quick beside the digest that follows it (Bun), random kills often miss.
    for (let cycle = 0; cycle < 4 || (killedMidway === 0 && cycle < 12); cycle++) {
      const base = join(dir.path, `cp${cycle}`)
      const begun: number[] = []
      const done = new Map<number, { sequence: number; count: number; hash: string }>()
      await runUntilKilled(CHILD, [location, 'checkpoint', base], 300 + r.int(900), ([what, n, sequence, count, hash]) => {
        if (what === 'begin') begun.push(Number(n))
        if (what === 'done') done.set(Number(n), { sequence: Number(sequence), count: Number(count), hash: hash! })
      })
      for (const n of begun) {
        const target = `${base}-${n}`
        const temp = checkpointTempDir(target)
        const expected = done.get(n)
        if (expected === undefined) {
          // The one being taken at the kill: absent, or complete (renamed before "done" was said).
          if (existsSync(target)) {
            assert.deepEqual(readdirSync(target).filter((f) => f === CHECKPOINT_MARKER), [])
            const db = await Shale.open(target, { readOnly: true })
            await db.close()
          }
          if (existsSync(temp)) {
            killedMidway++
            if (readdirSync(temp).includes(CHECKPOINT_MARKER)) {
              await assert.rejects(Shale.open(temp, { readOnly: true }), (e) => e instanceof ShaleError && e.code === 'INVALID_ARGUMENT' && /unfinished checkpoint/.test(e.message))
            }
          }
          continue
        }
        assert.equal(existsSync(temp), false, `checkpoint ${n} left its temporary directory`)
        const db = await Shale.open(target)
        assert.deepEqual(await storeDigest(db), { count: expected.count, hash: expected.hash }, `checkpoint ${cycle}/${n} holds what the snapshot at its call held`)
        assert.equal(db.stats().lastSequence, expected.sequence)
        await db.close()
        verified++
      }
      // The store itself reopens (the child's lock is taken over), and a checkpoint to the
      // interrupted target succeeds and clears its temporary directory.
      const last = begun.at(-1)
      if (last !== undefined && !done.has(last) && !existsSync(`${base}-${last}`)) {
        const db = await Shale.open(location)
        const result = await db.checkpoint(`${base}-${last}`)
        const digest = await storeDigest(db)
        await db.close()
        assert.equal(existsSync(checkpointTempDir(`${base}-${last}`)), false)
        const copy = await Shale.open(`${base}-${last}`)
        assert.deepEqual(await storeDigest(copy), digest)
        assert.equal(copy.stats().lastSequence, result.sequence)
        await copy.close()
      }
    }
    assert.ok(verified > 0, 'some checkpoints finished before their kill')
    assert.ok(killedMidway > 0, `some kills landed inside a checkpoint (seed ${seed})`)
  } finally {
    dir.remove()
  }
})

test('checkpoint: a read-only handle checkpoints a store another process is writing', async () => {
  const dir = tempDir('shale-checkpoint-follow-')
  const location = join(dir.path, 'db')
  let acked = -1
  let ready!: () => void
  const started = new Promise<void>((resolve) => (ready = resolve))
  const child = runUntilKilled(CHILD, [location, 'write'], 2500, ([what, n]) => {
    if (what === 'ack') {
      acked = Number(n)
      ready()
    }
  })
  try {
    await started
    const reader = await Shale.open(location, { readOnly: true })
    for (let round = 0; round < 4; round++) {
      await new Promise((resolve) => setTimeout(resolve, 150))
      const before = acked
      await reader.refresh()
      // A synced write acknowledged before the refresh is in the view, and so in the checkpoint.
      assert.ok((await reader.get(`k${before % 1500}`)) !== undefined)
      const snap = reader.snapshot()
      const result = await reader.checkpoint(join(dir.path, `cp-${round}`))
      const expected = await storeDigest(reader, snap)
      snap.release()
      assert.ok(expected.count > 0)
      const copy = await Shale.open(join(dir.path, `cp-${round}`))
      assert.deepEqual(await storeDigest(copy), expected, `round ${round}`)
      assert.equal(copy.stats().lastSequence, result.sequence)
      await copy.close()
    }
    await reader.close()
  } finally {
    await child
    dir.remove()
  }
})
