// The OPFS file system's checks of its host, under Node (the browser tests in test/browser/
// run the rest of it on a real OPFS): where the origin private file system or sync access
// handles are missing, mount fails with UNSUPPORTED saying what is needed, before anything
// touches the directory, and shale/level reports it as LEVEL_NOT_SUPPORTED.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OpfsFileSystem, Shale, ShaleError } from '../../src/index.js'
import { ShaleLevel } from '../../src/level/shale-level.js'

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
