// Runs the engine's compiled tests (dist/test/**/*.test.js, as `npm test` runs them on Node)
// under Bun or Deno: `node runtimes/run-tests.mjs bun|deno [file...]`. `npm run test:bun` and
// `npm run test:deno` call it, and `npm test` runs both after the Node suite.
//
// Each test file runs in its own process of the runtime's own test runner (`bun test`,
// `deno test`), which both run node:test files, two files at a time, as `node --test` does.
// A file that fails, or that reports no test at all (a runner that silently ran nothing),
// fails the run: the exit code is then 1. The last line is 'RUNTIME: N passed, N failed'.
//
// The executables come from runtimes/package.json's `bun` and `deno` packages, installed
// with --ignore-scripts (`npm install --prefix runtimes --ignore-scripts`): Bun's postinstall
// only links the binary of its platform package into .bin (else .bin/bun is a placeholder
// script that fails), and Deno's wrapper is a Node script around that same kind of binary. So
// this script runs the platform packages' binaries itself, and nothing runs at install time.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MODULES = join(ROOT, 'runtimes', 'node_modules')
const PINNED = JSON.parse(readFileSync(join(ROOT, 'runtimes', 'package.json'), 'utf8')).devDependencies

/**
 * Test files that do not run under a runtime, and why. Paths are relative to dist/test/.
 * `only` keeps just the tests whose names match (the rest of the file is left out, for the
 * reason given); without it the whole file is left out.
 */
const PACK = {
  why: 'it packs Shale with npm, installs the tarball in a new project and runs it with `node` and tsc: a test of the npm package on Node, which the Node suite runs; under another runtime it would only run Node again',
}
const BENCH = {
  why: 'it runs the benchmark harness (Node tooling, not the engine) end to end, half a minute or more a runtime; the quick benchmark was run under both by hand (docs/benchmarks.md)',
}
const BROWSER = {
  why: 'it bundles the engine for the browser and drives headless Chromium, where the engine under test runs: the runtime running the test only starts the browser, and the Node suite does that already',
}
const NO_THREADS =
  "the no-worker-thread case simulates a sandbox by replacing node:worker_threads' Worker and calling module.syncBuiltinESMExports(), which does not reach ES-module imports under Bun 1.4.5 or Deno 2.9.6, so Shale's own import still gets a working Worker; the fallback itself runs on both, in compaction-runner.test.js ('a worker that cannot start')"
/** Left out under both runtimes. */
const NOT_THE_ENGINE = {
  'package/pack.test.js': PACK,
  'browser/abstract-suite.test.js': BROWSER,
  'browser/browser.test.js': BROWSER,
  'browser/bundle.test.js': BROWSER,
  'bench/run.test.js': BENCH,
}
const LEFT_OUT = {
  bun: {
    ...NOT_THE_ENGINE,
    'compaction/compaction-worker.test.js': {
      only: '^a program run (with|through)',
      why: NO_THREADS,
    },
  },
  deno: {
    ...NOT_THE_ENGINE,
    'compaction/compaction-worker.test.js': {
      only: '^a program run through a preload',
      why: `the -e case checks that the worker ignores Node's \`--input-type=module -e\`; Deno 2.9 translates that command line into a CommonJS eval, so it tests Deno's flag translation, not Shale; and ${NO_THREADS}`,
    },
  },
}

/**
 * The model test's first case replays 1,000 random sequences on an in-memory file system:
 * plain JavaScript, the same on every runtime, and about a minute and a half under Bun or
 * Deno on a loaded 2-core machine. 250 here (its real-file-system case runs in full).
 */
const SETTINGS = { SHALE_MODEL_SEQUENCES: '250' }

/** The files that take longest under both runtimes (half a minute to a minute and a half each). */
const LONGEST = ['level/abstract-suite.test.js', 'db/model.test.js', 'cli/cli.test.js', 'vfs/node-lock.test.js', 'db/power-loss.test.js']

/** A whole file taking longer than this has hung. */
const FILE_TIMEOUT_MS = 10 * 60 * 1000

function fail(message) {
  console.error(`run-tests: ${message}`)
  process.exit(1)
}

/** The runtime's executable, from its platform package (see the top of this file). */
function executable(runtime) {
  const [scope, name] = runtime === 'bun' ? ['@oven', 'bin/bun'] : ['@deno', 'deno']
  const dir = join(MODULES, scope)
  const candidates = existsSync(dir) ? readdirSync(dir).map((p) => join(dir, p, name)).filter((p) => existsSync(p)) : []
  for (const exe of candidates) {
    const r = spawnSync(exe, ['--version'], { encoding: 'utf8' })
    if (r.status !== 0) continue
    const version = /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1]
    if (version !== PINNED[runtime]) fail(`${exe} is ${runtime} ${version}, runtimes/package.json pins ${PINNED[runtime]}: run \`npm install --prefix runtimes --ignore-scripts\``)
    return { exe, version }
  }
  fail(`no working ${runtime} executable under ${relative(ROOT, dir)}: run \`npm install --prefix runtimes --ignore-scripts\` (a platform the ${runtime} package ships no binary for cannot run these tests)`)
}

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return findTests(path)
    return e.name.endsWith('.test.js') ? [path] : []
  })
}

function command(runtime, exe, file, only) {
  if (runtime === 'bun') {
    // bun test stops a test after 5 s by default; node:test has no default limit.
    return [exe, ['test', '--timeout', String(FILE_TIMEOUT_MS), ...(only ? ['--test-name-pattern', only] : []), `./${relative(ROOT, file)}`]]
  }
  // --no-check: these are compiled JavaScript; type-checking their sources again costs seconds a
  // file. deno-file.mjs loads the file and adds a last test, named DENO_GUARD, for the failures
  // Deno's node:test would drop (see there).
  const filter = only ? ['--filter', `/${only}|^${escapeRegExp(DENO_GUARD)}$/`] : []
  return [exe, ['test', '-A', '--no-check', ...filter, relative(ROOT, join(ROOT, 'runtimes', 'deno-file.mjs'))]]
}

const DENO_GUARD = '(run-tests: nothing failed outside a test)'
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Passed and failed counts from the runner's closing lines; undefined when there are none. */
function counts(runtime, output) {
  const text = output.replace(/\x1b\[[0-9;]*m/g, '')
  if (runtime === 'bun') {
    const pass = /^\s*(\d+) pass$/m.exec(text)
    const failed = /^\s*(\d+) fail$/m.exec(text)
    return pass && failed ? { passed: Number(pass[1]), failed: Number(failed[1]) } : undefined
  }
  const m = /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/m.exec(text)
  // The guard test of deno-file.mjs is not one of the file's: a pass of it is not counted.
  const guardPassed = text.includes(`${DENO_GUARD} ... ok`) ? 1 : 0
  return m ? { passed: Number(m[1]) - guardPassed, failed: Number(m[2]) } : undefined
}

function runFile(runtime, exe, file, only) {
  const [cmd, args] = command(runtime, exe, file, only)
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No colours to parse around; no update check or telemetry (the machine may have no network).
      env: { ...SETTINGS, ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1', SHALE_TEST_FILE: file },
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), FILE_TIMEOUT_MS + 30_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ file, code, signal, output, counts: counts(runtime, output), ms: Date.now() - started })
    })
  })
}

async function main() {
  const runtime = process.argv[2]
  if (runtime !== 'bun' && runtime !== 'deno') fail('usage: node runtimes/run-tests.mjs bun|deno [dist/test/...test.js ...]')
  const { exe, version } = executable(runtime)
  const testRoot = join(ROOT, 'dist', 'test')
  if (!existsSync(testRoot)) fail('no dist/test: run `npm run build` first')
  const chosen = process.argv.slice(3).map((f) => join(ROOT, f))
  const all = (chosen.length > 0 ? chosen : findTests(testRoot)).sort()
  const leftOut = LEFT_OUT[runtime]
  // The longest files first, so that two at a time do not end on one of them alone.
  const rank = (f) => {
    const i = LONGEST.indexOf(relative(testRoot, f))
    return i < 0 ? LONGEST.length : i
  }
  all.sort((a, b) => rank(a) - rank(b))
  const files = all.filter((f) => leftOut[relative(testRoot, f)]?.only !== undefined || leftOut[relative(testRoot, f)] === undefined)
  console.log(`${runtime} ${version}: ${files.length} test files from dist/test, two at a time; ${Object.entries(SETTINGS).map(([k, v]) => `${k}=${process.env[k] ?? v}`).join(' ')}`)
  for (const [file, { only, why }] of Object.entries(leftOut)) console.log(`  left out: ${file}${only ? ` (all but /${only}/)` : ''}: ${why}`)

  const started = Date.now()
  const results = []
  let next = 0
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]
      const r = await runFile(runtime, exe, file, leftOut[relative(testRoot, file)]?.only)
      const ok = r.code === 0 && r.counts !== undefined && r.counts.failed === 0 && r.counts.passed > 0
      r.ok = ok
      results.push(r)
      const what = r.counts ? `${r.counts.passed} passed, ${r.counts.failed} failed` : 'no test summary'
      console.log(`${ok ? 'ok    ' : 'FAILED'} ${relative(ROOT, file)} (${what}, ${(r.ms / 1000).toFixed(1)} s)`)
      if (!ok) {
        const why = r.signal ? `killed by ${r.signal}` : r.code !== 0 ? `exit code ${r.code}` : r.counts ? 'no test ran' : 'no test summary'
        console.log(`------ ${relative(ROOT, file)}: ${why}; its output:\n${r.output.trimEnd()}\n------`)
      }
    }
  }
  await Promise.all([worker(), worker()])
  const passed = results.reduce((n, r) => n + (r.counts?.passed ?? 0), 0)
  const failedTests = results.reduce((n, r) => n + (r.counts?.failed ?? 0), 0)
  const badFiles = results.filter((r) => !r.ok)
  if (badFiles.length > 0) console.log(`${runtime}: failing files: ${badFiles.map((r) => relative(ROOT, r.file)).join(', ')}`)
  // A file that failed without naming a failing test still counts as one failure.
  const failed = failedTests + badFiles.filter((r) => (r.counts?.failed ?? 0) === 0).length
  console.log(`${runtime} ${version}: ${results.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  console.log(`${runtime}: ${passed} passed, ${failed} failed`)
  process.exitCode = badFiles.length > 0 ? 1 : 0
}

await main()
