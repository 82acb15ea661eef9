// Turns a results file into docs/benchmarks.md and its charts, and a short summary for the
// terminal. Every ratio is between two engines' medians from the same run.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BenchResults, type MedianRow, type Metric, medians, ratio } from '../results.js'
import { type Series, renderBarChart } from './bar-chart.js'

const COLORS: Record<string, string> = {
  shale: '#d9480f',
  'classic-level': '#1c7ed6',
  rocksdb: '#5f3dc4',
  lmdb: '#2b8a3e',
  'lmdb-nosync': '#8ce99a',
  map: '#868e96',
  'shale-linear': '#ffa94d',
  'shale-readonly': '#e8590c',
  sqlite: '#0b7285',
  'wal-only': '#c2255c',
}

/**
 * The open issues' targets. With a peer: Shale's median over the peer's, per workload.
 * Without one: Shale's own median against a bound (the event-loop delay limits).
 */
export interface Target {
  workload: string
  peer?: string
  metric: Metric
  atLeast?: number
  atMost?: number
  what: string
}

const READS = ['readrandom', 'readrandom-64', 'seekrandom', 'readseq', 'readmissing']
const WRITES = ['fillseq', 'fillrandom', 'fillrandom-batch', 'fillrandom-concurrent', 'overwrite', 'fillsync', 'fillsync-64']

/** Issue 14 (reads): lmdb's speed, no more memory than lmdb, an event loop that breathes. */
const READ_TARGETS: Target[] = READS.flatMap((w) => [
  { workload: w, peer: 'lmdb', metric: 'opsPerSec', atLeast: 1, what: `${w} ≥ lmdb` },
  { workload: w, peer: 'lmdb', metric: 'peakRssMiB', atMost: 1, what: `${w}: peak RSS ≤ lmdb's` },
])

/** Issue 15 (writes): ratios against classic-level. */
const WRITE_TARGETS: Target[] = [
  ...(['fillrandom-batch', 'fillrandom-concurrent', 'overwrite'] as const).map((w) => ({ workload: w, peer: 'classic-level', metric: 'opsPerSec' as const, atLeast: 1.5, what: `${w} ≥ 1.5× classic-level` })),
  ...(['fillseq', 'fillrandom'] as const).map((w) => ({ workload: w, peer: 'classic-level', metric: 'opsPerSec' as const, atLeast: 2, what: `${w} ≥ 2× classic-level` })),
  { workload: 'fillsync', peer: 'classic-level', metric: 'opsPerSec', atLeast: 1, what: 'fillsync (one writer) ≥ classic-level' },
  { workload: 'fillsync-64', peer: 'classic-level', metric: 'opsPerSec', atLeast: 5, what: 'fillsync with 64 writers ≥ 5× classic-level' },
  { workload: 'fillrandom-batch', peer: 'classic-level', metric: 'diskMiB', atMost: 1, what: 'disk size after loading every key ≤ classic-level' },
]

/** Both issues: event-loop delay p99 ≤ 5 ms and max ≤ 50 ms in every read and write workload. */
const LOOP_TARGETS: Target[] = [...READS, ...WRITES].flatMap((w) => [
  { workload: w, metric: 'loopDelayP99Ms', atMost: 5, what: `${w}: event-loop delay p99 ≤ 5 ms` },
  { workload: w, metric: 'loopDelayMaxMs', atMost: 50, what: `${w}: event-loop delay max ≤ 50 ms` },
])

export const TARGETS: readonly Target[] = [...READ_TARGETS, ...WRITE_TARGETS, ...LOOP_TARGETS]

const WORKLOADS_ON_EMPTY = new Set(['fillseq', 'fillrandom', 'fillrandom-batch', 'fillrandom-concurrent', 'fillsync', 'fillsync-64'])

const int = (v: number): string => Math.round(v).toLocaleString('en-US')
const short = (v: number): string =>
  v >= 1e6 ? `${+(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${+(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k` : `${+v.toFixed(v >= 10 ? 0 : 2)}`
const fixed = (digits: number) => (v: number | null): string => (v === null ? '–' : v.toFixed(digits))
const times = (r: number | null): string => (r === null ? '–' : r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`)

function table(header: string[], rows: string[][], align: string[]): string {
  return [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n'
}

function series(results: BenchResults, rows: MedianRow[]): Series[] {
  return results.meta.engines.filter((e) => rows.some((r) => r.engine === e.name)).map((e) => ({ name: e.name, color: COLORS[e.name] ?? '#495057' }))
}

function headline(results: BenchResults, rows: MedianRow[]): string {
  // Shale's variants (the linear-search ablation, the read-only handle) have tables of their own.
  const engines = results.meta.engines.map((e) => e.name).filter((e) => e !== 'shale-linear' && e !== 'shale-readonly' && e !== 'wal-only')
  const body = results.meta.workloads.map((w) => {
    const ops = engines.map((e) => rows.find((r) => r.engine === e && r.workload === w.name))
    const cells = ops.map((r) => (r === undefined ? '–' : `${int(r.values.opsPerSec!)}${r.complete ? '' : '*'}`))
    return [w.name, ...cells, ...['classic-level', 'rocksdb', 'lmdb', 'map'].filter((p) => engines.includes(p)).map((p) => times(ratio(rows, w.name, 'shale', p)))]
  })
  const peers = ['classic-level', 'rocksdb', 'lmdb', 'map'].filter((p) => engines.includes(p))
  return table(
    ['workload', ...engines.map((e) => `${e} ops/s`), ...peers.map((p) => `shale / ${p}`)],
    body,
    ['---', ...engines.map(() => '---:'), ...peers.map(() => '---:')],
  )
}

/** `measuredOnly`: leave out the targets of workloads this run did not include (the terminal summary of a partial run). */
function targets(rows: MedianRow[], measuredOnly = false): string {
  const wanted = measuredOnly ? TARGETS.filter((t) => rows.some((r) => r.engine === 'shale' && r.workload === t.workload)) : TARGETS
  const body = wanted.map((t) => {
    const own = rows.find((r) => r.engine === 'shale' && r.workload === t.workload)?.values[t.metric] ?? null
    const r = t.peer === undefined ? own : ratio(rows, t.workload, 'shale', t.peer, t.metric)
    const met = r === null ? 'not measured' : (t.atLeast !== undefined ? r >= t.atLeast : r <= t.atMost!) ? 'met' : '**not met**'
    return [t.what, t.peer === undefined ? fixed(1)(r) : times(r), met]
  })
  return table(['target', 'measured (shale / peer, or shale alone, medians)', ''], body, ['---', '---:', '---'])
}

function details(results: BenchResults, rows: MedianRow[]): string {
  const out: string[] = []
  for (const w of results.meta.workloads) {
    const forW = results.meta.engines.map((e) => rows.find((r) => r.engine === e.name && r.workload === w.name)).filter((r): r is MedianRow => r !== undefined)
    if (forW.length === 0) continue
    out.push(`### ${w.name}\n\n${w.description}.\n`)
    out.push(
      table(
        ['engine', 'ops/s', 'MB/s', 'p50 µs', 'p99 µs', 'loop p99 ms', 'loop max ms', 'CPU %', 'peak RSS MiB', 'block cache MiB', 'disk MiB', 'WA', 'stalls / slowdowns', 'ops', 'runs'],
        forW.map((r) => {
          const v = r.values
          return [r.engine, int(v.opsPerSec!), fixed(1)(v.mbPerSec), fixed(1)(v.latencyP50Us), fixed(1)(v.latencyP99Us), fixed(1)(v.loopDelayP99Ms), fixed(1)(v.loopDelayMaxMs), fixed(0)(v.cpuPercent), fixed(0)(v.peakRssMiB), fixed(0)(v.blockCacheMiB), fixed(1)(v.diskMiB), fixed(1)(v.writeAmplification), stalls(v.writeStalls, v.writeSlowdowns), `${int(r.ops)}${r.complete ? '' : '*'}`, String(r.runs)]
        }),
        ['---', ...Array.from({ length: 14 }, () => '---:')],
      ),
    )
  }
  return out.join('\n')
}

/** Writes that stopped (memtable full, level-0 stop trigger) and were slowed (level-0 slowdown trigger): Shale counts them, LevelDB does not. */
function stalls(stopped: number | null | undefined, slowed: number | null | undefined): string {
  return stopped == null ? '–' : `${int(stopped)} / ${int(slowed ?? 0)}`
}

/** Shale's own handle against a read-only one on the same store, for the workloads both run. */
function readOnlyComparison(rows: MedianRow[]): string {
  const workloads = [...new Set(rows.filter((r) => r.engine === 'shale-readonly').map((r) => r.workload))]
  if (workloads.length === 0) return 'Not measured in this run (engine `shale-readonly`); [design.md](design.md#read-only-handles) has a run of its own.\n'
  const body = workloads.map((w) => {
    const own = rows.find((r) => r.engine === 'shale' && r.workload === w)?.values
    const ro = rows.find((r) => r.engine === 'shale-readonly' && r.workload === w)?.values
    const cell = (v: number | null | undefined) => (v === null || v === undefined ? '–' : int(v))
    return [w, cell(own?.opsPerSec), cell(ro?.opsPerSec), times(own?.opsPerSec && ro?.opsPerSec ? ro.opsPerSec / own.opsPerSec : null), cell(own?.peakRssMiB), cell(ro?.peakRssMiB)]
  })
  return table(['workload', 'writer ops/s', 'read-only ops/s', 'read-only / writer', 'writer RSS MiB', 'read-only RSS MiB'], body, ['---', '---:', '---:', '---:', '---:', '---:'])
}

/** Shale against one of its ablation engines on the notebook's workloads: ops/s of each and their ratio. */
function ablation(rows: MedianRow[], other: string, headers: [string, string, string], workloads = ['mixed', 'readrandom']): string {
  const body = workloads.map((w) => {
    const b = rows.find((r) => r.engine === 'shale' && r.workload === w)?.values.opsPerSec ?? null
    const l = rows.find((r) => r.engine === other && r.workload === w)?.values.opsPerSec ?? null
    return [w, b === null ? '–' : int(b), l === null ? '–' : int(l), times(b !== null && l !== null ? b / l : null)]
  })
  return table(['workload', ...headers], body, ['---', '---:', '---:', '---:'])
}

function charts(results: BenchResults, rows: MedianRow[]): Record<string, string> {
  const s = series(results, rows)
  const groups = (metric: Metric, filter: (w: string) => boolean = () => true) =>
    results.meta.workloads
      .filter((w) => filter(w.name))
      .map((w) => ({ label: w.name, values: Object.fromEntries(rows.filter((r) => r.workload === w.name).map((r) => [r.engine, r.values[metric]])) }))
  return {
    'throughput.svg': renderBarChart({ title: 'Throughput, median of runs (higher is better)', axis: 'operations per second (log scale)', series: s, groups: groups('opsPerSec'), log: true, format: short }),
    'loop-delay.svg': renderBarChart({
      title: 'Event-loop delay p99 during the timed phase (lower is better)',
      axis: 'milliseconds (log scale)',
      series: s,
      groups: groups('loopDelayP99Ms').map((g) => ({ ...g, values: Object.fromEntries(Object.entries(g.values).map(([k, v]) => [k, v == null ? v : Math.max(v, 1)])) })),
      log: true,
      format: (v) => (v >= 1000 ? `${+(v / 1000).toFixed(1)}s` : `${+v.toFixed(1)}`),
    }),
    'write-amplification.svg': renderBarChart({
      title: 'Shale write amplification: (WAL + flush + compaction bytes) / user bytes',
      axis: 'bytes written to disk (after compression) per user byte, fills of an empty store',
      series: s.filter((x) => x.name === 'shale'),
      // Fills start empty, so their figure is the whole history; a workload on a copied store
      // would also count compaction debt it inherited.
      groups: groups('writeAmplification', (w) => WORKLOADS_ON_EMPTY.has(w)),
      log: false,
      format: (v) => v.toFixed(1),
    }),
  }
}

/**
 * `notes`: hand-written sections (ablations of techniques measured across builds, profile
 * summaries) kept in docs/benchmarks/notes.md, which a regenerated report carries over.
 */
export function renderMarkdown(results: BenchResults, notes = ''): string {
  const rows = medians(results)
  const m = results.meta
  const s = m.settings
  const engines = table(
    ['engine', 'package', 'durability of a put without sync'],
    m.engines.map((e) => [e.name, e.version, e.durability]),
    ['---', '---', '---'],
  )
  const failures = results.failures.length === 0 ? '' : `\n## Failed runs\n\n${results.failures.map((f) => `- ${f.engine} ${f.workload} (run ${f.repeat}): ${f.error}`).join('\n')}\n`
  return `# Benchmarks

Generated by \`${m.command}\` on ${m.date.slice(0, 10)}: ${m.engines.length} engines, ${m.workloads.length} workloads,
${m.repeats} runs each (${m.minutes} minutes). Every number is the **median** of the runs; every ratio is between two
medians from this same run. Raw results: [benchmarks/results.json](benchmarks/results.json).

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. The machine is shared and
noisy: compare ratios, not absolute numbers across runs.

Settings: ${int(s.num)} keys of 16 bytes (\`%016d\`), ${s.valueSize}-byte values that compress to about half;
${int(s.reads)} operations for the random read, seek and mixed workloads, ${int(s.syncOps)} for the sync ones;
a timed phase stops after ${s.maxSeconds} s and reports what it completed (marked \`*\`).

${engines}
![Throughput per workload and engine](benchmarks/throughput.svg)

## Headline ratios

${headline(results, rows)}
\`*\`: the time budget stopped at least one run early; its rate is over the operations completed.

## Targets

${targets(rows)}
## Binary versus linear block search (the design notebook's ablation)

The notebook measured binary search over an SSTable's index 4–6× faster than a linear scan
on a mixed workload. The same experiment with Shale: \`blockSearch: 'linear'\` scans index and
data blocks entry by entry instead of binary-searching their restart points.

${ablation(rows, 'shale-linear', ['binary search ops/s', 'linear search ops/s', 'binary / linear'])}
## SSTables versus everything in the write-ahead log (the notebook's other comparison)

The notebook's argument for SSTables, measured: engine \`wal-only\` (bench only) writes nothing
but logs, starting a new one at Shale's memtable size, and answers a get that misses its
in-memory map by reading the older logs, newest first.

${ablation(rows, 'wal-only', ['SSTables (Shale) ops/s', 'logs only ops/s', 'SSTables / logs only'], ['fillrandom', 'mixed', 'readrandom'])}
## A read-only handle beside the writer's

The same loaded store read through \`Shale.open(dir, { readOnly: true })\`, as another process
beside its writer would, against the writer's own handle (medians; both stores flushed and
settled before the copy).

${readOnlyComparison(rows)}
## Event-loop delay and write amplification

![Event-loop delay p99](benchmarks/loop-delay.svg)

![Shale write amplification](benchmarks/write-amplification.svg)

## How it is measured

- The peers' versions are pinned by \`bench/package-lock.json\`: \`npm run bench\` installs
  them into \`bench/node_modules\`, a package of their own, so the engine's install carries
  no native addon.
- Each (engine, workload, run) is a child process of its own on a fresh directory; runs of
  different engines interleave, so drift on the shared machine hits all of them alike.
- Read, seek, overwrite and mixed workloads start from a copy of one store per engine,
  loaded once with every key in random order in batches of 1,000 and closed (not timed); the
  Map, which keeps nothing on disk, loads its own.
- Every engine is driven through its own idiomatic API (\`bench/engines/\`): awaited \`put\`
  and \`get\`, its batch call, its iterator (\`nextv\` pages for classic-level, \`getRange\`
  for lmdb). lmdb's reads are synchronous and awaited like the others'.
- The harness yields to the event loop once a millisecond for every engine, as a server
  doing other work would; event-loop delay is sampled at 1 ms resolution over the timed phase.
- Latency is per call (one batch of 1,000 for fillrandom-batch; none for readseq's single
  scan). CPU % is process CPU time over wall time (all threads, so it can pass 100). Peak RSS
  is the child's (the Map's includes its load). Disk is allocated bytes after close. WA is Shale's
  (WAL + flush + compaction bytes) / user bytes in the child, for workloads that write; table
  bytes are counted after compression.

${notes === '' ? '' : `${notes.trimEnd()}\n\n`}## Per-workload detail

${details(results, rows)}${failures}`
}

/** Writes the report into `dir` (when given) and returns a terminal summary. */
export function writeReport(results: BenchResults, dir: string | undefined): { summary: string } {
  const rows = medians(results)
  if (dir !== undefined) {
    mkdirSync(join(dir, 'benchmarks'), { recursive: true })
    const notesFile = join(dir, 'benchmarks', 'notes.md')
    writeFileSync(join(dir, 'benchmarks.md'), renderMarkdown(results, existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : ''))
    for (const [name, svg] of Object.entries(charts(results, rows))) writeFileSync(join(dir, 'benchmarks', name), svg)
    writeFileSync(join(dir, 'benchmarks', 'results.json'), JSON.stringify(results, null, 1) + '\n')
  }
  return { summary: `${headline(results, rows)}\n${targets(rows, true)}${dir === undefined ? '' : `\nReport: ${join(dir, 'benchmarks.md')}\n`}` }
}
