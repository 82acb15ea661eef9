// Failing disks under a compaction that runs in the worker thread: the fault plan is given
// to the worker's copy of the file system only, so each failure below happened in the
// worker, and came back across the thread as a typed error. A failed worker compaction
// stops writes like any failed compaction (READ_ONLY, the cause in stats); after a full disk
// writes resume; nothing acknowledged is lost.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { Shale, ShaleError } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'
import { WorkerFaultFileSystem, type WorkerFault } from '../helpers/worker-fault-file-system.js'

const key = (i: number): string => `k${String((i * 7919) % 20000).padStart(5, '0')}`
const value = (i: number): string => `v${i}:${'x'.repeat(100)}`

/** Writes until a write fails (or 20000 succeed); returns how many were acknowledged. */
async function writeUntilFailure(db: Shale): Promise<{ acked: number; failure: unknown }> {
  for (let i = 0; i < 20000; i++) {
    try {
      await db.put(key(i), value(i))
    } catch (failure) {
      return { acked: i, failure }
    }
  }
  return { acked: 20000, failure: undefined }
}

async function expectWrites(location: string, acked: number): Promise<void> {
  const db = await Shale.open(location)
  const expected = new Map<string, string>()
  for (let i = 0; i < acked; i++) expected.set(key(i), value(i))
  for (const [k, v] of expected) assert.equal((await db.get(k))?.toString(), v, k)
  await db.close()
}

async function withFaults(faults: WorkerFault[], body: (db: Shale, location: string) => Promise<void>): Promise<void> {
  const dir = tempDir()
  const location = join(dir.path, 'db')
  try {
    const db = await Shale.open(location, { fileSystem: new WorkerFaultFileSystem(faults), compactionThread: 'worker', memtableSize: 64 * 1024 })
    await body(db, location)
  } finally {
    dir.remove()
  }
}

test('EIO in a worker compaction: writes stop with READ_ONLY naming the cause, reads go on, reopening finds every acknowledged write', async () => {
  await withFaults([{ kind: 'create', nth: 1, code: 'EIO', suffix: '.sst' }], async (db, location) => {
    const { acked, failure } = await writeUntilFailure(db)
    assert.ok(failure instanceof ShaleError && failure.code === 'READ_ONLY', String(failure))
    const stats = db.stats()
    assert.match(stats.backgroundError ?? '', /failure to compact tables: .*injected create failure/)
    assert.equal(stats.compactionWarning, undefined)
    assert.equal((await db.get(key(0)))?.toString(), value(0))
    await db.close()
    await expectWrites(location, acked)
  })
})

test('ENOSPC in a worker compaction: the store resumes once space is back (a write may see READ_ONLY meanwhile), and compactions go on', async () => {
  await withFaults([{ kind: 'append', nth: 1, code: 'ENOSPC', suffix: '.sst' }], async (db, location) => {
    let acked = 0
    for (let i = 0; i < 20000; i++) {
      try {
        await db.put(key(i), value(i))
        acked = i + 1
      } catch (err) {
        // Only while the full disk stands: writes retry at most every 250 ms, and the one-shot fault is spent.
        assert.ok(err instanceof ShaleError && err.code === 'READ_ONLY', String(err))
        assert.match(db.stats().backgroundError ?? '', /failure to compact tables: .*disk is full/)
        await new Promise((resolve) => setTimeout(resolve, 300))
        i--
      }
    }
    await db.waitForCompactions()
    const stats = db.stats()
    // Only a NO_SPACE failure is resumed from, and only the worker's copy of the file system fails.
    assert.equal(stats.resumes, 1)
    assert.equal(stats.backgroundError, undefined)
    assert.equal(stats.compactionWarning, undefined)
    assert.ok(stats.levels.some((l) => l.level > 0 && l.compactions > 1), 'compactions ran after the resume')
    await db.close()
    await expectWrites(location, acked)
  })
})

test('a bug (TypeError) in a worker compaction comes back as the bug, as on the main thread: writes stop with it as the cause, not as IO', async () => {
  await withFaults([{ kind: 'create', nth: 1, code: 'TypeError', suffix: '.sst' }], async (db, location) => {
    const { acked, failure } = await writeUntilFailure(db)
    assert.ok(failure instanceof ShaleError && failure.code === 'READ_ONLY', String(failure))
    const cause = failure.cause
    assert.ok(cause instanceof TypeError && !(cause instanceof ShaleError), `the cause is the bug itself: ${String(cause)}`)
    assert.match(cause.message, /injected create bug on .*\.sst/)
    assert.match(cause.stack ?? '', /worker-fault-file-system/, "the worker's stack, where the bug is")
    assert.match(db.stats().backgroundError ?? '', /failure to compact tables: a bug: TypeError: injected create bug/)
    await db.close()
    await expectWrites(location, acked)
  })
})
