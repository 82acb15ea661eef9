// db.changes(): every committed batch from `since` on, whole and in commit order, across the
// backlog in retained logs and the live tail, flushes and log switches; break, abort, close;
// changesRetention's limits and reopen; SEQUENCE_UNAVAILABLE; ingests; read-only handles; the
// event loop turning over a long backlog; a waiting feed keeping the process alive.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readdirSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Shale, ShaleError, SequenceUnavailableError, type BatchOperation, type ChangeBatch, type Options } from '../../src/index.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { Random } from '../helpers/random.js'
import { runModule } from '../helpers/module-child.js'
import { tempDir } from '../helpers/temp-dir.js'

const DIR = '/db'
const KEEP_ALL = { bytes: 1 << 30 }

function small(extra: Options = {}, fs = new MemoryFileSystem()): Options {
  return { fileSystem: fs, memtableSize: 4096, blockSize: 512, targetFileSize: 8 * 1024, ...extra }
}

type WrittenOperation = { type: 'put'; key: string; value: string } | { type: 'del'; key: string } | { type: 'delRange'; gte: string; lt: string }
type Written = { sequence: number; operations: WrittenOperation[] }

/** A batch of 1 to 5 puts, deletes and now and then a range deletion. */
function randomBatch(r: Random, i: number): BatchOperation[] {
  const n = 1 + r.int(5)
  return Array.from({ length: n }, (_, j): BatchOperation => {
    const pick = r.int(12)
    if (pick === 0) {
      const a = 10 + r.int(40)
      return { type: 'delRange', gte: `k${a}`, lt: `k${a + 1 + r.int(5)}` }
    }
    return pick < 4 ? { type: 'del', key: `k${r.int(50)}` } : { type: 'put', key: `k${r.int(50)}`, value: `v${i}.${j}`.padEnd(40 + r.int(200), '.') }
  })
}

function written(op: BatchOperation): WrittenOperation {
  if (op.type === 'put') return { type: 'put', key: String(op.key), value: String(op.value) }
  if (op.type === 'del') return { type: 'del', key: String(op.key) }
  return { type: 'delRange', gte: String(op.gte), lt: String(op.lt) }
}

function plain(b: ChangeBatch): Written {
  return {
    sequence: b.sequence,
    operations: b.operations.map(written),
  }
}

/** Writes `count` random batches and returns them as the feed should show them. */
async function writeBatches(db: Shale, r: Random, count: number, from = 0): Promise<Written[]> {
  const out: Written[] = []
  for (let i = from; i < from + count; i++) {
    const ops = randomBatch(r, i)
    const sequence = db.stats().lastSequence + 1
    await db.write(ops, { sync: r.int(10) === 0 })
    out.push({ sequence, operations: ops.map(written) })
  }
  return out
}

/** Reads batches until one ends at or after `last`. */
async function readUntil(feed: AsyncIterable<ChangeBatch>, last: number): Promise<Written[]> {
  const got: Written[] = []
  for await (const b of feed) {
    got.push(plain(b))
    if (b.sequence + b.operations.length - 1 >= last) break
  }
  return got
}

test('changes: the backlog, then live writes, whole and in order, across flushes and log switches, no gap and no duplicate', async () => {
  const r = new Random(7)
  const db = await Shale.open(DIR, small({ changesRetention: KEEP_ALL }))
  const before = await writeBatches(db, r, 300)
  assert.ok(db.stats().flushes > 3, 'the backlog spans several flushed logs')
  const feed = db.changes({ since: 1 })
  // Live writes race the reader: half are written before it reads anything.
  const writing = writeBatches(db, r, 300, 300)
  const after = await writing
  const got = await readUntil(feed, db.stats().lastSequence)
  assert.deepEqual(got, [...before, ...after])
  assert.equal(db.stats().changes.feeds, 0, 'break released the feed')
  await db.close()
})

test('changes: a live consumer keeps up while writes go on, and a slow one loses nothing without retention (its logs stay while it reads)', async () => {
  const r = new Random(8)
  const db = await Shale.open(DIR, small())
  const feed = db.changes()[Symbol.asyncIterator]()
  const first = await writeBatches(db, r, 20)
  const got: Written[] = []
  for (let i = 0; i < 10; i++) got.push(plain((await feed.next()).value as ChangeBatch))
  // The consumer stalls while many memtables are flushed and their logs would go.
  const flushesBefore = db.stats().flushes
  const rest = await writeBatches(db, r, 400, 20)
  assert.ok(db.stats().flushes > flushesBefore + 3)
  assert.equal(db.stats().changes.feeds, 1)
  const last = db.stats().lastSequence
  for (;;) {
    const b = (await feed.next()).value as ChangeBatch
    got.push(plain(b))
    if (b.sequence + b.operations.length - 1 >= last) break
  }
  assert.deepEqual(got, [...first, ...rest])
  await feed.return!()
  // Released: the next flush deletes the logs it kept.
  await db.put('x', 'y')
  await db.flush()
  assert.equal(db.stats().changes.retainedLogs, 0)
  await db.close()
})

test('changes: a since inside a batch delivers that batch whole; the default since is the next write', async () => {
  const db = await Shale.open(DIR, small())
  await db.write([{ type: 'put', key: 'a', value: '1' }, { type: 'put', key: 'b', value: '2' }, { type: 'del', key: 'c' }])
  const [b] = await readUntil(db.changes({ since: 2 }), 3)
  assert.deepEqual(b, { sequence: 1, operations: [{ type: 'put', key: 'a', value: '1' }, { type: 'put', key: 'b', value: '2' }, { type: 'del', key: 'c' }] })
  const future = db.changes()
  await db.put('d', '4')
  assert.deepEqual(await readUntil(future, 4), [{ sequence: 4, operations: [{ type: 'put', key: 'd', value: '4' }] }])
  // A since beyond the next sequence waits for it.
  const later = db.changes({ since: 7 })
  await db.put('e', '5')
  await db.write([{ type: 'put', key: 'f', value: '6' }, { type: 'put', key: 'g', value: '7' }])
  await db.put('h', '8')
  assert.deepEqual(await readUntil(later, 8), [{ sequence: 6, operations: [{ type: 'put', key: 'f', value: '6' }, { type: 'put', key: 'g', value: '7' }] }, { sequence: 8, operations: [{ type: 'put', key: 'h', value: '8' }] }])
  await db.close()
})

test('changes: abort ends the loop quietly, before or while it waits; close rejects a waiting next() with CLOSED', async () => {
  const db = await Shale.open(DIR, small())
  await db.put('a', '1')
  const pre = new AbortController()
  pre.abort()
  let n = 0
  for await (const _ of db.changes({ since: 1, signal: pre.signal })) n++
  assert.equal(n, 0)
  const ac = new AbortController()
  const seen: number[] = []
  const loop = (async () => {
    for await (const b of db.changes({ since: 1, signal: ac.signal })) seen.push(b.sequence)
  })()
  await db.put('b', '2')
  await sleep(20)
  ac.abort()
  await loop
  assert.deepEqual(seen, [1, 2])
  assert.equal(db.stats().changes.feeds, 0)
  const waiting = db.changes().next()
  await db.close()
  await assert.rejects(waiting, (err: unknown) => err instanceof ShaleError && err.code === 'CLOSED')
})

test('changes: without retention the feed reaches back to the last flush; older is SEQUENCE_UNAVAILABLE with the range', async () => {
  const db = await Shale.open(DIR, small())
  await writeBatches(db, new Random(1), 100)
  await db.flush()
  await db.put('z', 'last')
  const { firstSequence, lastSequence, retainedLogs } = db.stats().changes
  assert.equal(retainedLogs, 0)
  assert.equal(firstSequence, lastSequence)
  assert.throws(
    () => db.changes({ since: 1 }),
    (err: unknown) => err instanceof SequenceUnavailableError && err.code === 'SEQUENCE_UNAVAILABLE' && err.reason === 'retention' && err.available.first === firstSequence && err.available.last === lastSequence && /sequences \d+ to \d+/.test(err.message),
  )
  assert.deepEqual(await readUntil(db.changes({ since: firstSequence }), lastSequence), [{ sequence: lastSequence, operations: [{ type: 'put', key: 'z', value: 'last' }] }])
  assert.throws(() => db.changes({ since: -1 }), (err: unknown) => err instanceof ShaleError && err.code === 'INVALID_ARGUMENT')
  assert.throws(() => db.changes({ sinse: 1 } as never), (err: unknown) => err instanceof ShaleError && err.code === 'INVALID_ARGUMENT')
  await db.close()
})

test('changes: retention by bytes trims the oldest logs; what is kept survives reopen, unreplayed, and still feeds', async () => {
  const fs = new MemoryFileSystem()
  const options = small({ changesRetention: { bytes: 64 * 1024 } }, fs)
  let db = await Shale.open(DIR, options)
  const written = await writeBatches(db, new Random(2), 600)
  await db.flush()
  const kept = db.stats().changes
  assert.ok(kept.retainedLogs > 0 && kept.retainedBytes <= 64 * 1024, JSON.stringify(kept))
  assert.ok(kept.firstSequence > 1, 'the oldest logs went')
  assert.throws(() => db.changes({ since: kept.firstSequence - 1 }), SequenceUnavailableError)
  await db.close()
  // Reopened keeping everything: exactly the logs kept before are there, and none is replayed.
  db = await Shale.open(DIR, { ...options, changesRetention: KEEP_ALL })
  assert.equal(db.stats().recoveredRecords, 0, 'retained logs are not replayed')
  assert.deepEqual(db.stats().changes.firstSequence, kept.firstSequence)
  const got = await readUntil(db.changes({ since: kept.firstSequence }), written.at(-1)!.sequence)
  assert.deepEqual(got, written.filter((w) => w.sequence + w.operations.length - 1 >= kept.firstSequence))
  await db.close()
})

test('changes: retention by age (the log files\' modification time) trims logs older than ms', async () => {
  const dir = tempDir('shale-changes-')
  try {
    const options: Options = { memtableSize: 4096, compactionThread: 'main', changesRetention: { ms: 60_000 } }
    const db = await Shale.open(dir.path, options)
    await writeBatches(db, new Random(3), 200)
    await db.flush()
    const before = db.stats().changes
    assert.ok(before.retainedLogs >= 2)
    // Age every flushed log by two minutes: the next flush's check drops them all.
    const old = (Date.now() - 120_000) / 1000
    const logs = readdirSync(dir.path).filter((n) => n.endsWith('.log')).sort()
    for (const n of logs.slice(0, -1)) utimesSync(join(dir.path, n), old, old)
    await db.put('a', 'b')
    await db.flush()
    const after = db.stats().changes
    assert.equal(after.retainedLogs, 1, 'only the log flushed just now is young enough')
    assert.ok(after.firstSequence > before.firstSequence)
    await db.close()
  } finally {
    dir.remove()
  }
})

test('changes: an ingest ends the feed with SEQUENCE_UNAVAILABLE (reason ingest); from the sequence after it the feed goes on', async () => {
  const options = small({ changesRetention: KEEP_ALL })
  const db = await Shale.open(DIR, options)
  await db.put('a', '1')
  await db.ingest([{ key: 'i1', value: 'x' }, { key: 'i2', value: 'y' }])
  const ingestSequence = db.stats().lastSequence
  await db.put('b', '2')
  const feed = db.changes({ since: 1 })[Symbol.asyncIterator]()
  assert.equal(((await feed.next()).value as ChangeBatch).sequence, 1)
  await assert.rejects(feed.next(), (err: unknown) => err instanceof SequenceUnavailableError && err.reason === 'ingest' && err.sequence === ingestSequence && err.available.first === ingestSequence + 1)
  assert.deepEqual(await feed.next(), { done: true, value: undefined })
  assert.deepEqual(await readUntil(db.changes({ since: ingestSequence + 1 }), ingestSequence + 1), [{ sequence: ingestSequence + 1, operations: [{ type: 'put', key: 'b', value: '2' }] }])
  await db.close()
  // The marker is an empty batch: recovery replays it as nothing, and the feed still stops there.
  const again = await Shale.open(DIR, options)
  assert.deepEqual([(await again.get('a'))?.toString(), (await again.get('i2'))?.toString(), (await again.get('b'))?.toString()], ['1', 'y', '2'])
  await again.put('c', '3')
  await assert.rejects(readUntil(again.changes({ since: 2 }), Infinity), (err: unknown) => err instanceof SequenceUnavailableError && err.sequence === ingestSequence)
  await again.close()
})

test('changes: a feed from the next write, opened while an ingest is being installed (its marker logged), still ends at the ingest', async () => {
  // The marker is logged, and the store's directory synced, before the ingest's sequence is
  // handed out: a feed opened at that sync must find the marker, not start past it.
  let onSyncDir: (() => void) | undefined
  class Hooked extends MemoryFileSystem {
    override async syncDir(dir: string): Promise<void> {
      const hook = onSyncDir
      onSyncDir = undefined
      hook?.()
      return super.syncDir(dir)
    }
  }
  const db = await Shale.open(DIR, small({ changesRetention: KEEP_ALL }, new Hooked()))
  await db.put('a', '1')
  // Flushed now, so the ingest has no memtable to flush first: its first directory sync is
  // the one after its marker.
  await db.flush()
  const before = db.stats().lastSequence
  let feed: AsyncIterator<ChangeBatch> | undefined
  onSyncDir = () => (feed = db.changes()[Symbol.asyncIterator]())
  await db.ingest([{ key: 'i1', value: 'x' }])
  const ingestSequence = db.stats().lastSequence
  assert.ok(feed !== undefined && ingestSequence > before)
  await db.put('b', '2')
  await assert.rejects(feed.next(), (err: unknown) => err instanceof SequenceUnavailableError && err.reason === 'ingest' && err.sequence === ingestSequence)
  // Opened after the ingest, the default feed starts at the next write and sees it.
  const after = db.changes()[Symbol.asyncIterator]()
  await db.put('c', '3')
  assert.deepEqual(plain((await after.next()).value as ChangeBatch), { sequence: ingestSequence + 2, operations: [{ type: 'put', key: 'c', value: '3' }] })
  await after.return!()
  await db.close()
})

test('changes: a read-only handle follows the writer\'s logs', async () => {
  const dir = tempDir('shale-changes-ro-')
  try {
    const writer = await Shale.open(dir.path, { memtableSize: 4096, compactionThread: 'main', changesRetention: KEEP_ALL })
    const before = await writeBatches(writer, new Random(4), 50)
    await writer.flush()
    const reader = await Shale.open(dir.path, { readOnly: true })
    const feed = reader.changes({ since: 1 })
    const after = await writeBatches(writer, new Random(5), 100, 50)
    const got = await readUntil(feed, writer.stats().lastSequence)
    assert.deepEqual(got, [...before, ...after])
    await reader.close()
    await writer.close()
  } finally {
    dir.remove()
  }
})

test('changesRetention: validated at open', async () => {
  for (const bad of [{ bytes: -1 }, { ms: 1.5 }, { byte: 10 }, 5, null]) {
    await assert.rejects(Shale.open(DIR, small({ changesRetention: bad as never })), (err: unknown) => err instanceof ShaleError && err.code === 'INVALID_ARGUMENT' && /changesRetention/.test(err.message))
  }
})

test('changes: repair does not replay retained logs, so a key deleted since (its tombstone compacted away) stays deleted', async () => {
  const { repairDatabase } = await import('../../src/index.js')
  const options = small({ changesRetention: KEEP_ALL })
  const db = await Shale.open(DIR, options)
  await db.put('gone', 'old value')
  await db.flush()
  await db.delete('gone')
  await db.compactRange()
  assert.ok(db.stats().changes.retainedLogs >= 2, 'the put is still in a retained log')
  assert.equal(await db.get('gone'), undefined)
  await db.close()
  await repairDatabase(DIR, options)
  const again = await Shale.open(DIR, options)
  assert.equal(await again.get('gone'), undefined)
  await again.close()
})

test('changes: a feed waiting on the writer keeps the process alive for a write still buffered, when nothing else does', async () => {
  const dir = tempDir()
  try {
    // The program's last act is three puts without sync, left in the log writer's buffer; the
    // feed must still get them (and then close the store) before the process may exit.
    const script = `import { Shale } from '${new URL('../../src/index.js', import.meta.url).href}'
const db = await Shale.open(${JSON.stringify(dir.path)})
void (async () => {
  for await (const b of db.changes()) {
    console.log('batch', b.sequence)
    if (b.sequence >= 3) break
  }
  await db.close()
  console.log('closed')
})()
await new Promise((resolve) => setTimeout(resolve, 20))
await db.put('a', '1')
await db.put('b', '2')
await db.put('c', '3')`
    const out = runModule(script)
    assert.equal(out.status, 0, out.stderr)
    assert.deepEqual(out.stdout.trim().split('\n'), ['batch 1', 'batch 2', 'batch 3', 'closed'], out.stderr)
  } finally {
    dir.remove()
  }
})

test('changes: reading a long backlog lets the event loop turn (a timer runs), and delivers it all in order', async () => {
  const db = await Shale.open(DIR, small({ changesRetention: KEEP_ALL, memtableSize: 256 * 1024 }))
  const batches = 10_000
  for (let i = 0; i < batches; i++) await db.write([{ type: 'put', key: `k${i % 500}`, value: `v${i}`.padEnd(60, '.') }, { type: 'del', key: `d${i}` }])
  await db.flush()
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  let expected = 1
  try {
    for await (const b of db.changes({ since: 1 })) {
      assert.equal(b.sequence, expected)
      expected += b.operations.length
      if (expected > batches * 2) break
    }
  } finally {
    clearInterval(timer)
  }
  assert.equal(expected, batches * 2 + 1)
  assert.ok(ticks >= 2, `the timer ran ${ticks} times while ${batches} batches were read`)
  await db.close()
})

test('changes: an abort that fires while the feed lets the loop turn over a backlog delivers nothing after it', async () => {
  const db = await Shale.open(DIR, small({ changesRetention: KEEP_ALL, memtableSize: 256 * 1024 }))
  for (let i = 0; i < 10_000; i++) await db.write([{ type: 'put', key: `k${i % 500}`, value: `v${i}`.padEnd(60, '.') }])
  await db.flush()
  // Where the yield falls (with a batch in hand, or between looks) depends on timing: rounds.
  for (let round = 0; round < 8; round++) {
    const stop = new AbortController()
    let delivered = 0
    let afterAbort = 0
    for await (const _ of db.changes({ since: 1, signal: stop.signal })) {
      // A timer runs only when the loop turns: inside one of the feed's yields.
      if (delivered++ === 0) setTimeout(() => stop.abort(), 0)
      if (stop.signal.aborted) afterAbort++
    }
    assert.ok(delivered > 0 && delivered < 10_000, `${delivered} batches delivered before the abort`)
    assert.equal(afterAbort, 0, `round ${round}`)
  }
  await db.close()
})
