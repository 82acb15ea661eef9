// The worker runner: a compaction sent to the worker thread comes back as the same result
// the main thread would compute; a failure inside the worker comes back as a ShaleError
// with one of the stable codes, and a bug as the bug; and a worker that cannot start at all moves compactions to
// the main thread, with a warning, instead of failing them.

import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { test } from 'node:test'
import { WorkerRunner } from '../../src/compaction/compaction-runner.js'
import { parseWorkerResponse, type WorkerRequest } from '../../src/compaction/worker-protocol.js'
import { taskFor } from '../../src/compaction/compaction-picker.js'
import type { CompactionEnvironment } from '../../src/compaction/compaction-job.js'
import { resolveOptions } from '../../src/base/options.js'
import { ValueKind } from '../../src/base/internal-key.js'
import { tableFileName } from '../../src/base/file-names.js'
import { isErrorCode, ShaleError } from '../../src/errors.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { TableCache } from '../../src/table/table-cache.js'
import { Version } from '../../src/version/version.js'
import { NUM_LEVELS } from '../../src/base/levels.js'
import { emptyEdit } from '../../src/version/version-edit.js'
import type { FileMetadata } from '../../src/version/file-metadata.js'
import type { FileSystem } from '../../src/vfs/file-system.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'
import { tempDir } from '../helpers/temp-dir.js'

const b = (s: string): Uint8Array => new TextEncoder().encode(s)
const key = (i: number): string => `k${String(i).padStart(6, '0')}`

function writeTable(fs: FileSystem, dir: string, number: number, seqBase: number): FileMetadata {
  const path = tableFileName(dir, number)
  const file = fs.create(path)
  const builder = new TableBuilder(file, { blockSize: 1024, restartInterval: 16, bloomBitsPerKey: 10 }, path)
  for (let i = 0; i < 300; i++) builder.add(b(key(i)), seqBase + i, ValueKind.Value, new Uint8Array(100).fill(i % 256))
  const t = builder.finish()
  file.close()
  return { number, size: t.fileSize, smallestKey: t.smallestKey, smallestSeq: t.smallestSeq, largestKey: t.largestKey, largestSeq: t.largestSeq }
}

/** Two overlapping level-0 tables (numbers 1 and 2) and the environment to merge them in `dir`. */
function twoTables(fs: FileSystem, dir: string) {
  fs.mkdir(dir)
  const edit = emptyEdit()
  edit.newFiles.push({ level: 0, file: writeTable(fs, dir, 1, 1000) }, { level: 0, file: writeTable(fs, dir, 2, 2000) })
  const version = new Version(Array.from({ length: NUM_LEVELS }, () => []), () => {}).apply(edit, () => {})
  const options = resolveOptions({ targetFileSize: 8 * 1024 })
  const task = taskFor(version, 0, [...version.levels[0]!], options)
  assert.equal(task.trivialMove, false)
  const tables = new TableCache(dir, fs, { maxOpenFiles: 10, blockCache: undefined, paranoidChecks: true, search: 'binary' })
  let next = 10
  const env: CompactionEnvironment = { dir, fs, tables, options, deeperLevels: [], snapshots: [], newOutputNumber: () => next++ }
  return { task, env, tables }
}

test('a compaction runs in the worker and returns its outputs, which are on disk', async () => {
  const dir = tempDir()
  const fs = new NodeFileSystem()
  const { task, env, tables } = twoTables(fs, dir.path)
  try {
    const runner = new WorkerRunner()
    const result = await runner.run(task, env)
    assert.equal(runner.warning, undefined)
    assert.equal(result.drops.shadowed, 300)
    assert.ok(result.outputs.length >= 1)
    for (const f of result.outputs) assert.equal(fs.stat(tableFileName(dir.path, f.number)), 'file')
  } finally {
    tables.close()
    dir.remove()
  }
})

test('a compaction that fails inside the worker rejects with a ShaleError of a stable code, and the worker is not abandoned', async () => {
  const dir = tempDir()
  const fs = new NodeFileSystem()
  const { task, env, tables } = twoTables(fs, dir.path)
  try {
    rmSync(tableFileName(dir.path, 2))
    const runner = new WorkerRunner()
    await assert.rejects(runner.run(task, env), (e) => e instanceof ShaleError && isErrorCode(e.code) && e.code === 'NOT_FOUND' && /000002/.test(e.message))
    // A failed job is a failure, not a reason to stop using the worker.
    assert.equal(runner.warning, undefined)
  } finally {
    tables.close()
    dir.remove()
  }
})

test('a worker that cannot start: the compaction runs on the main thread instead, and the runner says why', async () => {
  const fs = new MemoryFileSystem()
  const { task, env, tables } = twoTables(fs, '/db')
  const runner = new WorkerRunner(new URL('data:text/javascript,throw new Error("no worker for you")'))
  const result = await runner.run(task, env)
  assert.equal(result.drops.shadowed, 300)
  // Written through the database's own file system: the in-memory one here.
  for (const f of result.outputs) assert.equal(fs.stat(tableFileName('/db', f.number)), 'file')
  assert.match(runner.warning ?? '', /could not start \(no worker for you\).*main thread/)
  // Later compactions do not try again.
  const again = await runner.run(task, env)
  assert.equal(again.drops.shadowed, 300)
  tables.close()
})

/** A stand-in worker: says it is ready, then answers every request with `onRequest` (a function body over `req`). */
const fakeWorker = (onRequest: string): URL =>
  new URL(`data:text/javascript,${encodeURIComponent(`import { parentPort } from 'node:worker_threads'\nparentPort.postMessage({ kind: 'ready' })\nparentPort.on('message', (req) => { ${onRequest} })`)}`)

test('after a job fails in the worker, the next job runs in the same worker and succeeds', async () => {
  const dir = tempDir()
  const fs = new NodeFileSystem()
  const { task, env, tables } = twoTables(fs, dir.path)
  try {
    const runner = new WorkerRunner()
    const saved = fs.readAll(tableFileName(dir.path, 2))
    rmSync(tableFileName(dir.path, 2))
    await assert.rejects(runner.run(task, env), (e) => e instanceof ShaleError && e.code === 'NOT_FOUND')
    const back = fs.create(tableFileName(dir.path, 2))
    back.append(saved)
    back.close()
    const result = await runner.run(task, env)
    assert.equal(result.drops.shadowed, 300)
    assert.equal(runner.warning, undefined)
  } finally {
    tables.close()
    dir.remove()
  }
})

test("a worker's typed failure reaches the caller with the worker's code and message", async () => {
  const fs = new MemoryFileSystem()
  const { task, env, tables } = twoTables(fs, '/db')
  const runner = new WorkerRunner(fakeWorker(`parentPort.postMessage({ kind: 'failed', id: req.id, code: 'CORRUPTION', message: 'table 000002 is damaged' })`))
  await assert.rejects(runner.run(task, env), (e) => e instanceof ShaleError && e.code === 'CORRUPTION' && e.message === 'table 000002 is damaged')
  assert.equal(runner.warning, undefined)
  tables.close()
})

test('a bug inside the worker rejects with the bug (its type, message and stack), not with a ShaleError', async () => {
  const fs = new MemoryFileSystem()
  const { task, env, tables } = twoTables(fs, '/db')
  const runner = new WorkerRunner(fakeWorker(`parentPort.postMessage({ kind: 'bug', id: req.id, name: 'TypeError', message: 'x is undefined', stack: 'TypeError: x is undefined\\n    at job (worker.js:1:1)' })`))
  await assert.rejects(runner.run(task, env), (e) => e instanceof TypeError && !(e instanceof ShaleError) && e.message === 'x is undefined' && /at job \(worker.js/.test(e.stack ?? ''))
  assert.equal(runner.warning, undefined)
  tables.close()
})

test('a worker that dies mid-job rejects every pending job with an IO ShaleError', async () => {
  const fs = new MemoryFileSystem()
  const { task, env, tables } = twoTables(fs, '/db')
  // The first worker exits on its second request, so two jobs are pending when it dies.
  const runner = new WorkerRunner(fakeWorker(`globalThis.n = (globalThis.n ?? 0) + 1; if (globalThis.n === 2) process.exit(3)`))
  const jobs = [runner.run(task, env), runner.run(task, env)]
  for (const job of jobs) await assert.rejects(job, (e) => e instanceof ShaleError && e.code === 'IO' && /exited with code 3/.test(e.message))
  assert.equal(runner.warning, undefined, 'a worker that started and then died is a failure, not a reason to stop using workers')
  tables.close()
})

test('a worker that breaks the protocol fails its pending jobs with IO instead of leaving them hanging', async () => {
  const fs = new MemoryFileSystem()
  const { task, env, tables } = twoTables(fs, '/db')
  const runner = new WorkerRunner(fakeWorker(`parentPort.postMessage({ kind: 'done', id: 'not a number' })`))
  await assert.rejects(runner.run(task, env), (e) => e instanceof ShaleError && e.code === 'IO' && /malformed message/.test(e.message))
  tables.close()
})

test('the worker answers a job that outruns the file numbers reserved for it with a bug, not with IO: it is a broken invariant, not a disk failure', async () => {
  const dir = tempDir()
  const fs = new NodeFileSystem()
  const { task, env, tables } = twoTables(fs, dir.path)
  const worker = new Worker(new URL('../../src/compaction/compaction-worker.js', import.meta.url))
  try {
    const replies: unknown[] = []
    const reply = (): Promise<unknown> => new Promise((resolve) => worker.once('message', resolve))
    replies.push(await reply())
    const { fileSystem: _fs, ...options } = env.options
    const req: WorkerRequest = { id: 1, dir: dir.path, options, fileSystem: undefined, task, deeperLevels: [], snapshots: [], fileNumbers: [] }
    worker.postMessage(req)
    replies.push(await reply())
    assert.deepEqual(replies[0], { kind: 'ready' })
    const res = parseWorkerResponse(replies[1])
    assert.equal(res.kind, 'bug', JSON.stringify(res))
    if (res.kind === 'bug') assert.match(res.message, /more than the 0 file numbers reserved for it/)
  } finally {
    await worker.terminate()
    tables.close()
    dir.remove()
  }
})
