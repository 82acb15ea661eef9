// db.ingest(): what a bulk load makes visible, where its tables go, how it orders against
// existing data, snapshots and concurrent writes, and that every failure leaves nothing
// visible and no table behind.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { MAX_KEY_SIZE, Shale, ShaleError, checkDatabase, type IngestEntry, type Options } from '../../src/index.js'
import { NUM_LEVELS } from '../../src/base/levels.js'
import { contents } from '../helpers/batch-history.js'
import { ioError } from '../../src/errors.js'
import type { WritableFile } from '../../src/vfs/file-system.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const DIR = '/db'
const key = (i: number): string => `key-${String(i).padStart(6, '0')}`
const LAST = NUM_LEVELS - 1

/** Small tables and blocks, so a few thousand entries make several tables. */
function small(fs = new MemoryFileSystem()): Options & { fileSystem: MemoryFileSystem } {
  return { fileSystem: fs, memtableSize: 16 * 1024, blockSize: 512, targetFileSize: 8 * 1024 }
}

function* run(from: number, to: number, value: (i: number) => string = (i) => `ingested-${i}`): Generator<IngestEntry> {
  for (let i = from; i < to; i++) yield { key: key(i), value: value(i) }
}

const tables = (fs: MemoryFileSystem): string[] => [...fs.files.keys()].filter((p) => p.endsWith('.sst')).sort()
const code = (c: string) => (err: unknown) => err instanceof ShaleError && err.code === c

/** The store's tables are exactly those its version lists (no orphan left by an ingest). */
function assertNoOrphans(db: Shale, fs: MemoryFileSystem, what: string): void {
  const live = db.stats().levels.reduce((n, l) => n + l.files, 0)
  assert.equal(tables(fs).length, live, `${what}: tables on disk ${tables(fs).join(' ')}, ${live} live`)
}

test('ingest: every entry is visible and durable, in the last level of an empty store, without the log', async () => {
  const options = small()
  const db = await Shale.open(DIR, options)
  const result = await db.ingest(run(0, 3000))
  assert.equal(result.entries, 3000)
  assert.equal(result.level, LAST)
  assert.ok(result.tables > 2, `${result.tables} tables`)
  const stats = db.stats()
  assert.equal(stats.levels[LAST]!.files, result.tables)
  assert.equal(stats.levels.slice(0, LAST).reduce((n, l) => n + l.files, 0), 0)
  assert.equal(stats.walBytes, 0, 'nothing went through the log')
  assert.equal(stats.ingests, 1)
  assert.equal(stats.ingestedEntries, 3000)
  assert.equal((await db.get(key(1234)))?.toString(), 'ingested-1234')
  await db.close()
  // Durable without a close too: the power-cut image keeps it all.
  const reopened = await Shale.open(DIR, { ...options, fileSystem: options.fileSystem.crash() })
  const got = await contents(reopened)
  assert.equal(got.size, 3000)
  assert.equal(got.get(key(2999)), 'ingested-2999')
  await reopened.close()
})

test('ingest: overwrites keys in the memtable, level 0 and deeper levels; a snapshot taken before sees the old values', async () => {
  const options = small()
  const db = await Shale.open(DIR, options)
  const expected = new Map<string, string>()
  // Deep levels: keys 0..1999, compacted down.
  for (let i = 0; i < 2000; i++) await db.put(key(i), `deep-${i}`)
  await db.compactRange()
  // Level 0: every third key, flushed.
  for (let i = 0; i < 3000; i += 3) await db.put(key(i), `l0-${i}`)
  await db.flush()
  // The memtable: every seventh key and a tombstone for every eleventh.
  for (let i = 0; i < 3000; i += 7) await db.put(key(i), `mem-${i}`)
  for (let i = 0; i < 3000; i += 11) await db.delete(key(i))
  for (let i = 0; i < 2000; i++) expected.set(key(i), `deep-${i}`)
  for (let i = 0; i < 3000; i += 3) expected.set(key(i), `l0-${i}`)
  for (let i = 0; i < 3000; i += 7) expected.set(key(i), `mem-${i}`)
  for (let i = 0; i < 3000; i += 11) expected.delete(key(i))
  const before = new Map(expected)
  const snap = db.snapshot()
  // The ingest covers even keys 500..2498: overlapping all three.
  function* evens(): Generator<IngestEntry> {
    for (let i = 500; i < 2500; i += 2) yield { key: key(i), value: `new-${i}` }
  }
  const result = await db.ingest(evens())
  for (let i = 500; i < 2500; i += 2) expected.set(key(i), `new-${i}`)
  assert.equal(result.level, 0, 'overlaps what the flush put in level 0')
  assert.deepEqual(await contents(db), expected)
  for (const i of [500, 501, 714, 1001, 1386, 2002, 2499]) assert.equal((await db.get(key(i)))?.toString(), expected.get(key(i)), `get ${key(i)}`)
  // The snapshot: gets and an iterator.
  for (const i of [500, 714, 1386, 2002]) assert.equal((await db.get(key(i), { snapshot: snap }))?.toString(), before.get(key(i)), `snapshot get ${key(i)}`)
  const old = new Map<string, string>()
  for await (const [k, v] of db.iterator({ snapshot: snap })) old.set(k.toString(), v.toString())
  assert.deepEqual(old, before)
  snap.release()
  // A later write wins over the ingest, and everything survives compaction and reopen.
  await db.put(key(600), 'later')
  expected.set(key(600), 'later')
  await db.compactRange()
  assert.deepEqual(await contents(db), expected)
  await db.close()
  const reopened = await Shale.open(DIR, options)
  assert.deepEqual(await contents(reopened), expected)
  await reopened.close()
})

test('ingest: into level 0 over a key only the memtable held, the ingested value wins (newest level-0 tables)', async () => {
  const db = await Shale.open(DIR, small())
  await db.put(key(5), 'in the memtable')
  const result = await db.ingest(run(0, 10))
  assert.equal(result.level, 0)
  assert.equal((await db.get(key(5)))?.toString(), 'ingested-5')
  await db.close()
})

test('ingest: overlapping only the last level goes just above it, and shadows it', async () => {
  const options = small()
  const db = await Shale.open(DIR, options)
  for (let i = 0; i < 500; i++) await db.put(key(i), `old-${i}`)
  await db.compactRange()
  assert.ok(db.stats().levels[LAST]!.files > 0)
  const result = await db.ingest(run(250, 750))
  assert.equal(result.level, LAST - 1)
  assert.equal((await db.get(key(100)))?.toString(), 'old-100')
  assert.equal((await db.get(key(300)))?.toString(), 'ingested-300')
  assert.equal((await db.get(key(700)))?.toString(), 'ingested-700')
  await db.close()
})

test('ingest: an async source, and one that yields arrays of entries', async () => {
  const db = await Shale.open(DIR, small())
  async function* single(): AsyncGenerator<IngestEntry> {
    for (let i = 0; i < 500; i++) {
      if (i % 100 === 0) await yieldToLoop()
      yield { key: key(i), value: Buffer.from(`async-${i}`) }
    }
  }
  assert.equal((await db.ingest(single())).entries, 500)
  async function* chunks(): AsyncGenerator<IngestEntry[]> {
    for (let c = 0; c < 5; c++) yield [...run(1000 + c * 100, 1100 + c * 100)]
  }
  assert.equal((await db.ingest(chunks())).entries, 500)
  assert.equal((await db.get(key(499)))?.toString(), 'async-499')
  assert.equal((await db.get(key(1499)))?.toString(), 'ingested-1499')
  await db.close()
})

test('ingest: writes made while the tables are built go on, and count as older than the ingest', async () => {
  const db = await Shale.open(DIR, small())
  let wrote = false
  async function* source(): AsyncGenerator<IngestEntry> {
    for (let i = 0; i < 2000; i++) {
      if (i === 1000) {
        // Awaited inside the build: it must not wait for the ingest to finish.
        await db.put(key(10), 'written during the build')
        await db.put('outside', 'written during the build')
        wrote = true
      }
      yield { key: key(i), value: `ingested-${i}` }
    }
  }
  await db.ingest(source())
  assert.ok(wrote)
  assert.equal((await db.get(key(10)))?.toString(), 'ingested-10')
  assert.equal((await db.get('outside'))?.toString(), 'written during the build')
  await db.close()
})

/** Runs a callback once, at the start of the next directory sync. */
class SyncDirHook extends MemoryFileSystem {
  onSyncDir: (() => void) | undefined

  override async syncDir(dir: string): Promise<void> {
    const hook = this.onSyncDir
    this.onSyncDir = undefined
    hook?.()
    await super.syncDir(dir)
  }
}

test('ingest: a write issued while the ingest is installed waits for it, and lands after it', async () => {
  const fs = new SyncDirHook()
  const options = small(fs)
  const db = await Shale.open(DIR, options)
  await db.put('a', '1')
  await db.flush()
  // With the memtable empty, the install's own directory sync (writes held) is the first one.
  let put: Promise<void> | undefined
  fs.onSyncDir = () => {
    put = db.put(key(5005), 'issued during the install')
  }
  await db.ingest(run(5000, 5010))
  assert.ok(put !== undefined, 'the put was issued')
  await put
  const check = async (db: Shale, what: string): Promise<void> => {
    assert.equal((await db.get(key(5005)))?.toString(), 'issued during the install', `${what}: get`)
    assert.equal((await contents(db)).get(key(5005)), 'issued during the install', `${what}: iterator`)
  }
  await check(db, 'after the ingest')
  await db.close()
  const reopened = await Shale.open(DIR, options)
  await check(reopened, 'after reopen')
  await reopened.close()
})

test('ingest: nothing to load resolves with no tables and takes no sequence number', async () => {
  const options = small()
  const db = await Shale.open(DIR, options)
  await db.put('a', '1')
  const before = db.stats().lastSequence
  assert.deepEqual(await db.ingest([]), { entries: 0, tables: 0, bytes: 0, level: undefined })
  assert.equal(db.stats().lastSequence, before)
  assert.deepEqual(tables(options.fileSystem), [])
  await db.close()
})

/** Runs a failing ingest on a store holding data and checks that nothing changed and no table is left. */
async function failsCleanly(what: string, source: () => unknown, check: (err: unknown) => boolean): Promise<void> {
  const options = small()
  const db = await Shale.open(DIR, options)
  for (let i = 0; i < 50; i++) await db.put(key(i), `before-${i}`)
  await db.flush()
  const before = await contents(db)
  await assert.rejects(db.ingest(source() as Iterable<IngestEntry>), check, what)
  assert.deepEqual(await contents(db), before, `${what}: the store changed`)
  assertNoOrphans(db, options.fileSystem, what)
  // The store still takes writes and ingests.
  await db.ingest(run(100, 200))
  assert.equal((await db.get(key(150)))?.toString(), 'ingested-150')
  await db.close()
  const reopened = await Shale.open(DIR, options)
  assert.equal((await reopened.get(key(10)))?.toString(), 'before-10')
  await reopened.close()
}

test('ingest: a key out of order, late in the input, is INVALID_ARGUMENT and nothing is visible', async () => {
  await failsCleanly(
    'unsorted',
    function* () {
      yield* run(0, 2000)
      yield { key: key(1500), value: 'back in time' }
    },
    (err) => code('INVALID_ARGUMENT')(err) && /entry 2000/.test(String(err)) && /ascending/.test(String(err)),
  )
})

test('ingest: a duplicate key is INVALID_ARGUMENT', async () => {
  await failsCleanly(
    'duplicate',
    function* () {
      yield* run(0, 1000)
      yield { key: key(999), value: 'again' }
    },
    code('INVALID_ARGUMENT'),
  )
})

test('ingest: bad entries are INVALID_ARGUMENT, as for puts', async () => {
  await failsCleanly('not an object', () => [...run(0, 10), 'k'], code('INVALID_ARGUMENT'))
  await failsCleanly('no value', () => [{ key: 'a' }], (err) => code('INVALID_ARGUMENT')(err) && /value/.test(String(err)))
  await failsCleanly('empty key', () => [{ key: '', value: 'v' }], code('INVALID_ARGUMENT'))
  await failsCleanly('oversized key', () => [{ key: new Uint8Array(MAX_KEY_SIZE + 1), value: 'v' }], code('INVALID_ARGUMENT'))
  await failsCleanly('not iterable', () => 42, (err) => code('INVALID_ARGUMENT')(err) && /iterable/.test(String(err)))
})

test('ingest: a source that throws midway rejects with its error and leaves nothing', async () => {
  const boom = new Error('the source failed')
  await failsCleanly(
    'throwing source',
    async function* () {
      yield* run(0, 3000)
      throw boom
    },
    (err) => err === boom,
  )
})

test('ingest: a closed database is CLOSED, a read-only handle READ_ONLY', async () => {
  const options = small()
  const db = await Shale.open(DIR, options)
  await db.put('a', '1')
  await db.flush()
  const reader = await Shale.open(DIR, { ...options, readOnly: true })
  await assert.rejects(reader.ingest(run(0, 10)), code('READ_ONLY'))
  await reader.close()
  await db.close()
  await assert.rejects(db.ingest(run(0, 10)), code('CLOSED'))
})

test('ingest: close during the build stops it with CLOSED, and the reopened store holds none of it and no table of it', async () => {
  const options = small()
  const db = await Shale.open(DIR, options)
  await db.put('a', '1')
  let yielded = 0
  async function* endless(): AsyncGenerator<IngestEntry> {
    for (let i = 0; ; i++) {
      if (i % 50 === 0) await yieldToLoop()
      yielded++
      yield { key: key(i), value: `v${i}`.padEnd(100, '.') }
    }
  }
  const ingest = db.ingest(endless())
  while (yielded < 2000) await yieldToLoop()
  assert.ok(tables(options.fileSystem).length > 0, 'tables were being written')
  await db.close()
  await assert.rejects(ingest, code('CLOSED'))
  assert.deepEqual(tables(options.fileSystem), [], 'no table left behind')
  const reopened = await Shale.open(DIR, options)
  assert.deepEqual(await contents(reopened), new Map([['a', '1']]))
  await reopened.close()
})

/** Fails the sync of the MANIFEST while `failManifestSync` is set. */
class ManifestFaults extends MemoryFileSystem {
  failManifestSync = false

  override create(path: string): WritableFile {
    const file = super.create(path)
    if (!path.includes('MANIFEST-')) return file
    return {
      get size() {
        return file.size
      },
      append: (data) => file.append(data),
      sync: async () => {
        if (this.failManifestSync) throw ioError(`sync ${path}`, Object.assign(new Error('EIO: injected'), { code: 'EIO' }))
        await file.sync()
      },
      close: () => file.close(),
    }
  }
}

test('ingest: a failed table sync or directory sync leaves nothing, and writes go on', async () => {
  const options = small()
  const fs = options.fileSystem
  const db = await Shale.open(DIR, options)
  await db.put('a', '1')
  await db.flush()
  fs.failNth('sync', 2, 'EIO')
  await assert.rejects(db.ingest(run(0, 3000)), code('IO'))
  assertNoOrphans(db, fs, 'failed table sync')
  assert.equal(await db.get(key(0)), undefined)
  // The memtable is empty, so the install's own directory sync is the next one.
  fs.failNth('syncDir', 1, 'EIO')
  await assert.rejects(db.ingest(run(0, 3000)), code('IO'))
  assertNoOrphans(db, fs, 'failed directory sync')
  assert.equal(await db.get(key(0)), undefined)
  await db.put('b', '2')
  await db.ingest(run(0, 10))
  assert.equal((await db.get(key(3)))?.toString(), 'ingested-3')
  await db.close()
})

test('ingest: a failed MANIFEST write stops writes, and the store reopens with all of the ingest or none', async () => {
  const fs = new ManifestFaults()
  const options = small(fs)
  const db = await Shale.open(DIR, options)
  await db.put('a', '1')
  await db.flush()
  // Failing from the last entry on: every table number is reserved by then, so the sync
  // that fails is the install's edit.
  function* failingAtTheEnd(): Generator<IngestEntry> {
    yield* run(0, 3000)
    fs.failManifestSync = true
  }
  await assert.rejects(db.ingest(failingAtTheEnd()), (err) => code('IO')(err) && db.stats().backgroundError !== undefined)
  fs.failManifestSync = false
  await assert.rejects(db.put('b', '2'), code('READ_ONLY'))
  // The edit's record reached the file but not the disk: a power cut loses it, a process crash keeps it.
  const images = { 'power cut': fs.crash(), 'process crash': fs }
  await db.close().catch(() => {})
  for (const [what, image] of Object.entries(images)) {
    const reopened = await Shale.open(DIR, { ...options, fileSystem: image })
    const got = await contents(reopened)
    const ingested = [...got.keys()].filter((k) => k.startsWith('key-')).length
    assert.ok(ingested === 0 || ingested === 3000, `${what}: ${ingested} of the 3000 entries`)
    assert.equal(got.get('a'), '1')
    await reopened.waitForCompactions()
    assertNoOrphans(reopened, image as MemoryFileSystem, what)
    await reopened.close()
  }
})

test('ingest: a damaged ingested table is reported as CORRUPTION, never returned as data', async () => {
  const options = small()
  const fs = options.fileSystem
  const db = await Shale.open(DIR, options)
  await db.ingest(run(0, 3000))
  await db.close()
  const [first] = tables(fs)
  // A byte in the middle of the first data block.
  fs.bytesOf(first!)[200]! ^= 0x5a
  const report = checkDatabase(DIR, { fileSystem: fs })
  assert.ok(!report.ok, 'check finds the damage')
  const reopened = await Shale.open(DIR, options)
  let corrupt = 0
  for (let i = 0; i < 3000; i += 7) {
    try {
      const v = await reopened.get(key(i))
      assert.equal(v?.toString(), `ingested-${i}`, `get ${key(i)} returned wrong data`)
    } catch (err) {
      if (!code('CORRUPTION')(err)) throw err
      corrupt++
    }
  }
  assert.ok(corrupt > 0, 'some get hit the damaged block')
  await assert.rejects(async () => {
    for await (const [k, v] of reopened.iterator()) assert.equal(v.toString(), `ingested-${Number(k.toString().slice(4))}`)
  }, code('CORRUPTION'))
  await reopened.close()
})
