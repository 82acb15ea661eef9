// Foreground reads never hold the event loop: a `for await` scan, 64 gets in flight, a
// large getMany and async nextv all let a timer run while they work, and return exactly
// what the synchronous calls return. getMany stays one consistent read across the turns.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Shale } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const N = 30_000
const key = (i: number): string => `key${String(i).padStart(6, '0')}`

async function withStore(fn: (db: Shale) => Promise<void>): Promise<void> {
  const dir = tempDir()
  const db = await Shale.open(dir.path, { memtableSize: 256 * 1024 })
  try {
    for (let start = 0; start < N; start += 1000) {
      const ops = []
      for (let i = start; i < start + 1000; i++) ops.push({ type: 'put' as const, key: key(i), value: `value-${i}-${'x'.repeat(40)}` })
      await db.write(ops)
    }
    await db.flush()
    await fn(db)
  } finally {
    await db.close()
    dir.remove()
  }
}

/** Runs work while counting how often a 1 ms interval timer fired. */
async function timerTicksDuring<T>(work: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  try {
    const result = await work()
    return { result, ticks }
  } finally {
    clearInterval(timer)
  }
}

test('a for-await scan, gets in flight, getMany and nextv let timers run and agree with the sync calls', async () => {
  await withStore(async (db) => {
    const syncScan = [...db.iterator()].map(([k]) => k.toString())
    assert.equal(syncScan.length, N)

    const scan = await timerTicksDuring(async () => {
      const keys: string[] = []
      for await (const [k] of db.iterator()) keys.push(k.toString())
      return keys
    })
    assert.deepEqual(scan.result, syncScan)
    assert.ok(scan.ticks >= 2, `the timer ran ${scan.ticks} times during the scan`)

    const inFlight = await timerTicksDuring(async () => {
      let next = 0
      let found = 0
      const loop = async (): Promise<void> => {
        while (next < N) if ((await db.get(key(next++))) !== undefined) found++
      }
      await Promise.all(Array.from({ length: 64 }, loop))
      return found
    })
    assert.equal(inFlight.result, N)
    assert.ok(inFlight.ticks >= 2, `the timer ran ${inFlight.ticks} times during 64 gets in flight`)

    const keys = Array.from({ length: N }, (_, i) => key(i))
    const many = await timerTicksDuring(() => db.getMany(keys))
    assert.deepEqual(
      many.result.map((v) => v?.toString()),
      keys.map((k) => db.getSync(k)?.toString()),
    )
    assert.ok(many.ticks >= 2, `the timer ran ${many.ticks} times during getMany`)

    const it = db.iterator()
    const batch = await timerTicksDuring(() => it.nextv(N))
    it.close()
    assert.deepEqual(
      batch.result.map(([k]) => k.toString()),
      syncScan,
    )
    assert.ok(batch.ticks >= 2, `the timer ran ${batch.ticks} times during nextv`)
  })
})

test('getMany is one read at one sequence even when writes land during its pauses', async () => {
  await withStore(async (db) => {
    const keys = Array.from({ length: N }, (_, i) => key(i))
    await db.write([
      { type: 'put', key: key(0), value: 'new-start' },
      { type: 'put', key: key(N - 1), value: 'new-start' },
    ])
    let writes = 0
    let stop = false
    // A writer that rewrites the first and the last key every turn of the loop.
    const writer = (async () => {
      while (!stop) {
        await db.write([
          { type: 'put', key: key(0), value: `new-${writes}` },
          { type: 'put', key: key(N - 1), value: `new-${writes}` },
        ])
        writes++
        await new Promise((r) => setImmediate(r))
      }
    })()
    await new Promise((r) => setImmediate(r))
    const got = await db.getMany(keys)
    stop = true
    await writer
    assert.ok(writes > 2, `${writes} writes ran during getMany`)
    // Both keys were rewritten together, so one read sees the same batch in both.
    assert.equal(got[0]!.toString(), got[N - 1]!.toString(), 'the first and last key come from the same moment')
  })
})

test('reads on one iterator from overlapping async calls come back in order', async () => {
  await withStore(async (db) => {
    const it = db.iterator({ limit: 5000 })
    const [a, b, c] = await Promise.all([it.nextv(2000), it.next(), it.nextv(2000)])
    it.close()
    const seen = [...a.map(([k]) => k.toString()), b.done ? 'done' : b.value[0].toString(), ...c.map(([k]) => k.toString())]
    assert.deepEqual(
      seen,
      Array.from({ length: 4001 }, (_, i) => key(i)),
    )
    await assert.rejects(() => it.nextv(-1), { code: 'INVALID_ARGUMENT' })
  })
})

test('an ingest from a synchronous source lets timers run while it builds its tables', async () => {
  const dir = tempDir()
  const db = await Shale.open(dir.path)
  try {
    function* entries() {
      for (let i = 0; i < 100_000; i++) yield { key: key(i), value: `value-${i}-${'x'.repeat(80)}` }
    }
    // No await comes from the source: only the ingest's own slices let the timer in.
    const ingest = await timerTicksDuring(() => db.ingest(entries()))
    assert.equal(ingest.result.entries, 100_000)
    assert.ok(ingest.ticks >= 50, `the timer ran ${ingest.ticks} times during the ingest`)
  } finally {
    await db.close()
    dir.remove()
  }
})
