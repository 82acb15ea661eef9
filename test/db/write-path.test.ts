// A large batch is applied to the memtable over several turns of the event loop, and reads
// never see part of it: between the turns every read (get, getMany, iterator, snapshot) sees
// all of an earlier write or none of it. Writes issued meanwhile land after it, in order;
// flush, close and memtable rotation wait for it; and the caller's buffers may be reused at
// once.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { Shale } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const BATCH = 40_000
const key = (tag: string, i: number): string => `${tag}:${String(i).padStart(6, '0')}`

function bigBatch(tag: string, value: string): { type: 'put'; key: string; value: string }[] {
  return Array.from({ length: BATCH }, (_, i) => ({ type: 'put' as const, key: key(tag, i), value: `${value}-${i}` }))
}

/** How many of the batch's keys a read at the latest state sees, by get and by scan. */
function visible(db: Shale, tag: string): { first: boolean; last: boolean; scanned: number } {
  let scanned = 0
  for (const _ of db.iterator({ gte: `${tag}:`, lt: `${tag};` })) scanned++
  return { first: db.getSync(key(tag, 0)) !== undefined, last: db.getSync(key(tag, BATCH - 1)) !== undefined, scanned }
}

async function withStore(options: Parameters<typeof Shale.open>[1], fn: (db: Shale, path: string) => Promise<void>): Promise<void> {
  const dir = tempDir()
  const db = await Shale.open(dir.path, options)
  try {
    await fn(db, dir.path)
  } finally {
    if (!db.closed) await db.close()
    dir.remove()
  }
}

test('a large batch is applied over several turns, and every read in between sees none of it', async () => {
  await withStore({ memtableSize: 64 * 1024 * 1024 }, async (db) => {
    await db.put('before', '1')
    let done = false
    const write = db.write(bigBatch('b', 'v')).then(() => (done = true))
    const snapshot = db.snapshot()
    let turns = 0
    while (!done) {
      const seen = visible(db, 'b')
      assert.deepEqual(seen, { first: false, last: false, scanned: 0 }, `turn ${turns}`)
      const [first, last] = await db.getMany([key('b', 0), key('b', BATCH - 1)])
      assert.equal(first, undefined)
      assert.equal(last, undefined)
      turns++
      await yieldToLoop()
    }
    await write
    // Slicing happened: the loop turned while the batch went in.
    assert.ok(turns >= 2, `the loop turned ${turns} times during the batch`)
    assert.deepEqual(visible(db, 'b'), { first: true, last: true, scanned: BATCH })
    // A snapshot taken while the batch was going in never sees it.
    let inSnapshot = 0
    for (const _ of db.iterator({ gte: 'b:', lt: 'b;', snapshot })) inSnapshot++
    assert.equal(inSnapshot, 0)
    assert.equal(db.getSync('before', { snapshot })?.toString(), '1')
    snapshot.release()
  })
})

test('writes issued during a sliced batch land after it, in order, and may reuse their buffers', async () => {
  await withStore({ memtableSize: 64 * 1024 * 1024 }, async (db) => {
    const order: string[] = []
    const first = db.write(bigBatch('b', 'first')).then(() => order.push('batch'))
    // Same keys, issued while the batch is still going in: they must win.
    const key0 = Buffer.from(key('b', 0))
    const value = Buffer.from('second')
    const second = db.put(key0, value).then(() => order.push('put'))
    key0.fill(0)
    value.fill(0)
    const third = db.write(bigBatch('c', 'third')).then(() => order.push('batch2'))
    const fourth = db.delete(key('b', 1)).then(() => order.push('delete'))
    await Promise.all([first, second, third, fourth])
    assert.deepEqual(order, ['batch', 'put', 'batch2', 'delete'])
    assert.equal(db.getSync(key('b', 0))?.toString(), 'second')
    assert.equal(db.getSync(key('b', 1)), undefined)
    assert.equal(db.getSync(key('b', 2))?.toString(), 'first-2')
    assert.equal(db.getSync(key('c', BATCH - 1))?.toString(), `third-${BATCH - 1}`)
    assert.equal(db.stats().lastSequence, 1 + BATCH + 1 + BATCH + 1 - 1)
  })
})

test('memtable rotation, flush and close wait for a batch still going in; it survives reopen whole', async () => {
  let path = ''
  // Small memtables: the writes behind the batch must freeze the memtable it is going into.
  await withStore({ memtableSize: 64 * 1024 }, async (db, dir) => {
    path = dir
    const writes = [db.write(bigBatch('a', 'x'))]
    for (let i = 0; i < 50; i++) writes.push(db.put(key('p', i), 'y'.repeat(2000)))
    writes.push(db.write(bigBatch('b', 'z')))
    const flushed = db.flush()
    await Promise.all(writes)
    await flushed
    assert.deepEqual(visible(db, 'a'), { first: true, last: true, scanned: BATCH })
    assert.deepEqual(visible(db, 'b'), { first: true, last: true, scanned: BATCH })
    // Close while a batch is still being applied: close waits for it.
    void db.write(bigBatch('c', 'w'))
    await db.close()
    const again = await Shale.open(dir)
    try {
      for (const tag of ['a', 'b', 'c']) assert.deepEqual(visible(again, tag), { first: true, last: true, scanned: BATCH }, tag)
      let p = 0
      for (const _ of again.iterator({ gte: 'p:', lt: 'p;' })) p++
      assert.equal(p, 50)
    } finally {
      await again.close()
    }
  })
  assert.ok(path !== '')
})

test('a sync batch is acknowledged only once it is applied and durable', async () => {
  await withStore({}, async (db) => {
    await db.write(bigBatch('s', 'v'), { sync: true })
    assert.deepEqual(visible(db, 's'), { first: true, last: true, scanned: BATCH })
    assert.ok(db.stats().fsyncs >= 1)
  })
})
