// The compaction worker as a new user meets it: programs started the ways Node programs
// are started (`-e` with `--input-type`, a preload through `--import`) each open a store,
// write enough for several compactions, and wait for them. The worker must start with the
// flags it needs, not the program's. (A worker that cannot start at all is tested in
// compaction-runner.test.ts.)

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { childProgramDir } from '../helpers/module-child.js'
import { tempDir } from '../helpers/temp-dir.js'

const INDEX = new URL('../../src/index.js', import.meta.url).href

/** Writes until compactions have run, then prints what stats() says about them. */
const PROGRAM = `
import { Shale } from ${JSON.stringify(INDEX)}
const db = await Shale.open(process.env.SHALE_TEST_STORE, { memtableSize: 64 * 1024 })
const value = new Uint8Array(100).fill(7)
for (let i = 0; i < 20000; i++) await db.put('k' + ((i * 7919) % 20000), value)
await db.waitForCompactions()
const s = db.stats()
await db.close()
console.log(JSON.stringify({ compactions: s.levels.reduce((n, l) => n + l.compactions, 0) - s.trivialMoves, backgroundError: s.backgroundError ?? null, compactionWarning: s.compactionWarning ?? null }))
`

interface Outcome {
  compactions: number
  backgroundError: string | null
  compactionWarning: string | null
}

function run(args: string[], store: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, SHALE_TEST_STORE: store }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`node ${args.slice(0, 3).join(' ')} … exited with ${code}: ${err}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as Outcome)
      } catch {
        reject(new Error(`unexpected output: ${out}${err}`))
      }
    })
  })
}

test("a program run with --input-type=module -e compacts in the worker: the worker does not inherit the program's flags", async () => {
  // Inside the package, as for runModule: Deno resolves its `imports` only there.
  const dir = tempDir('shale-worker-', childProgramDir())
  try {
    const outcome = await run(['--input-type=module', '-e', PROGRAM], join(dir.path, 'store'))
    assert.ok(outcome.compactions > 0, JSON.stringify(outcome))
    assert.equal(outcome.backgroundError, null)
    assert.equal(outcome.compactionWarning, null)
  } finally {
    dir.remove()
  }
})

test("a program run through a preload (--import) compacts in the worker, which does not run the program's preload again", async () => {
  // Inside the package, as for runModule: Deno resolves its `imports` only there.
  const dir = tempDir('shale-worker-', childProgramDir())
  try {
    const preload = join(dir.path, 'preload.mjs')
    // Like an APM agent or a loader's register(): meant to run once, in the main thread.
    writeFileSync(preload, `import { isMainThread } from 'node:worker_threads'\nif (!isMainThread) throw new Error('preload ran in a worker')\n`)
    const program = join(dir.path, 'program.mjs')
    writeFileSync(program, PROGRAM)
    const outcome = await run(['--import', preload, program], join(dir.path, 'store'))
    assert.ok(outcome.compactions > 0, JSON.stringify(outcome))
    assert.equal(outcome.backgroundError, null)
    assert.equal(outcome.compactionWarning, null)
  } finally {
    dir.remove()
  }
})

test('a program in which no worker thread can start compacts on the main thread: stats() says why, and the store never turns read-only', async () => {
  // Inside the package, as for runModule: Deno resolves its `imports` only there.
  const dir = tempDir('shale-worker-', childProgramDir())
  try {
    // As in a sandbox without threads: every new Worker throws.
    const noThreads = `
import { createRequire, syncBuiltinESMExports } from 'node:module'
createRequire(import.meta.url)('node:worker_threads').Worker = class { constructor() { throw new Error('worker threads are not available here') } }
syncBuiltinESMExports()
`
    const program = join(dir.path, 'program.mjs')
    writeFileSync(program, noThreads + PROGRAM)
    const outcome = await run([program], join(dir.path, 'store'))
    assert.ok(outcome.compactions > 0, JSON.stringify(outcome))
    assert.equal(outcome.backgroundError, null)
    assert.match(outcome.compactionWarning ?? '', /could not start \(worker threads are not available here\); compactions run on the main thread/)
  } finally {
    dir.remove()
  }
})
