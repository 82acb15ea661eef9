// The clear() benchmark's summary: medians per engine and key count, and its markdown table.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ClearRun, clearTable, formatMiB, formatMs, summarize } from '../../bench/clear-range-table.js'

function run(engine: string, num: number, clearMs: number, written: number | null): ClearRun {
  const figures = {
    neighbours: 10_000, interleaved: false, fillSeconds: 1, diskBeforeMiB: 40, clearLoopP99Ms: 1, clearLoopMaxMs: 2, clearLoopSamples: 3, clearPeakRssMiB: null, peakRssMiB: 200,
    clearWcharMiB: 0.25, clearDroppedTables: null, diskAfterClearMiB: 40, settleSeconds: 1, diskSettledMiB: 40, getsBeforeMs: 500, getsAfterMs: 100, getsCompactedMs: 50, reads: 10_000,
    iterSubMs: 1000, iterSubLoopMaxMs: 1000, iterNeighbourMs: 50, iterAllMs: 1000, iterAllLoopMaxMs: 900, compactMs: 2000, compactWrittenMiB: 1.2, compactWcharMiB: 1.2,
    diskCompactedMiB: 0.4, iterSubCompactedMs: 1, iterAllCompactedMs: 40, loadBefore: 5, loadAfter: 6,
  }
  return { engine, num, clearMs, clearWrittenMiB: written, ...figures }
}

test('summarize takes the median of each figure per engine and key count, in order of first appearance', () => {
  const rows = summarize([run('shale', 1e6, 9, 0.1), run('classic-level', 1e6, 1000, null), run('shale', 1e6, 5, 0.3), run('shale', 1e6, 7, 0.2), run('shale', 1e5, 3, 0.5)])
  assert.deepEqual(
    rows.map((r) => [r.engine, r.num, r.clearMs, r.clearWrittenMiB]),
    [
      ['shale', 1e6, 7, 0.2],
      ['classic-level', 1e6, 1000, null],
      ['shale', 1e5, 3, 0.5],
    ],
  )
  assert.equal(rows[0]!.clearPeakRssMiB, null, 'a figure no run measured stays unmeasured')
})

test('the table has a column per engine and key count and shows unmeasured figures as n/a', () => {
  const table = clearTable(summarize([run('shale', 1e6, 6.04, 29 / 1048576), run('classic-level', 100_000, 1090.4, null)]))
  const lines = table.split('\n')
  assert.equal(lines[0], '| | Shale, 1M keys | classic-level, 100k keys |')
  assert.equal(lines[1], '|---|---:|---:|')
  assert.ok(lines.includes('| **`a.clear()`, ms** | **6.0** | **1,090** |'))
  assert.ok(lines.includes('| written by the clear until settled: engine count / write() bytes, MiB | 29 B / 256 KiB | n/a / 256 KiB |'))
  assert.ok(lines.includes('| peak RSS during the clear / whole run, MiB | n/a / 200 | n/a / 200 |'))
  assert.match(table, /10,000 sequential `get`s/)
})

test('times and sizes keep a width that suits them', () => {
  assert.deepEqual([0.421, 7.34, 1234.5, null].map(formatMs), ['0.42', '7.3', '1,235', 'n/a'])
  assert.deepEqual([39.46, 0.25, 29 / 1048576, 0, NaN].map(formatMiB), ['39.5', '256 KiB', '29 B', '0.0', 'n/a'])
})
