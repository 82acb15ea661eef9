// The statistics behind every number in the report.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OpRecorder, median, percentile } from '../../bench/measure.js'
import { type BenchResults, medians, ratio } from '../../bench/results.js'
import { renderBarChart } from '../../bench/report/bar-chart.js'

test('percentile is nearest-rank and median averages the middle pair', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1)
  assert.equal(percentile(sorted, 50), 50)
  assert.equal(percentile(sorted, 99), 99)
  assert.equal(percentile(sorted, 100), 100)
  assert.equal(percentile([7], 99), 7)
  assert.ok(Number.isNaN(percentile([], 50)))
  assert.equal(median([3, 1, 2]), 2)
  assert.equal(median([4, 1, 3, 2]), 2.5)
  assert.equal(median([5, NaN]), 5)
})

test('OpRecorder counts calls past its capacity and expires at the deadline', async () => {
  const rec = new OpRecorder(2, 0.02)
  for (let i = 0; i < 3; i++) rec.done(performance.now() - 1)
  assert.equal(rec.count, 3)
  const lat = rec.latencyMicros()!
  assert.ok(lat.p50 >= 1000 && lat.p99 >= lat.p50)
  assert.equal(rec.expired, false)
  await new Promise((r) => setTimeout(r, 30))
  assert.equal(rec.done(performance.now()), true, 'asks for a yield after a millisecond')
  assert.equal(rec.expired, true)
})

test('concurrent loops share one pause, so the event loop turns once per millisecond for all of them', async () => {
  const rec = new OpRecorder(10, 10)
  let turned = false
  setImmediate(() => (turned = true))
  const a = rec.pause()
  assert.equal(rec.pause(), a, 'a second loop waits on the same turn')
  await a
  assert.ok(turned, 'the pause let an immediate run')
  assert.notEqual(rec.pause(), a, 'a later pause is a new turn')
})

test('medians and ratios come from the runs of each engine and workload', () => {
  const run = (engine: string, opsPerSec: number, complete = true) => ({
    engine, workload: 'w', ops: 10, complete, seconds: 1, opsPerSec, mbPerSec: 1, latencyP50Us: 1, latencyP99Us: 2,
    loopDelayP99Ms: 1, loopDelayMaxMs: 2, cpuPercent: 100, peakRssMiB: 50, diskMiB: null, writeAmplification: null, repeat: 1,
  })
  const results = { runs: [run('a', 10), run('a', 30), run('a', 20, false), run('b', 5), run('b', 15)] } as unknown as BenchResults
  const rows = medians(results)
  const a = rows.find((r) => r.engine === 'a')!
  assert.equal(a.values.opsPerSec, 20)
  assert.equal(a.complete, false)
  assert.equal(a.values.diskMiB, null)
  assert.equal(ratio(rows, 'w', 'a', 'b'), 2)
  assert.equal(ratio(rows, 'w', 'a', 'missing'), null)
})

test('bar chart: log axis spans the data, bars are escaped and skipped when absent', () => {
  const svg = renderBarChart({
    title: 'T <1>',
    axis: 'ops',
    series: [{ name: 'x', color: '#000' }, { name: 'y', color: '#111' }],
    groups: [{ label: 'g&1', values: { x: 50, y: 20_000 } }, { label: 'g2', values: { x: 700, y: null } }],
    log: true,
    format: String,
  })
  assert.ok(svg.includes('T &lt;1&gt;') && svg.includes('g&amp;1'))
  assert.equal(svg.match(/<rect x="170" y="\d+" width="[\d.]+" height="11"/g)?.length, 3, 'three bars: the null one is skipped')
  for (const tick of ['>10<', '>100<', '>1000<', '>10000<', '>100000<']) assert.ok(svg.includes(tick), tick)
  assert.ok(!svg.includes('NaN'))
})
