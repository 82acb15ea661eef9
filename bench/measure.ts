// What a child records while it runs a workload: per-call latency, the time-slice yields
// every engine gets alike, and the deadline; plus the small statistics the report needs, and
// timed(), the event-loop delay around one piece of work (the clear, checkpoint and change-feed
// measurements).

import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/** How often the harness lets the event loop run, as an application serving other work would. */
const YIELD_EVERY_MS = 1

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Times the calls of one workload. The loop pattern is
 * `const t0 = performance.now(); await call(); if (rec.done(t0)) await rec.pause()`,
 * so the harness costs one clock read per call and yields at most once per millisecond.
 */
export class OpRecorder {
  readonly #latencies: Float64Array
  #count = 0
  #lastYield = performance.now()
  readonly #deadline: number
  #expired = false
  #pausing: Promise<void> | undefined

  constructor(capacity: number, maxSeconds: number) {
    this.#latencies = new Float64Array(capacity)
    this.#deadline = performance.now() + maxSeconds * 1000
  }

  get count(): number {
    return this.#count
  }

  /** True once the time budget is spent: loops stop and the row reports what was done. */
  get expired(): boolean {
    return this.#expired
  }

  /** Records one call that started at t0; true when the loop should `await pause()`. */
  done(t0: number): boolean {
    const now = performance.now()
    if (this.#count < this.#latencies.length) this.#latencies[this.#count] = now - t0
    this.#count++
    if (now > this.#deadline) this.#expired = true
    return now - this.#lastYield >= YIELD_EVERY_MS
  }

  /**
   * Lets the event loop turn once. Concurrent loops share one pause: were each to yield on
   * its own, the first to resume would run its millisecond, then the next, and 64 in-flight
   * loops would hold the thread for 64 ms between two turns of the loop.
   */
  pause(): Promise<void> {
    this.#pausing ??= yieldToLoop().then(() => {
      this.#lastYield = performance.now()
      this.#pausing = undefined
    })
    return this.#pausing
  }

  /** Latency percentiles in microseconds over the recorded calls. */
  latencyMicros(): { p50: number; p99: number } | undefined {
    const n = Math.min(this.#count, this.#latencies.length)
    if (n < 2) return undefined
    const sorted = this.#latencies.slice(0, n).sort()
    return { p50: percentile(sorted, 50) * 1000, p99: percentile(sorted, 99) * 1000 }
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = v.length >> 1
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
}

/** Bytes allocated on disk under `dir` (st_blocks, so sparse files count what they use). */
export function diskBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += diskBytes(path)
    else if (entry.isFile()) total += statSync(path).blocks * 512
  }
  return total
}

/** Runs `work` while sampling event-loop delay (1 ms resolution); times in ms. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; loopSamples: number; loopP99Ms: number; loopMaxMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  // Until its timer has fired once the histogram has no start time, and a stall before that
  // goes unrecorded (a 300 ms block right after enable() reads as 1 ms): wait for it.
  for (let i = 0; i < 100 && delay.count === 0; i++) await new Promise((resolve) => setTimeout(resolve, 1))
  const start = performance.now()
  const value = await work()
  const ms = performance.now() - start
  // The histogram's timer records a stall when it next fires; work that held the thread to
  // its end would otherwise resolve, and be disabled, before the timer saw it.
  await new Promise((resolve) => setTimeout(resolve, 5))
  delay.disable()
  // No sample at all (work shorter than the resolution): no delay was seen.
  const seen = delay.count > 0
  const toMs = (ns: number): number => Math.round(ns / 1e4) / 100
  return { value, ms: Math.round(ms * 1000) / 1000, loopSamples: delay.count, loopP99Ms: seen ? toMs(delay.percentile(99)) : 0, loopMaxMs: seen ? toMs(delay.max) : 0 }
}
