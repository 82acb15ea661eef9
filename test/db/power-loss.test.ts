// Power-loss test on the in-memory file system, which keeps after a "crash" only the bytes
// that were fsynced and the directory entries that were synced, and sometimes a torn part
// of the bytes written after the last sync. Random writes (sync and
// not), flushes and compactions run with tiny memtables and levels; at random moments the
// file system is cut as a power loss would leave it, the database is reopened from that
// image, and it must hold every write acknowledged with sync: true and be exactly the write
// history applied up to some point at or after the last synced write: a prefix, no holes.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import type { CreateOptions, WritableFile } from '../../src/vfs/file-system.js'
import { contents, matchedPrefix, type Op } from '../helpers/batch-history.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { Random } from '../helpers/random.js'

async function runSeed(seed: number): Promise<number> {
  const r = new Random(seed)
  const options = { memtableSize: 2048, blockSize: 128, l1TargetSize: 4096, targetFileSize: 2048, levelMultiplier: 2, l0CompactionTrigger: 2 }
  let fs = new MemoryFileSystem()
  let db = await Shale.open('/db', { ...options, fileSystem: fs })
  /** Every batch issued, in order; index = history position. */
  const history: Op[][] = []
  let lastSynced = 0
  let crashes = 0
  for (let step = 0; step < 400; step++) {
    const ops: Op[] = []
    for (let i = r.int(3); i >= 0; i--) {
      const key = `k${r.int(60)}`
      ops.push({ key, value: r.bool(0.8) ? `v${step}-${i}-${'x'.repeat(r.int(40))}` : undefined })
    }
    const sync = r.bool(0.3)
    history.push(ops)
    await db.write(ops.map((o) => (o.value === undefined ? { type: 'del' as const, key: o.key } : { type: 'put' as const, key: o.key, value: o.value })), { sync })
    if (sync) lastSynced = history.length
    if (r.bool(0.03)) await db.flush()
    if (r.bool(0.05)) {
      // Power loss: keep only what is durable (half the time plus a torn part of the
      // unsynced tail), abandon the running instance, reopen.
      crashes++
      const image = fs.crash(r.bool() ? (n) => r.int(n + 1) : undefined)
      fs = image
      db = await Shale.open('/db', { ...options, fileSystem: fs })
      const got = await contents(db)
      const matched = matchedPrefix(history, got, lastSynced)
      assert.ok(matched !== undefined, `seed ${seed} step ${step}: after a power loss the store is not the history up to any point at or after the last synced write ${lastSynced} (reproduce: SHALE_SEED=${seed})`)
      // Writes after the recovered point never happened, as far as the database knows.
      history.length = matched
      lastSynced = matched
    }
  }
  await db.close()
  return crashes
}

test('power loss at random moments keeps every synced write and recovers a prefix of history', async () => {
  const seeds = process.env.SHALE_SEED !== undefined ? [Number(process.env.SHALE_SEED)] : Array.from({ length: Number(process.env.SHALE_POWER_LOSS_SEEDS ?? 40) }, (_, i) => i + 1)
  let crashes = 0
  for (const seed of seeds) crashes += await runSeed(seed)
  console.log(`power-loss test: ${seeds.length} seeds, ${crashes} simulated power losses, all recovered to a prefix with every synced write`)
  assert.ok(crashes > seeds.length)
})

/**
 * Table syncs take a while, so writes reach a new log while the old one is still live; and
 * every directory sync keeps an image of the disk as a power cut right after it would leave
 * it, each unsynced tail torn one byte short.
 */
class SlowTableSyncs extends MemoryFileSystem {
  readonly images: MemoryFileSystem[] = []

  override create(path: string, options?: CreateOptions): WritableFile {
    const file = super.create(path, options)
    if (!path.endsWith('.sst')) return file
    return {
      get size() {
        return file.size
      },
      append: (data) => file.append(data),
      sync: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        await file.sync()
      },
      close: () => file.close(),
    }
  }

  override async syncDir(dir: string): Promise<void> {
    await super.syncDir(dir)
    this.images.push(this.crash((n) => Math.max(0, n - 1)))
  }
}

test('a power cut that tears the unsynced tail of a live older log, while a newer log kept some of its unsynced writes, opens to the prefix before the tear', async () => {
  const fs = new SlowTableSyncs()
  const key = (i: number): string => `k${String(i).padStart(3, '0')}`
  const db = await Shale.open('/db', { memtableSize: 1024, fileSystem: fs })
  for (let i = 0; i < 100; i++) {
    await db.put(key(i), 'x'.repeat(50))
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await db.close()
  // A flush's directory sync made the new log's entry durable before the flush reached the
  // MANIFEST: its older log is still live, torn, and the new one holds later writes.
  assert.ok(fs.images.length > 5)
  for (const [n, image] of fs.images.entries()) {
    const reopened = await Shale.open('/db', { fileSystem: image })
    const got = await contents(reopened)
    await reopened.close()
    const expected = new Map(Array.from({ length: got.size }, (_, i) => [key(i), 'x'.repeat(50)]))
    assert.deepEqual(got, expected, `image ${n}: not a prefix of the writes`)
  }
})
