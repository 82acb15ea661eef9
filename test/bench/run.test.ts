// The benchmark harness end to end at a tiny size with the engines that need no peer
// package (Shale, its variants and the Map): every workload runs in its own child process,
// the results file and the report come out, and bad arguments fail loudly. A check that the
// harness works, never a measurement. The native peers are bench/test/peers.test.ts's,
// outside `npm test`, so the engine's tests never load an addon.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { ENGINES } from '../../bench/engines/index.js'
import { BENCH_RUN, checkSuiteEndToEnd } from '../helpers/bench-suite.js'

const OWN = ENGINES.filter((e) => e.packageName === undefined)

test('bench: Shale, its variants and the Map run every workload they support, and the report is written', { timeout: 300_000 }, async () => {
  assert.deepEqual(OWN.map((e) => e.name), ['shale', 'map', 'shale-readonly', 'shale-linear', 'wal-only'])
  await checkSuiteEndToEnd(OWN, ['--engines', OWN.map((e) => e.name).join(',')], ['shale / map', '## A read-only handle beside the writer'])
})

test('bench: unknown engines and bad numbers are refused with a message', () => {
  const unknown = spawnSync(process.execPath, [BENCH_RUN, '--engines', 'shale,nosuchdb', '--num', '10'], { encoding: 'utf8' })
  assert.notEqual(unknown.status, 0)
  assert.match(unknown.stderr, /Unknown engine "nosuchdb"; known: shale, classic-level/)
  const bad = spawnSync(process.execPath, [BENCH_RUN, '--num', '-5'], { encoding: 'utf8' })
  assert.notEqual(bad.status, 0)
  assert.match(bad.stderr, /--num must be a positive number, got -5/)
})
