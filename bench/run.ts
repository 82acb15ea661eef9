// `npm run bench`: the side-by-side suite. Every (engine, workload, repeat) runs in a child
// process of its own (child.ts) on a fresh directory; repeats interleave engines so drift on
// a shared machine hits all of them alike. Writes the raw results as JSON and, with
// --report, docs/benchmarks.md and its SVG charts.

import { Command, Option } from 'commander'
import cliProgress from 'cli-progress'
import { fork } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem, type as osType, release } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildJob, ChildMessage } from './child.js'
import { ENGINES, engineByName } from './engines/index.js'
import { peerVersion } from './engines/peer.js'
import { writeReport } from './report/write-report.js'
import { type BenchResults, type Failure, type RunRecord } from './results.js'
import { type BenchSettings, WORKLOADS, workloadByName } from './workloads.js'

const here = dirname(fileURLToPath(import.meta.url))
/** The repository root: this file runs from dist/bench. */
const root = resolve(here, '..', '..')

const list = (v: string): string[] => v.split(',').map((x) => x.trim()).filter(Boolean)
const positive = (name: string) => (v: string): number => {
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`)
  return n
}

const program = new Command('bench')
  .description('Run Shale and its peers through db_bench-style workloads, each in its own process')
  .option('-e, --engines <list>', `engines, comma-separated (${ENGINES.map((e) => e.name).join(', ')})`, list, ENGINES.map((e) => e.name))
  .option('-w, --workloads <list>', `workloads, comma-separated (${WORKLOADS.map((w) => w.name).join(', ')})`, list, WORKLOADS.map((w) => w.name))
  .option('-n, --num <n>', 'keys in the database (fill size and key space)', positive('num'), 1_000_000)
  .option('--value-size <bytes>', 'value size in bytes (values compress to about half)', positive('value-size'), 100)
  .option('--reads <n>', 'operations for readrandom, readmissing, seekrandom and mixed (default num / 5)', positive('reads'))
  .option('--sync-ops <n>', 'operations for fillsync and fillsync-64 (default num / 100)', positive('sync-ops'))
  .option('--max-seconds <s>', 'time budget of one timed phase; a phase that hits it reports what it did', positive('max-seconds'), 10)
  .option('-r, --repeats <n>', 'runs of each engine and workload; the report uses medians', positive('repeats'), 3)
  .option('-o, --out <file>', 'where to write the raw results (JSON)', 'bench-results.json')
  .option('--report', 'also write docs/benchmarks.md and docs/benchmarks/*.svg from this run')
  .option('--report-dir <dir>', 'directory for the report (with --report or --from)', join(root, 'docs'))
  .option('--from <file>', 'only render the report from a results file written earlier')
  .addOption(new Option('--dir <path>', 'parent directory for the stores (default: the OS temp directory)'))
  .option('--shale-options <json>', "extra open options for Shale's engines, as a JSON object (for ablations, e.g. '{\"blockCacheSize\":33554432}'); recorded in the results", shaleOptions)
  .option('--profile <dir>', 'write V8 CPU profiles (node --cpu-prof) of every child and its threads into <dir>/<engine>-<workload>-<run>/')
  .option('--verbose', 'print one line per finished run to stderr (the progress bar shows on a terminal anyway)')

interface Args {
  engines: string[]
  workloads: string[]
  num: number
  valueSize: number
  reads?: number
  syncOps?: number
  maxSeconds: number
  repeats: number
  out: string
  report?: boolean
  reportDir: string
  from?: string
  dir?: string
  profile?: string
  shaleOptions?: Record<string, unknown>
  verbose?: boolean
}

function shaleOptions(text: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new Error(`--shale-options: not JSON (${(err as Error).message})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('--shale-options: expected a JSON object')
  return parsed as Record<string, unknown>
}

function versionOf(pkg: string | undefined): string {
  // A peer's version is the one installed in bench/node_modules.
  if (pkg !== undefined) return peerVersion(pkg)
  return `shale@${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version}`
}

type Progress = (m: Extract<ChildMessage, { type: 'progress' }>) => void

/** Runs one job in a child process; resolves to its final message or rejects with its error output. */
function runChild(job: ChildJob, onProgress: Progress, timeoutMs: number, execArgv: string[] = []): Promise<ChildMessage> {
  return new Promise((resolveRun, reject) => {
    let final: ChildMessage | undefined
    let stderr = ''
    const child = fork(join(here, 'child.js'), [JSON.stringify(job)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv })
    child.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('message', (m: ChildMessage) => (m.type === 'progress' ? onProgress(m) : (final = m)))
    // 'close', not 'exit': it comes after the IPC channel has closed, so after every message
    // the child sent. Under Deno (2.9) 'exit' can come before the child's last message.
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (final !== undefined) resolveRun(final)
      else reject(new Error(`${signal ? `killed by ${signal}` : `exit code ${code}`}${stderr ? `: ${stderr.trim().split('\n').slice(-6).join(' | ')}` : ''}`))
    })
  })
}

async function runSuite(args: Args): Promise<BenchResults> {
  const engines = args.engines.map(engineByName)
  // Up front, so a peer missing from bench/node_modules fails before anything runs.
  const versions = engines.map((e) => e.builtin ?? versionOf(e.packageName))
  const workloads = args.workloads.map(workloadByName)
  const settings: BenchSettings = {
    num: Math.floor(args.num),
    valueSize: Math.floor(args.valueSize),
    reads: Math.floor(args.reads ?? Math.max(1, args.num / 5)),
    syncOps: Math.floor(args.syncOps ?? Math.max(1, args.num / 100)),
    maxSeconds: args.maxSeconds,
  }
  if (settings.valueSize > 65536) throw new Error('--value-size is at most 65536')
  const jobs: { engine: string; workload: string; repeat: number }[] = []
  for (let repeat = 1; repeat <= args.repeats; repeat++) {
    for (const w of workloads) {
      for (const e of engines) {
        if (e.skips.has(w.name) || (e.only !== undefined && !e.only.has(w.name)) || (w.engines !== undefined && !w.engines.has(e.name))) continue
        jobs.push({ engine: e.name, workload: w.name, repeat })
      }
    }
  }
  const parent = mkdtempSync(join(args.dir ?? tmpdir(), 'shale-bench-'))
  const tty = process.stderr.isTTY
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: '{job}/{jobs} {label} [{bar}] {percentage}% {phase}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined
  const started = performance.now()
  const runs: RunRecord[] = []
  const failures: Failure[] = []
  const onProgress: Progress = (m) => {
    bar?.setTotal(Math.max(1, m.total))
    bar?.update(m.done, { phase: m.phase })
  }
  // Preload, timed phase, reopen and close, with room for a slow disk.
  const timeoutMs = (settings.maxSeconds * 4 + 300) * 1000
  // Read workloads start from a copy of one loaded store per engine: loading a million keys
  // into lmdb alone takes most of a minute, and every read workload then sees the same tree.
  const seeds = new Map<string, Promise<string>>()
  const seedFor = (engine: string): Promise<string> => {
    let seed = seeds.get(engine)
    if (seed === undefined) {
      const dir = join(parent, `seed-${engine}`)
      seed = runChild({ mode: 'seed', engine, workload: 'seed', dir, settings, seeded: false }, onProgress, timeoutMs).then(() => dir)
      seeds.set(engine, seed)
    }
    return seed
  }
  try {
    for (const [i, j] of jobs.entries()) {
      const label = `${j.engine} ${j.workload} (run ${j.repeat}/${args.repeats})`.padEnd(44)
      bar?.start(1, 0, { job: i + 1, jobs: jobs.length, label, phase: '' })
      try {
        const dir = join(parent, `${i}-${j.engine}-${j.workload}`)
        const seeded = workloadByName(j.workload).preload && !engineByName(j.engine).inMemory
        if (seeded) cpSync(await seedFor(j.engine), dir, { recursive: true })
        const message = await runChild(
          { mode: 'run', engine: j.engine, workload: j.workload, dir, settings, seeded },
          onProgress,
          timeoutMs,
          // A directory per run: every thread (the compaction worker too) writes its own profile.
          args.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(resolve(args.profile), `${j.engine}-${j.workload}-${j.repeat}`)}`],
        )
        if (message.type !== 'result') throw new Error(`unexpected ${message.type} message from the child`)
        const result = message.result
        runs.push({ ...result, repeat: j.repeat })
        if (args.verbose) process.stderr.write(`${label} ${result.opsPerSec.toLocaleString()} ops/s${result.complete ? '' : ' (time budget hit)'}\n`)
      } catch (err) {
        failures.push({ ...j, error: (err as Error).message })
        if (args.verbose || tty) process.stderr.write(`\n${label} FAILED: ${(err as Error).message}\n`)
      }
      bar?.stop()
    }
  } finally {
    rmSync(parent, { recursive: true, force: true })
  }
  const cpuList = cpus()
  return {
    meta: {
      date: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      node: process.version,
      os: `${osType()} ${release()} ${process.arch}`,
      cpu: cpuList[0]?.model ?? 'unknown',
      cores: cpuList.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      repeats: args.repeats,
      settings,
      engines: engines.map((e, i) => ({ name: e.name, version: versions[i]!, durability: e.durability })),
      workloads: workloads.map((w) => ({ name: w.name, description: w.description })),
      minutes: Math.round((performance.now() - started) / 6000) / 10,
    },
    runs,
    failures,
  }
}

const args = program.parse().opts<Args>()
// The children inherit the environment: bench/engines/shale.ts reads the options there.
if (args.shaleOptions !== undefined) process.env.SHALE_BENCH_OPTIONS = JSON.stringify(args.shaleOptions)
let results: BenchResults
if (args.from !== undefined) {
  results = JSON.parse(readFileSync(args.from, 'utf8')) as BenchResults
} else {
  results = await runSuite(args)
  mkdirSync(dirname(resolve(args.out)), { recursive: true })
  writeFileSync(args.out, JSON.stringify(results, null, 1) + '\n')
  process.stderr.write(`Results: ${args.out} (${results.runs.length} runs, ${results.failures.length} failed, ${results.meta.minutes} min)\n`)
}
const { summary } = writeReport(results, args.report || args.from !== undefined ? args.reportDir : undefined)
process.stdout.write(summary)
if (results.failures.length > 0) process.exitCode = 1
