// One time budget shared by every foreground operation of a database (gets, writes,
// iterator steps). Those complete synchronously, so callers that await one after another,
// or keep many in flight, would run back to back in microtasks and never let timers or I/O
// callbacks run. Once about a millisecond of such work has passed, the gate closes: every
// operation that finishes before the event loop turns waits for that turn, not only the
// one that noticed. (A per-operation yield would let the other 63 of 64 in-flight
// operations carry on, and the loop would stall for 64 slices.)

import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { TimeSlicer } from './time-slicer.js'

export class EventLoopGate {
  readonly #slicer: TimeSlicer
  /** Settles on the next turn of the event loop; set while the gate is closed. */
  #turn: Promise<void> | undefined

  constructor(budgetMs = 1) {
    this.#slicer = new TimeSlicer(budgetMs)
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
