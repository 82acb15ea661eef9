// ShaleLevel#changes: the engine's change feed through the Level adapter: batches whole and
// in order, sublevel keys with their prefix, clear() as one delRange; errors as LEVEL_* codes.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { tempDir } from '../helpers/temp-dir.js'

test('changes() through the Level adapter: puts, batches, a sublevel clear as one delRange, then the live tail', async () => {
  const dir = tempDir('shale-level-')
  const db = new ShaleLevel(join(dir.path, 'db'), { changesRetention: { bytes: 1 << 20 } })
  try {
    await db.open()
    assert.equal(db.supports.additionalMethods.changes, true)
    const users = db.sublevel('users')
    await db.put('top', 'x')
    await users.batch([
      { type: 'put', key: '1', value: 'Ada' },
      { type: 'put', key: '2', value: 'Grace' },
    ])
    await users.clear()
    const seen: { sequence: number; ops: string[] }[] = []
    const controller = new AbortController()
    const reading = (async () => {
      for await (const batch of db.changes({ since: 1, signal: controller.signal })) {
        seen.push({
          sequence: batch.sequence,
          ops: batch.operations.map((op) => (op.type === 'delRange' ? `delRange ${String(op.gte)} ${String(op.lt)}` : op.type === 'put' ? `put ${String(op.key)}=${String(op.value)}` : `del ${String(op.key)}`)),
        })
        if (seen.length === 4) controller.abort()
      }
    })()
    await db.put('live', 'y')
    // An abort ends the feed (as Shale#changes documents it).
    await reading
    assert.deepEqual(seen, [
      { sequence: 1, ops: ['put top=x'] },
      { sequence: 2, ops: ['put !users!1=Ada', 'put !users!2=Grace'] },
      // The sublevel's range ends at lte '!users"', so the exclusive end is its successor.
      { sequence: 4, ops: ['delRange !users! !users"\x00'] },
      { sequence: 5, ops: ['put live=y'] },
    ])
    // A sequence no longer kept (none before 1) or a bad option: LEVEL_* codes.
    await assert.rejects(db.changes({ since: -1 }).next(), (e) => (e as { code?: string }).code === 'LEVEL_INVALID_VALUE')
  } finally {
    await db.close()
    dir.remove()
  }
  await assert.rejects(db.changes().next(), (e) => (e as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN')
})
