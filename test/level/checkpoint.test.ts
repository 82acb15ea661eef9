// ShaleLevel#checkpoint: the engine's hot backup through the Level adapter, with its errors
// as LEVEL_* codes.

import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { tempDir } from '../helpers/temp-dir.js'

test('checkpoint() through the Level adapter: sublevels and encodings come along; a non-empty target is LEVEL_INVALID_VALUE', async () => {
  const dir = tempDir('shale-level-')
  const db = new ShaleLevel<string, unknown>(join(dir.path, 'db'), { valueEncoding: 'json' })
  try {
    await db.open()
    assert.equal(db.supports.additionalMethods.checkpoint, true)
    const users = db.sublevel<string, unknown>('users', { valueEncoding: 'json' })
    await users.put('1', { name: 'Ada' })
    await db.put('top', [1, 2])
    const result = await db.checkpoint(join(dir.path, 'cp'))
    assert.ok(result.sequence >= 2)
    await users.put('2', { name: 'after the checkpoint' })
    mkdirSync(join(dir.path, 'full'))
    writeFileSync(join(dir.path, 'full', 'x'), 'y')
    await assert.rejects(db.checkpoint(join(dir.path, 'full')), (e) => (e as { code?: string }).code === 'LEVEL_INVALID_VALUE')
    const copy = new ShaleLevel<string, unknown>(join(dir.path, 'cp'), { valueEncoding: 'json' })
    await copy.open()
    const copyUsers = copy.sublevel<string, unknown>('users', { valueEncoding: 'json' })
    assert.deepEqual(await copyUsers.get('1'), { name: 'Ada' })
    assert.equal(await copyUsers.get('2'), undefined)
    assert.deepEqual(await copy.get('top'), [1, 2])
    await copy.close()
  } finally {
    await db.close()
    dir.remove()
  }
  await assert.rejects(db.checkpoint(join(dir.path, 'closed')), (e) => (e as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN')
})
