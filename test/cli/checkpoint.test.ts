// `shale checkpoint <db> <dir>`: a hot backup from the command line, beside the process that
// has the store open (the command opens it read-only), and its refusals as one-line errors.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
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

test('cli: checkpoint copies a store another process has open, and refuses a non-empty target', async () => {
  const dir = tempDir()
  const location = join(dir.path, 'db')
  const app = await Shale.open(location, { memtableSize: 16 * 1024 })
  try {
    for (let i = 0; i < 1000; i++) await app.put(`k${i}`, `v${i}`.padEnd(50, '.'))
    await app.put('last', 'synced', { sync: true })
    const r = shale('checkpoint', location, join(dir.path, 'cp'), '--json')
    assert.equal(r.code, 0, r.err)
    const result = JSON.parse(r.out)
    assert.ok(result.tables > 0)
    assert.equal(result.linked, result.tables)
    assert.equal(result.location, join(dir.path, 'cp'))
    // The app writes on; the checkpoint is a store of its own, as of the command.
    await app.put('later', 'not in the checkpoint', { sync: true })
    const copy = await Shale.open(join(dir.path, 'cp'))
    assert.equal((await copy.get('last'))?.toString(), 'synced')
    assert.equal((await copy.get('k999'))?.toString(), 'v999'.padEnd(50, '.'))
    assert.equal(await copy.get('later'), undefined)
    assert.equal(copy.stats().lastSequence, result.sequence)
    await copy.close()

    const text = shale('checkpoint', location, join(dir.path, 'cp2'))
    assert.equal(text.code, 0, text.err)
    assert.match(text.out, /^checkpoint at sequence \d+ in .*cp2 .*tables \(\d+ linked/)

    mkdirSync(join(dir.path, 'full'))
    writeFileSync(join(dir.path, 'full', 'x'), 'y')
    const refused = shale('checkpoint', location, join(dir.path, 'full'))
    assert.equal(refused.code, 1)
    assert.match(refused.err, /^shale: INVALID_ARGUMENT: .*not empty\n$/)
    assert.match(shale('checkpoint', '--help').out, /Usage: shale checkpoint/)
  } finally {
    await app.close()
    dir.remove()
  }
})
