// ShaleLevel with readOnly: true beside a ShaleLevel writer: encodings and sublevels read
// through it, refresh() catches up, and every write gets Level's LEVEL_READONLY code.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { tempDir } from '../helpers/temp-dir.js'

// Level's type declarations omit `sync`, which Shale honours (a reader sees synced writes).
const synced = { sync: true } as object
const levelCode = (c: string) => (e: unknown) => (e as { code?: string }).code === c

test('a read-only ShaleLevel reads beside a writer, refreshes, and refuses writes with LEVEL_READONLY', async () => {
  const tmp = tempDir()
  const writer = new ShaleLevel<string, { n: number }>(tmp.path, { valueEncoding: 'json' })
  await writer.put('a', { n: 1 }, synced)
  await writer.sublevel('users', { valueEncoding: 'json' }).put('ada', { born: 1815 }, synced)
  const reader = new ShaleLevel<string, { n: number }>(tmp.path, { valueEncoding: 'json', readOnly: true })
  try {
    await reader.open()
    assert.deepEqual(await reader.get('a'), { n: 1 })
    const users = reader.sublevel<string, { born: number }>('users', { valueEncoding: 'json' })
    assert.deepEqual(await users.iterator().all(), [['ada', { born: 1815 }]])
    assert.equal(reader.getSync('missing'), undefined)

    await writer.put('b', { n: 2 }, synced)
    assert.equal(await reader.get('b'), undefined)
    assert.equal(await reader.refresh(), true)
    assert.deepEqual(await reader.get('b'), { n: 2 })

    await assert.rejects(reader.put('x', { n: 0 }), levelCode('LEVEL_READONLY'))
    await assert.rejects(reader.del('a'), levelCode('LEVEL_READONLY'))
    await assert.rejects(reader.batch([{ type: 'put', key: 'x', value: { n: 0 } }]), levelCode('LEVEL_READONLY'))
    await assert.rejects(reader.clear(), levelCode('LEVEL_READONLY'))
    await assert.rejects(reader.clear({ gt: 'zzz' }), levelCode('LEVEL_READONLY'), 'even an empty range')
    await assert.rejects(users.put('grace', { born: 1906 }), levelCode('LEVEL_READONLY'))
    await assert.rejects(reader.compactRange(), levelCode('LEVEL_READONLY'))
    assert.deepEqual(await reader.get('a'), { n: 1 }, 'nothing was written')
  } finally {
    await reader.close()
    await writer.close()
    tmp.remove()
  }
})

test('a read-only ShaleLevel on a missing directory fails to open, creating nothing', async () => {
  const tmp = tempDir()
  try {
    const db = new ShaleLevel(join(tmp.path, 'missing'), { readOnly: true })
    await assert.rejects(db.open(), (e: Error & { code?: string; cause?: { code?: string } }) => e.code === 'LEVEL_DATABASE_NOT_OPEN' && e.cause?.code === 'LEVEL_NOT_FOUND')
    const { existsSync } = await import('node:fs')
    assert.equal(existsSync(join(tmp.path, 'missing')), false)
  } finally {
    tmp.remove()
  }
})
