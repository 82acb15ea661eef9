// Entry point of the worker thread that runs compactions off the main thread. Merging
// megabytes of tables is CPU work (decoding, comparing, encoding, checksums); here it runs
// on another core and creates no garbage on the main thread's heap, so the
// event loop stays free for requests. The main thread keeps every decision: it picks the
// task, hands out file numbers in advance, and makes the resulting edit durable.

import { parentPort } from 'node:worker_threads'
import { ioError, ShaleError } from '../errors.js'
import { TableCache } from '../table/table-cache.js'
import { NodeFileSystem } from '../vfs/node-file-system.js'
import { runCompaction } from './compaction-job.js'
import type { WorkerRequest, WorkerResponse } from './worker-protocol.js'

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
    parentPort!.postMessage({ kind: 'done', id: req.id, result } satisfies WorkerResponse)
  } catch (err) {
    // Typed here, where the errno is still known: a raw 'ENOSPC' becomes NO_SPACE.
    const failure = ioError('compact tables', err)
    parentPort!.postMessage({ kind: 'failed', id: req.id, code: failure.code, message: failure.message } satisfies WorkerResponse)
  } finally {
    tables.close()
  }
})

// Only now has the worker started: a flag or loader that broke its loading never gets here.
parentPort!.postMessage({ kind: 'ready' } satisfies WorkerResponse)
