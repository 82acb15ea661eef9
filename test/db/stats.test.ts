import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const OPTIONS = { memtableSize: 4096, blockSize: 256, l0CompactionTrigger: 2 }
const key = (i: number): string => `key-${String(i).padStart(5, '0')}`

test('stats: lifetime counters survive reopen, while per-process counters start at zero', async () => {
  const dir = tempDir()
  try {
    let db = await Shale.open(dir.path, OPTIONS)
    for (let i = 0; i < 3000; i++) await db.put(key(i % 1000), `value-${i}`)
    await db.flush()
    await db.waitForCompactions()
    const first = db.stats()
    assert.ok(first.compactionBytesWritten > 0 && first.levels.some((l) => l.compactions > 0), 'the workload compacted')
    // In the first process, lifetime and per-process figures agree.
    assert.equal(first.lifetime.compactions, first.levels.reduce((n, l) => n + l.compactions, 0))
    assert.equal(first.lifetime.compactionBytesWritten, first.compactionBytesWritten)
    assert.equal(first.lifetime.flushBytes, first.flushBytes)
    assert.equal(first.lifetime.userBytes, first.userBytes)
    assert.equal(first.lifetime.walBytesWritten, first.walBytesWritten)
    assert.ok(Math.abs(first.lifetime.writeAmplification - first.writeAmplification) < 1e-9)
    await db.close()

    db = await Shale.open(dir.path, OPTIONS)
    const reopened = db.stats()
    assert.equal(reopened.levels.reduce((n, l) => n + l.compactions, 0), 0, 'per process: nothing compacted yet')
    assert.equal(reopened.writeAmplification, 0, 'per process: nothing written yet')
    assert.equal(reopened.lifetime.compactions, first.lifetime.compactions)
    assert.deepEqual(reopened.lifetime.levels, first.lifetime.levels)
    assert.equal(reopened.lifetime.userBytes, first.lifetime.userBytes)
    assert.ok(reopened.lifetime.writeAmplification > 1)

    // Writes left in the log at close count once, when the next open's recovery flushes them.
    await db.put('tail', 'in the log')
    assert.equal(db.stats().lifetime.userBytes, first.lifetime.userBytes + 'tail'.length + 'in the log'.length)
    await db.close()
    db = await Shale.open(dir.path, OPTIONS)
    const third = db.stats().lifetime
    assert.equal(third.userBytes, first.lifetime.userBytes + 'tail'.length + 'in the log'.length)
    assert.equal(third.flushes, first.lifetime.flushes + 1, 'recovery wrote the log as a table')
    assert.ok(third.compactions >= first.lifetime.compactions)
    await db.close()
  } finally {
    dir.remove()
  }
})

test('stats: read amplification counts the tables a get searched, not those whose filter ruled the key out', async () => {
  const dir = tempDir()
  try {
    // Three overlapping level-0 tables, each holding every key of the range under a new value.
    const db = await Shale.open(dir.path, { ...OPTIONS, l0CompactionTrigger: 8, memtableSize: 1 << 20 })
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 200; i += 2) await db.put(key(i), `value-${round}`)
      await db.flush()
    }
    // Odd keys below the last one lie inside every table's range but in none: each get probes 3 filters.
    for (let i = 1; i < 198; i += 2) assert.equal(await db.get(key(i)), undefined)
    const misses = db.stats()
    assert.equal(misses.gets, 99)
    assert.equal(misses.filterProbesPerGet, 3)
    assert.ok(misses.readAmplification.mean < 0.2, `mean ${misses.readAmplification.mean}: filters answer almost every miss`)
    // A present key is found in the newest table: one search.
    for (let i = 0; i < 200; i += 2) assert.equal((await db.get(key(i)))?.toString(), 'value-2')
    const hits = db.stats()
    assert.ok(Math.abs(hits.readAmplification.mean * 199 - misses.readAmplification.mean * 99 - 100) < 1e-6, 'one search per hit')
    await db.close()
  } finally {
    dir.remove()
  }
})

test('stats: the block cache reports its capacity and what it holds: reads fill it, within its capacity', async () => {
  const dir = tempDir()
  try {
    const db = await Shale.open(dir.path, { ...OPTIONS, blockCacheSize: 64 * 1024, compression: 'none' })
    assert.deepEqual(db.stats().blockCache, { capacity: 64 * 1024, bytes: 0, blocks: 0 })
    for (let i = 0; i < 400; i++) await db.put(key(i), 'v'.repeat(40))
    await db.flush()
    await db.waitForCompactions()
    assert.equal(db.stats().blockCache.blocks, 0, 'writing tables caches nothing')
    for (let i = 0; i < 400; i += 40) assert.equal((await db.get(key(i)))?.length, 40)
    const after = db.stats().blockCache
    assert.ok(after.blocks >= 1 && after.blocks <= 10, `${after.blocks} blocks for 10 gets`)
    // Each cached block is a decoded ~256-byte block.
    assert.ok(after.bytes >= after.blocks * 200 && after.bytes <= after.blocks * 600, `${after.bytes} bytes for ${after.blocks} blocks`)
    // A full scan brings in every block, but never more than the capacity.
    for await (const _ of db.iterator()) void _
    const scanned = db.stats().blockCache
    assert.ok(scanned.bytes <= 64 * 1024)
    await db.close()
    const none = await Shale.open(dir.path, { ...OPTIONS, blockCacheSize: 0 })
    await none.get(key(1))
    assert.deepEqual(none.stats().blockCache, { capacity: 0, bytes: 0, blocks: 0 })
    await none.close()
  } finally {
    dir.remove()
  }
})
