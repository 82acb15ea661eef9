// The OPFS file system under Node, on an in-memory OPFS with the browser's rules
// (test/helpers/fake-opfs.ts; test/browser/ runs it on Chromium's): model sequences agree
// with a sorted map, the lock waits for a dead worker's handles and then says LOCKED, and
// where the origin private file system or sync access handles are missing, mount fails
// with UNSUPPORTED saying what is needed (LEVEL_NOT_SUPPORTED from shale/level).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OpfsFileSystem, Shale, ShaleError } from '../../src/index.js'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { FakeDirectory } from '../helpers/fake-opfs.js'
import { runSequence } from '../helpers/model-sequence.js'

const noOpfs = { getDirectory: undefined, hasSyncAccessHandles: false }
const noSyncHandles = { getDirectory: () => Promise.reject(new Error('not reached')), hasSyncAccessHandles: false }

test('OpfsFileSystem.mount without an origin private file system throws UNSUPPORTED', async () => {
  await assert.rejects(new OpfsFileSystem({ host: noOpfs }).mount('/db'), (err: unknown) => {
    assert.ok(err instanceof ShaleError)
    assert.equal(err.code, 'UNSUPPORTED')
    assert.match(err.message, /origin private file system/)
    return true
  })
})

test('OpfsFileSystem.mount without sync access handles throws UNSUPPORTED naming the dedicated worker', async () => {
  await assert.rejects(new OpfsFileSystem({ host: noSyncHandles }).mount('/db'), (err: unknown) => {
    assert.ok(err instanceof ShaleError)
    assert.equal(err.code, 'UNSUPPORTED')
    assert.match(err.message, /FileSystemSyncAccessHandle is missing; run Shale in a dedicated Web Worker/)
    return true
  })
})

test('Shale.open and shale/level report the missing host as UNSUPPORTED and LEVEL_NOT_SUPPORTED', async () => {
  await assert.rejects(Shale.open('/db', { fileSystem: new OpfsFileSystem({ host: noSyncHandles }) }), { code: 'UNSUPPORTED' })
  const level = new ShaleLevel('/db', { fileSystem: new OpfsFileSystem({ host: noSyncHandles }) })
  await assert.rejects(level.open(), (err: unknown) => {
    const cause = (err as { cause?: { code?: string } }).cause
    assert.equal((err as { code?: string }).code === 'LEVEL_NOT_SUPPORTED' || cause?.code === 'LEVEL_NOT_SUPPORTED', true, String(err))
    return true
  })
})

const host = { getDirectory: undefined, hasSyncAccessHandles: true }
const opfs = (root: FakeDirectory, lockTimeoutMs = 2000): OpfsFileSystem => new OpfsFileSystem({ root, host, lockTimeoutMs })

test('model: random sequences on an in-memory OPFS agree with a sorted map', async () => {
  let compactions = 0
  for (let seed = 300_000; seed < 300_030; seed++) {
    const root = new FakeDirectory()
    const c = await runSequence(seed, 150, () => ({ options: { fileSystem: opfs(root) }, location: `/db/${seed}` }))
    compactions += c.compactions
  }
  assert.ok(compactions >= 30, `only ${compactions} compactions`)
})

test('a store written through one OpfsFileSystem reopens through another', async () => {
  const root = new FakeDirectory()
  const db = await Shale.open('/data', { fileSystem: opfs(root), memtableSize: 4096 })
  for (let i = 0; i < 500; i++) await db.put(`k${i}`, `v${i}`, { sync: i % 50 === 0 })
  await db.close()
  const again = await Shale.open('/data', { fileSystem: opfs(root) })
  assert.equal(String(await again.get('k499')), 'v499')
  assert.equal((await again.iterator().nextv(1000)).length, 500)
  await again.close()
})

test("open waits for a dead worker's handles, and gives up with LOCKED after lockTimeoutMs", async () => {
  const root = new FakeDirectory()
  const db = await Shale.open('/data', { fileSystem: opfs(root) })
  await db.put('k', 'v', { sync: true })
  await db.close()
  // Handles left open by a terminated worker, released by the browser 300 ms later.
  const release = root.holdAll()
  const releasing = new Promise((resolve) => setTimeout(resolve, 300)).then(release)
  const started = Date.now()
  const reopened = await Shale.open('/data', { fileSystem: opfs(root) })
  assert.ok(Date.now() - started >= 250, `opened after ${Date.now() - started} ms, while the handles were held`)
  assert.equal(String(await reopened.get('k')), 'v')
  await reopened.close()
  await releasing
  const stuck = root.holdAll()
  const t0 = Date.now()
  await assert.rejects(Shale.open('/data', { fileSystem: opfs(root, 200) }), (err: unknown) => {
    assert.ok(err instanceof ShaleError && err.code === 'LOCKED', String(err))
    assert.match(err.message, /held by another worker/)
    return true
  })
  assert.ok(Date.now() - t0 >= 200)
  stuck()
})

test('a second open of a store in the same worker fails with LOCKED at once', async () => {
  const root = new FakeDirectory()
  const db = await Shale.open('/data', { fileSystem: opfs(root) })
  const t0 = Date.now()
  await assert.rejects(Shale.open('/data', { fileSystem: opfs(root) }), { code: 'LOCKED' })
  assert.ok(Date.now() - t0 < 1000)
  await db.close()
})
