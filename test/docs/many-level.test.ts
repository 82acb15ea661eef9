// The README's many-level wrapper, taken from the README itself: many-level 2.0's host
// serves a guest from ShaleLevel through it, and without it the guest's first write hangs
// (if that stops being true, the README's warning is out of date).

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { pipeline } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { ManyLevelGuest, ManyLevelHost } from 'many-level'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { tempDir } from '../helpers/temp-dir.js'

const README = fileURLToPath(new URL('../../../README.md', import.meta.url))

/** The README's `withCallbacks`, from its `function` line to the closing brace at column 0. */
function readmeWrapper(): (db: ShaleLevel) => object {
  const text = readFileSync(README, 'utf8')
  const start = text.indexOf('function withCallbacks(db) {')
  assert.ok(start >= 0, 'the README shows withCallbacks')
  const end = text.indexOf('\n}\n', start)
  return new Function(`${text.slice(start, end + 2)}\nreturn withCallbacks`)() as (db: ShaleLevel) => object
}

/** A guest connected to a host serving `db` (as given to ManyLevelHost) over an in-process stream pair. */
function connect(db: object): ManyLevelGuest {
  const host = new ManyLevelHost(db as never)
  const guest = new ManyLevelGuest()
  const hostStream = host.createRpcStream()
  pipeline(hostStream, guest.createRpcStream(), hostStream, () => {})
  return guest
}

test('many-level 2.0 serves ShaleLevel to a guest through the README wrapper', async () => {
  const dir = tempDir('shale-many-level-')
  const db = new ShaleLevel(dir.path)
  const guest = connect(readmeWrapper()(db))
  try {
    await guest.put('k', 'v')
    await guest.batch([
      { type: 'put', key: 'a', value: '1' },
      { type: 'put', key: 'b', value: '2' },
    ])
    assert.equal(await guest.get('k'), 'v')
    await assert.rejects(guest.get('missing'), (err: { code?: string }) => err.code === 'LEVEL_NOT_FOUND')
    assert.deepEqual(await guest.getMany(['a', 'missing']), ['1', undefined])
    assert.deepEqual(await guest.iterator({ gt: 'a' }).all(), [['b', '2'], ['k', 'v']])
    assert.deepEqual(await guest.keys({ reverse: true }).all(), ['k', 'b', 'a'])
    const it = guest.values()
    it.seek('b')
    assert.equal(await it.next(), '2')
    await it.close()
    await guest.del('a')
    await guest.clear({ gte: 'k' })
    assert.deepEqual(await db.keys().all(), ['b'], 'the guest wrote to the host database')
  } finally {
    await guest.close()
    await db.close()
    dir.remove()
  }
})

test('without the wrapper, a guest of a many-level 2.0 host over ShaleLevel waits forever', async () => {
  const dir = tempDir('shale-many-level-')
  const db = new ShaleLevel(dir.path)
  const guest = connect(db)
  try {
    const put = guest.put('k', 'v').then(() => 'written', () => 'failed')
    const waited = new Promise((resolve) => setTimeout(resolve, 300, 'still waiting'))
    assert.equal(await Promise.race([put, waited]), 'still waiting')
  } finally {
    await guest.close().catch(() => {})
    await db.close()
    dir.remove()
  }
})
