// One time budget shared by every foreground operation of a database (gets, writes,
// iterator steps). Those complete synchronously, so callers that await one after another,
// or keep many in flight, would run back to back in microtasks and never let timers or I/O
// callbacks run. Once about a millisecond of such work has passed, the gate closes: every
// operation that finishes before the event loop turns waits for that turn, not only the
// one that noticed. (A per-operation yield would let the other 63 of 64 in-flight
// operations carry on, and the loop would stall for 64 slices.)

import { yieldToLoop } from '#runtime'
import { TimeSlicer } from './time-slicer.js'

/**
 * Operations between clock reads. A tick here is a whole get or write (a microsecond or
 * more, up to a block read and decode), so a clock read (tens of nanoseconds) every few
 * costs little; at 64 a run of block-cache misses would overshoot the slice severalfold.
 */
const OPERATIONS_PER_CHECK = 4

export class EventLoopGate {
  readonly #slicer: TimeSlicer
  /** Settles on the next turn of the event loop; set while the gate is closed. */
  #turn: Promise<void> | undefined

  constructor(budgetMs = 1) {
    this.#slicer = new TimeSlicer(budgetMs, OPERATIONS_PER_CHECK)
  }

  /** undefined when the caller may settle now; otherwise a promise to settle after. */
  pass(): Promise<void> | undefined {
    if (this.#turn !== undefined) return this.#turn
    if (!this.#slicer.due()) return undefined
    const turn = yieldToLoop().then(() => {
      this.#turn = undefined
      this.#slicer.restart()
    })
    this.#turn = turn
    return turn
  }

  /** Resolves to value, after the loop turns when the slice is spent. */
  settle<T>(value: T): Promise<T> {
    const turn = this.pass()
    return turn === undefined ? Promise.resolve(value) : turn.then(() => value)
  }
}
