// Runs the benchmark suite (dist/bench/run.js) end to end at a tiny size and checks what it
// produces: a run per engine and supported workload with the planned operation counts, the
// report and its charts, and a re-render with --from. Shared by the Shale-only smoke in
// `npm test` and the peers' test in bench/test/, which differ only in the engines they run.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchResults } from '../../bench/results.js'
import type { EngineInfo } from '../../bench/engines/engine.js'
import { WORKLOADS } from '../../bench/workloads.js'
import { tempDir } from './temp-dir.js'

/** Compiled to dist/test/helpers/. */
export const BENCH_RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url))

export function runBench(args: string[]): Promise<{ out: string; err: string; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH_RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => resolve({ out, err, code: code ?? -1 }))
  })
}

/** `engineArgs` chooses the engines (none: all of them); `sections` must appear in the report. */
export async function checkSuiteEndToEnd(engines: readonly EngineInfo[], engineArgs: string[], sections: string[]): Promise<void> {
  const dir = tempDir()
  try {
    const out = join(dir.path, 'results.json')
    // A generous budget: lmdb commits (and fsyncs) every awaited put, under 200 a second on a
    // loaded machine, and 2,000 operations must still never hit it.
    const r = await runBench([...engineArgs, '--num', '2000', '--reads', '400', '--sync-ops', '50', '--repeats', '1', '--max-seconds', '60', '--out', out, '--report', '--report-dir', dir.path, '--dir', dir.path])
    assert.equal(r.code, 0, r.err)
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults
    assert.deepEqual(results.failures, [])
    assert.deepEqual(results.meta.engines.map((e) => e.name), engines.map((e) => e.name))
    for (const engine of engines) {
      for (const w of WORKLOADS) {
        const expected = !engine.skips.has(w.name) && (engine.only === undefined || engine.only.has(w.name)) && (w.engines === undefined || w.engines.has(engine.name))
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
    for (const section of ['## Headline ratios', '## Targets', '## Binary versus linear', '### mixed', 'JavaScript Map (Node', ...sections]) assert.ok(md.includes(section), section)
    for (const chart of ['throughput.svg', 'loop-delay.svg', 'write-amplification.svg']) {
      const svg = readFileSync(join(dir.path, 'benchmarks', chart), 'utf8')
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/)
      assert.ok(!svg.includes('NaN'), `${chart} has no NaN coordinates`)
    }

    // --from renders the same report again without running anything.
    rmSync(join(dir.path, 'benchmarks.md'))
    const again = await runBench(['--from', out, '--report-dir', dir.path])
    assert.equal(again.code, 0, again.err)
    assert.ok(existsSync(join(dir.path, 'benchmarks.md')))
  } finally {
    dir.remove()
  }
}
