// The messages between the main thread and the compaction worker. Whatever arrives from the
// other side of the thread is checked before it is trusted: a message is structured-cloned
// data, not a typed value, and a worker that loaded the wrong file, or a future version's,
// must show up as a clear failure rather than as a mistyped result.

import type { ResolvedOptions } from '../base/options.js'
import { errorMessage, ioError, isErrnoError, isErrorCode, ShaleError, type ErrorCode } from '../errors.js'
import type { FileMetadata } from '../version/file-metadata.js'
import type { WorkerFileSystemSpec } from '../vfs/file-system.js'
import type { CompactionResult } from './compaction-job.js'
import type { CompactionTask } from './compaction-picker.js'

export interface WorkerRequest {
  id: number
  dir: string
  options: Omit<ResolvedOptions, 'fileSystem'>
  /** The database's file system, rebuilt in the worker; undefined: node:fs. */
  fileSystem: WorkerFileSystemSpec | undefined
  task: CompactionTask
  deeperLevels: FileMetadata[][]
  snapshots: number[]
  /** File numbers the job may use for its outputs, in order. */
  fileNumbers: number[]
}

export type WorkerResponse =
  /** Sent once, when the worker's module has loaded: until then it has not started. */
  | { kind: 'ready' }
  | { kind: 'done'; id: number; result: CompactionResult }
  | { kind: 'failed'; id: number; code: ErrorCode; message: string }
  /** A bug (a TypeError, a broken invariant): it is rebuilt on the main thread as itself, not as a code. */
  | { kind: 'bug'; id: number; name: string; message: string; stack: string }

/** Validates a message from the worker; one that is not a WorkerResponse throws IO. */
export function parseWorkerResponse(value: unknown): WorkerResponse {
  const v = value as Record<string, unknown> | null
  if (typeof v === 'object' && v !== null) {
    if (v.kind === 'ready') return { kind: 'ready' }
    if (v.kind === 'done' && Number.isSafeInteger(v.id) && typeof v.result === 'object' && v.result !== null) return v as WorkerResponse
    if (v.kind === 'failed' && Number.isSafeInteger(v.id) && isErrorCode(v.code) && typeof v.message === 'string') return v as WorkerResponse
    if (v.kind === 'bug' && Number.isSafeInteger(v.id) && typeof v.name === 'string' && typeof v.message === 'string' && typeof v.stack === 'string') return v as WorkerResponse
  }
  throw new ShaleError('IO', `Compaction worker sent a malformed message: ${describe(value)}`)
}

/**
 * What the worker sends for a job that threw `err`. A ShaleError or an operating-system error
 * is a failure with a code (a raw ENOSPC becomes NO_SPACE); anything else is a bug, sent as
 * one, so that the main thread treats it as it treats its own bugs (db/background-error.ts).
 */
export function failureResponse(id: number, err: unknown): WorkerResponse {
  if (err instanceof ShaleError || isErrnoError(err)) {
    const failure = ioError('compact tables', err)
    return { kind: 'failed', id, code: failure.code, message: failure.message }
  }
  const name = err instanceof Error ? err.name : 'Error'
  const message = errorMessage(err)
  return { kind: 'bug', id, name, message, stack: (err instanceof Error ? err.stack : undefined) ?? `${name}: ${message}` }
}

/** The built-in error types a bug keeps across the thread; any other name becomes an Error of that name. */
const BUG_TYPES: Readonly<Record<string, ErrorConstructor>> = { TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError }

/** The worker's bug as an error of the main thread: same type (for built-in ones), name, message and the worker's stack. */
export function workerBug(res: Extract<WorkerResponse, { kind: 'bug' }>): Error {
  const Type = Object.hasOwn(BUG_TYPES, res.name) ? BUG_TYPES[res.name]! : Error
  const err = new Type(res.message)
  err.name = res.name
  err.stack = res.stack
  return err
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value)
  } catch {
    return String(value)
  }
}
