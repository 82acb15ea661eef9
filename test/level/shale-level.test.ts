// ShaleLevel's parity with classic-level beyond abstract-level's suite: the engine's
// statistics and their options, large keys and the error code for a key over the limit,
// and engine options checked as strictly as Shale.open checks them.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_KEY_SIZE } from '../../src/index.js'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { tempDir } from '../helpers/temp-dir.js'

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c

async function withLevel(fn: (db: ShaleLevel<string, string>) => Promise<void>, options = {}): Promise<void> {
  const dir = tempDir('shale-level-')
  const db = new ShaleLevel<string, string>(dir.path, options)
  try {
    await db.open()
    await fn(db)
  } finally {
    await db.close()
    dir.remove()
  }
}

test('stats({ space: true }) reports space amplification, as on the engine', async () => {
  await withLevel(async (db) => {
    await db.put('a', 'b')
    assert.equal(db.stats().space, undefined)
    const space = db.stats({ space: true }).space
    assert.ok(space !== undefined, 'space is reported')
    assert.equal(space.logicalBytes, 2)
  })
})

test('keys over 64 KiB work, as in classic-level; a key over the limit fails with LEVEL_INVALID_KEY', async () => {
  await withLevel(async (db) => {
    const key = 'k'.repeat(100 * 1024)
    await db.put(key, 'v')
    assert.equal(await db.get(key), 'v')
    await db.batch([{ type: 'del', key }])
    assert.equal(await db.get(key), undefined)

    const huge = Buffer.alloc(MAX_KEY_SIZE + 1, 'k')
    const raw = db.sublevel<Buffer, string>('raw', { keyEncoding: 'buffer' })
    await assert.rejects(raw.put(huge, 'v'), code('LEVEL_INVALID_KEY'))
    await assert.rejects(raw.del(huge), code('LEVEL_INVALID_KEY'))
    await assert.rejects(raw.batch([{ type: 'put', key: huge, value: 'v' }]), code('LEVEL_INVALID_KEY'))
    await assert.rejects(raw.get(huge), code('LEVEL_INVALID_KEY'))
    // A string whose UTF-8 form is over the limit, though its length is not.
    await assert.rejects(db.put('é'.repeat(MAX_KEY_SIZE / 2 + 1), 'v'), code('LEVEL_INVALID_KEY'))
  })
})

test('a misspelt engine option fails the open, as Shale.open rejects it; userland options still pass to hooks', async () => {
  const dir = tempDir('shale-level-')
  try {
    const db = new ShaleLevel(dir.path, { memtableSise: 1024 } as object)
    await assert.rejects(db.open(), (err: Error & { code?: string; cause?: Error }) => {
      assert.equal(err.code, 'LEVEL_DATABASE_NOT_OPEN')
      assert.match(String(err.cause?.message), /memtableSise/)
      return true
    })
    const ok = new ShaleLevel(dir.path, { userland: 123 } as object)
    let seen: unknown
    ok.hooks.postopen.add(async (options) => {
      seen = (options as { userland?: unknown }).userland
    })
    await ok.open()
    assert.equal(seen, 123)
    await ok.close()
  } finally {
    dir.remove()
  }
})
