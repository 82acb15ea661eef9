// OutputSplitter: the run of tables a compaction or a repair writes, cut at the target size.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ValueKind } from '../../src/base/internal-key.js'
import { DEFAULT_OPTIONS } from '../../src/base/options.js'
import { OutputSplitter } from '../../src/compaction/output-splitter.js'
import { MemoryFileSystem } from '../helpers/memory-file-system.js'

const enc = new TextEncoder()
const key = (i: number): Uint8Array => enc.encode(`key-${String(i).padStart(4, '0')}`)

function setup(targetFileSize: number) {
  const fs = new MemoryFileSystem()
  fs.mkdir('/db')
  const numbers: number[] = []
  let next = 10
  const splitter = new OutputSplitter(fs, '/db', { ...DEFAULT_OPTIONS, compression: 'none', targetFileSize }, () => {
    numbers.push(next)
    return next++
  })
  return { fs, splitter, numbers }
}

test('a splitter cut whenever full writes a run of tables near the target size, in key order', async () => {
  const { splitter, numbers } = setup(2048)
  assert.equal(splitter.open, false)
  for (let i = 0; i < 1000; i++) {
    if (splitter.full) await splitter.cut()
    splitter.add(key(i), 1, ValueKind.Value, new Uint8Array(40))
  }
  const tables = await splitter.finish()
  assert.ok(tables.length > 5, `${tables.length} tables`)
  assert.deepEqual(tables.map((t) => t.number), numbers, 'one number per table, handed out as each starts')
  for (const t of tables.slice(0, -1)) assert.ok(t.size >= 2048 && t.size < 2048 + 1024, `table ${t.number}: ${t.size} bytes`)
  assert.deepEqual(tables[0]!.smallestKey, key(0))
  assert.deepEqual(tables.at(-1)!.largestKey, key(999))
  for (let i = 1; i < tables.length; i++) assert.ok(Buffer.compare(tables[i - 1]!.largestKey, tables[i]!.smallestKey) < 0)
})

test('a cut with no table open, or a finish with nothing added, writes nothing', async () => {
  const { fs, splitter, numbers } = setup(2048)
  await splitter.cut()
  assert.equal(splitter.full, false)
  assert.deepEqual(await splitter.finish(), [])
  assert.deepEqual(numbers, [])
  assert.deepEqual(fs.list('/db'), [])
})

test('abandon stops the open table and keeps the finished ones', async () => {
  const { fs, splitter } = setup(1 << 20)
  splitter.add(key(1), 1, ValueKind.Value, new Uint8Array(10))
  await splitter.cut()
  splitter.add(key(2), 1, ValueKind.Value, new Uint8Array(10))
  splitter.abandon()
  assert.equal(splitter.open, false)
  assert.equal(fs.openFiles.size, 0)
  assert.deepEqual((await splitter.finish()).map((t) => t.number), [10])
})

test('cuts in the background keep the tables in key order whatever order their syncs finish in, and a failed sync shows at finish', async () => {
  const { fs, splitter, numbers } = setup(2048)
  // Later tables sync first: each sync takes less time than the one before.
  let delay = 20
  const create = fs.create.bind(fs)
  fs.create = (path) => {
    const file = create(path)
    const wait = (delay = Math.max(0, delay - 5))
    return { ...file, get size() { return file.size }, append: (d) => file.append(d), close: () => file.close(), sync: async () => {
      await new Promise((resolve) => setTimeout(resolve, wait))
      await file.sync()
    } }
  }
  for (let i = 0; i < 1000; i++) {
    if (splitter.full) await splitter.cut(true)
    splitter.add(key(i), 1, ValueKind.Value, new Uint8Array(40))
  }
  const tables = await splitter.finish()
  assert.ok(tables.length > 5)
  assert.deepEqual(tables.map((t) => t.number), numbers)
  for (let i = 1; i < tables.length; i++) assert.ok(Buffer.compare(tables[i - 1]!.largestKey, tables[i]!.smallestKey) < 0)

  // The second table's sync fails: the third cut (which waits for it) says so; and a failed
  // sync of the last table cut in the background shows at finish.
  for (const [nth, where] of [[2, 'cut'], [3, 'finish']] as const) {
    const failing = setup(2048)
    failing.fs.failNth('sync', nth, 'EIO')
    let cuts = 0
    let failedAt: string | undefined
    for (let i = 0; i < 1000 && failedAt === undefined; i++) {
      if (failing.splitter.full) {
        cuts++
        await failing.splitter.cut(true).catch(() => (failedAt = `cut ${cuts}`))
        // Stop adding after the third table, so only finish() can see the third sync.
        if (nth === 3 && cuts === 3) break
      }
      failing.splitter.add(key(i), 1, ValueKind.Value, new Uint8Array(40))
    }
    if (where === 'cut') assert.equal(failedAt, 'cut 3')
    else await assert.rejects(failing.splitter.finish(), /EIO/)
  }
})
