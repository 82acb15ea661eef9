// The published package works: `npm pack` output installs into a clean project, where
// `shale` and `shale/level` load and store data from ES modules and from CommonJS (plain
// and compiled from a .cts file), and the `shale` binary runs.

import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import { tempDir } from '../helpers/temp-dir.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

const dir = tempDir('shale-pack-')
const project = join(dir.path, 'app')
let tarball = ''

before(() => {
  // --ignore-scripts: the tests run from the build that `npm test` just made.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir.path], { cwd: ROOT, stdio: 'pipe' })
  tarball = join(dir.path, readdirSync(dir.path).find((n) => n.endsWith('.tgz'))!)
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }))
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project, stdio: 'pipe' })
}, { timeout: 180_000 })

after(() => dir.remove())

/** Runs a consumer script in the project; anything on stderr (an error, a warning) fails the test. */
function run(file: string): string {
  const r = spawnSync('node', [file], { cwd: project, encoding: 'utf8' })
  assert.equal(r.stderr, '', `${file} wrote to stderr`)
  assert.equal(r.status, 0, `${file} exited with ${r.status}`)
  return r.stdout.trim()
}

test('ES modules import both entry points from the installed package', () => {
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
  assert.equal(run('main.js'), 'world 1')
  assert.equal(execFileSync(join(project, 'node_modules', '.bin', 'shale'), ['get', join(project, 'data'), 'hello'], { encoding: 'utf8' }), 'world\n')
})

// Through Node's require(esm), which every Node version in `engines` has unflagged.
test('CommonJS requires both entry points from the installed package', () => {
  writeFileSync(
    join(project, 'main.cjs'),
    `const { Shale } = require('shale')
const { ShaleLevel } = require('shale/level')
async function main() {
  const db = await Shale.open('./cjs-data')
  await db.put('hello', 'commonjs')
  const v = (await db.get('hello')).toString()
  await db.close()
  const level = new ShaleLevel('./cjs-level-data')
  await level.put('k', 'level')
  const l = await level.get('k')
  await level.close()
  console.log(v, l)
}
main().catch((err) => { console.error(err); process.exit(1) })
`,
  )
  assert.equal(run('main.cjs'), 'commonjs level')
})

test('a CommonJS TypeScript file (.cts) type-checks against the package and runs', () => {
  writeFileSync(
    join(project, 'typed.cts'),
    `import { Shale } from 'shale'
import { ShaleLevel } from 'shale/level'
async function main(): Promise<void> {
  const db = await Shale.open('./cts-data')
  await db.put('hello', 'cts')
  const v: string | undefined = (await db.get('hello'))?.toString()
  await db.close()
  const level = new ShaleLevel<string, string>('./cts-level-data')
  await level.put('k', 'level')
  const l: string | undefined = await level.get('k')
  await level.close()
  console.log(v, l)
}
void main()
`,
  )
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const types = ['--typeRoots', join(ROOT, 'node_modules', '@types'), '--types', 'node']
  execFileSync('node', [tsc, '--module', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck', ...types, 'typed.cts'], { cwd: project, stdio: 'pipe' })
  assert.equal(run('typed.cjs'), 'cts level')
})

test('the tarball holds the built sources and declarations, not the tests', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
  assert.ok(!files.includes('package/dist/test/'), 'tests are not published')
  assert.ok(files.includes('package/dist/src/index.d.ts'), 'type declarations are published')
})
