// One engine, one workload, one fresh directory, in a process of its own: so no engine's
// caches, threads, heap or GC debt leak into another's numbers. Started by run.ts with a
// JSON job as argv[2]; reports progress and the result over the IPC channel.

import { rmSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { dbKey, dbValue, shuffled } from '../src/cli/workload.js'
import type { BenchEngine } from './engines/engine.js'
import { engineByName } from './engines/index.js'
import { OpRecorder, diskBytes } from './measure.js'
import { type BenchSettings, workloadByName } from './workloads.js'

export interface ChildJob {
  /** 'seed': load every key into `dir` and close (run.ts copies it for each read workload). */
  mode: 'run' | 'seed'
  engine: string
  workload: string
  dir: string
  settings: BenchSettings
  /** `dir` already holds a copy of the loaded store. */
  seeded: boolean
}

export interface RunResult {
  engine: string
  workload: string
  /** Operations completed in the timed phase (entries for batches and scans). */
  ops: number
  /** False when the time budget stopped the phase early. */
  complete: boolean
  seconds: number
  opsPerSec: number
  mbPerSec: number
  /** Per call, in microseconds (a call is one batch for fillrandom-batch, the whole scan for readseq). */
  latencyP50Us: number | null
  latencyP99Us: number | null
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  /** Process CPU time (all threads) over wall time during the timed phase. */
  cpuPercent: number
  /** Peak resident set of the child process (the Map yardstick's includes its preload). */
  peakRssMiB: number
  /** Allocated bytes in the store's directory after close; null for the in-memory yardstick. */
  diskMiB: number | null
  writeAmplification: number | null
  /** Shale only (LevelDB does not count them): writes that stopped for a memtable or level 0, and writes slowed down at level 0. */
  writeStalls?: number | null
  writeSlowdowns?: number | null
  /** Shale only: what its block cache held at the end of the run. */
  blockCacheMiB: number | null
  /** Shale's sync writes only (stats().wal): fsync latency, writers acknowledged per group-commit round, and the gap between rounds. */
  fsyncP50Us?: number | null
  writersPerRound?: number | null
  syncGapP50Us?: number | null
}

export type ChildMessage =
  | { type: 'progress'; phase: 'preload' | 'run'; done: number; total: number }
  | { type: 'result'; result: RunResult }
  | { type: 'seeded' }

const send = (m: ChildMessage): void => void process.send?.(m)

async function preload(engine: BenchEngine, s: BenchSettings): Promise<void> {
  const order = shuffled(s.num, 1)
  for (let start = 0; start < s.num; start += 1000) {
    const batch: [string, Uint8Array][] = []
    for (let i = start; i < Math.min(s.num, start + 1000); i++) batch.push([dbKey(order[i]!), dbValue(order[i]!, s.valueSize)])
    await engine.batch(batch)
    if (start % 50_000 === 0) send({ type: 'progress', phase: 'preload', done: start, total: s.num })
  }
}

async function runJob(job: ChildJob): Promise<RunResult> {
  const info = engineByName(job.engine)
  const workload = workloadByName(job.workload)
  const open = await info.load()
  const s = job.settings
  let engine = await open(job.dir)
  if (workload.preload && !job.seeded) {
    await preload(engine, s)
    // Reopen, so reads start from what is on disk, as after a restart.
    await engine.close()
    engine = await open(job.dir)
  }

  const rec = new OpRecorder(workload.calls(s), s.maxSeconds)
  const progress = setInterval(() => send({ type: 'progress', phase: 'run', done: rec.count, total: workload.calls(s) }), 250)
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  const ops = await workload.run({ engine, settings: s, rec })
  const seconds = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  delay.disable()
  clearInterval(progress)

  const extra = engine.extra?.() ?? {}
  await engine.close()
  const latency = rec.latencyMicros()
  const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits
  return {
    engine: job.engine,
    workload: job.workload,
    ops,
    complete: !rec.expired,
    seconds: round(seconds, 3),
    opsPerSec: Math.round(ops / seconds),
    mbPerSec: round((ops * workload.bytesPerOp(s)) / seconds / 1048576, 2),
    latencyP50Us: latency ? round(latency.p50, 2) : null,
    latencyP99Us: latency ? round(latency.p99, 2) : null,
    loopDelayP99Ms: round(delay.percentile(99) / 1e6, 2),
    loopDelayMaxMs: round(delay.max / 1e6, 2),
    cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    diskMiB: job.engine === 'map' ? null : round(diskBytes(job.dir) / 1048576, 1),
    writeAmplification: extra.writeAmplification === undefined ? null : round(extra.writeAmplification, 2),
    writeStalls: extra.writeStalls ?? null,
    writeSlowdowns: extra.writeSlowdowns ?? null,
    blockCacheMiB: extra.blockCacheBytes === undefined ? null : round(extra.blockCacheBytes / 1048576, 1),
    fsyncP50Us: extra.fsyncP50Ms === undefined ? null : round(extra.fsyncP50Ms * 1000, 0),
    writersPerRound: extra.writersPerRound === undefined ? null : round(extra.writersPerRound, 1),
    syncGapP50Us: extra.syncGapP50Ms === undefined ? null : round(extra.syncGapP50Ms * 1000, 0),
  }
}

/** Resolves once the message is handed over: exiting first could drop it. */
const deliver = (m: ChildMessage): Promise<void> =>
  new Promise((resolve, reject) => process.send!(m, undefined, {}, (err) => (err ? reject(err) : resolve())))

const job = JSON.parse(process.argv[2] ?? '') as ChildJob
if (job.mode === 'seed') {
  const engine = await (await engineByName(job.engine).load())(job.dir)
  await preload(engine, job.settings)
  await engine.close()
  await deliver({ type: 'seeded' })
} else {
  try {
    await deliver({ type: 'result', result: await runJob(job) })
  } finally {
    rmSync(job.dir, { recursive: true, force: true })
  }
}
// Native engines may keep threads alive after close; the result is delivered, so leave.
process.exit(0)
