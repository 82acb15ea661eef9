// Point reads: getMany against single gets over keys spread across the memtable, the
// immutable memtable and several levels, with snapshots, deletes, duplicate keys and
// flushes and compactions running while a getMany is between slices; and the read-key
// scratch buffer (a key of one read must never leak into the next).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import type { Snapshot } from '../../src/db/snapshot.js'
import { Random } from '../helpers/random.js'
import { tempDir } from '../helpers/temp-dir.js'

const SMALL = { memtableSize: 4096, targetFileSize: 4096, blockSize: 256, l1TargetSize: 16 * 1024, maxOpenFiles: 8, blockCacheSize: 8 * 1024 }

const text = (v: Buffer | undefined) => v?.toString()

async function withDb(fn: (db: Shale) => Promise<void>, options = {}): Promise<void> {
  const dir = tempDir()
  const db = await Shale.open(dir.path, options)
  try {
    await fn(db)
  } finally {
    await db.close()
    dir.remove()
  }
}

const keyOf = (i: number) => `k${String(i).padStart(4, '0')}`

test('getMany returns what single gets return, in the caller order, across memtables and levels (randomized)', async () => {
  for (const seed of [1, 2, 3]) {
    const rnd = new Random(seed)
    await withDb(async (db) => {
      const snapshots: { snap: Snapshot; model: Map<string, string> }[] = []
      const model = new Map<string, string>()
      for (let round = 0; round < 40; round++) {
        const batch = []
        for (let j = 0; j < 30; j++) {
          const k = keyOf(rnd.int(300))
          if (rnd.bool(0.2)) {
            batch.push({ type: 'del' as const, key: k })
            model.delete(k)
          } else {
            const v = `${k}@${round}.${j}`.repeat(1 + rnd.int(4))
            batch.push({ type: 'put' as const, key: k, value: v })
            model.set(k, v)
          }
        }
        await db.write(batch)
        if (rnd.bool(0.1)) await db.flush()
        if (rnd.bool(0.05)) await db.compactRange()
        if (rnd.bool(0.15)) snapshots.push({ snap: db.snapshot(), model: new Map(model) })
        // Keys in any order, with duplicates, absent keys and a Buffer key.
        const keys: (string | Buffer)[] = []
        for (let j = 0; j < 50; j++) keys.push(keyOf(rnd.int(320)))
        keys.push(keys[0]!, Buffer.from(keyOf(rnd.int(300))))
        const many = (await db.getMany(keys)).map(text)
        assert.deepEqual(many, keys.map((k) => text(db.getSync(k))), `seed ${seed} round ${round}`)
        assert.deepEqual(many, keys.map((k) => model.get(k.toString())), `seed ${seed} round ${round} (model)`)
        for (const { snap, model: old } of snapshots) {
          const atSnap = (await db.getMany(keys, { snapshot: snap })).map(text)
          assert.deepEqual(atSnap, keys.map((k) => text(db.getSync(k, { snapshot: snap }))))
          assert.deepEqual(atSnap, keys.map((k) => old.get(k.toString())))
        }
      }
      const levels = db.stats().levels as unknown as { files: number }[] | undefined
      void levels
      for (const { snap } of snapshots) snap.release()
    }, SMALL)
  }
})

test('a getMany large enough to yield reads one state while writes, flushes and compactions run in its pauses', async () => {
  await withDb(async (db) => {
    const keys: string[] = []
    for (let i = 0; i < 3000; i++) keys.push(keyOf(i % 1000))
    for (let i = 0; i < 1000; i++) await db.put(keyOf(i), `old${i}`)
    await db.flush()
    let stop = false
    let writes = 0
    const writer = (async () => {
      // Starts after getMany is called: a put issued first would be part of the state it reads.
      await new Promise((r) => setImmediate(r))
      for (let n = 0; !stop; n++) {
        await db.put(keyOf(n % 1000), `new${n}`)
        if (n % 2 === 0) await db.delete(keyOf((n * 7) % 1000))
        if (n % 50 === 0) await db.flush()
        writes++
        await new Promise((r) => setImmediate(r))
      }
    })()
    // The state as of the call: a snapshot taken in the same synchronous stretch.
    const snap = db.snapshot()
    const got = await db.getMany(keys)
    stop = true
    await writer
    assert.ok(writes > 0, 'writes ran during getMany')
    assert.deepEqual(got.map(text), keys.map((k) => text(db.getSync(k, { snapshot: snap }))))
    assert.deepEqual(got.map(text), keys.map((k) => `old${Number(k.slice(1))}`))
    snap.release()
  }, { ...SMALL, memtableSize: 16 * 1024 })
})

test('getMany rejects a bad key, and a getMany that outlives close() rejects', async () => {
  await withDb(async (db) => {
    await db.put('a', '1')
    await assert.rejects(db.getMany(['a', 7 as unknown as string]), /Invalid key/)
    await assert.rejects(db.getMany('a' as unknown as string[]), /expected an array/)
  })
})

test('the shared read-key buffer never carries one key into another read', async () => {
  await withDb(async (db) => {
    const keys = ['a', 'ab', 'abc', 'b', 'x'.repeat(64), 'y'.repeat(65), 'é', 'zé', '\u0000', 'q']
    for (const k of keys) await db.put(k, `v:${k}`)
    await db.flush()
    await db.put('q', 'mem')
    // Gets in flight together, of keys of different lengths, some sharing prefixes.
    const pending = keys.flatMap((k) => [db.get(k), db.get(k + 'missing')])
    const got = await Promise.all(pending)
    assert.deepEqual(got.map(text), keys.flatMap((k) => [k === 'q' ? 'mem' : `v:${k}`, undefined]))
    for (const k of keys) assert.equal(text(db.getSync(Buffer.from(k))), k === 'q' ? 'mem' : `v:${k}`)
    await assert.rejects(db.get(''), /must not be empty/)
    assert.equal(text(db.getSync('ab')), 'v:ab')
  })
})

test('a get reads the state as of its call: a put issued after it in the same tick is not seen, one issued before it is', async () => {
  await withDb(async (db) => {
    await db.put('k', 'old')
    const before = db.get('k')
    const many = db.getMany(['k', 'k'])
    const put = db.put('k', 'new')
    const after = db.get('k')
    await put
    assert.equal(text(await before), 'old')
    assert.deepEqual((await many).map(text), ['old', 'old'])
    // Issued after the put (not yet awaited): a put that need not wait for a stall is in the memtable when it returns.
    assert.equal(text(await after), 'new')
  })
})
