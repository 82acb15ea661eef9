// ShaleLevel clear(): with no limit one range deletion (one sequence number), with a limit a
// scan and deletes; every bound (gt, gte, lt, lte), reverse, sublevels and nested sublevels
// clear exactly their keys; writes issued right after clear() without waiting for it
// survive it, those issued before it do not; a read-only handle refuses it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('')
const SMALL = { memtableSize: 4096, blockSize: 256, targetFileSize: 4096 }

async function filled(fs = new MemoryFileSystem()): Promise<{ db: ShaleLevel<string, string>; fs: MemoryFileSystem }> {
  const db = new ShaleLevel<string, string>('/db', { fileSystem: fs, ...SMALL } as object)
  await db.open()
  await db.batch(LETTERS.map((k) => ({ type: 'put' as const, key: k, value: k.toUpperCase() })))
  return { db, fs }
}

const lastSequence = (db: ShaleLevel<string, string>): number => db.stats().lastSequence
const keysOf = async (db: { keys(): { all(): Promise<string[]> } }): Promise<string[]> => db.keys().all()
/** A sublevel's own keys, without those of sublevels nested in it (which it also lists, prefixed). */
const ownKeys = async (db: { keys(): { all(): Promise<string[]> } }): Promise<string[]> => (await db.keys().all()).filter((k) => !k.startsWith('!'))

type Bounds = { gt?: string; gte?: string; lt?: string; lte?: string; reverse?: boolean; limit?: number }

function expected(bounds: Bounds): string[] {
  // gte wins over gt and lte over lt, as in abstract-level.
  const gt = bounds.gte === undefined ? bounds.gt : undefined
  const lt = bounds.lte === undefined ? bounds.lt : undefined
  let hit = LETTERS.filter((k) => (gt === undefined || k > gt) && (bounds.gte === undefined || k >= bounds.gte) && (lt === undefined || k < lt) && (bounds.lte === undefined || k <= bounds.lte))
  if (bounds.reverse) hit.reverse()
  if (bounds.limit !== undefined && bounds.limit >= 0) hit = hit.slice(0, bounds.limit)
  return LETTERS.filter((k) => !hit.includes(k))
}

const CASES: Bounds[] = [
  {},
  { gt: 'c', lt: 'f' },
  { gte: 'c', lte: 'f' },
  { gt: 'c', lte: 'f' },
  { gte: 'c', lt: 'f' },
  { gte: 'x' },
  { gt: 'x' },
  { lt: 'c' },
  { lte: 'c' },
  { gte: 'c', lt: 'f', reverse: true },
  { gt: 'f', lt: 'c' },
  { gte: 'c', lt: 'c' },
  { gte: 'c', lte: 'c' },
  { gte: 'c', gt: 'd', lt: 'f', lte: 'e' },
  { limit: 3 },
  { limit: 3, reverse: true },
  { gte: 'c', lt: 'z', limit: 2, reverse: true },
  { limit: -1, gte: 'w' },
  { limit: 0 },
]

for (const bounds of CASES) {
  test(`clear(${JSON.stringify(bounds)}) deletes exactly its range, in the memtable and from tables`, async () => {
    for (const flushed of [false, true]) {
      const { db } = await filled()
      try {
        if (flushed) await db.compactRange()
        const before = lastSequence(db)
        await db.clear(bounds)
        const want = expected(bounds)
        assert.deepEqual(await keysOf(db), want, `flushed: ${flushed}`)
        assert.deepEqual(await db.keys({ reverse: true }).all(), [...want].reverse())
        for (const k of LETTERS) assert.equal(await db.get(k), want.includes(k) ? k.toUpperCase() : undefined, k)
        const limited = bounds.limit !== undefined && bounds.limit !== -1
        // Without a limit, one range deletion (or nothing for an empty range); with one, a delete per key.
        if (!limited) assert.ok(lastSequence(db) - before <= 1, `one sequence for an unlimited clear, used ${lastSequence(db) - before}`)
        else assert.equal(lastSequence(db) - before, LETTERS.length - want.length)
        // Keys put back after the clear are there.
        await db.put('d', 'again')
        assert.equal(await db.get('d'), 'again')
      } finally {
        await db.close()
      }
    }
  })
}

test('clear() on sublevels and nested sublevels deletes only their keys, with and without bounds', async () => {
  const { db } = await filled()
  try {
    const a = db.sublevel<string, string>('a', {})
    const b = db.sublevel<string, string>('b', {})
    const nested = a.sublevel<string, string>('n', {})
    for (const s of [a, b, nested]) await s.batch(LETTERS.map((k) => ({ type: 'put' as const, key: k, value: k })))
    await db.compactRange()
    // Bounds inside a sublevel are its own keys.
    await a.clear({ gte: 'm', lt: 'p' })
    assert.deepEqual(await ownKeys(a), LETTERS.filter((k) => k < 'm' || k >= 'p'))
    assert.deepEqual(await keysOf(nested), LETTERS, 'the nested sublevel sorts outside a\'s bounded range')
    await nested.clear({ gt: 'w' })
    assert.deepEqual(await keysOf(nested), LETTERS.filter((k) => k <= 'w'))
    await nested.clear({ reverse: true, limit: 2 })
    assert.deepEqual(await keysOf(nested), LETTERS.filter((k) => k < 'v'))
    await nested.clear()
    assert.deepEqual(await keysOf(nested), [])
    assert.equal((await ownKeys(a)).length, 23)
    assert.equal((await keysOf(a)).length, 23)
    // Clearing a clears everything under it (nested included), and nothing of b or the root.
    await nested.put('back', 'x')
    await a.clear()
    assert.deepEqual(await keysOf(a), [])
    assert.deepEqual(await keysOf(nested), [])
    assert.deepEqual(await keysOf(b), LETTERS)
    assert.deepEqual(await keysOf(db.sublevel<string, string>('b', {})), LETTERS)
    // The root's keys: its own letters and b's prefixed ones.
    const rootKeys = await db.keys().all()
    assert.equal(rootKeys.filter((k) => !k.startsWith('!')).length, LETTERS.length)
    assert.equal(rootKeys.filter((k) => k.startsWith('!b!')).length, LETTERS.length)
    assert.equal(rootKeys.filter((k) => k.startsWith('!a!')).length, 0)
    await b.clear({ lte: 'b' })
    assert.deepEqual(await keysOf(b), LETTERS.slice(2))
    await db.clear()
    assert.deepEqual(await db.keys().all(), [])
  } finally {
    await db.close()
  }
})

test('writes issued right after clear(), not awaited, survive it; those issued before it are deleted', async () => {
  const { db } = await filled()
  try {
    const earlier = db.put('zz', 'before the clear')
    const clearing = db.clear()
    const later = db.put('b', 'after the clear')
    const laterBatch = db.batch([{ type: 'put', key: 'c', value: 'after' }])
    await Promise.all([earlier, clearing, later, laterBatch])
    assert.deepEqual(await db.iterator().all(), [
      ['b', 'after the clear'],
      ['c', 'after'],
    ])
    // The same on a sublevel, and with a bounded clear.
    const sub = db.sublevel<string, string>('s', {})
    await sub.batch(LETTERS.map((k) => ({ type: 'put' as const, key: k, value: k })))
    const p1 = sub.put('m', 'old')
    const c1 = sub.clear({ gte: 'c', lt: 'x' })
    const p2 = sub.put('n', 'new')
    await Promise.all([p1, c1, p2])
    assert.deepEqual(await keysOf(sub), ['a', 'b', 'n', 'x', 'y', 'z'])
    assert.equal(await sub.get('n'), 'new')
    assert.equal(await sub.get('m'), undefined)
  } finally {
    await db.close()
  }
})

test('clear() on a read-only handle is refused with LEVEL_READONLY and deletes nothing', async () => {
  const fs = new MemoryFileSystem()
  const { db } = await filled(fs)
  await db.close()
  const reader = new ShaleLevel<string, string>('/db', { fileSystem: fs, readOnly: true } as object)
  await reader.open()
  try {
    for (const bounds of [{}, { gte: 'c', lt: 'f' }, { limit: 2 }, { gt: 'z' }]) {
      await assert.rejects(reader.clear(bounds), (e: unknown) => (e as { code?: string }).code === 'LEVEL_READONLY')
      await assert.rejects(reader.sublevel<string, string>('a', {}).clear(bounds), (e: unknown) => (e as { code?: string }).code === 'LEVEL_READONLY')
    }
    assert.deepEqual(await keysOf(reader), LETTERS)
  } finally {
    await reader.close()
  }
})

test('clear({ snapshot }) deletes the keys the snapshot sees, not those written after it', async () => {
  const { db } = await filled()
  try {
    const snap = db.snapshot()
    await db.put('aa', 'after the snapshot')
    await db.put('b', 'rewritten after the snapshot')
    await db.clear({ snapshot: snap, gte: 'a', lt: 'c' } as object)
    await snap.close()
    // a and b as the snapshot saw them are deleted; aa was never seen. b's newer value is
    // deleted too: clear deletes keys, and b was in the snapshot.
    assert.deepEqual((await keysOf(db)).slice(0, 2), ['aa', 'c'])
    assert.equal(await db.get('aa'), 'after the snapshot')
  } finally {
    await db.close()
  }
})
