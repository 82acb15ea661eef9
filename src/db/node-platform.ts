// What a database gets from its host by default on Node (and Bun, Deno): the node:fs file
// system and, for compactionThread 'worker', the shared worker thread. package.json
// `imports` maps `#platform` here by default and to browser-platform.ts in the browser.

import { InProcessRunner, sharedWorkerRunner, type CompactionRunner } from '../compaction/compaction-runner.js'
import type { FileSystem } from '../vfs/file-system.js'
import { NodeFileSystem } from '../vfs/node-file-system.js'

export function defaultFileSystem(): FileSystem {
  return new NodeFileSystem()
}

export function compactionRunner(thread: 'worker' | 'main'): CompactionRunner {
  return thread === 'worker' ? sharedWorkerRunner() : new InProcessRunner()
}
