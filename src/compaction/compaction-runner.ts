// Where a compaction job runs: in a worker thread when the database uses the real file
// system (the normal case), or on the main thread, time-sliced, when a substitute
// FileSystem is injected (tests' in-memory and fault-injecting ones cannot cross threads).

import { Worker } from 'node:worker_threads'
import { ShaleError, type ErrorCode } from '../errors.js'
import { runCompaction, type CompactionEnvironment, type CompactionResult } from './compaction-job.js'
import type { CompactionTask } from './compaction-picker.js'
import type { WorkerRequest, WorkerResponse } from './compaction-worker.js'
import { outputNumberBudget } from './compaction-picker.js'

export interface CompactionRunner {
  run(task: CompactionTask, env: CompactionEnvironment): Promise<CompactionResult>
}

export class InProcessRunner implements CompactionRunner {
  run(task: CompactionTask, env: CompactionEnvironment): Promise<CompactionResult> {
    return runCompaction(task, env)
  }
}

/**
 * One worker serves every database in the process (an application, or a test suite, may
 * open hundreds); it is unreferenced while idle, so it never keeps the process alive.
 */
export function sharedWorkerRunner(): WorkerRunner {
  return (shared ??= new WorkerRunner())
}

let shared: WorkerRunner | undefined

export class WorkerRunner implements CompactionRunner {
  #worker: Worker | undefined
  #nextId = 1
  readonly #pending = new Map<number, { resolve: (r: WorkerResponse) => void; reject: (e: unknown) => void }>()

  #start(): Worker {
    if (this.#worker) return this.#worker
    const worker = new Worker(new URL('./compaction-worker.js', import.meta.url))
    worker.on('message', (res: WorkerResponse) => {
      const p = this.#pending.get(res.id)
      this.#pending.delete(res.id)
      if (this.#pending.size === 0) worker.unref()
      p?.resolve(res)
    })
    worker.on('error', (err) => this.#failAll(err))
    worker.on('exit', (code) => {
      this.#worker = undefined
      if (this.#pending.size > 0) this.#failAll(new ShaleError('IO', `Compaction worker exited with code ${code}`))
    })
    // An idle worker must not keep the process alive.
    worker.unref()
    this.#worker = worker
    return worker
  }

  #failAll(err: unknown): void {
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
  }

  async run(task: CompactionTask, env: CompactionEnvironment): Promise<CompactionResult> {
    // A trivial move only edits the manifest: no reason to wake the worker.
    if (task.trivialMove) return runCompaction(task, env)
    const reserve = outputNumberBudget(task, env.options.targetFileSize)
    const fileNumbers = Array.from({ length: reserve }, () => env.newOutputNumber())
    const { fileSystem: _fs, ...options } = env.options
    const req: WorkerRequest = {
      id: this.#nextId++,
      dir: env.dir,
      options,
      task,
      deeperLevels: env.deeperLevels.map((files) => [...files]),
      snapshots: [...env.snapshots],
      fileNumbers,
    }
    const worker = this.#start()
    const res = await new Promise<WorkerResponse>((resolve, reject) => {
      this.#pending.set(req.id, { resolve, reject })
      worker.ref()
      worker.postMessage(req)
    })
    if (!res.ok) throw new ShaleError((res.code as ErrorCode | undefined) ?? 'IO', res.message)
    return res.result
  }
}
