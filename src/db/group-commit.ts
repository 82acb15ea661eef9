// Group commit: sync writers that arrive while an fsync is running wait for the next one,
// so N concurrent sync writes cost about two fsyncs instead of N.
//
// A round syncs every log that has unsynced bytes, oldest first, plus the directory when a
// log was created since the last round. Syncing older logs too keeps recovery a prefix of
// history: a synced write in a new log must not survive while an earlier unsynced write in
// the previous log is lost.

import { yieldToLoop } from '#runtime'
import { LatencyHistogram } from '../util/latency-histogram.js'
import type { FileSystem } from '../vfs/file-system.js'
import type { LogWriter } from '../wal/log-writer.js'

/** What stats().wal reports about sync writes: how long fsyncs take, and how many writers share one. */
export interface SyncStats {
  /** fsync calls on write-ahead logs (the same as stats().fsyncs). */
  fsyncs: number
  /** Time spent in them (writing the log's buffer, then fsync), total and per call. */
  fsyncMillis: number
  fsyncP50Millis: number
  fsyncP99Millis: number
  /** Group-commit rounds, and the sync writes they acknowledged: writers per round is their ratio. */
  rounds: number
  syncedWrites: number
  maxWritersPerRound: number
  /**
   * From the end of one round to the start of the next, when sync writers kept coming: the
   * time the disk sat idle while writers were acknowledged and wrote again (p50 and p99).
   */
  gapP50Millis: number
  gapP99Millis: number
}

/** Gaps longer than this mean no sync writer was waiting; they are not counted as gaps. */
const MAX_GAP_MS = 1000

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
  readonly #fsyncTimes = new LatencyHistogram()
  readonly #gaps = new LatencyHistogram()
  #rounds = 0
  #syncedWrites = 0
  #maxWritersPerRound = 0
  /** When the last round acknowledged its writers (performance.now()), or -1 before the first. */
  #lastRoundEnd = -1

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
            const started = performance.now()
            if (this.#lastRoundEnd >= 0 && started - this.#lastRoundEnd < MAX_GAP_MS) this.#gaps.record(started - this.#lastRoundEnd)
            this.#lastRoundEnd = -1
            await log.sync()
            this.#fsyncTimes.record(performance.now() - started)
          }
        }
        this.#countRound(round.length)
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

  #countRound(writers: number): void {
    this.#rounds++
    this.#syncedWrites += writers
    if (writers > this.#maxWritersPerRound) this.#maxWritersPerRound = writers
    this.#lastRoundEnd = performance.now()
  }

  stats(): SyncStats {
    return {
      fsyncs: this.syncs,
      fsyncMillis: this.#fsyncTimes.totalMillis,
      fsyncP50Millis: this.#fsyncTimes.percentile(0.5),
      fsyncP99Millis: this.#fsyncTimes.percentile(0.99),
      rounds: this.#rounds,
      syncedWrites: this.#syncedWrites,
      maxWritersPerRound: this.#maxWritersPerRound,
      gapP50Millis: this.#gaps.percentile(0.5),
      gapP99Millis: this.#gaps.percentile(0.99),
    }
  }

  /** Waits until no round is running (used before close). */
  async drain(): Promise<void> {
    while (this.#running !== undefined) await this.#running
  }
}
