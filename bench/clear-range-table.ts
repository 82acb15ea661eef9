// The clear() benchmark's report (bench/clear-range.ts): the median of each figure over the
// repeated runs of one engine at one key count, and the markdown table that
// docs/benchmarks/notes.md quotes. Kept apart from the runner so it can be tested.

import { median } from './measure.js'

/** What one child measured for one engine; null where the engine cannot report it. */
export interface ClearRun {
  engine: string
  num: number
  neighbours: number
  /** b's keys were written among a's (--interleave) rather than after them. */
  interleaved: boolean
  fillSeconds: number
  diskBeforeMiB: number
  clearMs: number
  clearLoopP99Ms: number
  clearLoopMaxMs: number
  /** Delay samples behind those two (about one per millisecond, so few for a short clear). */
  clearLoopSamples: number
  /** Peak RSS from the start of clear() to its end (the kernel's high-water mark, reset first). */
  clearPeakRssMiB: number | null
  /** Peak RSS of the whole child: the fill sets it. */
  peakRssMiB: number
  /** From the start of clear() until background work settled: the engine's own count... */
  clearWrittenMiB: number | null
  /** ...and the bytes the process passed to write() (/proc/self/io wchar), every thread. */
  clearWcharMiB: number | null
  /** Tables dropped unread, in that window, because the clear's tombstone hid them (Shale's delete-only compactions). */
  clearDroppedTables: number | null
  diskAfterClearMiB: number
  settleSeconds: number
  diskSettledMiB: number
  /** Gets of keys of the cleared sublevel: before the clear (present), right after (gone), after compaction. */
  getsBeforeMs: number
  getsAfterMs: number
  getsCompactedMs: number
  /** How many gets each of those is. */
  reads: number
  /** Full iterations right after the clear: the cleared sublevel, its neighbour, the whole store. */
  iterSubMs: number
  iterSubLoopMaxMs: number
  iterNeighbourMs: number
  iterAllMs: number
  iterAllLoopMaxMs: number
  compactMs: number
  compactWrittenMiB: number | null
  compactWcharMiB: number | null
  diskCompactedMiB: number
  iterSubCompactedMs: number
  iterAllCompactedMs: number
  loadBefore: number
  loadAfter: number
}

type Figure = Exclude<keyof ClearRun, 'engine' | 'num' | 'interleaved'>

/** One row per engine and key count, in order of first appearance: the median of each figure. */
export function summarize(runs: readonly ClearRun[]): ClearRun[] {
  const groups = new Map<string, ClearRun[]>()
  for (const r of runs) {
    const key = `${r.engine}\0${r.num}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [r])
    else group.push(r)
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!
    const out: Record<string, unknown> = { engine: first.engine, num: first.num, interleaved: first.interleaved }
    for (const figure of Object.keys(first) as (keyof ClearRun)[]) {
      if (figure === 'engine' || figure === 'num' || figure === 'interleaved') continue
      const values = group.map((r) => r[figure as Figure]).filter((v): v is number => typeof v === 'number')
      out[figure] = values.length === 0 ? null : median(values)
    }
    return out as unknown as ClearRun
  })
}

/** Milliseconds to a width that suits them: 0.42, 7.3, 1,234. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'n/a'
  if (ms < 1) return ms.toFixed(2)
  if (ms < 100) return ms.toFixed(1)
  return Math.round(ms).toLocaleString('en-US')
}

/** Sizes in MiB, or in KiB or bytes when too small to show as MiB: 39.5, 256 KiB, 29 B. */
export function formatMiB(mib: number | null): string {
  if (mib === null || !Number.isFinite(mib)) return 'n/a'
  const bytes = mib * 1048576
  if (bytes > 0 && bytes < 1024) return `${Math.round(bytes)} B`
  if (bytes > 0 && mib < 1) return `${Math.round(bytes / 1024)} KiB`
  return mib.toFixed(1)
}

const pair = (a: string, b: string): string => `${a} / ${b}`
const keys = (n: number): string => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n))
const engineName = (e: string): string => (e === 'shale' ? 'Shale' : e)

const ROWS: [label: string, cell: (r: ClearRun) => string][] = [
  ['fill of a + b (batches of 1,000), s', (r) => r.fillSeconds.toFixed(1)],
  ['disk before the clear, MiB', (r) => formatMiB(r.diskBeforeMiB)],
  ['**`a.clear()`, ms**', (r) => `**${formatMs(r.clearMs)}**`],
  ['loop delay during the clear, p99 / max ms', (r) => pair(formatMs(r.clearLoopP99Ms), formatMs(r.clearLoopMaxMs))],
  ['peak RSS during the clear / whole run, MiB', (r) => pair(r.clearPeakRssMiB === null ? 'n/a' : String(Math.round(r.clearPeakRssMiB)), String(Math.round(r.peakRssMiB)))],
  ['written by the clear until settled: engine count / write() bytes, MiB', (r) => pair(formatMiB(r.clearWrittenMiB), formatMiB(r.clearWcharMiB))],
  ['tables dropped unread (hidden by the tombstone) until settled', (r) => (r.clearDroppedTables === null ? 'n/a' : String(r.clearDroppedTables))],
  ['disk right after the clear / settled, MiB', (r) => pair(formatMiB(r.diskAfterClearMiB), formatMiB(r.diskSettledMiB))],
  ['random gets of a\'s keys (see below): before the clear / right after, ms', (r) => pair(formatMs(r.getsBeforeMs), formatMs(r.getsAfterMs))],
  ['iterate a (0 entries) right after: time / loop max, ms', (r) => pair(formatMs(r.iterSubMs), formatMs(r.iterSubLoopMaxMs))],
  ['iterate b (intact neighbour), ms', (r) => formatMs(r.iterNeighbourMs)],
  ['iterate the whole store (b only left): time / loop max, ms', (r) => pair(formatMs(r.iterAllMs), formatMs(r.iterAllLoopMaxMs))],
  ['`compactRange` over a\'s range, ms', (r) => formatMs(r.compactMs)],
  ['written by `compactRange`: engine count / write() bytes, MiB', (r) => pair(formatMiB(r.compactWrittenMiB), formatMiB(r.compactWcharMiB))],
  ['disk after `compactRange`, MiB', (r) => formatMiB(r.diskCompactedMiB)],
  ['after `compactRange`: the gets / iterate a / iterate all, ms', (r) => `${formatMs(r.getsCompactedMs)} / ${formatMs(r.iterSubCompactedMs)} / ${formatMs(r.iterAllCompactedMs)}`],
]

/** The markdown table: one column per engine and key count, one row per figure. */
export function clearTable(rows: readonly ClearRun[]): string {
  const head = `| | ${rows.map((r) => `${engineName(r.engine)}, ${keys(r.num)} keys`).join(' | ')} |`
  const rule = `|---|${rows.map(() => '---:').join('|')}|`
  const body = ROWS.map(([label, cell]) => `| ${label} | ${rows.map(cell).join(' | ')} |`)
  const reads = [...new Set(rows.map((r) => r.reads.toLocaleString('en-US')))].join(' or ')
  return [head, rule, ...body, '', `Each "gets" figure is ${reads} sequential \`get\`s of random keys of a, present before the clear and gone after it.`].join('\n')
}
