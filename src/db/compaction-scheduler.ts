// Runs compactions for an open database: automatic ones, queued after every flush until each
// level scores below 1, and manual ones (compactRange). They run one at a time on one
// SerialQueue, beside flushes; which tables to compact is the picker's choice
// (compaction/compaction-picker.ts), how to merge them the runner's (in process or in a
// worker). Here each result is installed in the MANIFEST, together with the compaction
// pointer of its level, and the inputs become obsolete files.

import { bottomLevelTask, manualTask, outputNumberBudget, pickCompaction, type CompactionTask } from '../compaction/compaction-picker.js'
import type { CompactionRunner } from '../compaction/in-process-runner.js'
import { coveredTables, type CoveredTable } from '../compaction/delete-only.js'
import { reservedNumbers } from '../compaction/reserved-numbers.js'
import { emptyEdit } from '../version/version-edit.js'
import { SerialQueue } from '../util/serial-queue.js'
import { NUM_LEVELS } from '../base/levels.js'
import type { DbCore } from './db-core.js'
import type { SnapshotList } from './snapshot.js'

/** The queue key under which automatic compactions coalesce. */
const AUTOMATIC = 'automatic'

export class CompactionScheduler {
  readonly #core: DbCore
  readonly #runner: CompactionRunner
  readonly #snapshots: SnapshotList
  readonly #queue = new SerialQueue()

  constructor(core: DbCore, runner: CompactionRunner, snapshots: SnapshotList) {
    this.#core = core
    this.#runner = runner
    this.#snapshots = snapshots
  }

  /**
   * Queues automatic compactions until every level scores below 1; resolves when that run
   * ends (a failure is recorded, never thrown). Calls made before the run starts share it.
   */
  schedule(): Promise<void> {
    return this.#queue.pushOnce(AUTOMATIC, async () => {
      const { versions, options, errors } = this.#core
      try {
        for (;;) {
          if (errors.error || this.#core.isClosed()) return
          // Tables range tombstones hide go first: dropping them costs no I/O and may
          // leave nothing for the merge below to do.
          const covered = coveredTables(versions.current, this.#core.tables, this.#snapshots.sequences())
          if (covered.length > 0) {
            await this.#dropCovered(covered)
            continue
          }
          const task = pickCompaction(versions.current, options, versions.compactPointers)
          if (task === undefined) return
          await this.#compact(task)
        }
      } catch (err) {
        errors.fail('compact tables', err)
      }
    })
  }

  /**
   * Runs `job` on the compaction queue, so no compaction runs while it does: an ingest picks
   * its level and installs its tables there, and a compaction under way could otherwise
   * write overlapping tables into that level.
   */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    return this.#queue.push(job)
  }

  /** Resolves once no compaction is running or queued. */
  async waitUntilIdle(): Promise<void> {
    while (this.#queue.size > 0 && !this.#core.isClosed()) await this.#queue.idle()
  }

  /** Settles (never rejects) once the compactions queued so far are done: for close and resume. */
  idle(): Promise<void> {
    return this.#queue.idle()
  }

  /**
   * Compacts every table overlapping [start, end] (all tables when both are undefined) down
   * to the deepest level that holds data, then rewrites that level's overlapping tables. The
   * caller flushes the memtable first. A failure stops writes and is thrown.
   */
  async compactRange(start: Uint8Array | undefined, end: Uint8Array | undefined, onProgress?: (done: number, total: number) => void): Promise<void> {
    const { versions, options, errors } = this.#core
    const run = this.#queue.push(async () => {
      // What range tombstones hide needs no merging (the caller's flush put them in tables).
      const covered = coveredTables(versions.current, this.#core.tables, this.#snapshots.sequences())
      if (covered.length > 0) await this.#dropCovered(covered)
      const levels = versions.current.levels
      let bottom = 1
      for (let l = 1; l < NUM_LEVELS; l++) if (levels[l]!.length > 0) bottom = l
      // One step per level pushed down, plus the rewrite of the last level.
      onProgress?.(0, bottom + 1)
      for (let level = 0; level < bottom; level++) {
        if (errors.error || this.#core.isClosed()) return
        const task = manualTask(versions.current, level, start, end, options)
        if (task !== undefined) await this.#compact(task)
        onProgress?.(level + 1, bottom + 1)
      }
      const rewrite = bottomLevelTask(versions.current, bottom, start, end)
      if (rewrite !== undefined && !errors.error) await this.#compact(rewrite)
      onProgress?.(bottom + 1, bottom + 1)
    })
    try {
      await run
    } catch (err) {
      throw errors.fail('compact tables', err)
    }
    if (errors.error) throw errors.error
    void this.schedule()
  }

  /** A delete-only compaction: one MANIFEST edit removes the tables; their files become obsolete. */
  async #dropCovered(covered: readonly CoveredTable[]): Promise<void> {
    const { versions, counters, files } = this.#core
    const edit = emptyEdit()
    edit.deletedFiles = covered.map(({ level, file }) => ({ level, number: file.number }))
    await versions.logAndApply(edit)
    counters.deleteOnlyTables += covered.length
    for (const { file } of covered) counters.deleteOnlyBytes += file.size
    files.collect()
  }

  /** Runs one compaction task and installs its result. */
  async #compact(task: CompactionTask): Promise<void> {
    const { location, fs, tables, options, versions, counters, files } = this.#core
    const started = performance.now()
    const version = versions.current
    version.ref()
    const outputs: number[] = []
    try {
      const budget = task.trivialMove ? 0 : outputNumberBudget(task, options.targetFileSize)
      const nextNumber = reservedNumbers(await versions.allocateFileNumbers(budget))
      const result = await this.#runner.run(task, {
        dir: location,
        fs,
        tables,
        options,
        deeperLevels: version.levels.slice(task.outputLevel + 1),
        snapshots: this.#snapshots.sequences(),
        newOutputNumber: () => {
          const n = nextNumber()
          files.protect(n)
          outputs.push(n)
          return n
        },
      })
      // The next pick at this level starts after the keys this one covered.
      result.edit.compactPointers = [{ level: task.level, key: task.largest }]
      await versions.logAndApply(result.edit, { compaction: { outputLevel: task.outputLevel, bytesRead: result.bytesRead, bytesWritten: result.bytesWritten } })
      counters.recordCompaction(task.outputLevel, result.bytesRead, result.bytesWritten, performance.now() - started, task.trivialMove)
      counters.droppedShadowed += result.drops.shadowed
      counters.droppedTombstones += result.drops.tombstones
    } finally {
      for (const n of outputs) files.release(n)
      version.unref()
    }
    files.collect()
  }
}
