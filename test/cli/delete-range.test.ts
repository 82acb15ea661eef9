// `shale delete-range` run as a user would, then scan and get; bad bounds exit 1 with one
// `shale: INVALID_ARGUMENT` line; dump-sst, dump-wal and dump-manifest show the range deletion.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { Shale } from '../../src/index.js'
import { tempDir } from '../helpers/temp-dir.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

function shale(...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' })
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 }
}

test('cli: delete-range then scan and get; hex bounds; bad bounds are INVALID_ARGUMENT with exit 1', () => {
  const dir = tempDir()
  const db = join(dir.path, 'db')
  try {
    for (const k of ['a', 'b', 'c', 'd', 'e']) assert.equal(shale('put', db, k, k.toUpperCase()).code, 0)
    assert.equal(shale('put', db, '6300', '30', '-f', 'hex').code, 0)
    const r = shale('delete-range', db, 'b', 'd')
    assert.equal(r.code, 0, r.err)
    assert.equal(r.err, '')
    // The end is excluded; c\0 lies inside.
    assert.equal(shale('scan', db, '--keys-only').out, 'a\nd\ne\n')
    assert.equal(shale('scan', db, '--reverse').out, 'e\tE\nd\tD\na\tA\n')
    assert.equal(shale('get', db, 'c').code, 1)
    assert.equal(shale('get', db, 'c').err, 'shale: NOT_FOUND: Key not found: c\n')
    assert.equal(shale('get', db, 'd').out, 'D\n')
    // Hex bounds: [64, 6400) deletes exactly d (its successor is the end).
    assert.equal(shale('delete-range', db, '64', '6400', '-f', 'hex').code, 0)
    assert.equal(shale('scan', db, '--keys-only').out, 'a\ne\n')
    // gte == lt deletes nothing.
    assert.equal(shale('delete-range', db, 'a', 'a').code, 0)
    assert.equal(shale('scan', db, '--keys-only').out, 'a\ne\n')
    // gte after lt: refused, one line, nothing deleted.
    const bad = shale('delete-range', db, 'z', 'a')
    assert.equal(bad.code, 1)
    assert.match(bad.err, /^shale: INVALID_ARGUMENT: .*gte sorts after lt/)
    assert.equal(bad.err.trim().split('\n').length, 1)
    const badHex = shale('delete-range', db, 'zz', '00', '-f', 'hex')
    assert.equal(badHex.code, 1)
    assert.match(badHex.err, /^shale: INVALID_ARGUMENT/)
    // A missing bound is a usage error.
    assert.equal(shale('delete-range', db, 'a').code, 1)
    assert.equal(shale('scan', db, '--keys-only').out, 'a\ne\n')
  } finally {
    dir.remove()
  }
})

test('cli: dump-wal shows a range deletion record and dump-sst a table\'s range deletions', async () => {
  const dir = tempDir()
  const db = join(dir.path, 'db')
  try {
    const s = await Shale.open(db)
    await s.put('a', '1')
    await s.put('m', '2')
    await s.deleteRange('b', 'k', { sync: true })
    // The log holds it as an operation of its own record: start=end.
    const wal = shale('dump-wal', join(db, readdirSync(db).find((n) => n.endsWith('.log'))!))
    assert.equal(wal.code, 0, wal.err)
    assert.match(wal.out, /seq 3: \S+ b=k\n/)
    await s.flush()
    await s.close()
    const sst = join(db, readdirSync(db).find((n) => n.endsWith('.sst'))!)
    const text = shale('dump-sst', sst)
    assert.equal(text.code, 0, text.err)
    assert.match(text.out, /range deletion \[b, k\) @3/)
    const json = JSON.parse(shale('dump-sst', sst, '--json').out) as { rangeDeletions: unknown; properties: { rangeDeletions?: number } }
    assert.deepEqual(json.rangeDeletions, [{ start: 'b', end: 'k', seq: 3 }])
    assert.equal(json.properties.rangeDeletions, 1)
    // The MANIFEST records how many each table holds; dump-manifest shows it.
    const edits = shale('dump-manifest', db, '--json').out.trim().split('\n').map((l) => JSON.parse(l) as { added: { number: number; rangeDeletions?: number }[] })
    const added = edits.flatMap((e) => e.added)
    assert.deepEqual(added.map((a) => a.rangeDeletions), [1])
    assert.match(shale('dump-manifest', db).out, /\+ L0:\d+ \d+ bytes \[a \.\. m\], 1 range deletion\n/)
  } finally {
    dir.remove()
  }
})
