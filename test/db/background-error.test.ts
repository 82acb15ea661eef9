// Failures that stop writes (src/db/background-error.ts): a bug surfaces as itself, not as
// IO, yet still stops writes and never becomes an unhandled rejection; an errno-style error
// is IO; the failure of a resume after a full disk is what the caller sees.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Shale, ShaleError } from '../../src/index.js'
import { BackgroundError } from '../../src/db/background-error.js'
import { StatsCounters } from '../../src/db/stats.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import type { CreateOptions } from '../../src/vfs/file-system.js'

const code = (c: string) => (e: unknown) => e instanceof ShaleError && e.code === c

/** Throws `failure()` from create() of the next log (a memtable rotation) or from the next syncDir (a flush), when armed. */
class Injecting extends MemoryFileSystem {
  onCreateLog: (() => unknown) | undefined
  onSyncDir: (() => unknown) | undefined
  override create(path: string, options?: CreateOptions): ReturnType<MemoryFileSystem['create']> {
    const f = this.onCreateLog
    if (path.endsWith('.log') && f !== undefined) {
      this.onCreateLog = undefined
      throw f()
    }
    return super.create(path, options)
  }
  override syncDir(path: string): Promise<void> {
    const f = this.onSyncDir
    if (f !== undefined) {
      this.onSyncDir = undefined
      return Promise.reject(f())
    }
    return super.syncDir(path)
  }
}

/** Writes until one fails, returning its error. */
async function writeUntilFailure(db: Shale): Promise<unknown> {
  for (let i = 0; i < 5000; i++) {
    const err = await db.put(`k${i}`, 'v'.repeat(50)).then(() => undefined, (e: unknown) => e)
    if (err !== undefined) return err
  }
  assert.fail('no write failed')
}

test('a bug (TypeError) in a write reaches the caller unchanged and stops writes, with the bug as the cause', async () => {
  const fs = new Injecting()
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 4096 })
  const bug = new TypeError('injected: cannot read properties of undefined')
  fs.onCreateLog = () => bug
  assert.equal(await writeUntilFailure(db), bug, 'the TypeError itself, not an IO error')
  const after = await db.put('x', '1').then(() => undefined, (e: unknown) => e)
  assert.ok(code('READ_ONLY')(after), String(after))
  assert.equal((after as ShaleError).cause, bug)
  assert.match(db.stats().backgroundError ?? '', /a bug: TypeError: injected/)
  await db.close()
})

test('a bug in a background flush is recorded, not swallowed and not an unhandled rejection', async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const fs = new Injecting()
    const db = await Shale.open('/db', { fileSystem: fs })
    await db.put('a', '1')
    const bug = new TypeError('injected flush bug')
    fs.onSyncDir = () => bug
    const err = await db.flush().then(() => undefined, (e: unknown) => e)
    assert.ok(code('READ_ONLY')(err), String(err))
    assert.equal((err as ShaleError).cause, bug)
    await assert.rejects(db.put('b', '2'), code('READ_ONLY'))
    assert.equal((await db.get('a'))?.toString(), '1', 'reads go on')
    await new Promise((r) => setTimeout(r, 10))
    await db.close()
    assert.deepEqual(unhandled, [])
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})

test('an errno-style error that is not a ShaleError still becomes IO, keeping it as the cause', async () => {
  const fs = new Injecting()
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 4096 })
  const eio = Object.assign(new Error('EIO: i/o error, open'), { code: 'EIO', errno: -5, syscall: 'open' })
  fs.onCreateLog = () => eio
  const err = await writeUntilFailure(db)
  assert.ok(code('IO')(err), String(err))
  assert.equal((err as ShaleError).cause, eio)
  await assert.rejects(db.put('x', '1'), code('READ_ONLY'))
  await db.close()
})

test('when a resume after a full disk fails, the caller sees that failure as the cause of READ_ONLY', async () => {
  const fs = new Injecting()
  const db = await Shale.open('/db', { fileSystem: fs, memtableSize: 4096 })
  await db.put('a', '1')
  fs.onSyncDir = () => new ShaleError('NO_SPACE', 'Cannot sync /db: disk is full (injected)')
  await assert.rejects(db.flush(), code('READ_ONLY'))
  assert.match(db.stats().backgroundError ?? '', /disk is full/)
  const resumeFailure = new ShaleError('IO', 'Cannot sync /db: injected EIO during the resume')
  fs.onSyncDir = () => resumeFailure
  await new Promise((r) => setTimeout(r, 300))
  const err = await db.put('b', '2').then(() => undefined, (e: unknown) => e)
  assert.ok(code('READ_ONLY')(err), String(err))
  assert.equal((err as ShaleError).cause, resumeFailure, 'the resume failure, not the full disk before it')
  assert.match(db.stats().backgroundError ?? '', /injected EIO during the resume/)
  assert.equal(db.stats().resumes, 0)
  await db.close()
})

test('BackgroundError.fail: the first failure counts; ShaleErrors and bugs are returned as they are, errno errors as IO', () => {
  const errors = new BackgroundError('/db', new StatsCounters())
  const full = new ShaleError('NO_SPACE', 'disk is full')
  assert.equal(errors.fail('flush the memtable', full), full)
  assert.equal(errors.resumable, true)
  assert.equal(errors.error?.cause, full)
  const bug = new RangeError('bad index')
  assert.equal(errors.fail('compact tables', bug), bug)
  assert.equal(errors.error?.cause, full, 'a later failure does not replace the first')
  const fresh = new BackgroundError('/db', new StatsCounters())
  const internal = Object.assign(new TypeError('x'), { code: 'ERR_INVALID_ARG_TYPE' })
  assert.equal(fresh.fail('append to the write-ahead log', internal), internal, "Node's ERR_ codes are bugs, not errno")
  assert.equal(fresh.resumable, false)
})
