// Where a compaction job runs: the contract, and the runner that runs it here, on the
// calling thread, time-sliced (compaction-job.ts yields every slice of its budget). The
// worker-thread runner (Node) is in compaction-runner.ts; db/node-platform.ts and
// db/browser-platform.ts say which a database gets.

import { runCompaction, type CompactionEnvironment, type CompactionResult } from './compaction-job.js'
import type { CompactionTask } from './compaction-picker.js'

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
