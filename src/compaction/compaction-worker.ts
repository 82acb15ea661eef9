// Entry point of the worker thread that runs compactions off the main thread. Merging
// megabytes of tables is CPU work (decoding, comparing, encoding, checksums); here it runs
// on the machine's other core and creates no garbage on the main thread's heap, so the
// event loop stays free for requests. The main thread keeps every decision: it picks the
// task, hands out file numbers in advance, and makes the resulting edit durable.

import { parentPort } from 'node:worker_threads'
import { ShaleError } from '../errors.js'
import type { ResolvedOptions } from '../base/options.js'
import { TableCache } from '../table/table-cache.js'
import type { FileMetadata } from '../version/file-metadata.js'
import { NodeFileSystem } from '../vfs/node-file-system.js'
import { runCompaction, type CompactionResult } from './compaction-job.js'
import type { CompactionTask } from './compaction-picker.js'

export interface WorkerRequest {
  id: number
  dir: string
  options: Omit<ResolvedOptions, 'fileSystem'>
  task: CompactionTask
  deeperLevels: FileMetadata[][]
  snapshots: number[]
  /** File numbers the job may use for its outputs, in order. */
  fileNumbers: number[]
}

export type WorkerResponse =
  | { id: number; ok: true; result: CompactionResult; usedNumbers: number }
  | { id: number; ok: false; code: string | undefined; message: string }

const fs = new NodeFileSystem()

parentPort!.on('message', async (req: WorkerRequest) => {
  const tables = new TableCache(req.dir, fs, {
    maxOpenFiles: Math.max(8, Math.min(req.options.maxOpenFiles, 64)),
    // A compaction reads each block once: a cache would only churn.
    blockCache: undefined,
    paranoidChecks: req.options.paranoidChecks,
    search: req.options.blockSearch,
  })
  let used = 0
  try {
    const result = await runCompaction(req.task, {
      dir: req.dir,
      fs,
      tables,
      options: { ...req.options, fileSystem: undefined },
      deeperLevels: req.deeperLevels,
      snapshots: req.snapshots,
      newOutputNumber: () => {
        const n = req.fileNumbers[used++]
        if (n === undefined) throw new ShaleError('IO', `Compaction used more than the ${req.fileNumbers.length} file numbers reserved for it`)
        return n
      },
    })
    parentPort!.postMessage({ id: req.id, ok: true, result, usedNumbers: used } satisfies WorkerResponse)
  } catch (err) {
    const code = err instanceof ShaleError ? err.code : (err as NodeJS.ErrnoException).code
    parentPort!.postMessage({ id: req.id, ok: false, code, message: err instanceof Error ? err.message : String(err) } satisfies WorkerResponse)
  } finally {
    tables.close()
  }
})
