// The benchmark harness end to end at a tiny size with the engines that need no peer
// package (Shale, its variants and the Map): every workload runs in its own child process,
// the results file and the report come out, and bad arguments fail loudly. A check that the
// harness works, never a measurement. The native peers are bench/test/peers.test.ts's,
// outside `npm test`, so the engine's tests never load an addon.

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { BenchResults } from '../../bench/results.js'
import { ENGINES } from '../../bench/engines/index.js'
import { WORKLOADS } from '../../bench/workloads.js'
import { tempDir } from '../helpers/temp-dir.js'

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url))
const OWN = ENGINES.filter((e) => e.packageName === undefined)

function bench(args: string[]): Promise<{ out: string; err: string; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => resolve({ out, err, code: code ?? -1 }))
  })
}

test('bench: Shale, its variants and the Map run every workload they support, and the report is written', { timeout: 300_000 }, async () => {
  assert.deepEqual(OWN.map((e) => e.name), ['shale', 'map', 'shale-readonly', 'shale-linear'])
  const dir = tempDir()
  try {
    const out = join(dir.path, 'results.json')
    // A generous budget: 2,000 operations must never hit it, even on a loaded machine.
    const r = await bench(['--engines', OWN.map((e) => e.name).join(','), '--num', '2000', '--reads', '400', '--sync-ops', '50', '--repeats', '1', '--max-seconds', '60', '--out', out, '--report', '--report-dir', dir.path, '--dir', dir.path])
    assert.equal(r.code, 0, r.err)
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults
    assert.deepEqual(results.failures, [])
    assert.deepEqual(results.meta.engines.map((e) => e.name), OWN.map((e) => e.name))
    for (const engine of OWN) {
      for (const w of WORKLOADS) {
        const expected = !engine.skips.has(w.name) && (engine.only === undefined || engine.only.has(w.name))
        const run = results.runs.find((x) => x.engine === engine.name && x.workload === w.name)
        assert.equal(run !== undefined, expected, `${engine.name} ${w.name}`)
        if (run === undefined) continue
        assert.ok(run.complete, `${engine.name} ${w.name} finished within its budget`)
        assert.ok(run.opsPerSec > 0 && run.peakRssMiB > 0, `${engine.name} ${w.name} measured`)
        const ops = w.name.startsWith('fillsync') ? 50 : ['readrandom', 'readrandom-64', 'readmissing', 'seekrandom', 'mixed'].includes(w.name) ? 400 : 2000
        assert.equal(run.ops, ops, `${engine.name} ${w.name} ops`)
        assert.equal(run.diskMiB === null, engine.name === 'map')
        const writes = w.name.startsWith('fill') || w.name === 'overwrite' || w.name === 'mixed'
        assert.equal(run.writeAmplification !== null, engine.name.startsWith('shale') && writes, `${engine.name} ${w.name} write amplification`)
      }
    }
    assert.match(r.out, /\| fillrandom \|/)
    const md = readFileSync(join(dir.path, 'benchmarks.md'), 'utf8')
    for (const section of ['## Headline ratios', '## Targets', '## Binary versus linear', '### mixed', 'shale / map', 'JavaScript Map (Node']) assert.ok(md.includes(section), section)
    for (const chart of ['throughput.svg', 'loop-delay.svg', 'write-amplification.svg']) {
      const svg = readFileSync(join(dir.path, 'benchmarks', chart), 'utf8')
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/)
      assert.ok(!svg.includes('NaN'), `${chart} has no NaN coordinates`)
    }

    // --from renders the same report again without running anything.
    rmSync(join(dir.path, 'benchmarks.md'))
    const again = await bench(['--from', out, '--report-dir', dir.path])
    assert.equal(again.code, 0, again.err)
    assert.ok(existsSync(join(dir.path, 'benchmarks.md')))
  } finally {
    dir.remove()
  }
})

test('bench: unknown engines and bad numbers are refused with a message', () => {
  const unknown = spawnSync(process.execPath, [RUN, '--engines', 'shale,nosuchdb', '--num', '10'], { encoding: 'utf8' })
  assert.notEqual(unknown.status, 0)
  assert.match(unknown.stderr, /Unknown engine "nosuchdb"; known: shale, classic-level/)
  const bad = spawnSync(process.execPath, [RUN, '--num', '-5'], { encoding: 'utf8' })
  assert.notEqual(bad.status, 0)
  assert.match(bad.stderr, /--num must be a positive number, got -5/)
})
