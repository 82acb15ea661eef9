// The writer's side of the change feed (db.changes): which write-ahead logs stay on disk after
// their memtable is flushed, and when a feed waiting at the end of the newest log should look
// again. Feeds read the log files themselves, never a copy in memory, so a slow reader costs
// disk (the logs it has not read yet), not the engine's heap.
//
// Two things keep a log below the live one: changesRetention (the newest retained logs, up to
// a byte total and an age), and an open feed, which pins the log it is reading and every later
// one until it moves on or ends, as an iterator pins its version. Logs go oldest first, so the
// kept ones are always a contiguous run up to the live log.

import { logFileName, parseFileName } from '../base/file-names.js'
import type { ChangesRetention } from '../base/options.js'
import type { FileSystem } from '../vfs/file-system.js'
import type { ChangeSource, LogPin } from './change-feed.js'

export class ChangeLogs implements ChangeSource {
  readonly fs: FileSystem
  readonly dir: string
  readonly #retention: ChangesRetention
  /** The lowest log a memtable not yet in a table needs: everything below it is flushed. */
  readonly #liveLog: () => number
  readonly #lastSequence: () => number
  readonly #newestLog: () => number
  readonly flushLog: () => void
  readonly bytesInFile: (log: number) => number | undefined
  readonly nextRecordStart: () => { log: number; offset: number } | undefined
  readonly #waiters = new Set<() => void>()
  readonly #pins = new Set<{ log: number }>()
  /** Sizes of flushed logs (they no longer change) and when each was first seen flushed. */
  readonly #sizes = new Map<number, number>()
  readonly #firstSeen = new Map<number, number>()
  #closed = false

  constructor(
    fs: FileSystem,
    dir: string,
    retention: ChangesRetention,
    parts: {
      liveLog: () => number
      lastSequence: () => number
      newestLog: () => number
      flushLog: () => void
      bytesInFile: (log: number) => number | undefined
      nextRecordStart: () => { log: number; offset: number } | undefined
    },
  ) {
    this.fs = fs
    this.dir = dir
    this.#retention = retention
    this.#liveLog = parts.liveLog
    this.#lastSequence = parts.lastSequence
    this.#newestLog = parts.newestLog
    this.flushLog = parts.flushLog
    this.bytesInFile = parts.bytesInFile
    this.nextRecordStart = parts.nextRecordStart
  }

  /** Whether flushed logs are kept at all: then each is synced before it becomes one. */
  get retaining(): boolean {
    const { bytes, ms } = this.#retention
    if (bytes === undefined && ms === undefined) return false
    return bytes !== 0 && ms !== 0
  }

  lastSequence(): number {
    return this.#lastSequence()
  }

  newestLog(): number {
    return this.#newestLog()
  }

  closed(): boolean {
    return this.#closed
  }

  /** Called whenever bytes reach a log file: wakes every feed waiting for more. */
  notify(): void {
    if (this.#waiters.size === 0) return
    for (const wake of [...this.#waiters]) wake()
  }

  wait(signal: AbortSignal): Promise<void> {
    if (this.#closed || signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#waiters.delete(wake)
        signal.removeEventListener('abort', wake)
        resolve()
      }
      this.#waiters.add(wake)
      signal.addEventListener('abort', wake, { once: true })
      // Writes may wait in the log writer's buffer for the next turn (on an unref'd timer):
      // a feed at the end wants them in the file now, which wakes it.
      this.flushLog()
    })
  }

  pin(log: number): LogPin {
    const pin = { log }
    this.#pins.add(pin)
    return {
      move: (n: number) => (pin.log = n),
      release: () => this.#pins.delete(pin),
    }
  }

  /** Feeds waiting at the end of the newest log for more. */
  get waiting(): number {
    return this.#waiters.size
  }

  /** For close: feeds waiting wake up and end (with CLOSED). */
  close(): void {
    this.#closed = true
    this.notify()
  }

  /** Open feeds (stats). */
  get feeds(): number {
    return this.#pins.size
  }

  /**
   * The lowest log number that must stay on disk for the feed: the oldest pinned or retained
   * log, or Infinity when neither keeps any. The collector deletes flushed logs below it.
   */
  keepFrom(): number {
    let keep = Infinity
    for (const pin of this.#pins) keep = Math.min(keep, pin.log)
    const retained = this.retained()
    if (retained.numbers.length > 0) keep = Math.min(keep, retained.numbers[0]!)
    return keep
  }

  /** The flushed logs retention keeps, oldest first, and their bytes (pins aside). */
  retained(): { numbers: number[]; bytes: number } {
    const live = this.#liveLog()
    const flushed = this.fs
      .list(this.dir)
      .map((name) => parseFileName(name))
      .filter((f) => f?.kind === 'log' && f.number < live)
      .map((f) => f!.number)
      .sort((a, b) => b - a)
    const numbers: number[] = []
    let bytes = 0
    if (!this.retaining) return { numbers, bytes }
    const { bytes: maxBytes, ms: maxAge } = this.#retention
    const now = Date.now()
    // Newest first: the first log over a limit and every older one go.
    for (const n of flushed) {
      const size = this.#size(n)
      if (maxBytes !== undefined && bytes + size > maxBytes) break
      if (maxAge !== undefined && now - this.#writtenAt(n, now) > maxAge) break
      bytes += size
      numbers.push(n)
    }
    for (const n of this.#sizes.keys()) if (n < (numbers.at(-1) ?? live)) this.#forget(n)
    return { numbers: numbers.reverse(), bytes }
  }

  #size(n: number): number {
    let size = this.#sizes.get(n)
    if (size === undefined) {
      const file = this.fs.openRead(logFileName(this.dir, n))
      size = file.size
      file.close()
      this.#sizes.set(n, size)
    }
    return size
  }

  #writtenAt(n: number, now: number): number {
    const mtime = this.fs.mtimeMs?.(logFileName(this.dir, n))
    if (mtime !== undefined) return mtime
    let seen = this.#firstSeen.get(n)
    if (seen === undefined) this.#firstSeen.set(n, (seen = now))
    return seen
  }

  #forget(n: number): void {
    this.#sizes.delete(n)
    this.#firstSeen.delete(n)
  }
}
