// Entry point of the worker thread that runs compactions off the main thread. Merging
// megabytes of tables is CPU work (decoding, comparing, encoding, checksums); here it runs
// on another core and creates no garbage on the main thread's heap, so the
// event loop stays free for requests. The main thread keeps every decision: it picks the
// task, hands out file numbers in advance, and makes the resulting edit durable.

import { parentPort } from 'node:worker_threads'
import { ShaleError } from '../errors.js'
import { TableCache } from '../table/table-cache.js'
import type { FileSystem, WorkerFileSystemSpec } from '../vfs/file-system.js'
import { NodeFileSystem } from '../vfs/node-file-system.js'
import { runCompaction } from './compaction-job.js'
import { reservedNumbers } from './reserved-numbers.js'
import { failureResponse, type WorkerRequest, type WorkerResponse } from './worker-protocol.js'

const nodeFs = new NodeFileSystem()
/** One file system per spec, kept across jobs like the database's own (its state, a test's fault counters, lives on). */
const rebuilt = new Map<string, FileSystem>()

async function fileSystemFor(spec: WorkerFileSystemSpec | undefined): Promise<FileSystem> {
  if (spec === undefined) return nodeFs
  const key = `${spec.module}\n${JSON.stringify(spec.config)}`
  let fs = rebuilt.get(key)
  if (fs === undefined) {
    const module = (await import(spec.module)) as { createFileSystem?: (config: unknown) => FileSystem }
    if (typeof module.createFileSystem !== 'function') throw new ShaleError('INVALID_ARGUMENT', `${spec.module} exports no createFileSystem(config) for the compaction worker`)
    fs = module.createFileSystem(spec.config)
    rebuilt.set(key, fs)
  }
  return fs
}

parentPort!.on('message', async (req: WorkerRequest) => {
  let tables: TableCache | undefined
  try {
    const fs = await fileSystemFor(req.fileSystem)
    tables = new TableCache(req.dir, fs, {
      maxOpenFiles: Math.max(8, Math.min(req.options.maxOpenFiles, 64)),
      // A compaction reads each block once: a cache would only churn.
      blockCache: undefined,
      paranoidChecks: req.options.paranoidChecks,
      search: req.options.blockSearch,
    })
    const result = await runCompaction(req.task, {
      dir: req.dir,
      fs,
      tables,
      options: { ...req.options, fileSystem: undefined },
      deeperLevels: req.deeperLevels,
      snapshots: req.snapshots,
      newOutputNumber: reservedNumbers(req.fileNumbers),
    })
    parentPort!.postMessage({ kind: 'done', id: req.id, result } satisfies WorkerResponse)
  } catch (err) {
    // Typed here, where the errno is still known: a raw 'ENOSPC' becomes NO_SPACE, a bug stays one.
    parentPort!.postMessage(failureResponse(req.id, err))
  } finally {
    tables?.close()
  }
})

// Only now has the worker started: a flag or loader that broke its loading never gets here.
parentPort!.postMessage({ kind: 'ready' } satisfies WorkerResponse)
