// Iterators over range-deleted stretches of tables: a table older than the tombstone is
// passed in one seek (to the fragment's end or the table's, whichever is nearer), one
// with entries newer than the tombstone is walked. Through flushed and compacted tables
// in several levels, with a snapshot keeping the hidden tables from being dropped, every
// direction and bound must show what a plain model shows, before and after a reopen.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const key = (i: number): string => `k${String(i).padStart(5, '0')}`

async function scan(db: Shale, options: Parameters<Shale['iterator']>[0] = {}): Promise<string[]> {
  const out: string[] = []
  for await (const [k, v] of db.iterator(options)) out.push(`${k.toString()}=${v.toString()}`)
  return out
}

function modelScan(model: Map<string, string>, o: { gte?: string; lt?: string; reverse?: boolean; limit?: number }): string[] {
  let rows = [...model].filter(([k]) => (o.gte === undefined || k >= o.gte) && (o.lt === undefined || k < o.lt)).sort(([a], [b]) => (a < b ? -1 : 1))
  if (o.reverse) rows.reverse()
  if (o.limit !== undefined) rows = rows.slice(0, o.limit)
  return rows.map(([k, v]) => `${k}=${v}`)
}

test('iterators pass over range-deleted tables in several levels and show what the model shows, both ways', async () => {
  const fs = new MemoryFileSystem()
  const options = { fileSystem: fs, memtableSize: 16 * 1024, blockSize: 1024, targetFileSize: 16 * 1024 }
  let db = await Shale.open('/db', options)
  const model = new Map<string, string>()
  const put = async (from: number, to: number, step: number, tag: string): Promise<void> => {
    const batch = []
    for (let i = from; i < to; i += step) {
      batch.push({ type: 'put' as const, key: key(i), value: `${tag}${i}`.padEnd(40, '.') })
      model.set(key(i), `${tag}${i}`.padEnd(40, '.'))
    }
    await db.write(batch)
  }
  // The bottom level, then level-0 tables over part of it.
  for (let i = 0; i < 12000; i += 500) await put(i, i + 500, 1, 'a')
  await db.flush()
  await db.compactRange()
  for (let i = 3000; i < 9000; i += 1000) {
    await put(i, i + 1000, 3, 'b')
    await db.flush()
  }
  const before = db.snapshot() // keeps every hidden table: no delete-only drop, no compaction drop
  const all = await scan(db)
  const deleteRange = async (gte: number, lt: number): Promise<void> => {
    await db.deleteRange(key(gte), key(lt))
    for (const k of [...model.keys()]) if (k >= key(gte) && k < key(lt)) model.delete(k)
  }
  await deleteRange(1000, 10500)
  await deleteRange(11000, 11003)
  // Newer than the tombstone: a table (or the memtable) holding these cannot be skipped.
  await put(5000, 5010, 1, 'c')
  await put(7000, 7100, 7, 'c')
  await db.flush()
  await put(9000, 9003, 1, 'd')
  const levels = db.stats().levels.map((l) => l.files)
  assert.ok(levels[0]! >= 4 && levels.slice(1).some((n) => n > 3), `tables: ${levels.join('/')}`)
  const ranges = [{}, { gte: key(900), lt: key(1200) }, { gte: key(4000) }, { lt: key(10600) }, { gte: key(6999), lt: key(9002) }, { gte: key(2000), lt: key(4000) }]
  for (const round of ['live', 'reopened']) {
    if (round === 'reopened') {
      before.release()
      await db.close()
      db = await Shale.open('/db', options)
    }
    for (const r of ranges) {
      for (const reverse of [false, true]) {
        for (const limit of [undefined, 5]) {
          const o = { ...r, reverse, ...(limit !== undefined ? { limit } : {}) }
          assert.deepEqual(await scan(db, o), modelScan(model, o), `${round} ${JSON.stringify(o)}`)
          assert.deepEqual(db.iterator(o).nextvSync(100000).map(([k, v]) => `${k.toString()}=${v.toString()}`), modelScan(model, o), `${round} sync ${JSON.stringify(o)}`)
        }
      }
    }
    // Seeks into, across and out of the deleted stretch.
    const it = db.iterator()
    it.seek(key(1500))
    assert.equal(it.nextSync()?.[0].toString(), key(5000))
    it.seek(key(10499))
    assert.equal(it.nextSync()?.[0].toString(), key(10500))
    await it.close()
    const back = db.iterator({ reverse: true })
    back.seek(key(10400))
    assert.equal(back.nextSync()?.[0].toString(), key(9002))
    back.seek(key(4999))
    assert.equal(back.nextSync()?.[0].toString(), key(999))
    await back.close()
    if (round === 'live') assert.deepEqual(await scan(db, { snapshot: before }), all, 'the snapshot still sees everything')
  }
  await db.close()
})
