// What stops a database's writes after a failure, and how it may start them again. A failed
// log append, fsync, flush, compaction or MANIFEST write is recorded here once; from then on
// writes fail READ_ONLY (with the failure as the cause) while reads go on. A full disk
// (NO_SPACE) is worth retrying once space returns, so writes try to resume at most every
// RESUME_INTERVAL_MS; any other failure is final until the store is reopened.
//
// A programmer error (a TypeError, an invariant's plain Error) is not an I/O failure: it
// also stops writes, since the state it left cannot be trusted, but it reaches the caller
// unchanged and is the recorded error's cause, instead of being dressed up as IO.

import { isErrnoError, ShaleError } from '../errors.js'
import type { StatsCounters } from './stats.js'

/** How often writes retry after a full disk. */
const RESUME_INTERVAL_MS = 250

export class BackgroundError {
  readonly #location: string
  readonly #counters: StatsCounters
  #error: ShaleError | undefined
  /** The recorded error came from a full disk, so writes try to resume (see tryResume). */
  #noSpace = false
  #lastResume = -Infinity
  #resuming: Promise<void> | undefined

  constructor(location: string, counters: StatsCounters) {
    this.#location = location
    this.#counters = counters
  }

  /** The READ_ONLY error writes fail with, or undefined while the database is healthy. */
  get error(): ShaleError | undefined {
    return this.#error
  }

  /** Writes stopped on a full disk (or are resuming from one): they should call tryResume. */
  get resumable(): boolean {
    return this.#noSpace
  }

  /**
   * Records a failure to do `action` (only the first one counts until a resume clears it) and
   * returns what the caller should throw: a ShaleError as it is, an errno-style error wrapped
   * as IO, and any other error, a bug, unchanged.
   */
  fail(action: string, err: unknown): unknown {
    const failure = err instanceof ShaleError || !isErrnoError(err) ? err : new ShaleError('IO', String(err), { cause: err })
    if (this.#error === undefined) {
      const why = failure instanceof ShaleError ? failure.message : `a bug: ${String(failure)}`
      this.#error = new ShaleError('READ_ONLY', `Database ${this.#location} is read-only after a failure to ${action}: ${why}`, { cause: failure })
      this.#noSpace = failure instanceof ShaleError && failure.code === 'NO_SPACE'
    }
    return failure
  }

  /**
   * After a full disk, at most every RESUME_INTERVAL_MS: waits for `quiesce` (background work
   * to stop), clears the error and runs `attempt`, which must make every acknowledged write
   * durable again. Writes resume only if it succeeds and recorded no new failure. If it
   * fails, that failure is what stops writes now, kept as the new error's cause: a full disk
   * again is retried later, anything else (EIO, say) is final. Returns the running attempt, or
   * undefined when it is too soon to try.
   */
  tryResume(quiesce: () => Promise<void>, attempt: () => Promise<void>): Promise<void> | undefined {
    if (this.#resuming || performance.now() - this.#lastResume < RESUME_INTERVAL_MS) return this.#resuming
    this.#lastResume = performance.now()
    this.#resuming = (async () => {
      await quiesce()
      this.#error = undefined
      try {
        await attempt()
        if (this.#error !== undefined) return
        this.#noSpace = false
        this.#counters.resumes++
      } catch (err) {
        // A step that failed without recording (a MANIFEST write, say) is recorded here.
        this.fail('resume writes after a full disk', err)
      } finally {
        this.#resuming = undefined
      }
    })()
    return this.#resuming
  }
}
