// SerialQueue runs async jobs one at a time, in the order they were queued. The database
// keeps one for flushes and one for compactions, so each kind of background work never
// overlaps itself, while the two kinds run beside each other.
//
// A failed job rejects only its own promise: the queue goes on with the next job, and
// idle() never rejects, so a caller that only waits for quiet (close, say) cannot be
// failed, or left with an unhandled rejection, by someone else's job.

export class SerialQueue {
  /** Settles when the last job queued so far has finished; never rejects. */
  #tail: Promise<void> = Promise.resolve()
  /** Jobs queued or running. */
  #size = 0
  /** Coalescing jobs queued under a key that have not started yet. */
  readonly #waiting = new Map<string, Promise<void>>()

  /** Jobs queued or running. */
  get size(): number {
    return this.#size
  }

  /** Runs job after every job queued before it; settles as the job does. */
  push<T>(job: () => Promise<T>): Promise<T> {
    this.#size++
    const run = this.#tail.then(job).finally(() => {
      this.#size--
    })
    this.#tail = run.then(
      () => {},
      () => {},
    )
    return run
  }

  /**
   * Like push, but callers that find a job queued under `key` that has not started yet share
   * it: that job will see whatever they changed. A job that has started may have looked
   * already, so a call made while it runs queues another.
   */
  pushOnce(key: string, job: () => Promise<void>): Promise<void> {
    const waiting = this.#waiting.get(key)
    if (waiting !== undefined) return waiting
    const run = this.push(() => {
      this.#waiting.delete(key)
      return job()
    })
    this.#waiting.set(key, run)
    return run
  }

  /** Settles (never rejects) once every job queued before this call has finished. */
  idle(): Promise<void> {
    return this.#tail
  }
}
