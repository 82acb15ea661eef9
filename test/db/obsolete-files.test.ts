// Obsolete files of an open database: a compaction's inputs that an iterator still reads
// stay on disk while it does, and are deleted soon after it lets go, not only after the next
// flush or compaction; waitForCompactions waits for that too. (A snapshot pins no tables:
// compactions keep the versions it sees.)

import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { setImmediate as turn } from 'node:timers/promises'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const key = (i: number): string => `key-${String(i).padStart(5, '0')}`
const tablesOnDisk = (dir: string): number => readdirSync(dir).filter((n) => n.endsWith('.sst')).length
const liveTables = (db: Shale): number => db.stats().levels.reduce((n, l) => n + l.files, 0)

test("a compaction's inputs pinned by an open iterator are deleted once it closes, with no flush or compaction after", async () => {
  const dir = tempDir()
  try {
    const db = await Shale.open(dir.path, { memtableSize: 4096, l0CompactionTrigger: 100, l0SlowdownTrigger: 200, l0StopTrigger: 300, compactionThread: 'main' })
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 100; i++) await db.put(key(i), `round-${round}-${'v'.repeat(30)}`)
      await db.flush()
    }
    const before = tablesOnDisk(dir.path)
    assert.ok(before >= 4)
    const it = db.iterator()
    assert.ok((await it.next()) !== undefined)
    await db.compactRange()
    assert.ok(liveTables(db) < before, 'the compaction replaced the tables')
    assert.equal(tablesOnDisk(dir.path), before + liveTables(db), 'the iterator still reads the inputs, which stay')
    // What the pinned view reads is still whole.
    assert.equal((await it.nextv(1000)).length, 99)
    it.close()
    // waitForCompactions includes deleting what the compactions left obsolete.
    await db.waitForCompactions()
    assert.equal(tablesOnDisk(dir.path), liveTables(db), 'the inputs went with the last reader')
    await db.close()
  } finally {
    dir.remove()
  }
})

test('a reader released while the database closes deletes nothing after the close', async () => {
  const dir = tempDir()
  try {
    const db = await Shale.open(dir.path, { memtableSize: 4096, l0CompactionTrigger: 100, l0SlowdownTrigger: 200, l0StopTrigger: 300, compactionThread: 'main' })
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50; i++) await db.put(key(i), `round-${round}`)
      await db.flush()
    }
    const it = db.iterator()
    await it.next()
    await db.compactRange()
    // close() closes the iterator itself, releasing the old version as the close begins: the
    // collect that schedules must not run once the lock is released.
    await db.close()
    const names = readdirSync(dir.path).sort()
    await turn()
    await turn()
    assert.deepEqual(readdirSync(dir.path).sort(), names, 'a closed database changes nothing on disk')
    // The next open deletes them.
    const again = await Shale.open(dir.path)
    assert.equal(tablesOnDisk(dir.path), liveTables(again))
    await again.close()
  } finally {
    dir.remove()
  }
})
