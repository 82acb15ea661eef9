// The results file a run writes and the report reads: raw runs, failures, medians, and
// enough about the machine and versions to tell where the numbers came from.

import type { RunResult } from './child.js'
import type { BenchSettings } from './workloads.js'
import { median } from './measure.js'

export interface RunRecord extends RunResult {
  repeat: number
}

export interface Failure {
  engine: string
  workload: string
  repeat: number
  error: string
}

export interface EngineMeta {
  name: string
  version: string
  durability: string
}

export interface BenchResults {
  meta: {
    date: string
    command: string
    node: string
    os: string
    cpu: string
    cores: number
    memoryGiB: number
    repeats: number
    settings: BenchSettings
    engines: EngineMeta[]
    workloads: { name: string; description: string }[]
    minutes: number
  }
  runs: RunRecord[]
  failures: Failure[]
}

/** The numeric metrics of a run, each reported as the median over repeats. */
export const METRICS = [
  'opsPerSec',
  'mbPerSec',
  'latencyP50Us',
  'latencyP99Us',
  'loopDelayP99Ms',
  'loopDelayMaxMs',
  'cpuPercent',
  'peakRssMiB',
  'diskMiB',
  'writeAmplification',
  'writeStalls',
  'writeSlowdowns',
  'blockCacheMiB',
  'fsyncP50Us',
  'writersPerRound',
  'syncGapP50Us',
] as const satisfies readonly (keyof RunResult)[]
export type Metric = (typeof METRICS)[number]

export interface MedianRow {
  engine: string
  workload: string
  /** Repeats that produced a result. */
  runs: number
  /** False when any repeat stopped at the time budget. */
  complete: boolean
  ops: number
  values: Record<Metric, number | null>
}

export function medians(results: BenchResults): MedianRow[] {
  const groups = new Map<string, RunRecord[]>()
  for (const r of results.runs) {
    const key = `${r.engine}\u0000${r.workload}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.values()].map((runs) => {
    const values = {} as Record<Metric, number | null>
    for (const m of METRICS) {
      // Results written before a metric existed lack it.
      const present = runs.map((r) => r[m]).filter((v): v is number => typeof v === 'number')
      values[m] = present.length === 0 ? null : median(present)
    }
    return { engine: runs[0]!.engine, workload: runs[0]!.workload, runs: runs.length, complete: runs.every((r) => r.complete), ops: median(runs.map((r) => r.ops)), values }
  })
}

/** Median of `engine`'s metric over the peer's, or null when either is missing. */
export function ratio(rows: readonly MedianRow[], workload: string, engine: string, peer: string, metric: Metric = 'opsPerSec'): number | null {
  const a = rows.find((r) => r.engine === engine && r.workload === workload)?.values[metric]
  const b = rows.find((r) => r.engine === peer && r.workload === workload)?.values[metric]
  return a == null || b == null || b === 0 ? null : a / b
}
