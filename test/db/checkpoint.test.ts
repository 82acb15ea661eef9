// db.checkpoint(dir): checkpoints taken while writes, flushes and compactions go on equal a
// snapshot taken at the call; tables are hard links (copies when a link fails); the target
// rules; an unfinished checkpoint directory is refused and cleared; read-only handles
// checkpoint what they see, even after the writer deleted those files; the live log is read a
// time slice at a time. The kill -9 and cross-process cases are in checkpoint-processes.test.ts.

import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Shale, ShaleError, type Snapshot } from '../../src/index.js'
import { checkpointTempDir, logEnd } from '../../src/db/checkpoint.js'
import { logFileName, parseFileName } from '../../src/base/file-names.js'
import { TimeSlicer } from '../../src/util/time-slicer.js'
import { CHECKPOINT_MARKER } from '../../src/db/checkpoint-marker.js'
import { ioError } from '../../src/errors.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { Random } from '../helpers/random.js'
import { tempDir } from '../helpers/temp-dir.js'

const code = (c: string) => (e: unknown) => e instanceof ShaleError && e.code === c
const SMALL = { memtableSize: 16 * 1024, blockSize: 512, l1TargetSize: 64 * 1024, targetFileSize: 16 * 1024, levelMultiplier: 4 }

/** Every [key, value] of `db` as text, through `snapshot` when given. */
async function contents(db: Shale, snapshot?: Snapshot): Promise<[string, string][]> {
  const out: [string, string][] = []
  for await (const [k, v] of db.iterator({ snapshot })) out.push([k.toString(), v.toString()])
  return out
}

/** A NodeFileSystem whose links fail as across devices (EXDEV). */
class NoLinkFileSystem extends NodeFileSystem {
  links = 0
  override link(existing: string, path: string): void {
    this.links++
    const err = new Error(`EXDEV: cross-device link not permitted, link '${existing}' -> '${path}'`) as NodeJS.ErrnoException
    err.code = 'EXDEV'
    throw ioError(`link ${existing} as ${path}`, err)
  }
}

test('checkpoint: taken during writes, flushes and compactions, each equals a snapshot taken at the call', async () => {
  const dir = tempDir('shale-checkpoint-')
  const db = await Shale.open(join(dir.path, 'db'), SMALL)
  const r = new Random(7)
  let stop = false
  let written = 0
  const load = (async () => {
    while (!stop) {
      const i = r.int(3000)
      const key = `k${String(i).padStart(5, '0')}`
      const roll = r.int(10)
      if (roll === 0) await db.delete(key)
      else if (roll === 1) await db.write([{ type: 'put', key, value: `b${written}` }, { type: 'del', key: `k${String(r.int(3000)).padStart(5, '0')}` }])
      else await db.put(key, `v${written}-${'x'.repeat(r.int(200))}`, { sync: roll === 2 })
      written++
    }
  })()
  try {
    const taken: { snap: Snapshot; result: Promise<Awaited<ReturnType<Shale['checkpoint']>>>; path: string }[] = []
    const compactionsSoFar = () => db.stats().levels.reduce((n, l) => n + l.compactions, 0)
    // Eight at least, and on until some were taken after compactions had run and the load
    // wrote enough (a loaded machine is slow to start a compaction, and writes slowly).
    let after = 0
    for (let n = 0; n < 8 || ((after < 3 || written <= 500) && n < 60); n++) {
      await new Promise((resolve) => setTimeout(resolve, 40 + r.int(60)))
      if (compactionsSoFar() > 0) after++
      // A write acknowledged just before the call is in the checkpoint.
      await db.put('marker', `m${n}`)
      const path = join(dir.path, `cp-${n}`)
      // A big batch is logged at once but applied over several turns: a checkpoint taken
      // meanwhile must leave its log record out, as the snapshot does not see it yet.
      const big = n % 2 === 0 ? db.write(Array.from({ length: 20000 }, (_, i) => ({ type: 'put' as const, key: `big${n}-${i}`, value: 'b' }))) : undefined
      // The snapshot and the checkpoint's capture happen in the same synchronous step.
      const snap = db.snapshot()
      taken.push({ snap, result: db.checkpoint(path), path })
      await big
    }
    const results = await Promise.all(taken.map((t) => t.result))
    stop = true
    await load
    const stats = db.stats()
    assert.ok(stats.flushes > 3, `flushes ran during the load (${stats.flushes})`)
    const compactions = stats.levels.reduce((n, l) => n + l.compactions, 0)
    assert.ok(compactions > 0, `compactions ran during the load (${compactions})`)
    let withLogs = 0
    for (let n = 0; n < taken.length; n++) {
      const { snap, path } = taken[n]!
      const result = results[n]!
      assert.equal(result.sequence, snap.sequence)
      assert.equal(result.tables, result.linked + result.copied)
      assert.equal(result.copied, 0, 'on one file system every table is a link')
      if (result.bytes > 4096) withLogs++
      const expected = await contents(db, snap)
      snap.release()
      assert.ok(expected.some(([k, v]) => k === 'marker' && v === `m${n}`))
      assert.deepEqual(readdirSync(path).filter((f) => f === CHECKPOINT_MARKER || f === 'LOCK'), [])
      const ro = await Shale.open(path, { readOnly: true })
      assert.deepEqual(await contents(ro), expected, `read-only open of checkpoint ${n}`)
      await ro.close()
      const copy = await Shale.open(path, SMALL)
      assert.deepEqual(await contents(copy), expected, `checkpoint ${n}`)
      assert.equal(copy.stats().lastSequence, snap.sequence)
      // It is a store of its own: writes to it do not reach the live one.
      await copy.put('only-in-copy', 'x')
      await copy.compactRange()
      await copy.close()
      assert.equal(await db.get('only-in-copy'), undefined)
      assert.equal(existsSync(checkpointTempDir(path)), false)
    }
    assert.ok(withLogs > 0, 'some checkpoints carried log records')
    assert.ok(written > 500, `the load kept writing (${written})`)
  } finally {
    stop = true
    await load
    await db.close()
    dir.remove()
  }
})

test('checkpoint: tables are hard links to the live files; where a link fails (EXDEV) they are copied', async () => {
  const dir = tempDir('shale-checkpoint-')
  try {
    const fs = new NoLinkFileSystem()
    const location = join(dir.path, 'db')
    const db = await Shale.open(location, SMALL)
    for (let i = 0; i < 2000; i++) await db.put(`k${i}`, `v${i}`.repeat(10))
    await db.flush()
    await db.waitForCompactions()
    await db.put('tail', 'in the log')
    const linked = await db.checkpoint(join(dir.path, 'linked'))
    assert.ok(linked.tables > 2)
    assert.equal(linked.linked, linked.tables)
    for (const name of readdirSync(join(dir.path, 'linked')).filter((n) => n.endsWith('.sst'))) {
      const a = statSync(join(dir.path, 'linked', name))
      assert.equal(a.ino, statSync(join(location, name)).ino, `${name} shares the live file's inode`)
      assert.ok(a.nlink >= 2)
    }
    const expected = await contents(db)
    await db.close()

    const viaCopy = await Shale.open(location, { ...SMALL, fileSystem: fs })
    const copied = await viaCopy.checkpoint(join(dir.path, 'copied'))
    assert.ok(fs.links > 0, 'a link was tried')
    assert.equal(copied.linked, 0)
    assert.equal(copied.copied, copied.tables)
    assert.ok(copied.bytes > copied.tables * 100)
    for (const name of readdirSync(join(dir.path, 'copied')).filter((n) => n.endsWith('.sst'))) {
      assert.notEqual(statSync(join(dir.path, 'copied', name)).ino, statSync(join(location, name)).ino)
    }
    await viaCopy.close()
    for (const name of ['linked', 'copied']) {
      const copy = await Shale.open(join(dir.path, name))
      assert.deepEqual(await contents(copy), expected, name)
      await copy.close()
    }
  } finally {
    dir.remove()
  }
})

test('checkpoint: refuses a non-empty or file target, a target inside the store, and a closed handle; an empty directory is fine', async () => {
  const dir = tempDir('shale-checkpoint-')
  try {
    const location = join(dir.path, 'db')
    const db = await Shale.open(location)
    await db.put('a', '1')
    mkdirSync(join(dir.path, 'full'))
    writeFileSync(join(dir.path, 'full', 'x'), 'y')
    writeFileSync(join(dir.path, 'file'), 'y')
    await assert.rejects(db.checkpoint(join(dir.path, 'full')), (e) => code('INVALID_ARGUMENT')(e) && /not empty/.test((e as Error).message))
    assert.deepEqual(readdirSync(join(dir.path, 'full')), ['x'])
    await assert.rejects(db.checkpoint(join(dir.path, 'file')), code('INVALID_ARGUMENT'))
    await assert.rejects(db.checkpoint(location), code('INVALID_ARGUMENT'))
    await assert.rejects(db.checkpoint(join(location, 'inside')), (e) => code('INVALID_ARGUMENT')(e) && /inside the database/.test((e as Error).message))
    await assert.rejects(db.checkpoint(''), code('INVALID_ARGUMENT'))
    mkdirSync(join(dir.path, 'empty'))
    const result = await db.checkpoint(join(dir.path, 'empty'))
    assert.equal(result.sequence, 1)
    // Taken twice to the same place: the second finds it non-empty.
    await assert.rejects(db.checkpoint(join(dir.path, 'empty')), code('INVALID_ARGUMENT'))
    await db.flush()
    // close() while a checkpoint is being built: it stops with CLOSED and leaves nothing behind.
    const racing = db.checkpoint(join(dir.path, 'racing'))
    const closing = db.close()
    await assert.rejects(racing, code('CLOSED'))
    await closing
    assert.equal(existsSync(join(dir.path, 'racing')), false)
    assert.equal(existsSync(checkpointTempDir(join(dir.path, 'racing'))), false)
    await assert.rejects(db.checkpoint(join(dir.path, 'after-close')), code('CLOSED'))
    assert.equal(existsSync(join(dir.path, 'after-close')), false)
    const copy = await Shale.open(join(dir.path, 'empty'))
    assert.equal((await copy.get('a'))?.toString(), '1')
    await copy.close()
  } finally {
    dir.remove()
  }
})

test('checkpoint: an unfinished checkpoint directory is refused on open, and the next checkpoint to that target clears it', async () => {
  const dir = tempDir('shale-checkpoint-')
  try {
    const db = await Shale.open(join(dir.path, 'db'), SMALL)
    for (let i = 0; i < 500; i++) await db.put(`k${i}`, `v${i}`)
    const target = join(dir.path, 'cp')
    const temp = checkpointTempDir(target)
    // What a builder killed part-way leaves: the marker, some tables, its LOCK (a dead pid).
    mkdirSync(temp)
    writeFileSync(join(temp, CHECKPOINT_MARKER), 'checkpoint in progress\n')
    writeFileSync(join(temp, '000007.sst'), 'half a table')
    writeFileSync(join(temp, 'LOCK'), `999999999 ${(await import('node:os')).hostname()} 00000000-0000-4000-8000-000000000000\n`)
    await assert.rejects(Shale.open(temp), (e) => code('INVALID_ARGUMENT')(e) && /unfinished checkpoint/.test((e as Error).message))
    await assert.rejects(Shale.open(temp, { readOnly: true }), code('INVALID_ARGUMENT'))
    assert.deepEqual(readdirSync(temp).sort(), ['000007.sst', CHECKPOINT_MARKER, 'LOCK'].sort(), 'a refused open changes nothing')
    await db.checkpoint(target)
    assert.equal(existsSync(temp), false, 'the stale temporary directory is gone')
    const copy = await Shale.open(target)
    assert.equal((await copy.get('k499'))?.toString(), 'v499')
    await copy.close()
    // A checkpoint still being built by a live process (here: this one) is not taken over.
    const target2 = join(dir.path, 'cp2')
    const first = db.checkpoint(target2)
    await assert.rejects(db.checkpoint(target2), code('LOCKED'))
    await first
    await db.close()
  } finally {
    dir.remove()
  }
})

test('checkpoint: a read-only handle checkpoints its own view, after the writer flushed and compacted its logs and tables away', async () => {
  const dir = tempDir('shale-checkpoint-')
  try {
    const location = join(dir.path, 'db')
    const writer = await Shale.open(location, SMALL)
    for (let i = 0; i < 1500; i++) await writer.put(`k${i % 700}`, `first-${i}`)
    await writer.flush()
    for (let i = 0; i < 60; i++) await writer.put(`k${i}`, `in-log-${i}`, { sync: true })
    const reader = await Shale.open(location, { readOnly: true })
    const seen = await contents(reader)
    const sequence = reader.stats().lastSequence
    // The writer moves on: its log becomes a table and compactions delete the tables the reader's view lists.
    for (let i = 0; i < 1500; i++) await writer.put(`k${i % 700}`, `second-${i}`)
    await writer.compactRange()
    await writer.waitForCompactions()
    const result = await reader.checkpoint(join(dir.path, 'cp'))
    assert.equal(result.sequence, sequence)
    assert.ok(result.copied > 0, 'tables the writer deleted are copied from the handle\'s open files')
    assert.ok(result.logs > 0)
    const copy = await Shale.open(join(dir.path, 'cp'))
    assert.deepEqual(await contents(copy), seen)
    await copy.close()
    // The handle's view is unchanged, and refresh still moves it forward.
    assert.deepEqual(await contents(reader), seen)
    assert.equal(await reader.refresh(), true)
    assert.equal((await reader.get('k1'))?.toString(), (await writer.get('k1'))?.toString())
    await reader.close()
    await writer.close()
  } finally {
    dir.remove()
  }
})

test('checkpoint: during and after an ingest, the copy equals the snapshot, and its own next writes follow every sequence it holds', async () => {
  const dir = tempDir('shale-checkpoint-')
  try {
    const db = await Shale.open(join(dir.path, 'db'), SMALL)
    for (let i = 0; i < 300; i++) await db.put(`a${i}`, `v${i}`)
    const entries = Array.from({ length: 5000 }, (_, i) => ({ key: `i${String(i).padStart(5, '0')}`, value: `ingested-${i}` }))
    const ingest = db.ingest(entries)
    const points: { snap: Snapshot; path: string; result: ReturnType<Shale['checkpoint']> }[] = []
    for (let n = 0; n < 2; n++) {
      const path = join(dir.path, `during-${n}`)
      const snap = db.snapshot()
      points.push({ snap, path, result: db.checkpoint(path) })
      await new Promise((resolve) => setImmediate(resolve))
    }
    await ingest
    const after = join(dir.path, 'after')
    points.push({ snap: db.snapshot(), path: after, result: db.checkpoint(after) })
    for (const { snap, path, result } of points) {
      const r = await result
      const expected = await contents(db, snap)
      snap.release()
      const copy = await Shale.open(path)
      assert.deepEqual(await contents(copy), expected, path)
      assert.ok(copy.stats().lastSequence >= r.sequence)
      // A write to the copy replaces an ingested key: it is numbered after the ingest's sequence.
      await copy.put('i00001', 'new')
      assert.equal((await copy.get('i00001'))?.toString(), 'new')
      await copy.close()
    }
    const copy = await Shale.open(after)
    assert.equal((await copy.get('i04999'))?.toString(), 'ingested-4999')
    await copy.close()
    await db.close()
  } finally {
    dir.remove()
  }
})

/** A MemoryFileSystem that keeps the image a power loss would leave before and after every directory sync. */
class ImagingFileSystem extends MemoryFileSystem {
  readonly images: MemoryFileSystem[] = []
  override async syncDir(dir: string): Promise<void> {
    this.images.push(this.crash())
    await super.syncDir(dir)
    this.images.push(this.crash())
  }
}

test('checkpoint: a power loss at any directory sync of a checkpoint leaves the target absent or complete, on the in-memory file system', async () => {
  const fs = new ImagingFileSystem()
  const options = { ...SMALL, fileSystem: fs }
  const db = await Shale.open('/db', options)
  for (let i = 0; i < 600; i++) await db.put(`k${i % 250}`, `v${i}`.padEnd(40, '.'))
  await db.flush()
  // Synced, so that the live store in every image holds them too (it is checkpointed again below).
  for (let i = 0; i < 40; i++) await db.put(`k${i}`, `late${i}`, { sync: true })
  const snap = db.snapshot()
  fs.images.length = 0
  const result = await db.checkpoint('/cp')
  assert.equal(result.linked, result.tables, 'the in-memory file system links')
  const expected = await contents(db, snap)
  snap.release()
  await db.close()
  assert.ok(fs.images.length > 6)
  let complete = 0
  let refused = 0
  for (const image of [...fs.images, fs.crash()]) {
    const temp = checkpointTempDir('/cp')
    if (image.list('/cp').length > 0) {
      const copy = await Shale.open('/cp', { ...SMALL, fileSystem: image })
      assert.deepEqual(await contents(copy), expected)
      await copy.close()
      complete++
    } else if (image.list(temp).includes(CHECKPOINT_MARKER)) {
      await assert.rejects(Shale.open(temp, { ...SMALL, fileSystem: image }), code('INVALID_ARGUMENT'))
      refused++
      // The store itself is intact, and a checkpoint to the same target now succeeds.
      const again = await Shale.open('/db', { ...SMALL, fileSystem: image })
      await again.checkpoint('/cp')
      await again.close()
      assert.equal(image.list(temp).length, 0)
      const copy = await Shale.open('/cp', { ...SMALL, fileSystem: image })
      assert.deepEqual(await contents(copy), expected)
      await copy.close()
    }
  }
  assert.ok(complete > 0 && refused > 0, `images with the checkpoint complete (${complete}) and unfinished (${refused})`)
})

test('checkpoint: the live log is read for its end a time slice at a time, and the end is the last record at or below the sequence', async () => {
  const fs = new MemoryFileSystem()
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 64 * 1024 * 1024 })
  const records = 2000
  for (let i = 0; i < records; i++) await db.put(`k${i}`, 'v')
  await db.close()
  // close() does not flush the memtable: the log still holds every record.
  const number = Math.max(...fs.list('/db').filter((n) => n.endsWith('.log')).map((n) => parseFileName(n)!.number))
  const file = fs.openRead(logFileName('/db', number))
  const log = { number, size: file.size, file }
  try {
    // A slice of no time: every record is followed by a turn of the event loop.
    let turns = 0
    let counting = true
    const count = (): void => {
      turns++
      if (counting) setImmediate(count)
    }
    setImmediate(count)
    const whole = await logEnd(log, '/db', records, new TimeSlicer(0, 1))
    counting = false
    assert.ok(turns >= records / 2, `the loop turned ${turns} times while ${records} records were read`)
    // Every record (the file may run on past them, preallocated).
    assert.equal(whole.past, false)
    assert.ok(whole.length > 0 && whole.length <= file.size)
    assert.equal((await logEnd(log, '/db', records - 1, new TimeSlicer())).past, true)
    // Cut after the record of sequence 1000: the first half, and a later record was seen.
    const half = await logEnd(log, '/db', 1000, new TimeSlicer())
    assert.equal(half.past, true)
    assert.ok(half.length > 0 && half.length < whole.length)
    assert.deepEqual(await logEnd({ ...log, size: half.length }, '/db', records, new TimeSlicer()), { length: half.length, past: false })
  } finally {
    file.close()
  }
})
