// The change feed on a read-only handle: it reads the writer's log files as the writer's own
// feed does, but hears of nothing the writer appends, so it looks again every POLL_MS. It
// pins nothing (it cannot keep another process from deleting a log); a log deleted before the
// feed finished it ends the feed with SEQUENCE_UNAVAILABLE, unless the next log starts right
// where the feed is. The writer's changesRetention is what keeps logs for it.

import type { FileSystem } from '../vfs/file-system.js'
import type { ChangeSource, LogPin } from './change-feed.js'
import type { Follower } from './follower.js'

/** How often a read-only feed at the end of the logs looks for more. */
export const POLL_MS = 50

export class FollowerChanges implements ChangeSource {
  readonly fs: FileSystem
  readonly dir: string
  readonly #follower: Follower
  readonly #closed: () => boolean

  constructor(follower: Follower, closed: () => boolean) {
    this.fs = follower.fs
    this.dir = follower.dir
    this.#follower = follower
    this.#closed = closed
  }

  lastSequence(): number {
    return this.#follower.lastSequence
  }

  newestLog(): number {
    return Infinity
  }

  closed(): boolean {
    return this.#closed()
  }

  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, POLL_MS)
      signal.addEventListener('abort', done, { once: true })
    })
  }

  /** Nothing to flush: the writer's buffer is in another process. */
  flushLog(): void {}

  /** Another process writes the logs: read each to the file's end. */
  bytesInFile(): undefined {
    return undefined
  }

  /** Another process writes the logs: a feed finds its start by reading them. */
  nextRecordStart(): undefined {
    return undefined
  }

  pin(): LogPin | undefined {
    return undefined
  }
}
