// preallocateLogs on the real file system: the live log is zeroed ahead of its appends, a
// store a crash left with those zeros reopens with every write, and the option turns it off.
// (test/db/recovery.test.ts covers the case that needs the new reading rule: an older log
// that still has its zeros, followed by a newer one.)

import assert from 'node:assert/strict'
import { copyFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const logSizes = (dir: string): number[] => readdirSync(dir).filter((n) => n.endsWith('.log')).map((n) => statSync(join(dir, n)).size)

test('the live log carries reserved zeros; a copy taken with them (as a crash leaves it) reopens with every write', async () => {
  const dir = tempDir()
  const copy = tempDir()
  try {
    const db = await Shale.open(dir.path)
    for (let i = 0; i < 200; i++) await db.put(`k${i}`, `v${i}`, { sync: true })
    const [size] = logSizes(dir.path)
    assert.ok(size !== undefined && size >= 256 * 1024, `the live log is zeroed ahead (${size} bytes)`)
    // What a kill -9 leaves: the files as they are, the live log still holding its zeros.
    for (const name of readdirSync(dir.path)) if (name !== 'LOCK') copyFileSync(join(dir.path, name), join(copy.path, name))
    await db.close()
    const again = await Shale.open(copy.path)
    for (let i = 0; i < 200; i++) assert.equal((await again.get(`k${i}`))?.toString(), `v${i}`)
    assert.equal(again.stats().backgroundError, undefined)
    await again.close()
  } finally {
    dir.remove()
    copy.remove()
  }
})

test('preallocateLogs: false appends only what is written', async () => {
  const dir = tempDir()
  try {
    const db = await Shale.open(dir.path, { preallocateLogs: false })
    await db.put('a', 'b', { sync: true })
    const [size] = logSizes(dir.path)
    assert.ok(size !== undefined && size > 0 && size < 100, `the log holds one small record (${size} bytes)`)
    await db.close()
    await assert.rejects(Shale.open(dir.path, { preallocateLogs: 1 as unknown as boolean }), { code: 'INVALID_ARGUMENT' })
  } finally {
    dir.remove()
  }
})
