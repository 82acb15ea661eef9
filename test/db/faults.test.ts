// Failing disks, through the in-memory file system's injected errors: a failed log append
// or fsync fails the writes that depended on it with a typed error and stops later writes
// (READ_ONLY) while reads go on; a failed flush or compaction does the same; nothing that
// was acknowledged is lost when the database is reopened.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, ShaleError } from '../../src/index.js'
import { MemoryFileSystem, type FaultKind } from '../helpers/memory-file-system.js'
import { Random } from '../helpers/random.js'
import type { CreateOptions } from '../../src/vfs/file-system.js'

const code = (c: string) => (e: unknown) => e instanceof ShaleError && e.code === c

async function fresh(options = {}): Promise<{ fs: MemoryFileSystem; db: Shale }> {
  const fs = new MemoryFileSystem()
  return { fs, db: await Shale.open('/db', { fileSystem: fs, ...options }) }
}

test('a full disk during a sync write fails it with NO_SPACE, then writes stop while it stays full and reads go on', async () => {
  const { fs, db } = await fresh()
  await db.put('a', '1', { sync: true })
  fs.failNth('append', 1, 'ENOSPC', true)
  await assert.rejects(db.put('b', '2', { sync: true }), code('NO_SPACE'))
  await assert.rejects(db.put('c', '3'), code('READ_ONLY'))
  assert.equal((await db.get('a'))?.toString(), '1')
  assert.match(db.stats().backgroundError ?? '', /disk is full/)
  await db.close()
  fs.clearFaults()
  const again = await Shale.open('/db', { fileSystem: fs })
  assert.equal((await again.get('a'))?.toString(), '1')
  assert.equal(await again.get('c'), undefined)
  await again.put('d', '4', { sync: true })
  await again.close()
})

test('a close that fails (the log cannot take its last bytes) still releases the lock', async () => {
  const { fs, db } = await fresh()
  await db.put('a', '1', { sync: true })
  // Buffered, not yet handed to the file: close() must append it, and that append fails.
  const pending = db.put('b', '2')
  fs.failNth('append', 1, 'ENOSPC', true)
  await assert.rejects(db.close(), code('NO_SPACE'))
  await pending.catch(() => {})
  fs.clearFaults()
  const again = await Shale.open('/db', { fileSystem: fs })
  assert.equal((await again.get('a'))?.toString(), '1')
  await again.close()
})

test('a failed fsync fails the writes grouped on it with IO and is never retried', async () => {
  const { fs, db } = await fresh()
  await db.put('a', '1', { sync: true })
  fs.failNth('sync', 1, 'EIO')
  const grouped = await Promise.allSettled([db.put('b', '2', { sync: true }), db.put('c', '3', { sync: true })])
  assert.deepEqual(grouped.map((r) => r.status), ['rejected', 'rejected'])
  assert.ok(grouped.every((r) => r.status === 'rejected' && code('IO')(r.reason)))
  await assert.rejects(db.put('d', '4', { sync: true }), code('READ_ONLY'))
  await db.close()
  fs.clearFaults()
  const again = await Shale.open('/db', { fileSystem: fs })
  assert.equal((await again.get('a'))?.toString(), '1')
  await again.close()
})

test('a failed flush makes the database read-only with the cause in stats; reopening recovers every write', async () => {
  const { fs, db } = await fresh({ memtableSize: 2048 })
  fs.failNth('syncDir', 1, 'EIO') // the flush's directory sync, after writing its table
  const written: string[] = []
  let failure: unknown
  for (let i = 0; i < 500 && failure === undefined; i++) {
    try {
      await db.put(`k${String(i).padStart(4, '0')}`, 'v'.repeat(20))
      written.push(`k${String(i).padStart(4, '0')}`)
    } catch (err) {
      failure = err
    }
    if (db.stats().backgroundError) break
  }
  await new Promise((r) => setTimeout(r, 10))
  assert.match(db.stats().backgroundError ?? '', /read-only after a failure to flush/)
  await assert.rejects(db.put('after', 'x'), code('READ_ONLY'))
  assert.equal((await db.get(written[0]!))?.toString(), 'v'.repeat(20), 'reads still work')
  await db.close()
  fs.clearFaults()
  const again = await Shale.open('/db', { fileSystem: fs, memtableSize: 2048 })
  for (const k of written) assert.equal((await again.get(k))?.toString(), 'v'.repeat(20), `${k} survived`)
  await again.close()
})

test('disk full at random moments (any operation) loses no synced write and reopens to a prefix', async () => {
  const kinds: FaultKind[] = ['append', 'sync', 'syncDir', 'create', 'rename']
  let failures = 0
  for (let seed = 1; seed <= 30; seed++) {
    const r = new Random(seed)
    const options = { memtableSize: 1024 + r.int(2048), blockSize: 128, l1TargetSize: 4096, targetFileSize: 2048, l0CompactionTrigger: 2 }
    const fs = new MemoryFileSystem()
    const db = await Shale.open('/db', { fileSystem: fs, ...options })
    const history: [string, string][] = []
    let lastSynced = 0
    const failAt = 20 + r.int(200)
    for (let i = 0; i < 400; i++) {
      if (i === failAt) for (const k of kinds) fs.failNth(k, 1 + r.int(3), 'ENOSPC', true)
      const key = `k${r.int(50)}`
      const value = `v${i}`
      const sync = r.bool(0.3)
      try {
        await db.put(key, value, { sync })
      } catch (err) {
        assert.ok(err instanceof ShaleError && ['NO_SPACE', 'READ_ONLY'].includes(err.code), `seed ${seed}: ${String(err)}`)
        failures++
        // A write that failed may still have reached the log (its fsync failed, say): after
        // reopening it may or may not be there, so it stays in the candidate history.
        if (err.code === 'NO_SPACE') history.push([key, value])
        break
      }
      history.push([key, value])
      if (sync) lastSynced = history.length
    }
    await db.close().catch(() => {})
    fs.clearFaults()
    const again = await Shale.open('/db', { fileSystem: fs, ...options })
    const got = new Map<string, string>()
    for await (const [k, v] of again.iterator()) got.set(k.toString(), v.toString())
    await again.close()
    let matched = false
    for (let upTo = history.length; upTo >= lastSynced && !matched; upTo--) {
      const want = new Map<string, string>()
      for (const [k, v] of history.slice(0, upTo)) want.set(k, v)
      matched = want.size === got.size && [...want].every(([k, v]) => got.get(k) === v)
    }
    assert.ok(matched, `seed ${seed}: after the disk filled, the store is not a prefix of the writes with every synced one (synced ${lastSynced}, issued ${history.length})`)
  }
  assert.ok(failures > 10, `only ${failures} runs hit the full disk`)
})

test('after a full disk, writes resume once space is back, and nothing acknowledged is lost', async () => {
  for (const kind of ['append', 'sync', 'create', 'syncDir'] as const) {
    const { fs, db } = await fresh({ memtableSize: 4096 })
    for (let i = 0; i < 50; i++) await db.put(`before${i}`, 'v', { sync: i % 5 === 0 })
    fs.failNth(kind, 1, 'ENOSPC', true) // the disk stays full until clearFaults()
    let rejected = 0
    for (let i = 0; i < 300 && rejected === 0; i++) {
      await db.put(`during${i}`, 'v'.repeat(50), { sync: true }).catch((err) => {
        assert.ok(code('NO_SPACE')(err) || code('READ_ONLY')(err), `${kind}: ${String(err)}`)
        rejected++
      })
    }
    assert.equal(rejected, 1, `${kind}: the full disk was reported`)
    await new Promise((r) => setTimeout(r, 300))
    await assert.rejects(db.put('still-full', 'v'), code('READ_ONLY'), `${kind}: no resume while the disk is full`)
    fs.clearFaults()
    await new Promise((r) => setTimeout(r, 300))
    await db.put('after', 'v', { sync: true })
    assert.equal(db.stats().backgroundError, undefined)
    assert.equal(db.stats().resumes, 1)
    for (let i = 0; i < 50; i++) assert.equal((await db.get(`before${i}`))?.toString(), 'v', `${kind}: before${i}`)
    await db.close()
    const again = await Shale.open('/db', { fileSystem: fs.crash() })
    for (let i = 0; i < 50; i++) assert.equal((await again.get(`before${i}`))?.toString(), 'v', `${kind}: before${i} after a power loss`)
    assert.equal((await again.get('after'))?.toString(), 'v')
    await again.close()
  }
})

/** Fails the table file created `armed` table creations from now (a compaction's output, if only compactions create tables then). */
class FailingTables extends MemoryFileSystem {
  armed = 0
  override create(path: string, options?: CreateOptions): ReturnType<MemoryFileSystem['create']> {
    if (path.endsWith('.sst') && this.armed > 0 && --this.armed === 0) {
      throw new ShaleError('IO', `Cannot create ${path}: injected EIO`)
    }
    return super.create(path, options)
  }
}

test('a manual compaction that fails while a flush has queued the next one surfaces no unhandled rejection, and close succeeds', async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const fs = new FailingTables()
    const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 64 * 1024, targetFileSize: 16 * 1024 })
    const value = 'x'.repeat(100)
    for (let i = 0; i < 20000; i++) await db.put(`k${(i * 7919) % 20000}`, value)
    await db.flush()
    await db.waitForCompactions()
    const flushes = db.stats().flushes
    const manual = db.compactRange()
    // Two flushes finish while the manual compaction runs; each queues an automatic one behind it.
    for (let i = 0; db.stats().flushes < flushes + 2; i++) await db.put(`j${i}`, value)
    fs.armed = 1
    await assert.rejects(manual, code('IO'))
    await assert.rejects(db.waitForCompactions(), code('READ_ONLY'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    await db.close()
    assert.deepEqual(unhandled, [])
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})

test('a manual compaction that fails on a full disk: writes resume once space is back, and close succeeds', async () => {
  const { fs, db } = await fresh({ memtableSize: 16 * 1024 })
  for (let i = 0; i < 2000; i++) await db.put(`k${i}`, 'x'.repeat(100))
  await db.flush()
  await db.waitForCompactions()
  fs.failNth('create', 1, 'ENOSPC')
  await assert.rejects(db.compactRange(), code('NO_SPACE'))
  assert.match(db.stats().backgroundError ?? '', /failure to compact tables: .*disk is full/)
  // The fault was one-shot: space is back, and the next write tries to resume (then at most every 250 ms).
  let resumed = false
  for (let attempt = 0; attempt < 20 && !resumed; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    resumed = await db.put('a', '1').then(
      () => true,
      (e: unknown) => (code('READ_ONLY')(e) ? false : Promise.reject(e)),
    )
  }
  assert.ok(resumed, 'writes resumed')
  assert.equal(db.stats().resumes, 1)
  await db.close()
})

/** Fails every table creation with the error armed, until disarmed. */
class TableCreation extends MemoryFileSystem {
  fail: 'NO_SPACE' | 'IO' | undefined
  override create(path: string, options?: CreateOptions): ReturnType<MemoryFileSystem['create']> {
    if (path.endsWith('.sst') && this.fail !== undefined) {
      throw new ShaleError(this.fail, `Cannot create ${path}: injected ${this.fail === 'IO' ? 'EIO' : 'full disk'}`)
    }
    return super.create(path, options)
  }
}

test('a resume after a full disk that fails with EIO makes the EIO final: it is not hidden behind the full disk and retried', async () => {
  const fs = new TableCreation()
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 4096 })
  fs.fail = 'NO_SPACE'
  let stopped = false
  for (let i = 0; i < 5000 && !stopped; i++) stopped = await db.put(`k${i}`, 'v'.repeat(50)).then(() => false, () => true)
  assert.ok(stopped, 'the failed flush stopped writes')
  assert.match(db.stats().backgroundError ?? '', /full disk/)
  // Space is back, but the disk now fails otherwise: the resume's flush hits EIO.
  fs.fail = 'IO'
  await new Promise((r) => setTimeout(r, 300))
  await assert.rejects(db.put('a', '1'), code('READ_ONLY'))
  assert.match(db.stats().backgroundError ?? '', /EIO/)
  // Even once the disk works again, an I/O error is final until reopened.
  fs.fail = undefined
  await new Promise((r) => setTimeout(r, 300))
  await assert.rejects(db.put('b', '2'), code('READ_ONLY'))
  assert.match(db.stats().backgroundError ?? '', /EIO/)
  assert.equal(db.stats().resumes, 0)
  await db.close().catch(() => {})
})
