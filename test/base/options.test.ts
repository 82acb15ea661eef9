import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveOptions } from '../../src/base/options.js'
import { ShaleError } from '../../src/errors.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { WorkerFaultFileSystem } from '../helpers/worker-fault-file-system.js'

const invalid = (pattern: RegExp) => (e: unknown) => e instanceof ShaleError && e.code === 'INVALID_ARGUMENT' && pattern.test(e.message)

test("compactionThread defaults to 'worker' with the real file system and to 'main' with a substitute one", () => {
  assert.equal(resolveOptions(undefined).compactionThread, 'worker')
  assert.equal(resolveOptions({ compactionThread: 'main' }).compactionThread, 'main')
  assert.equal(resolveOptions({ fileSystem: new MemoryFileSystem() }).compactionThread, 'main')
  assert.equal(resolveOptions({ fileSystem: new MemoryFileSystem(), compactionThread: 'main' }).compactionThread, 'main')
})

test("compactionThread 'worker' with a substitute file system the worker cannot rebuild is refused, not silently ignored", () => {
  assert.throws(() => resolveOptions({ fileSystem: new MemoryFileSystem(), compactionThread: 'worker' }), invalid(/compactionThread 'worker' needs a fileSystem the worker can rebuild/))
  const portable = new WorkerFaultFileSystem([])
  assert.equal(resolveOptions({ fileSystem: portable }).compactionThread, 'main')
  assert.equal(resolveOptions({ fileSystem: portable, compactionThread: 'worker' }).compactionThread, 'worker')
  assert.throws(() => resolveOptions({ compactionThread: 'thread' as never }), invalid(/expected 'worker' or 'main', got thread/))
})
