// The real disk, with faults that strike only in the compaction worker. The main thread's
// instance does plain node:fs I/O; `forWorker` tells the worker to import this module and
// build its copy with the fault plan, so a test can fail a compaction that runs in the
// worker (the in-memory file systems cannot cross the thread).

import { ShaleError, ioError } from '../../src/errors.js'
import type { CreateOptions, FileSystem, WorkerFileSystemSpec, WritableFile } from '../../src/vfs/file-system.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'

/**
 * The `nth` (1-based) operation of `kind` on a file whose name ends with `suffix` fails with
 * errno `code`, or, for 'TypeError', throws a plain TypeError: a bug, not a disk failure.
 */
export interface WorkerFault {
  kind: 'create' | 'append' | 'sync'
  nth: number
  code: 'EIO' | 'ENOSPC' | 'TypeError'
  suffix: string
}

export class WorkerFaultFileSystem extends NodeFileSystem {
  readonly forWorker: WorkerFileSystemSpec

  constructor(faults: WorkerFault[]) {
    super()
    this.forWorker = { module: import.meta.url, config: faults }
  }
}

/** Called in the worker, once per plan. */
export function createFileSystem(config: unknown): FileSystem {
  return new FaultyNodeFileSystem(config as WorkerFault[])
}

class FaultyNodeFileSystem extends NodeFileSystem {
  readonly #faults: { fault: WorkerFault; seen: number }[]

  constructor(faults: WorkerFault[]) {
    super()
    this.#faults = faults.map((fault) => ({ fault, seen: 0 }))
  }

  maybeFail(kind: WorkerFault['kind'], path: string): void {
    for (const f of this.#faults) {
      if (f.fault.kind !== kind || !path.endsWith(f.fault.suffix)) continue
      if (++f.seen !== f.fault.nth) continue
      if (f.fault.code === 'TypeError') throw new TypeError(`injected ${kind} bug on ${path}`)
      const err = new Error(`${f.fault.code}: injected ${kind} failure on ${path}`) as NodeJS.ErrnoException
      err.code = f.fault.code
      throw ioError(`${kind} ${path}`, err)
    }
  }

  override create(path: string, options?: CreateOptions): WritableFile {
    this.maybeFail('create', path)
    const file = super.create(path, options)
    const check = (kind: 'append' | 'sync'): void => this.maybeFail(kind, path)
    return {
      get size() {
        return file.size
      },
      append(data) {
        check('append')
        file.append(data)
      },
      sync() {
        try {
          check('sync')
        } catch (err) {
          return Promise.reject(err instanceof ShaleError || err instanceof TypeError ? err : ioError(`sync ${path}`, err))
        }
        return file.sync()
      },
      close() {
        file.close()
      },
    }
  }
}
