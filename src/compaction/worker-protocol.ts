// The messages between the main thread and the compaction worker. Whatever arrives from the
// other side of the thread is checked before it is trusted: a message is structured-cloned
// data, not a typed value, and a worker that loaded the wrong file, or a future version's,
// must show up as a clear failure rather than as a mistyped result.

import type { ResolvedOptions } from '../base/options.js'
import { isErrorCode, ShaleError, type ErrorCode } from '../errors.js'
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

/** Validates a message from the worker; one that is not a WorkerResponse throws IO. */
export function parseWorkerResponse(value: unknown): WorkerResponse {
  const v = value as Record<string, unknown> | null
  if (typeof v === 'object' && v !== null) {
    if (v.kind === 'ready') return { kind: 'ready' }
    if (v.kind === 'done' && Number.isSafeInteger(v.id) && typeof v.result === 'object' && v.result !== null) return v as WorkerResponse
    if (v.kind === 'failed' && Number.isSafeInteger(v.id) && isErrorCode(v.code) && typeof v.message === 'string') return v as WorkerResponse
  }
  throw new ShaleError('IO', `Compaction worker sent a malformed message: ${describe(value)}`)
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value)
  } catch {
    return String(value)
  }
}
