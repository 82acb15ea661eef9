// The async iterator's read-ahead: entries handed out from the buffer are exactly what a
// step-by-step read at the iterator's sequence returns, whatever mix of next(), nextSync(),
// nextv(), nextvSync() and seek() the caller uses, with writes, flushes and compactions
// landing between calls. And a long `for await` scan still lets timers run.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Shale, type IteratorOptions } from '../../src/index.js'
import type { ShaleIterator } from '../../src/db/shale-iterator.js'
import { Random } from '../helpers/random.js'
import { tempDir } from '../helpers/temp-dir.js'

const KEYS = 300
const key = (i: number): string => `k${String(i).padStart(4, '0')}`

/** The model's view: sorted [key, value] pairs within the iterator's options, as one full read. */
function expected(model: ReadonlyMap<string, string>, o: IteratorOptions): [string, string][] {
  const lower = (o.gte ?? o.gt) as string | undefined
  const upper = (o.lte ?? o.lt) as string | undefined
  let out = [...model].filter(([k]) => {
    if (lower !== undefined && (o.gte !== undefined ? k < lower : k <= lower)) return false
    if (upper !== undefined && (o.lte !== undefined ? k > upper : k >= upper)) return false
    return true
  })
  out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (o.reverse === true) out = out.reverse()
  return out
}

/** Where a seek to target leaves the model cursor: the first position at or past it in iteration order, or the end when target is out of range. */
function seekModel(all: [string, string][], target: string, o: IteratorOptions): number {
  const lower = (o.gte ?? o.gt) as string | undefined
  const upper = (o.lte ?? o.lt) as string | undefined
  const outOfRange =
    (lower !== undefined && (o.gte !== undefined ? target < lower : target <= lower)) || (upper !== undefined && (o.lte !== undefined ? target > upper : target >= upper))
  if (outOfRange) return all.length
  const at = all.findIndex(([k]) => (o.reverse === true ? k <= target : k >= target))
  return at < 0 ? all.length : at
}

const show = (e: [Buffer, Buffer] | undefined): string => (e === undefined ? '<end>' : `${e[0].toString()}=${e[1].toString()}`)

async function mutate(db: Shale, model: Map<string, string>, rnd: Random, step: number): Promise<void> {
  const r = rnd.float()
  if (r < 0.3) {
    const ops = []
    for (let j = 0; j < 20; j++) {
      const k = key(rnd.int(KEYS))
      if (rnd.bool(0.3)) {
        ops.push({ type: 'del' as const, key: k })
        model.delete(k)
      } else {
        const v = `v${step}-${j}-${'y'.repeat(rnd.int(30))}`
        ops.push({ type: 'put' as const, key: k, value: v })
        model.set(k, v)
      }
    }
    await db.write(ops)
  } else if (r < 0.36) await db.flush()
  else if (r < 0.39) await db.compactRange()
}

test('read-ahead returns exactly the step-by-step sequence under mixed reads, seeks, writes, flushes and compactions', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const rnd = new Random(seed)
    const dir = tempDir()
    const db = await Shale.open(dir.path, { memtableSize: 16 * 1024, blockSize: 256 })
    try {
      const model = new Map<string, string>()
      for (let i = 0; i < KEYS; i++) {
        if (rnd.bool(0.2)) continue
        model.set(key(i), `init-${i}-${'x'.repeat(rnd.int(40))}`)
      }
      await db.write([...model].map(([k, value]) => ({ type: 'put' as const, key: k, value })))
      await db.flush()
      let sawBuffered = false
      for (let round = 0; round < 12; round++) {
        const o: IteratorOptions = {}
        if (rnd.bool(0.4)) o[rnd.bool() ? 'gte' : 'gt'] = key(rnd.int(KEYS))
        if (rnd.bool(0.4)) o[rnd.bool() ? 'lte' : 'lt'] = key(rnd.int(KEYS))
        if (rnd.bool(0.3)) o.reverse = true
        if (rnd.bool(0.3)) o.limit = rnd.int(120)
        if (rnd.bool(0.3)) o.fillCache = rnd.bool()
        const snap = rnd.bool(0.5) ? db.snapshot() : undefined
        if (snap !== undefined) o.snapshot = snap
        const all = expected(model, o)
        const limit = o.limit ?? Infinity
        const it: ShaleIterator = db.iterator(o)
        // Writes after this point are invisible to the iterator (and to the snapshot).
        let at = 0
        let returned = 0
        const want = (): string => (at < all.length && returned < limit ? `${all[at]![0]}=${all[at]![1]}` : '<end>')
        const took = (got: string): void => {
          if (got !== '<end>') {
            at++
            returned++
          }
        }
        for (let step = 0; step < 80; step++) {
          const op = rnd.float()
          const context = `seed ${seed} round ${round} step ${step} ${JSON.stringify({ ...o, snapshot: snap !== undefined })}`
          if (op < 0.45) {
            const r = await it.next()
            const got = r.done === true ? '<end>' : show(r.value)
            assert.equal(got, want(), context)
            took(got)
            if (r.done === true) break
          } else if (op < 0.6) {
            const got = show(it.nextSync())
            assert.equal(got, want(), context)
            took(got)
          } else if (op < 0.72) {
            const n = rnd.int(8)
            const batch = rnd.bool() ? await it.nextv(n) : it.nextvSync(n)
            for (const e of batch) {
              assert.equal(show(e), want(), context)
              took(show(e))
            }
            if (batch.length < n) assert.equal(want(), '<end>', context)
          } else if (op < 0.78) {
            const target = key(rnd.int(KEYS))
            it.seek(target)
            at = seekModel(all, target, o)
          } else await mutate(db, model, rnd, step)
          if (it.bufferedEntries > 0) sawBuffered = true
        }
        it.close()
        snap?.release()
      }
      assert.ok(sawBuffered, 'the async next() read ahead at least once')
    } finally {
      await db.close()
      dir.remove()
    }
  }
})

test('an error after read-ahead entries surfaces after they are handed out, then the iterator is closed', async () => {
  const dir = tempDir()
  const db = await Shale.open(dir.path)
  try {
    await db.write(Array.from({ length: 100 }, (_, i) => ({ type: 'put' as const, key: key(i), value: `v${i}` })))
    const it = db.iterator()
    const first = await it.next()
    assert.equal(show(first.value), `${key(0)}=v0`)
    const buffered = it.bufferedEntries
    assert.ok(buffered > 0)
    // Buffered entries survive writes, and a seek drops them.
    await db.put(key(1), 'changed')
    assert.equal(show(it.nextSync()), `${key(1)}=v1`)
    it.seek(key(50))
    assert.equal(it.bufferedEntries, 0)
    assert.equal(show((await it.next()).value), `${key(50)}=v50`)
    it.close()
    assert.equal(it.bufferedEntries, 0)
    await assert.rejects(async () => it.nextSync(), /close/)
  } finally {
    await db.close()
    dir.remove()
  }
})

test('a timer keeps firing during a long for-await scan that reads ahead', async () => {
  const dir = tempDir()
  const db = await Shale.open(dir.path, { memtableSize: 256 * 1024 })
  try {
    const N = 40_000
    for (let s = 0; s < N; s += 1000) {
      await db.write(Array.from({ length: 1000 }, (_, j) => ({ type: 'put' as const, key: `key${String(s + j).padStart(6, '0')}`, value: `value-${s + j}-${'z'.repeat(40)}` })))
    }
    await db.flush()
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    let n = 0
    let maxBuffered = 0
    try {
      const it = db.iterator()
      for await (const _ of it) {
        n++
        if (it.bufferedEntries > maxBuffered) maxBuffered = it.bufferedEntries
      }
    } finally {
      clearInterval(timer)
    }
    assert.equal(n, N)
    assert.ok(maxBuffered > 16, `read ahead up to ${maxBuffered} entries`)
    assert.ok(ticks >= 2, `the timer ran ${ticks} times during the scan`)
  } finally {
    await db.close()
    dir.remove()
  }
})

test('an async read across a long stretch of range-deleted entries lets the event loop turn, sync reads do not', async () => {
  const { MemoryFileSystem } = await import('../helpers/memory-file-system.js')
  const db = await Shale.open('/db', { fileSystem: new MemoryFileSystem() })
  for (let i = 0; i < 40000; i += 1000) await db.write(Array.from({ length: 1000 }, (_, j) => ({ type: 'put' as const, key: `a${String(i + j).padStart(6, '0')}`, value: 'x' })))
  await db.put('b', 'kept')
  // Left in the memtable with the tombstone, where a walk must step through them: a table
  // older than the tombstone is passed in one seek (db-iterator-range-skip.test.ts).
  await db.deleteRange('a', 'a~')
  assert.equal(db.stats().levels.reduce((n, l) => n + l.files, 0), 0, 'no table was written')
  const turns = async (read: () => Promise<unknown> | unknown): Promise<number> => {
    let n = 0
    let on = true
    const tick = (): void => {
      n++
      if (on) setImmediate(tick)
    }
    setImmediate(tick)
    await read()
    on = false
    return n
  }
  for (const reverse of [false, true]) {
    let seen: string[] = []
    assert.ok((await turns(async () => {
      for await (const [k] of db.iterator({ reverse })) seen.push(k.toString())
    })) > 1, `for await, reverse ${reverse}`)
    assert.deepEqual(seen, ['b'])
    assert.ok((await turns(async () => (seen = (await db.iterator({ reverse }).nextv(10)).map(([k]) => k.toString())))) > 1, `nextv, reverse ${reverse}`)
    assert.deepEqual(seen, ['b'])
    // The synchronous API holds the thread by contract, and still finds the same entry.
    assert.equal(await turns(() => (seen = db.iterator({ reverse }).nextvSync(10).map(([k]) => k.toString()))), 0)
    assert.deepEqual(seen, ['b'])
  }
  await db.close()
})
