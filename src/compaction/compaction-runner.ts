// Where a compaction job runs, as the compactionThread option says: in a worker thread (the
// default with the real file system), or on the main thread, time-sliced ('main', the
// default with a substitute FileSystem, and the only choice with one that cannot describe
// itself to the worker, such as tests' in-memory ones). A worker that cannot start in this
// process sends its jobs to the main thread too, and `warning` says why.

import { Worker } from 'node:worker_threads'
import { ShaleError, errorMessage } from '../errors.js'
import { runCompaction, type CompactionEnvironment, type CompactionResult } from './compaction-job.js'
import type { CompactionTask } from './compaction-picker.js'
import { outputNumberBudget } from './compaction-picker.js'
import { workerExecArgv } from './worker-exec-argv.js'
import { parseWorkerResponse, workerBug, type WorkerRequest, type WorkerResponse } from './worker-protocol.js'

export interface CompactionRunner {
  run(task: CompactionTask, env: CompactionEnvironment): Promise<CompactionResult>
  /** Set when compactions meant for a worker run on the main thread instead: why. */
  readonly warning: string | undefined
}

export class InProcessRunner implements CompactionRunner {
  readonly warning = undefined

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

type Finished = Exclude<WorkerResponse, { kind: 'ready' }>

export class WorkerRunner implements CompactionRunner {
  readonly #script: URL
  #starting: Promise<Worker | undefined> | undefined
  #warning: string | undefined
  #nextId = 1
  readonly #pending = new Map<number, { resolve: (r: Finished) => void; reject: (e: unknown) => void }>()

  /** `script` is the worker's entry point; tests pass one that cannot start. */
  constructor(script: URL = new URL('./compaction-worker.js', import.meta.url)) {
    this.#script = script
  }

  get warning(): string | undefined {
    return this.#warning
  }

  /** The running worker, started if needed; undefined once a worker has failed to start. */
  #ready(): Promise<Worker | undefined> {
    if (this.#warning !== undefined) return Promise.resolve(undefined)
    return (this.#starting ??= this.#start())
  }

  #start(): Promise<Worker | undefined> {
    return new Promise((resolve) => {
      let worker: Worker
      try {
        worker = new Worker(this.#script, { execArgv: workerExecArgv(process.execArgv) })
      } catch (err) {
        resolve(this.#cannotStart(err))
        return
      }
      let started = false
      worker.on('message', (message: unknown) => {
        let res: WorkerResponse
        try {
          res = parseWorkerResponse(message)
        } catch (err) {
          // Not our worker's protocol: nothing it says can be trusted any more.
          this.#failAll(err)
          void worker.terminate()
          return
        }
        if (res.kind === 'ready') {
          started = true
          // An idle worker must not keep the process alive.
          worker.unref()
          resolve(worker)
          return
        }
        const p = this.#pending.get(res.id)
        this.#pending.delete(res.id)
        if (this.#pending.size === 0) worker.unref()
        p?.resolve(res)
      })
      worker.on('error', (err) => {
        if (started) this.#failAll(err)
        else resolve(this.#cannotStart(err))
      })
      worker.on('exit', (code) => {
        if (!started) {
          resolve(this.#cannotStart(new Error(`it exited with code ${code}`)))
          return
        }
        this.#starting = undefined
        if (this.#pending.size > 0) this.#failAll(new ShaleError('IO', `Compaction worker exited with code ${code}`))
      })
    })
  }

  /**
   * A worker that cannot start (a flag, loader or resource limit of this process stops it)
   * has done no work, so nothing failed: compactions move to the main thread, for good.
   */
  #cannotStart(err: unknown): undefined {
    const why = errorMessage(err)
    this.#warning ??= `Compaction worker could not start (${why}); compactions run on the main thread, time-sliced`
    return undefined
  }

  #failAll(err: unknown): void {
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
  }

  async run(task: CompactionTask, env: CompactionEnvironment): Promise<CompactionResult> {
    // A trivial move only edits the manifest: no reason to wake the worker.
    if (task.trivialMove) return runCompaction(task, env)
    const worker = await this.#ready()
    if (worker === undefined) return runCompaction(task, env)
    const reserve = outputNumberBudget(task, env.options.targetFileSize)
    const fileNumbers = Array.from({ length: reserve }, () => env.newOutputNumber())
    const { fileSystem: _fs, ...options } = env.options
    const req: WorkerRequest = {
      id: this.#nextId++,
      dir: env.dir,
      options,
      fileSystem: env.fs.forWorker,
      task,
      deeperLevels: env.deeperLevels.map((files) => [...files]),
      snapshots: [...env.snapshots],
      fileNumbers,
    }
    const res = await new Promise<Finished>((resolve, reject) => {
      this.#pending.set(req.id, { resolve, reject })
      worker.ref()
      worker.postMessage(req)
    })
    if (res.kind === 'failed') throw new ShaleError(res.code, res.message)
    if (res.kind === 'bug') throw workerBug(res)
    return res.result
  }
}
