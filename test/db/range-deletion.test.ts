// db.deleteRange and batch delRange operations end to end, on the in-memory file system with
// tiny memtables and tables: every read (get, has, getMany, iterators in both directions,
// bounds, seek, snapshots) agrees with a plain map with the tombstone in the memtable, in a
// table over data in other tables, and after compaction to the bottom level, where the
// covered entries and finally the tombstone itself are gone; batches, arguments, reopening,
// read-only handles, tombstone-only tables and tombstones split over several output tables.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseFileName } from '../../src/base/file-names.js'
import type { RangeTombstone } from '../../src/base/range-tombstones.js'
import { checkDatabase, Shale, type IteratorOptions, type Options } from '../../src/index.js'
import { openUncachedTable } from '../../src/table/uncached-table.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { Random } from '../helpers/random.js'

const SMALL = { memtableSize: 4096, blockSize: 256, targetFileSize: 4096, l1TargetSize: 16 * 1024, levelMultiplier: 4 }
const opts = (fs: MemoryFileSystem, extra: Partial<Options> = {}): Options => ({ ...SMALL, fileSystem: fs, ...extra })
const key = (i: number): string => `k${String(i).padStart(3, '0')}`
const text = (b: Buffer | undefined): string | undefined => b?.toString('latin1')

function scan(db: Shale, o: IteratorOptions = {}): string[] {
  const out: string[] = []
  for (const [k, v] of db.iterator(o)) out.push(`${k.toString('latin1')}=${v.toString('latin1')}`)
  return out
}

function modelScan(model: Map<string, string>, o: { gt?: string; gte?: string; lt?: string; lte?: string; reverse?: boolean; limit?: number }): string[] {
  let keys = [...model.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')))
  keys = keys.filter((k) => (o.gt === undefined || k > o.gt) && (o.gte === undefined || k >= o.gte) && (o.lt === undefined || k < o.lt) && (o.lte === undefined || k <= o.lte))
  if (o.reverse) keys.reverse()
  if (o.limit !== undefined) keys = keys.slice(0, o.limit)
  return keys.map((k) => `${k}=${model.get(k)}`)
}

/** The tables in /db with their range tombstones and entry counts, by level order of file number. */
function tables(fs: MemoryFileSystem): { number: number; entries: number; tombstones: RangeTombstone[] }[] {
  const out = []
  for (const name of fs.list('/db')) {
    const parsed = parseFileName(name)
    if (parsed?.kind !== 'table') continue
    const reader = openUncachedTable(fs, `/db/${name}`)
    try {
      out.push({ number: parsed.number, entries: reader.properties().entries, tombstones: reader.rangeTombstones().tombstones() })
    } finally {
      reader.close()
    }
  }
  return out
}

/** Every read the database offers, against the model. */
async function checkReads(db: Shale, model: Map<string, string>, where: string, probe: string[]): Promise<void> {
  for (const k of probe) {
    assert.equal(text(await db.get(k)), model.get(k), `${where}: get ${k}`)
    assert.equal(db.getSync(k)?.toString('latin1'), model.get(k), `${where}: getSync ${k}`)
    assert.equal(await db.has(k), model.has(k), `${where}: has ${k}`)
  }
  assert.deepEqual((await db.getMany(probe)).map(text), probe.map((k) => model.get(k)), `${where}: getMany`)
  const bounds: { gt?: string; gte?: string; lt?: string; lte?: string; limit?: number }[] = [
    {},
    { gte: key(40), lt: key(60) },
    { gt: key(49), lte: key(150) },
    { gte: key(50), lt: key(150) },
    { gt: key(50), lt: key(149) },
    { gte: key(149), lte: key(151) },
    { gte: key(45), limit: 7 },
    { lt: key(155), limit: 7 },
  ]
  for (const b of bounds) {
    for (const reverse of [false, true]) {
      const o = { ...b, reverse }
      assert.deepEqual(scan(db, o), modelScan(model, o), `${where}: iterator ${JSON.stringify(o)}`)
    }
  }
  // Async iteration reads the same.
  const asyncKeys: string[] = []
  for await (const [k, v] of db.iterator({ gte: key(45), lt: key(160) })) asyncKeys.push(`${k.toString('latin1')}=${v.toString('latin1')}`)
  assert.deepEqual(asyncKeys, modelScan(model, { gte: key(45), lt: key(160) }), `${where}: async iterator`)
  // seek() into the deleted range lands on the first live key past it, in either direction.
  const it = db.iterator()
  it.seek(key(60))
  assert.deepEqual(it.nextSync()?.map((x) => x.toString('latin1')), modelScan(model, { gte: key(60), limit: 1 })[0]?.split('='), `${where}: seek forward`)
  it.close()
  const rev = db.iterator({ reverse: true })
  rev.seek(key(140))
  assert.deepEqual(rev.nextSync()?.map((x) => x.toString('latin1')), modelScan(model, { lte: key(140), reverse: true, limit: 1 })[0]?.split('='), `${where}: seek reverse`)
  rev.close()
}

for (const stage of ['memtable', 'tombstone flushed over tables', 'compacted'] as const) {
  test(`reads honour a range deletion (${stage}): get, has, getMany, bounded iterators both ways, seek, snapshots`, async () => {
    const fs = new MemoryFileSystem()
    const db = await Shale.open('/db', opts(fs))
    const model = new Map<string, string>()
    for (let i = 0; i < 200; i++) {
      await db.put(key(i), `v${i}`.padEnd(30, '.'))
      model.set(key(i), `v${i}`.padEnd(30, '.'))
    }
    if (stage !== 'memtable') {
      await db.flush()
      await db.compactRange()
    }
    const before = db.snapshot()
    const beforeModel = new Map(model)
    await db.deleteRange(key(50), key(150))
    for (let i = 50; i < 150; i++) model.delete(key(i))
    const after = db.snapshot()
    const afterModel = new Map(model)
    // Written after the range deletion: survives it.
    await db.put(key(100), 'again')
    model.set(key(100), 'again')
    await db.delete(key(20))
    model.delete(key(20))
    if (stage !== 'memtable') await db.flush()
    if (stage === 'compacted') await db.compactRange()
    const probe = [key(0), key(20), key(49), key(50), key(51), key(99), key(100), key(101), key(149), key(150), key(199), 'k', 'k050\0', 'zzz']
    await checkReads(db, model, stage, probe)
    // Snapshots: before it sees every key, after it sees the range gone but not the re-put.
    for (const [snap, m, name] of [[before, beforeModel, 'before'], [after, afterModel, 'after']] as const) {
      for (const k of probe) assert.equal(text(await db.get(k, { snapshot: snap })), m.get(k), `${stage} snapshot ${name}: get ${k}`)
      assert.deepEqual(scan(db, { snapshot: snap, gte: key(45), lt: key(155) }), modelScan(m, { gte: key(45), lt: key(155) }), `${stage} snapshot ${name}`)
      assert.deepEqual(scan(db, { snapshot: snap, reverse: true, gte: key(45), lt: key(155) }), modelScan(m, { gte: key(45), lt: key(155), reverse: true }))
    }
    before.release()
    after.release()
    if (stage === 'compacted') {
      // With the snapshots gone a compaction to the bottom drops the covered entries and the tombstone.
      await db.compactRange()
      const t = tables(fs)
      assert.deepEqual(t.flatMap((x) => x.tombstones), [], 'the tombstone is dropped at the bottom')
      assert.equal(t.reduce((n, x) => n + x.entries, 0), model.size, 'only live entries remain')
      await checkReads(db, model, 'after the bottom compaction', probe)
    }
    await db.close()
  })
}

test('a snapshot held over a compaction keeps the entries a range deletion covers, and the tombstone', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs))
  for (let i = 0; i < 200; i++) await db.put(key(i), `v${i}`.padEnd(30, '.'))
  const before = db.snapshot()
  await db.deleteRange(key(10), key(190))
  await db.compactRange()
  assert.ok(tables(fs).some((x) => x.tombstones.length > 0), 'the tombstone stays while a snapshot below it lives')
  assert.equal(scan(db, { snapshot: before }).length, 200)
  assert.deepEqual(scan(db).map((e) => e.split('=')[0]), [...Array.from({ length: 10 }, (_, i) => key(i)), ...Array.from({ length: 10 }, (_, i) => key(190 + i))])
  before.release()
  await db.compactRange()
  assert.deepEqual(tables(fs).flatMap((x) => x.tombstones), [])
  assert.equal(tables(fs).reduce((n, x) => n + x.entries, 0), 20)
  await db.close()
})

test('a tombstone over keys only at a deeper level hides them; compaction removes them', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs))
  for (let i = 0; i < 300; i++) await db.put(key(i), 'x'.repeat(40))
  await db.compactRange()
  const deep = db.stats().levels.findIndex((l) => l.files > 0)
  assert.ok(deep > 0, 'the data sits below level 0')
  // Unrelated writes and the tombstone, flushed to level 0: the covered keys live only below.
  await db.put('a', '1')
  await db.deleteRange(key(100), key(200))
  await db.put('z', '1')
  await db.flush()
  assert.ok(db.stats().levels[0]!.files > 0)
  assert.equal(await db.get(key(150)), undefined)
  assert.equal(await db.has(key(100)), false)
  assert.equal(text(await db.get(key(200))), 'x'.repeat(40))
  assert.equal(scan(db).length, 202)
  assert.equal(scan(db, { reverse: true, gte: key(99), lte: key(200) }).length, 2)
  await db.compactRange()
  assert.equal(tables(fs).reduce((n, x) => n + x.entries, 0), 202)
  assert.equal(scan(db).length, 202)
  await db.close()
})

test('a batch mixing put, del and delRange is atomic and ordered: puts in the range before the delRange go, after it stay', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs))
  await db.write([
    { type: 'put', key: 'a', value: '1' },
    { type: 'put', key: 'c', value: '1' },
    { type: 'put', key: 'd', value: '1' },
    { type: 'put', key: 'x', value: '1' },
  ])
  const snap = db.snapshot()
  await db.write([
    { type: 'put', key: 'b', value: 'before' },
    { type: 'del', key: 'x' },
    { type: 'delRange', gte: 'b', lt: 'e' },
    { type: 'put', key: 'c', value: 'after' },
    { type: 'put', key: 'e', value: 'at the end bound' },
  ])
  const want = ['a=1', 'c=after', 'e=at the end bound']
  assert.deepEqual(scan(db), want)
  assert.deepEqual(scan(db, { reverse: true }), [...want].reverse())
  assert.equal(await db.get('b'), undefined)
  assert.equal(await db.get('d'), undefined)
  // The snapshot from before sees none of the batch.
  assert.deepEqual(scan(db, { snapshot: snap }), ['a=1', 'c=1', 'd=1', 'x=1'])
  snap.release()
  // The same after flushing (the batch's entries and tombstone in one table) and after reopening from the log.
  await db.close()
  const again = await Shale.open('/db', opts(fs))
  assert.deepEqual(scan(again), want)
  await again.flush()
  await again.compactRange()
  assert.deepEqual(scan(again), want)
  await again.close()
})

test('deleteRange arguments: gte > lt is INVALID_ARGUMENT, gte == lt writes nothing, empty bounds are positions', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs))
  await db.put('a', '1')
  await db.put('b', '2')
  await assert.rejects(db.deleteRange('b', 'a'), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(db.write([{ type: 'delRange', gte: 'b', lt: 'a' }]), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(db.write([{ type: 'delRange', gte: 'a', lt: 42 } as never]), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(db.deleteRange(undefined as never, 'a'), { code: 'INVALID_ARGUMENT' })
  // Refused writes changed nothing, in this batch or before.
  assert.deepEqual(scan(db), ['a=1', 'b=2'])
  const seq = db.stats().lastSequence
  await db.deleteRange('a', 'a')
  await db.write([{ type: 'delRange', gte: 'b', lt: 'b' }])
  assert.equal(db.stats().lastSequence, seq, 'an empty range writes nothing')
  assert.deepEqual(scan(db), ['a=1', 'b=2'])
  // The empty key as gte is the start of the key space.
  await db.deleteRange('', 'b')
  assert.deepEqual(scan(db), ['b=2'])
  // Bytes bounds work like strings.
  await db.deleteRange(Buffer.from('b'), new Uint8Array([0x62, 0]))
  assert.deepEqual(scan(db), [])
  await db.close()
  await assert.rejects(db.deleteRange('a', 'b'), { code: 'CLOSED' })
})

test('reopen after close, from the log and from tables, keeps range deletions and what came after', async () => {
  const fs = new MemoryFileSystem()
  let db = await Shale.open('/db', opts(fs))
  for (let i = 0; i < 100; i++) await db.put(key(i), 'v')
  await db.deleteRange(key(10), key(90))
  await db.put(key(50), 'back')
  const want = scan(db)
  assert.equal(want.length, 21)
  await db.close()
  // From the log.
  db = await Shale.open('/db', opts(fs))
  assert.deepEqual(scan(db), want)
  await db.flush()
  await db.close()
  // From a table.
  db = await Shale.open('/db', opts(fs))
  assert.deepEqual(scan(db), want)
  assert.deepEqual(scan(db, { reverse: true }), [...want].reverse())
  await db.close()
})

test('a read-only handle sees range deletions from the log and from tables, and after refresh()', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs))
  for (let i = 0; i < 100; i++) await db.put(key(i), 'v'.repeat(30))
  await db.flush()
  await db.deleteRange(key(0), key(50), { sync: true })
  const follower = await Shale.open('/db', opts(fs, { readOnly: true }))
  try {
    assert.equal(scan(follower).length, 50)
    assert.equal(await follower.get(key(10)), undefined)
    assert.equal(await follower.has(key(60)), true)
    await db.deleteRange(key(60), key(70), { sync: true })
    await db.put(key(5), 'back', { sync: true })
    await follower.refresh()
    assert.deepEqual(scan(follower, { lt: key(75) }).map((e) => e.split('=')[0]), [key(5), ...Array.from({ length: 10 }, (_, i) => key(50 + i)), ...Array.from({ length: 5 }, (_, i) => key(70 + i))])
    // Read-only handles refuse to write one.
    await assert.rejects(follower.deleteRange('a', 'b'), { code: 'READ_ONLY' })
    await db.flush()
    await db.compactRange()
    await follower.refresh()
    assert.equal(scan(follower).length, 41)
    assert.deepEqual(scan(follower, { reverse: true }), scan(db, { reverse: true }))
  } finally {
    await follower.close()
    await db.close()
  }
})

test('a table holding only range deletions: written by a flush, read back, bounds exact, reopened', async () => {
  const fs = new MemoryFileSystem()
  let db = await Shale.open('/db', opts(fs))
  for (let i = 0; i < 50; i++) await db.put(key(i), 'v'.repeat(30))
  await db.flush()
  const old = new Set(tables(fs).map((t) => t.number))
  // Nothing else in the memtable.
  await db.deleteRange(key(10), key(20))
  await db.deleteRange(key(15), key(30))
  await db.flush()
  const added = tables(fs).filter((t) => !old.has(t.number))
  assert.equal(added.length, 1)
  assert.equal(added[0]!.entries, 0)
  assert.deepEqual(
    added[0]!.tombstones.map((t) => [t.start, t.end].map((x) => Buffer.from(x).toString())),
    // Read back as fragments: the overlap [k015, k020) has both sequences.
    [
      [key(10), key(15)],
      [key(15), key(20)],
      [key(15), key(20)],
      [key(20), key(30)],
    ],
  )
  assert.equal(scan(db).length, 30)
  await db.close()
  db = await Shale.open('/db', opts(fs))
  assert.equal(scan(db).length, 30)
  assert.equal(await db.get(key(29)), undefined)
  assert.equal(text(await db.get(key(30))), 'v'.repeat(30))
  await db.compactRange()
  assert.equal(scan(db).length, 30)
  assert.deepEqual(tables(fs).flatMap((t) => t.tombstones), [])
  await db.close()
})

test('a tombstone spanning several output tables: each holds its piece, none lost at the cuts', async () => {
  const fs = new MemoryFileSystem()
  // Tiny output tables so the compaction cuts inside the tombstone's range many times.
  const db = await Shale.open('/db', opts(fs, { targetFileSize: 1024 }))
  for (let i = 0; i < 400; i++) await db.put(key(i), `v${i}`.padEnd(40, '.'))
  await db.flush()
  const snap = db.snapshot()
  await db.deleteRange(key(20), key(380))
  // Re-puts inside the range after the tombstone, so outputs hold both.
  for (let i = 25; i < 380; i += 50) await db.put(key(i), 'again')
  // The snapshot keeps the covered entries, so the outputs (many, small) carry the tombstone too.
  await db.compactRange()
  const withTombstones = tables(fs).filter((t) => t.tombstones.length > 0)
  assert.ok(withTombstones.length >= 3, `the tombstone is spread over ${withTombstones.length} tables`)
  // The pieces, joined, are exactly the original range, each at the tombstone's sequence.
  const pieces = withTombstones.flatMap((t) => t.tombstones).sort((a, b) => Buffer.compare(a.start, b.start))
  assert.equal(new Set(pieces.map((p) => p.seq)).size, 1)
  assert.equal(Buffer.from(pieces[0]!.start).toString(), key(20))
  assert.equal(Buffer.from(pieces.at(-1)!.end).toString(), key(380))
  for (let i = 1; i < pieces.length; i++) assert.equal(Buffer.compare(pieces[i - 1]!.end, pieces[i]!.start), 0, 'no gap and no overlap between pieces')
  const want = [...Array.from({ length: 20 }, (_, i) => key(i)), ...Array.from({ length: 8 }, (_, i) => key(25 + 50 * i)), ...Array.from({ length: 20 }, (_, i) => key(380 + i))]
  const check = (): void => {
    assert.deepEqual(scan(db).map((e) => e.split('=')[0]), want)
    assert.deepEqual(scan(db, { reverse: true }).map((e) => e.split('=')[0]), [...want].reverse())
  }
  check()
  // Each piece lies inside the key range the MANIFEST records for its table.
  const report = checkDatabase('/db', { fileSystem: fs })
  assert.ok(report.ok, JSON.stringify(report.files.filter((f) => f.status !== 'ok')))
  for (let i = 0; i < 400; i++) assert.equal(await db.has(key(i)), want.includes(key(i)), key(i))
  assert.equal(scan(db, { snapshot: snap }).length, 400)
  snap.release()
  await db.compactRange()
  check()
  assert.deepEqual(tables(fs).flatMap((t) => t.tombstones), [])
  await db.close()
})

test("keys differing by a trailing 0x00 byte around a tombstone's ends and a table cut", async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs, { targetFileSize: 1024 }))
  const names = ['k', 'k\0', 'k\0\0', 'k\x01', 'l', 'l\0', 'm']
  const pad = 'p'.repeat(300)
  for (const n of names) await db.put(n, pad)
  for (let i = 0; i < 30; i++) await db.put(`k\0${String.fromCharCode(0x61 + i)}`, pad)
  const all = new Map<string, string>()
  for (const [k, v] of db.iterator()) all.set(k.toString('latin1'), v.toString('latin1'))
  await db.flush()
  const snap = db.snapshot()
  // Delete exactly 'k\0' (the successor range), and [l, l\0): exactly 'l'.
  await db.deleteRange('k\0', 'k\0\0')
  await db.deleteRange('l', 'l\0')
  all.delete('k\0')
  all.delete('l')
  const check = async (where: string): Promise<void> => {
    const got = scan(db).map((e) => e.split('=')[0]!)
    assert.deepEqual(got, [...all.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'))), where)
    assert.deepEqual(scan(db, { reverse: true }).map((e) => e.split('=')[0]!), [...got].reverse(), where)
    for (const n of [...names, 'k\0\0']) assert.equal(await db.has(n), all.has(n), `${where}: ${JSON.stringify(n)}`)
    assert.deepEqual(scan(db, { gt: 'k', lt: 'k\0\0' }), [], where)
    assert.deepEqual(scan(db, { gte: 'k', lte: 'k\0' }).map((e) => e.split('=')[0]), ['k'], where)
    const report = checkDatabase('/db', { fileSystem: fs })
    assert.ok(report.ok, `${where}: ${JSON.stringify(report.files.filter((f) => f.status !== 'ok'))}`)
  }
  await check('memtable')
  await db.flush()
  await check('flushed')
  await db.compactRange()
  await check('compacted with a snapshot')
  snap.release()
  await db.compactRange()
  await check('compacted to the bottom')
  await db.close()
})

test('random puts, deletes and range deletions with flushes, compactions and snapshots match a model', async () => {
  // Small key spaces on few levels, then a larger one spread over several levels (small
  // level targets), where tombstones meet data deeper down than the compaction's output.
  const runs = [
    ...[1, 2, 3, 4, 5, 6].map((seed) => ({ seed, keys: 200, steps: 600, extra: { targetFileSize: 2048, blockSize: 128 } })),
    ...[7, 8].map((seed) => ({ seed, keys: 900, steps: 2500, extra: { targetFileSize: 1024, blockSize: 128, l1TargetSize: 2048, levelMultiplier: 2 } })),
  ]
  for (const { seed, keys: KEYS, steps, extra } of runs) {
    const r = new Random(seed)
    const fs = new MemoryFileSystem()
    const db = await Shale.open('/db', opts(fs, extra))
    const model = new Map<string, string>()
    // Snapshots held across flushes and compactions, each with the model as it was.
    let snaps: { snap: ReturnType<Shale['snapshot']>; model: Map<string, string> }[] = []
    let maxLevels = 0
    for (let step = 0; step < steps; step++) {
      if (r.bool(0.02)) {
        if (snaps.length < 3) snaps.push({ snap: db.snapshot(), model: new Map(model) })
        else snaps.shift()!.snap.release()
      }
      const p = r.float()
      if (p < 0.7) {
        const k = key(r.int(KEYS))
        const v = `${step}`.padEnd(r.int(40), '.')
        await db.put(k, v)
        model.set(k, v)
      } else if (p < 0.8) {
        const k = key(r.int(KEYS))
        await db.delete(k)
        model.delete(k)
      } else if (p < 0.85) {
        const a = r.int(KEYS)
        const b = Math.min(KEYS + 10, a + r.int(KEYS > 200 ? 60 : 120))
        await db.deleteRange(key(a), key(b))
        for (let i = a; i < b; i++) model.delete(key(i))
      } else if (p < 0.9) {
        await db.flush()
      } else if (p < 0.91) {
        await db.compactRange()
      }
      if (step % 50 === 49) {
        maxLevels = Math.max(maxLevels, db.stats().levels.filter((l) => l.files > 0).length)
        const lo = key(r.int(KEYS))
        const hi = key(r.int(KEYS))
        for (const reverse of [false, true]) {
          assert.deepEqual(scan(db, { reverse }), modelScan(model, { reverse }), `seed ${seed} step ${step}`)
          assert.deepEqual(scan(db, { gte: lo, lt: hi, reverse }), modelScan(model, { gte: lo, lt: hi, reverse }), `seed ${seed} step ${step}`)
          for (const [n, s] of snaps.entries()) {
            assert.deepEqual(scan(db, { snapshot: s.snap, reverse }), modelScan(s.model, { reverse }), `seed ${seed} step ${step} snapshot ${n}`)
            assert.deepEqual(scan(db, { snapshot: s.snap, gte: lo, lt: hi, reverse }), modelScan(s.model, { gte: lo, lt: hi, reverse }), `seed ${seed} step ${step} snapshot ${n}`)
          }
        }
        const k = key(r.int(KEYS))
        for (const s of snaps) assert.equal(text(await db.get(k, { snapshot: s.snap })), s.model.get(k), `seed ${seed} step ${step} snapshot get ${k}`)
      }
    }
    for (const s of snaps) s.snap.release()
    snaps = []
    await db.waitForCompactions()
    if (KEYS > 200) assert.ok(maxLevels >= 3, `seed ${seed}: data on ${maxLevels} levels at most`)
    const report = checkDatabase('/db', { fileSystem: fs })
    assert.ok(report.ok, `seed ${seed}: ${JSON.stringify(report.files.filter((f) => f.status !== 'ok'))}`)
    for (let i = 0; i < KEYS + 10; i++) assert.equal(text(await db.get(key(i))), model.get(key(i)), `seed ${seed} ${key(i)}`)
    await db.close()
  }
})

test('an iterator opened before a range deletion keeps reading the range; one opened after does not', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs))
  for (let i = 0; i < 100; i++) await db.put(key(i), 'v'.repeat(30))
  await db.flush()
  const early = db.iterator({ gte: key(10) })
  const first = early.nextSync()
  assert.equal(first?.[0].toString(), key(10))
  await db.deleteRange(key(0), key(90))
  await db.flush()
  await db.compactRange()
  const rest: string[] = []
  for (const [k] of early) rest.push(k.toString())
  assert.equal(rest.length, 89, 'the early iterator reads its point in time')
  assert.deepEqual(scan(db).length, 10)
  await db.close()
})

test('entries ingested after a range deletion over their keys are visible; the range still hides older ones', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs))
  for (let i = 0; i < 100; i++) await db.put(key(i), 'old')
  await db.flush()
  await db.deleteRange(key(0), key(100))
  await db.ingest([
    { key: key(10), value: 'ingested' },
    { key: key(20), value: 'ingested' },
  ])
  assert.deepEqual(scan(db), [`${key(10)}=ingested`, `${key(20)}=ingested`])
  assert.equal(await db.get(key(30)), undefined)
  await db.compactRange()
  assert.deepEqual(scan(db, { reverse: true }), [`${key(20)}=ingested`, `${key(10)}=ingested`])
  await db.close()
  const again = await Shale.open('/db', opts(fs))
  assert.deepEqual(scan(again), [`${key(10)}=ingested`, `${key(20)}=ingested`])
  await again.close()
})

test('deleteRange(gte) without an end: covers unawaited puts issued before it, a flush in progress, and no write issued after', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', opts(fs))
  await db.put('a', '1')
  await db.put('m', '1')
  const writes = [
    db.put('x', '1', { sync: true }),
    db.put('y', '1'),
    db.write([
      { type: 'put', key: 'zz', value: '1' },
      { type: 'del', key: 'zzz' },
    ]),
    db.deleteRange('b'),
    db.put('zzzz', 'after'),
    db.put('c', 'after'),
  ]
  await Promise.all(writes)
  assert.deepEqual(scan(db), ['a=1', 'c=after', 'zzzz=after'])
  // Keys only in a memtable being flushed, and in tables below.
  for (let i = 0; i < 200; i++) await db.put(key(i), 'v'.repeat(30))
  await db.flush()
  for (let i = 200; i < 300; i++) await db.put(key(i), 'v'.repeat(30))
  const flushing = db.flush()
  const deleting = db.deleteRange(key(100))
  const after = db.put(key(299), 'after')
  await Promise.all([flushing, deleting, after])
  const want = ['a=1', 'c=after', ...Array.from({ length: 100 }, (_, i) => `${key(i)}=${'v'.repeat(30)}`), `${key(299)}=after`]
  assert.deepEqual(scan(db), want)
  await db.close()
  const again = await Shale.open('/db', opts(fs))
  assert.deepEqual(scan(again), want)
  await again.compactRange()
  assert.deepEqual(scan(again, { reverse: true }), [...want].reverse())
  await again.close()
})

test('tables at the edges of range deletions: an exclusive end at the largest key, adjacent tombstones, a one-key gap', async () => {
  const cases: { name: string; ranges: [string, string][]; gone: (i: number) => boolean }[] = [
    { name: 'end at the largest key', ranges: [[key(10), key(20)]], gone: (i) => i >= 10 && i < 20 },
    { name: 'end just past the largest key', ranges: [[key(10), `${key(20)}\0`]], gone: (i) => i >= 10 && i <= 20 },
    { name: 'start at the smallest key, from below', ranges: [[key(0), `${key(20)}\0`]], gone: (i) => i <= 20 },
    { name: 'two adjacent tombstones', ranges: [[key(5), key(15)], [key(15), key(25)]], gone: (i) => i >= 5 && i < 25 },
    { name: 'two tombstones with a one-key gap', ranges: [[key(5), key(15)], [`${key(15)}\0`, key(25)]], gone: (i) => i >= 5 && i < 25 && i !== 15 },
    { name: 'a start just past the smallest key', ranges: [[`${key(10)}\0`, key(40)]], gone: (i) => i > 10 && i < 40 },
  ]
  for (const c of cases) {
    const fs = new MemoryFileSystem()
    const db = await Shale.open('/db', opts(fs))
    // Tables of their own: k000-k009 and k030-k039 below, k010-k020 in the middle.
    for (let i = 0; i < 10; i++) await db.put(key(i), 'low')
    for (let i = 30; i < 40; i++) await db.put(key(i), 'low')
    await db.flush()
    await db.compactRange()
    for (let i = 10; i <= 20; i++) await db.put(key(i), 'mid')
    await db.flush()
    for (const [a, b] of c.ranges) await db.deleteRange(a, b)
    const want = (): string[] => [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 11 }, (_, i) => 10 + i), ...Array.from({ length: 10 }, (_, i) => 30 + i)].filter((i) => !c.gone(i)).map(key)
    for (const stage of ['memtable', 'flushed', 'compacted']) {
      if (stage === 'flushed') await db.flush()
      if (stage === 'compacted') await db.compactRange()
      assert.deepEqual(scan(db).map((e) => e.split('=')[0]), want(), `${c.name}, ${stage}`)
      for (let i = 0; i < 40; i++) if (!(i > 20 && i < 30)) assert.equal(await db.has(key(i)), !c.gone(i), `${c.name}, ${stage}: ${key(i)}`)
    }
    await db.close()
    const again = await Shale.open('/db', opts(fs))
    assert.deepEqual(scan(again).map((e) => e.split('=')[0]), want(), `${c.name}, reopened`)
    await again.close()
  }
})
