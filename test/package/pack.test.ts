// The published package works: `npm pack` output installs into a clean project, where
// `shale` and `shale/level` import and store data, and the `shale` binary runs.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { tempDir } from '../helpers/temp-dir.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

test('npm pack output installs and works in a clean temp project', { timeout: 180_000 }, () => {
  const dir = tempDir('shale-pack-')
  try {
    // --ignore-scripts: the tests run from the build that `npm test` just made.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir.path], { cwd: ROOT, stdio: 'pipe' })
    const tarball = readdirSync(dir.path).find((n) => n.endsWith('.tgz'))!
    const project = join(dir.path, 'app')
    execFileSync('mkdir', [project])
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }))
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir.path, tarball)], { cwd: project, stdio: 'pipe' })
    writeFileSync(
      join(project, 'main.js'),
      `import { Shale } from 'shale'
import { ShaleLevel } from 'shale/level'
const db = await Shale.open('./data')
await db.put('hello', 'world', { sync: true })
const v = (await db.get('hello')).toString()
await db.close()
const level = new ShaleLevel('./level-data', { valueEncoding: 'json' })
await level.put('k', { n: 1 })
const j = await level.get('k')
await level.close()
console.log(v, j.n)
`,
    )
    assert.equal(execFileSync('node', ['main.js'], { cwd: project, encoding: 'utf8' }).trim(), 'world 1')
    assert.equal(execFileSync(join(project, 'node_modules', '.bin', 'shale'), ['get', join(project, 'data'), 'hello'], { encoding: 'utf8' }), 'world\n')
    const files = execFileSync('tar', ['-tzf', join(dir.path, tarball)], { encoding: 'utf8' })
    assert.ok(!files.includes('package/dist/test/'), 'tests are not published')
    assert.ok(files.includes('package/dist/src/index.d.ts'), 'type declarations are published')
  } finally {
    dir.remove()
  }
})
