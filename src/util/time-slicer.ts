// Cooperative time slicing for long work on the main thread (flushes, compactions): the
// work calls tick() often, and every `budgetMs` of elapsed time it yields one turn of the
// event loop so timers, I/O callbacks and foreground requests get to run.

import { yieldToLoop } from '#runtime'

/** Ticks between clock reads for per-entry work: reading the clock per entry would cost more than the work. */
const TICKS_PER_CHECK = 64

export class TimeSlicer {
  readonly #budgetMs: number
  readonly #ticksPerCheck: number
  #sliceStart = performance.now()
  #ticks = 0

  /** `ticksPerCheck`: lower it when one tick is a whole operation (microseconds), not an entry. */
  constructor(budgetMs = 1, ticksPerCheck = TICKS_PER_CHECK) {
    this.#budgetMs = budgetMs
    this.#ticksPerCheck = ticksPerCheck
  }

  /** True when the current slice has used its budget (and starts a new one). */
  due(): boolean {
    if (++this.#ticks < this.#ticksPerCheck) return false
    this.#ticks = 0
    const now = performance.now()
    if (now - this.#sliceStart < this.#budgetMs) return false
    this.#sliceStart = now
    return true
  }

  /** Starts a new slice now (after the caller has yielded). */
  restart(): void {
    this.#sliceStart = performance.now()
  }

  /** Resolves after yielding when due; otherwise undefined, so callers skip an await. */
  tick(): Promise<void> | undefined {
    return this.due() ? yieldToLoop().then(() => this.restart()) : undefined
  }
}
