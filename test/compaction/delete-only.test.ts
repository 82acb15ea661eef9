// Delete-only compactions: tables a range tombstone hides from every reader are dropped by a
// MANIFEST edit alone, after the flush the range deletion asks for; a snapshot that could
// still see them, a newer entry or a gap in the tombstones' cover keeps them.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, type Options } from '../../src/index.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const key = (i: number): string => `k${String(i).padStart(5, '0')}`
/** 60 bytes that do not compress, so tables are as many as their size says. */
const value = (i: number): string => Array.from({ length: 8 }, (_, j) => ((i * 2654435761 + j * 40503) >>> 0).toString(16).padStart(8, '0')).join('').slice(0, 60)

function small(fs: MemoryFileSystem): Options {
  return { fileSystem: fs, memtableSize: 16 * 1024, blockSize: 1024, targetFileSize: 16 * 1024 }
}

/** A store with keys 0..n-1 in tables below level 0, the memtable empty. */
async function filled(fs: MemoryFileSystem, n = 3000): Promise<Shale> {
  const db = await Shale.open('/db', small(fs))
  for (let i = 0; i < n; i += 100) await db.write(Array.from({ length: 100 }, (_, j) => ({ type: 'put' as const, key: key(i + j), value: value(i + j) })))
  await db.flush()
  await db.compactRange()
  return db
}

async function count(db: Shale, options = {}): Promise<number> {
  let n = 0
  for await (const _ of db.iterator(options)) n++
  return n
}

const tableCount = (db: Shale): number => db.stats().levels.reduce((s, l) => s + l.files, 0)

test('a range deletion over many tables flushes itself and drops them unread; the rest stays readable', async () => {
  const fs = new MemoryFileSystem()
  const db = await filled(fs)
  const before = tableCount(db)
  const written = db.stats().compactionBytesWritten
  assert.ok(before >= 6, `${before} tables`)
  await db.deleteRange(key(100), key(2900))
  await db.waitForCompactions()
  const s = db.stats()
  assert.ok(s.deleteOnlyTables >= before - 4, `${s.deleteOnlyTables} of ${before} tables dropped`)
  assert.ok(s.deleteOnlyBytes > 0)
  assert.equal(s.compactionBytesWritten, written, 'nothing was rewritten')
  assert.equal(await count(db), 200)
  assert.equal((await db.get(key(99)))?.toString(), value(99))
  assert.equal(await db.get(key(100)), undefined)
  assert.equal(await db.get(key(2899)), undefined)
  assert.equal((await db.get(key(2900)))?.toString(), value(2900))
  // The edit is in the MANIFEST: a reopen sees the same tables and data.
  const tables = tableCount(db)
  await db.close()
  const again = await Shale.open('/db', small(fs))
  assert.equal(tableCount(again), tables)
  assert.equal(await count(again), 200)
  await again.close()
})

test('a snapshot from before the range deletion keeps the tables until it is released', async () => {
  const fs = new MemoryFileSystem()
  const db = await filled(fs)
  const snap = db.snapshot()
  await db.deleteRange(key(0), key(3000))
  await db.waitForCompactions()
  assert.equal(db.stats().deleteOnlyTables, 0)
  assert.equal(await count(db, { snapshot: snap }), 3000)
  assert.equal(await count(db), 0)
  snap.release()
  // The next compaction run drops them.
  await db.put('z', 'x')
  await db.flush()
  await db.waitForCompactions()
  assert.ok(db.stats().deleteOnlyTables > 0)
  assert.equal(await count(db), 1)
  await db.close()
})

test('entries newer than the tombstone, and tables reaching out of its range, are kept', async () => {
  const fs = new MemoryFileSystem()
  const db = await filled(fs, 1000)
  await db.deleteRange(key(0), key(1000))
  // Re-put after the range deletion: newer than it, so their table must stay.
  for (let i = 0; i < 1000; i += 100) await db.write(Array.from({ length: 100 }, (_, j) => ({ type: 'put' as const, key: key(i + j), value: 'new'.repeat(20) })))
  await db.flush()
  await db.waitForCompactions()
  assert.equal(await count(db), 1000)
  assert.equal((await db.get(key(500)))?.toString(), 'new'.repeat(20))
  await db.compactRange()
  assert.equal(await count(db), 1000)
  await db.close()
})

test('compactRange drops hidden tables first, and a small range deletion does not force a flush', async () => {
  const fs = new MemoryFileSystem()
  const db = await filled(fs)
  const flushes = db.stats().flushes
  // Covers no whole table: no flush is worth it.
  await db.deleteRange(key(10), key(12))
  await db.waitForCompactions()
  assert.equal(db.stats().flushes, flushes)
  await db.deleteRange(key(0), key(3000), { sync: true })
  await db.flush()
  await db.compactRange()
  assert.equal(await count(db), 0)
  assert.ok(db.stats().deleteOnlyTables > 0)
  await db.close()
})

/** A MemoryFileSystem that keeps the image a power loss would leave after every file and directory sync. */
class ImagingFileSystem extends MemoryFileSystem {
  readonly images: MemoryFileSystem[] = []
  override create(...args: Parameters<MemoryFileSystem['create']>): ReturnType<MemoryFileSystem['create']> {
    const file = super.create(...args)
    const sync = file.sync.bind(file)
    file.sync = async () => {
      await sync()
      this.images.push(this.crash())
    }
    return file
  }
  override async syncDir(dir: string): Promise<void> {
    await super.syncDir(dir)
    this.images.push(this.crash())
  }
}

test('a power loss at any sync around a drop (the flush of the tombstone, the drop edit, the files removed) reopens to a prefix', async () => {
  const fs = new ImagingFileSystem()
  const db = await filled(fs)
  fs.images.length = 0
  // Neither is synced: only the flush makes them durable, and a drop recorded before its
  // tombstone would show as the range gone without the write made before it.
  await db.put('marker', 'before the range deletion')
  await db.deleteRange(key(100), key(2900))
  await db.waitForCompactions()
  assert.ok(db.stats().deleteOnlyTables > 0, 'tables were dropped')
  await db.close()
  const images = [...fs.images, fs.crash()]
  const seen = new Map<string, number>()
  for (const [i, image] of images.entries()) {
    const again = await Shale.open('/db', small(image))
    const marker = (await again.get('marker')) !== undefined
    const n = (await count(again)) - (marker ? 1 : 0)
    const state = n === 3000 ? (marker ? 'marker' : 'nothing') : n === 200 && marker ? 'both' : `${n} keys, marker ${marker}`
    assert.ok(['nothing', 'marker', 'both'].includes(state), `image ${i} of ${images.length} is not a prefix: ${state}`)
    seen.set(state, (seen.get(state) ?? 0) + 1)
    // Every table the MANIFEST names is there and whole: reads across the store, then a
    // compaction of all of it, go through (a dropped table's file may be gone).
    assert.equal((await again.get(key(99)))?.toString(), value(99))
    assert.equal((await again.get(key(2900)))?.toString(), value(2900))
    await again.compactRange()
    assert.equal(await count(again), n + (marker ? 1 : 0))
    await again.close()
  }
  assert.equal(images.length > 0 && [...seen.keys()].at(-1), 'both', 'the last image holds both')
  assert.ok((seen.get('both') ?? 0) >= 3, `images: ${JSON.stringify([...seen])}`)
})
