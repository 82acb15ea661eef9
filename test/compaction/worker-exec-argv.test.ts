import assert from 'node:assert/strict'
import { test } from 'node:test'
import { workerExecArgv } from '../../src/compaction/worker-exec-argv.js'

test("the worker drops the flags that load or evaluate the user's program", () => {
  assert.deepEqual(workerExecArgv(['--input-type=module', '-e', 'console.log(1)']), [])
  assert.deepEqual(workerExecArgv(['--input-type', 'module', '--eval', 'x', '-p', 'y']), [])
  assert.deepEqual(workerExecArgv(['--import', './register.js', '--import=tsx', '-r', 'dotenv/config', '--require=x', '--loader', 'l.mjs', '--experimental-loader=l.mjs']), [])
})

test('the worker drops per-process and V8 flags, which Node refuses in a worker', () => {
  assert.deepEqual(workerExecArgv(['--max-old-space-size=4096', '--expose-gc', '--title=app', '--stack-trace-limit=50', '--watch']), [])
})

test('the worker keeps diagnostics, with their values in either form', () => {
  assert.deepEqual(workerExecArgv(['--enable-source-maps', '--cpu-prof', '--cpu-prof-dir', '/tmp/p', '--no-warnings', '--unhandled-rejections=strict', '--import', 'x']), [
    '--enable-source-maps',
    '--cpu-prof',
    '--cpu-prof-dir',
    '/tmp/p',
    '--no-warnings',
    '--unhandled-rejections=strict',
  ])
})
