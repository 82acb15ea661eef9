// Cooperative time slicing for long work on the main thread (flushes, compactions): the
// work calls tick() often, and every `budgetMs` of elapsed time it yields one turn of the
// event loop so timers, I/O callbacks and foreground requests get to run.

import { setImmediate as yieldToLoop } from 'node:timers/promises'

/** Ticks between clock reads: reading the clock on every entry would cost more than the work. */
const TICKS_PER_CHECK = 64

export class TimeSlicer {
  readonly #budgetMs: number
  #sliceStart = performance.now()
  #ticks = 0

  constructor(budgetMs = 1) {
    this.#budgetMs = budgetMs
  }

  /** True when the current slice has used its budget (and starts a new one). */
  due(): boolean {
    if (++this.#ticks < TICKS_PER_CHECK) return false
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
