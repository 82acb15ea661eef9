// Group commit: sync writers that arrive while an fsync is running wait for the next one,
// so N concurrent sync writes cost about two fsyncs instead of N.
//
// A round syncs every log that has unsynced bytes, oldest first, plus the directory when a
// log was created since the last round. Syncing older logs too keeps recovery a prefix of
// history: a synced write in a new log must not survive while an earlier unsynced write in
// the previous log is lost.

import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { FileSystem } from '../vfs/file-system.js'
import type { LogWriter } from '../wal/log-writer.js'

interface Waiter {
  resolve: () => void
  reject: (err: unknown) => void
}

export class GroupCommit {
  readonly #fs: FileSystem
  readonly #dir: string
  readonly #logs: LogWriter[] = []
  #dirDirty = false
  #waiters: Waiter[] = []
  #running: Promise<void> | undefined
  /** fsync calls issued, for stats and the group-commit test. */
  syncs = 0

  constructor(fs: FileSystem, dir: string) {
    this.#fs = fs
    this.#dir = dir
  }

  /** A log that will receive writes; its directory entry is synced in the next round. */
  addLog(log: LogWriter): void {
    this.#logs.push(log)
    this.#dirDirty = true
  }

  /** Resolves once everything appended to the logs before this call is durable. */
  sync(): Promise<void> {
    const p = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    this.#running ??= this.#run()
    return p
  }

  /** Waits for the running round, then stops tracking (and closes) a retired log. */
  async retire(log: LogWriter): Promise<void> {
    while (this.#running !== undefined) await this.#running
    const i = this.#logs.indexOf(log)
    if (i >= 0) this.#logs.splice(i, 1)
    log.close()
  }

  async #run(): Promise<void> {
    while (this.#waiters.length > 0) {
      const round = this.#waiters
      this.#waiters = []
      try {
        if (this.#dirDirty) {
          await this.#fs.syncDir(this.#dir)
          this.#dirDirty = false
        }
        for (const log of [...this.#logs]) {
          if (log.syncedSize < log.size) {
            this.syncs++
            await log.sync()
          }
        }
        for (const w of round) w.resolve()
      } catch (err) {
        for (const w of round) w.reject(err)
      }
      // Writers just released usually write again at once. When there were several, one turn
      // of the event loop lets all of them join the next round; otherwise the first to come
      // back would start a round of its own and the rest would wait for the one after it, so
      // rounds would alternate between one writer and all the others. A lone writer does not
      // wait for the turn.
      if (round.length > 1) await yieldToLoop()
    }
    this.#running = undefined
  }

  /** Waits until no round is running (used before close). */
  async drain(): Promise<void> {
    while (this.#running !== undefined) await this.#running
  }
}
